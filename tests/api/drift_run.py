"""The drift pipeline's own nodes run on a tiny project (`tests.api.project`): the summary and the report the
pipeline would write for its model and clients, for the API and dashboard tests.

A few raw application columns are compared (plus the model's top engineered features, as the pipeline adds
them), so that Evidently stays quick; everything else is the pipeline's code and parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from credit_scoring.pipelines.drift import nodes

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Raw application columns compared: amounts, age, and categories (as the real run compares them all).
DRIFT_COLUMNS = ("AMT_INCOME_TOTAL", "AMT_CREDIT", "DAYS_BIRTH", "NAME_INCOME_TYPE", "NAME_CONTRACT_TYPE")


def drift_params(top_features: int = 3) -> dict[str, Any]:
    """The project's drift parameters (``conf/base/parameters_drift.yml``), fewer top features."""
    params = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_drift.yml").read_text())["drift"]
    params["top_features"] = top_features
    return params


def staged_applications(project: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(application_train, application_test) as data_processing staged them."""
    staged = Path(project["root"]) / "data" / "02_intermediate"
    return (
        pd.read_parquet(staged / "staged_application_train.parquet"),
        pd.read_parquet(staged / "staged_application_test.parquet"),
    )


def run_drift_nodes(
    project: dict[str, Any],
    columns: tuple[str, ...] = DRIFT_COLUMNS,
    params: dict[str, Any] | None = None,
    prediction_log: Any = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """``{"summary", "interpretation", "report"}`` of the drift nodes over the project's staged tables:
    reference = its training applications, current = its production applications (or, with
    ``drift.current.source: prediction_log``, the requests of ``prediction_log``, a log reader)."""
    params = params or drift_params()
    train, test = staged_applications(project)
    model, model_input, scoring_input = (
        project["model"],
        project["model_input_table"],
        project["scoring_input_table"],
    )
    kept = ["SK_ID_CURR", *columns]
    importance = nodes.feature_importance(model, model_input, random_state)
    reference = nodes.reference_population(train[[*kept, "TARGET"]], model_input, importance, params)
    current, logged, described = nodes.current_population(
        test[kept], scoring_input, model_input, prediction_log, importance, params
    )
    scores = nodes.score_distributions(model, model_input, scoring_input, logged)
    report, column_drift, stability = nodes.compare_populations(
        reference, current, importance, params, random_state
    )
    summary, interpretation, _, _ = nodes.summarize_drift(
        column_drift, stability, scores, importance, described, reference, model, params
    )
    return {"summary": summary, "interpretation": interpretation, "report": report}
