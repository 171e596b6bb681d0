"""Nodes of the drift pipeline: pure functions from data and parameters to data (Kedro passes inputs
positionally, hence the signatures).

Reference = the training applications (``application_train``); current = ``application_test`` or the scoring
API's prediction log over a window. The compared frame holds every raw application column plus the model's
top features that are not raw columns (engineered and history features), taken from the batch model input
of the same clients (a top feature that is also a raw column is compared on the value as received). For the
prediction log, the raw columns come from the logged requests, the engineered
features from the batch model input of known clients (missing for new clients) and the score is the logged
probability.
"""

# ruff: noqa: PLR0917

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from credit_scoring.monitoring.alerts import alert_records, evaluate_rules, status_of
from credit_scoring.monitoring.data_drift import (
    DriftSettings,
    dataset_drift,
    external_assets,
    report_html,
    run_data_drift,
)
from credit_scoring.monitoring.importance import model_feature_importance
from credit_scoring.monitoring.interpretation import interpret, recommended_action
from credit_scoring.monitoring.prediction_log import (
    CLIENT_KEY,
    PredictionLogError,
    expand_applications,
    resolve_window,
)
from credit_scoring.monitoring.stability import StabilityBands, characteristic_stability, stability_index
from credit_scoring.pipelines.drift.params import DriftParams, parse_drift_params
from credit_scoring.records import DriftSummary

logger = logging.getLogger(__name__)

#: Columns of the staged application tables that are not application fields.
NON_FIELDS = ("TARGET", "_UNPARSED_VALUES")
SCORE = "probability"


def _frame(table: pd.DataFrame | ir.Table) -> pd.DataFrame:
    return table if isinstance(table, pd.DataFrame) else table.to_pandas()


#: Training rows a linear model's contribution spread is measured on (plenty for a standard deviation).
IMPORTANCE_ROWS = 5000


def feature_importance(model_bundle: Any, model_input_table: pd.DataFrame, random_state: int) -> pd.DataFrame:
    """The model's global importance per feature (LightGBM gain, or the spread of a linear model's
    contributions on training rows), most important first."""
    rows = _sample(model_input_table, IMPORTANCE_ROWS, random_state)
    table = model_feature_importance(model_bundle, rows)
    logger.info("Top model features (%s): %s", table["kind"].iat[0], ", ".join(table["feature"].head(5)))
    return table


def _application_fields(applications: pd.DataFrame) -> list[str]:
    return [c for c in applications.columns if c not in (CLIENT_KEY, *NON_FIELDS)]


def _extra_top_features(importance: pd.DataFrame, fields: list[str], top: int) -> list[str]:
    top_features = importance["feature"].head(top).tolist()
    return [feature for feature in top_features if feature not in fields]


