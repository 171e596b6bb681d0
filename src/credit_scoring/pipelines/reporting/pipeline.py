"""Reporting pipeline: the model that serves after the gate and the fairness of its decisions, then the
methodology note and the model card (Markdown and HTML)."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.reporting import nodes

#: What the documents read: the run's datasets (modelling, explainability, drift, reporting) and parameters.
DOCUMENT_INPUTS = {
    **{
        name: name
        for name in (
            "model_metrics",
            "model_comparison",
            "tuning_trials",
            "promotion_decision",
            "served_model_summary",
            "fairness_report",
            "shap_global_importance",
            "client_explanations",
            "reason_family_summary",
            "drift_summary",
            "protected_attribute_experiment",
            "scorecard_points",
        )
    },
    "modelling": "params:modelling",
    "reporting": "params:reporting",
}


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.describe_served_model,
                inputs=[
                    "registered_model",  # the champion after this run's gate: the model that serves
                    "model_metrics",
                    "promotion_decision",
                    "modelling_holdout_table",
                    "params:modelling.split",
                    "params:modelling.cost",
                    "params:reporting",
                ],
                outputs=["served_model_summary", "fairness_report"],
                name="describe_served_model_node",
            ),
            Node(
                nodes.methodology_note,
                inputs=DOCUMENT_INPUTS,
                outputs=["methodology_note_md", "methodology_note_html", "methodology_top_features_plot"],
                name="methodology_note_node",
            ),
            Node(
                nodes.model_card,
                inputs=DOCUMENT_INPUTS,
                outputs=["model_card_md", "model_card_html"],
                name="model_card_node",
            ),
        ],
        tags=["reporting"],
    )
