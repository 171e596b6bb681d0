"""Scoring pipeline: applications to score + the champion -> batch scores (probability, decision, risk band,
model version and top reasons)."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.scoring import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.score_batch,
                inputs=["applications_to_score", "champion_model", "params:scoring", "params:reason_policy"],
                outputs="batch_scores",
                name="score_batch_node",
                tags=["inference"],
            )
        ]
    )
