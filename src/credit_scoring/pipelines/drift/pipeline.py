"""Drift pipeline: importance → reference and current populations → Evidently report, PSI / CSI → summary,
interpretation and alerts."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from credit_scoring.pipelines.described_model import described_model_node
from credit_scoring.pipelines.drift import nodes

PARAMS = "params:drift"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            described_model_node(),
            Node(
                nodes.feature_importance,
                inputs=["described_model", "model_input_table", "params:random_state"],
                outputs="drift_feature_importance",
                name="drift_feature_importance_node",
            ),
            Node(
                nodes.reference_population,
                inputs=["staged_application_train", "model_input_table", "drift_feature_importance", PARAMS],
                outputs="drift_reference_population",
                name="drift_reference_population_node",
            ),
            Node(
                nodes.current_population,
                inputs=[
                    "staged_application_test",
                    "scoring_input_table",
                    "model_input_table",
                    "prediction_log",
                    "drift_feature_importance",
                    PARAMS,
                ],
                outputs=["drift_current_population", "drift_logged_scores", "drift_current_description"],
                name="drift_current_population_node",
            ),
            Node(
                nodes.score_distributions,
                inputs=[
                    "described_model",
                    "modelling_holdout_table",
                    "scoring_input_table",
                    "drift_logged_scores",
                ],
                outputs="drift_score_distributions",
                name="drift_score_distributions_node",
            ),
            Node(
                nodes.compare_populations,
                inputs=[
                    "drift_reference_population",
                    "drift_current_population",
                    "drift_feature_importance",
                    PARAMS,
                    "params:random_state",
                ],
                outputs=["drift_report", "drift_column_results", "drift_feature_stability"],
                name="drift_compare_populations_node",
            ),
            Node(
                nodes.summarize_drift,
                inputs=[
                    "drift_column_results",
                    "drift_feature_stability",
                    "drift_score_distributions",
                    "drift_feature_importance",
                    "drift_current_description",
                    "drift_reference_population",
                    "described_model",
                    PARAMS,
                    "described_model_version",
                ],
                outputs=["drift_summary", "drift_interpretation", "drift_alerts", "drift_metrics"],
                name="drift_summarize_node",
            ),
            Node(
                nodes.alerts_log_lines,
                inputs="drift_alerts",
                outputs="drift_alerts_log",
                name="drift_alerts_log_node",
            ),
            Node(
                nodes.webhook_payloads,
                inputs="drift_alerts",
                outputs="drift_alert_webhook",
                name="drift_alert_webhook_node",
            ),
        ]
    )
