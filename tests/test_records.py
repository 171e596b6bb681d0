"""The records that cross from the pipelines to the API and the dashboard: written whole, read leniently."""

from __future__ import annotations

import inspect
import json

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from credit_scoring.api.config import ScoringSettings
from credit_scoring.records import (
    DEFAULT_BAND_MULTIPLES,
    CostSensitivityRow,
    ModelMetrics,
    ScoreBands,
    cost_curve_points,
)
from credit_scoring.serving.description import COST_CURVE_ARTIFACT, METRICS_ARTIFACT, load_description
from credit_scoring.serving.scoring import risk_band

WRITTEN = {name: None for name in ModelMetrics.model_fields} | {
    "model_name": "lgbm",
    "threshold": 0.1,
    "holdout_auc": 0.75,
    "business_cost_per_client": 0.5,
}


def test_the_modelling_pipeline_writes_every_declared_metric_and_nothing_else() -> None:
    assert ModelMetrics.written(WRITTEN)["holdout_auc"] == 0.75
    with pytest.raises(ValueError, match=r"undeclared \['gini_typo'\], absent \[\]"):
        ModelMetrics.written({**WRITTEN, "gini_typo": 0.5})
    with pytest.raises(ValueError, match=r"absent \['cv_auc'\]"):
        ModelMetrics.written({k: v for k, v in WRITTEN.items() if k != "cv_auc"})
    with pytest.raises(ValueError, match="holdout_auc"):
        ModelMetrics.written({**WRITTEN, "holdout_auc": "high"})


def test_risk_report_fields_are_typed_and_absent_from_older_files() -> None:
    band = {"band": "low", "lower": 0.0, "upper": 0.05, "count": 3, "defaults": 0}
    band |= {"default_rate": 0.0, "mean_predicted": 0.01, "rank_order_ok": True}
    empty = {**band, "band": "moderate", "count": 0, "default_rate": None, "mean_predicted": None}
    bands = {
        "band_multiples": [0.5, 1.0, 2.0],
        "deciles": [band],
        "risk_bands": [band, {**empty, "rank_order_ok": None}],
        "rank_ordering_ok": True,
        "production_risk_bands": [{"band": "low", "count": 2, "mean_predicted": None}],
    }
    sensitivity = {"cost_ratio": 10, "threshold": 0.09, "cost_per_client": 0.5, "approval_rate": 0.7}
    sensitivity |= {"approve_all_cost": 0.8, "decision_ratio": True}
    written = ModelMetrics.written(
        {**WRITTEN, "gini": 0.5, "ks": 0.4, "score_bands": bands, "cost_sensitivity": [sensitivity]}
    )
    read = ModelMetrics.model_validate(json.loads(json.dumps(written)))
    assert isinstance(read.score_bands, ScoreBands) and read.score_bands.risk_bands[1].default_rate is None
    assert (
        isinstance(read.cost_sensitivity[0], CostSensitivityRow) and read.cost_sensitivity[0].cost_ratio == 10
    )
    with pytest.raises(ValueError, match="score_bands"):
        ModelMetrics.written({**WRITTEN, "score_bands": {**bands, "deciles": [{"band": "1"}]}})
    recorded = {"model_name": "lgbm", "threshold": 0.1, "holdout_auc": 0.7, "business_cost_per_client": 0.5}
    older = ModelMetrics.model_validate(recorded)
    assert (older.gini, older.ks, older.score_bands, older.cost_sensitivity) == (None, None, None, None)


def test_the_risk_bands_have_one_default_for_the_api_and_the_pipelines() -> None:
    assert ScoringSettings().risk_band_multiples is DEFAULT_BAND_MULTIPLES
    assert inspect.signature(risk_band).parameters["multiples"].default is DEFAULT_BAND_MULTIPLES


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
