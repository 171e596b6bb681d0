"""The records that cross from the pipelines to the API and the dashboard: written whole, read leniently."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from credit_scoring.records import ModelMetrics, cost_curve_points
from credit_scoring.serving.description import COST_CURVE_ARTIFACT, METRICS_ARTIFACT, load_description

WRITTEN = {name: None for name in ModelMetrics.model_fields} | {
    "model_name": "lgbm",
    "threshold": 0.1,
    "holdout_auc": 0.75,
    "business_cost_per_client": 0.5,
}


def test_the_modelling_pipeline_writes_every_declared_metric_and_nothing_else() -> None:
    assert ModelMetrics.written(WRITTEN)["holdout_auc"] == 0.75
    with pytest.raises(ValueError, match=r"undeclared \['gini'\], absent \[\]"):
        ModelMetrics.written({**WRITTEN, "gini": 0.5})
    with pytest.raises(ValueError, match=r"absent \['cv_auc'\]"):
        ModelMetrics.written({k: v for k, v in WRITTEN.items() if k != "cv_auc"})
    with pytest.raises(ValueError, match="holdout_auc"):
        ModelMetrics.written({**WRITTEN, "holdout_auc": "high"})


def test_a_cost_curve_row_of_the_wrong_form_is_named() -> None:
    with pytest.raises(ValueError, match="cost curve row 0"):
        cost_curve_points([{"threshold": 0.1, "cost_per_client": 0.4}])


def test_figures_a_version_recorded_in_another_form_are_reported_not_served(tmp_path) -> None:
    """A version whose run logged metrics this release cannot read is described as such, not with a guess."""
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    run_id = client.create_run(client.create_experiment("records")).info.run_id
    client.log_text(run_id, json.dumps({"holdout_auc": 0.7}), METRICS_ARTIFACT)  # no model name, no threshold
    client.log_text(
        run_id, pd.DataFrame({"threshold": [0.1], "cost": [3.0]}).to_csv(index=False), COST_CURVE_ARTIFACT
    )
    described = load_description(client, run_id, "4")
    assert described.metrics is None and "model_name" in described.missing["metrics"]
    assert described.cost_curve is None and "cost curve row 0" in described.missing["cost_curve"]
