"""Performance pipeline (`make monitor`): the decision log labelled by the outcome feed → the model versions'
references → the live performance summary and its alerts."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.performance import nodes

PARAMS = "params:performance"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.label_outcomes,
                inputs=["prediction_log", "loan_outcomes", PARAMS],
                outputs="performance_labelled_log",
                name="label_outcomes_node",
            ),
            Node(
                nodes.model_references,
                inputs="performance_labelled_log",
                outputs="performance_model_references",
                name="performance_model_references_node",
            ),
            Node(
                nodes.summarize_performance,
                inputs={
                    "labelled_log": "performance_labelled_log",
                    "model_references": "performance_model_references",
                    "staged_application_train": "staged_application_train",
                    "performance": PARAMS,
                    "cost": "params:modelling.cost",
                    "drift": "params:drift",
                    "prediction_log": "prediction_log",
                },
                outputs=["performance_summary", "performance_alerts_log"],
                name="summarize_performance_node",
            ),
        ]
    )
