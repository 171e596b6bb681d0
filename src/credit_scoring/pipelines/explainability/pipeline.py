"""Explainability of the described model (the champion by default): SHAP tables → global importance and
figures → per-client reasons → error analysis."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.described_model import described_model_node
from credit_scoring.pipelines.explainability import nodes

PARAMS = "params:explainability"
SEED = "params:random_state"
REASON_POLICY = "params:reason_policy"


def create_pipeline(**kwargs) -> Pipeline:
    shap_tables = [
        Node(
            nodes.shap_values_table,
            inputs=["described_model", "modelling_holdout_table", PARAMS],
            outputs="holdout_shap_values",
            name="explain_holdout_node",
        ),
        Node(
            nodes.shap_values_table,
            inputs=["described_model", "scoring_input_table", PARAMS],
            outputs="scoring_shap_values",
            name="explain_scoring_clients_node",
        ),
    ]
    global_view = [
        Node(
            nodes.global_importance,
            inputs=["described_model", "holdout_shap_values", PARAMS, SEED, "described_model_version"],
            outputs="shap_global_importance",
            name="global_importance_node",
        ),
        Node(
            nodes.importance_for_the_version,
            inputs=["shap_global_importance", "described_model_version"],
            outputs="version_shap_global_importance",
            name="store_importance_with_the_version_node",
        ),
        Node(
            nodes.plot_global_importance,
            inputs=["shap_global_importance", PARAMS],
            outputs="shap_importance_plot",
            name="plot_global_importance_node",
        ),
        Node(
            nodes.plot_shap_beeswarm,
            inputs=[
                "described_model",
                "modelling_holdout_table",
                "holdout_shap_values",
                "shap_global_importance",
                PARAMS,
                SEED,
            ],
            outputs="shap_beeswarm_plot",
            name="plot_shap_beeswarm_node",
        ),
        Node(
            nodes.plot_dependence,
            inputs=[
                "described_model",
                "modelling_holdout_table",
                "holdout_shap_values",
                "shap_global_importance",
                PARAMS,
                SEED,
            ],
            outputs="shap_dependence_plot",
            name="plot_dependence_node",
        ),
    ]
    local_view = [
        Node(
            nodes.client_explanations,
            inputs=[
                "described_model",
                "scoring_input_table",
                "scoring_shap_values",
                "modelling_holdout_table",
                "holdout_shap_values",
                PARAMS,
                REASON_POLICY,
                "described_model_version",
            ],
            outputs="client_explanations",
            name="client_explanations_node",
        ),
        Node(
            nodes.reason_family_summary,
            inputs=[
                "described_model",
                "holdout_shap_values",
                "scoring_shap_values",
                "client_explanations",
                PARAMS,
                REASON_POLICY,
            ],
            outputs="reason_family_summary",
            name="reason_family_summary_node",
        ),
    ]
    errors = [
        Node(
            nodes.holdout_outcomes,
            inputs=["described_model", "modelling_holdout_table", "holdout_shap_values", PARAMS],
            outputs="holdout_decision_outcomes",
            name="holdout_outcomes_node",
        ),
        Node(
            nodes.error_analysis_by_score,
            inputs=["described_model", "holdout_decision_outcomes", PARAMS],
            outputs="error_analysis_by_score",
            name="error_analysis_by_score_node",
        ),
        Node(
            nodes.error_summary,
            inputs=["described_model", "holdout_decision_outcomes", PARAMS],
            outputs="error_analysis_summary",
            name="error_summary_node",
        ),
        Node(
            nodes.error_drivers,
            inputs=["holdout_decision_outcomes", "holdout_shap_values", "shap_global_importance", PARAMS],
            outputs="error_drivers",
            name="error_drivers_node",
        ),
        Node(
            nodes.plot_error_analysis,
            inputs=["error_analysis_by_score", "error_drivers", "error_analysis_summary"],
            outputs="error_analysis_plot",
            name="plot_error_analysis_node",
        ),
        Node(
            nodes.explainability_metrics,
            inputs=[
                "holdout_shap_values",
                "scoring_shap_values",
                "shap_global_importance",
                "error_analysis_summary",
                "reason_family_summary",
            ],
            outputs="explainability_metrics",
            name="explainability_metrics_node",
        ),
    ]
    return Pipeline(
        [described_model_node(), *shap_tables, *global_view, *local_view, *errors], tags=["explainability"]
    )