def _with_model_features(rows: pd.DataFrame, model_input: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    missing = [f for f in features if f not in model_input.columns]
    if missing:
        raise ValueError(
            f"The model input lacks the model's feature(s) {missing}: rebuild it (data_processing)"
        )
    batch = model_input[[CLIENT_KEY, *features]].drop_duplicates(CLIENT_KEY, keep="last")
    keys = rows[[CLIENT_KEY]].astype({CLIENT_KEY: "float64"})
    joined = keys.merge(
        batch.astype({CLIENT_KEY: "float64"}), on=CLIENT_KEY, how="left", validate="many_to_one"
    )
    return pd.concat([rows.reset_index(drop=True), joined[features].reset_index(drop=True)], axis=1)


def reference_population(
    application_train: pd.DataFrame | ir.Table,
    model_input_table: pd.DataFrame,
    importance: pd.DataFrame,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Every training application: its raw fields and the model's top engineered features."""
    settings = parse_drift_params(params)
    applications = _frame(application_train)
    fields = _application_fields(applications)
    extra = _extra_top_features(importance, fields, settings.top_features)
    rows = applications[[CLIENT_KEY, *fields]]
    return _with_model_features(rows, model_input_table, extra)


def current_population(
    application_test: pd.DataFrame | ir.Table,
    scoring_input_table: pd.DataFrame,
    model_input_table: pd.DataFrame,
    prediction_log: Any,
    importance: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """(current rows with the reference's columns, logged scores (empty unless the log is read),
    a description of the current data)."""
    settings = parse_drift_params(params)
    applications = _frame(application_test)
    fields = _application_fields(applications)
    extra = _extra_top_features(importance, fields, settings.top_features)
    if settings.current.source == "application_test":
        rows = _with_model_features(applications[[CLIENT_KEY, *fields]], scoring_input_table, extra)
        described = {"source": "application_test", "rows": len(rows)}
        return rows, pd.DataFrame({SCORE: pd.Series(dtype=float)}), described

    window_settings = settings.current.prediction_log
    window = resolve_window(
        window_settings.start, window_settings.end, window_settings.last_days, now=datetime.now(UTC)
    )
    filters = {
        "endpoint": window_settings.endpoint,
        "model_name": window_settings.model_name,
        "model_version": window_settings.model_version,
    }
    log = prediction_log.read(window, filters)
    if log.empty:
        raise PredictionLogError(
            f"The prediction log holds no request in {window.describe()} (filters {filters}): widen the "
            "window (drift.current.prediction_log) or score some applications first"
        )
    dtypes = applications[[CLIENT_KEY, *fields]].dtypes.to_dict()
    logged = expand_applications(log, dtypes)
    batch = pd.concat([model_input_table, scoring_input_table], ignore_index=True)
    rows = _with_model_features(logged, batch, extra)
    known = rows[CLIENT_KEY].isin(batch[CLIENT_KEY]).sum() if extra else None
    described = {
        "source": "prediction_log",
        "window": window.describe(),
        "filters": {k: v for k, v in filters.items() if v is not None},
        "rows": len(rows),
        "rows_with_batch_features": None if known is None else int(known),
        "model_versions": sorted(log["model_version"].dropna().astype(str).unique().tolist()),
    }
    scores = pd.DataFrame({SCORE: pd.to_numeric(log[SCORE], errors="coerce").to_numpy(dtype=float)})
    return rows, scores, described


def score_distributions(
    model_bundle: Any,
    modelling_holdout_table: pd.DataFrame,
    scoring_input_table: pd.DataFrame,
    logged_scores: pd.DataFrame,
) -> pd.DataFrame:
    """Predicted probabilities of the reference (the model on the holdout: out-of-sample training clients)
    and of the current data (the logged probabilities, or the model on the production clients)."""
    reference = model_bundle.predict_proba(modelling_holdout_table)
    current = (
        logged_scores[SCORE].to_numpy(dtype=float)
        if len(logged_scores)
        else model_bundle.predict_proba(scoring_input_table)
    )
    return pd.concat(
        [
            pd.DataFrame({"population": "reference", SCORE: reference}),
            pd.DataFrame({"population": "current", SCORE: current}),
        ],
        ignore_index=True,
    )


def _sample(frame: pd.DataFrame, rows: int | None, seed: int) -> pd.DataFrame:
    return frame if rows is None or len(frame) <= rows else frame.sample(n=rows, random_state=seed)


def compare_populations(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    importance: pd.DataFrame,
    params: dict[str, Any],
    random_state: int,
) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """(Evidently HTML report, per-column drift, CSI of the top features).

    The Evidently report runs on samples (``drift.sampling``): its distances are stable at 20,000 rows and
    its cost grows with rows and columns. The CSI uses every row.
    """
    settings = parse_drift_params(params)
    shares = importance.set_index("feature")["share"]
    # most important first: the report's sections follow this order
    columns = sorted(
        (c for c in reference.columns if c != CLIENT_KEY), key=lambda c: -float(shares.get(c, 0.0))
    )
    evidently = settings.evidently
    snapshot, column_drift = run_data_drift(
        _sample(reference[columns], settings.sampling.report_reference_rows, random_state),
        _sample(current[columns], settings.sampling.report_current_rows, random_state),
        DriftSettings(
            drift_share=evidently.drift_share,
            num_method=evidently.num_method,
            cat_method=evidently.cat_method,
            threshold=evidently.threshold,
            missing_share_threshold=evidently.missing_share_threshold,
        ),
    )
    html = report_html(snapshot)
    remote = external_assets(html)
    if remote:  # Evidently 0.7 inlines everything; say so loudly if a version stops doing it
        logger.warning("The drift report loads %d asset(s) from the network: %s", len(remote), remote[:3])
    top = importance["feature"].head(settings.top_features).tolist()
    stability = characteristic_stability(reference, current, top, settings.stability.bins, _bands(settings))
    return html, column_drift, stability


def _bands(settings: DriftParams) -> StabilityBands:
    return StabilityBands(settings.stability.moderate, settings.stability.significant)


def _columns_by_importance(
    column_drift: pd.DataFrame, importance: pd.DataFrame, top: list[str], fields: set[str]
) -> list[dict[str, Any]]:
    shares = importance.set_index("feature")["share"]
    ranks = importance.set_index("feature")["rank"]
    table = column_drift.copy()
    table["source"] = np.where(table["column"].isin(fields), "application", "model_feature")
    table["importance_share"] = table["column"].map(shares).fillna(0.0)
    table["importance_rank"] = table["column"].map(ranks).astype("Int64")
    table["top_feature"] = table["column"].isin(top)
    table = table.sort_values(["importance_share", "column"], ascending=[False, True], kind="stable")
    return json.loads(table.to_json(orient="records"))


def summarize_drift(
    column_drift: pd.DataFrame,
    feature_stability: pd.DataFrame,
    scores: pd.DataFrame,
    importance: pd.DataFrame,
    current_description: dict[str, Any],
    reference: pd.DataFrame,
    model_bundle: Any,
    params: dict[str, Any],
    described: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str, list[dict[str, Any]], dict[str, Any]]:
    """(drift_summary, interpretation text, alert records, MLflow metrics); ``described`` names the model
    whose scores and importance are compared (source, registered version)."""
    settings = parse_drift_params(params)
    bands = _bands(settings)
    top = importance["feature"].head(settings.top_features).tolist()
    columns = _columns_by_importance(column_drift, importance, top, set(reference.columns) - {CLIENT_KEY})
    verdict = dataset_drift(column_drift, settings.evidently.drift_share)

    drifted = set(column_drift.loc[column_drift["drifted"].astype(bool), "column"])
    compared_top = [f for f in top if f in set(column_drift["column"])]
    shares = importance.set_index("feature")["share"]
    reference_scores = scores.loc[scores["population"] == "reference", SCORE]
    current_scores = scores.loc[scores["population"] == "current", SCORE]
    psi = stability_index(reference_scores, current_scores, settings.stability.bins)
    metrics = {
        **{
            k: verdict[k]
            for k in ("number_of_columns", "number_of_drifted_columns", "share_of_drifted_columns")
        },
        "top_features": len(compared_top),
        "top_features_drifted_share": (
            sum(f in drifted for f in compared_top) / len(compared_top) if compared_top else 0.0
        ),
        "top_features_drifted_importance": float(sum(shares[f] for f in compared_top if f in drifted)),
        "score_psi": psi,
        "score_psi_band": bands.band(psi),
        "max_top_feature_csi": float(feature_stability["csi"].max()) if len(feature_stability) else None,
        "score_mean_reference": float(reference_scores.mean()),
        "score_mean_current": float(current_scores.mean()),
        "current_rows": float(current_description["rows"]),
        "psi_moderate": bands.moderate,
        "psi_significant": bands.significant,
    }
    fired = evaluate_rules(metrics, settings.rules)
    status = status_of(fired)
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    summary = {
        "generated_at": generated_at,
        "status": status,
        "dataset_drift": verdict["dataset_drift"],
        **verdict,
        "reference": {"source": "application_train", "rows": len(reference)},
        "current": current_description,
        "model": {
            "name": getattr(model_bundle, "model_name", None),
            "importance": importance["kind"].iat[0] if len(importance) else None,
            "version": (described or {}).get("version"),
            "source": (described or {}).get("source"),
        },
        "sampling": settings.sampling.model_dump(),
        "metrics": metrics,
        "score_stability": {
            "psi": psi,
            "band": bands.band(psi),
            "bins": settings.stability.bins,
            "reference_rows": len(reference_scores),
            "current_rows": len(current_scores),
        },
        "feature_stability": [
            {**row, "importance_share": float(shares.get(row["column"], 0.0))}
            for row in feature_stability.to_dict(orient="records")
        ],
        "columns": columns,
        "fired_rules": fired,
    }
    summary["recommended_action"] = recommended_action(
        metrics, settings.retrain_importance, settings.retune_importance
    )
    summary["interpretation"] = interpret(summary)
    summary = DriftSummary.model_validate(summary).model_dump(mode="json")  # the record the API serves
    context = {
        "generated_at": generated_at,
        "status": status,
        "current": current_description,
        "model": summary["model"]["name"],
        "recommended_action": summary["recommended_action"],
    }
    alerts = alert_records(fired, context)
    for alert in alerts:
        logger.warning("DRIFT ALERT %s: %s (value %s)", alert["rule"], alert["condition"], alert["value"])
    logger.info("Drift status %s\n%s", status.upper(), summary["interpretation"])
    mlflow_metrics = {
        "drift_share_of_drifted_columns": verdict["share_of_drifted_columns"],
        "drift_number_of_drifted_columns": verdict["number_of_drifted_columns"],
        "drift_top_features_drifted_share": metrics["top_features_drifted_share"],
        "drift_score_psi": psi,
        "drift_status_level": ["ok", "warn", "alert"].index(status),
    }
    return (
        summary,
        summary["interpretation"],
        alerts,
        {k: {"value": float(v), "step": 0} for k, v in mlflow_metrics.items()},
    )


def alerts_log_lines(alerts: list[dict[str, Any]]) -> str:
    """The alert records as JSON lines, appended to the alerts log (empty text: nothing appended)."""
    return "".join(json.dumps(alert, default=str, sort_keys=True) + "\n" for alert in alerts)


def webhook_payloads(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alert records the webhook receives, one POST each (the webhook dataset skips an empty list)."""
    return list(alerts)
