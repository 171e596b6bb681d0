"""Reporting pipeline: fairness table, then the methodology note and the model card (Markdown and HTML)."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.reporting import nodes

RUN_DATASETS = ["model_metrics", "model_comparison", "promotion_decision", "fairness_report"]
PARAMETERS = ["params:modelling", "params:reporting"]


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.fairness_report,
                inputs=[
                    "model_bundle",
                    "modelling_holdout_table",
                    "params:modelling.split",
                    "params:modelling.cost",
                    "params:reporting",
                ],
                outputs="fairness_report",
                name="fairness_report_node",
            ),
            Node(
                nodes.methodology_note,
                inputs=[*RUN_DATASETS, *PARAMETERS],
                outputs=["methodology_note_md", "methodology_note_html"],
                name="methodology_note_node",
            ),
            Node(
                nodes.model_card,
                inputs=[*RUN_DATASETS, *PARAMETERS],
                outputs=["model_card_md", "model_card_html"],
                name="model_card_node",
            ),
        ],
        tags=["reporting"],
    )
