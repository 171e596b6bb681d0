"""The protected-attribute experiment: the selected model with and without the excluded features.

`modelling.excluded_features` (gender and its indicator) never reach a model. This experiment measures what
that costs and what it changes: the selected candidate's specification is cross-validated and refitted once
more, on the same folds, cost and seed, with the excluded features put back; both variants are then compared
on the holdout (AUC, cost per client) and, per gender and per age band, by approval rate and error rates
(`credit_scoring.reporting.fairness.group_metrics`, the fairness report's own groups).

It also applies the rule that decides whether age stays a feature, to the served variant's figures: age is a
risk driver, so different approval and error rates between age bands are expected wherever their default
rates differ; the reason to drop it would be an age band the model over-prices (predicts more defaults than
the band has, beyond sampling noise), i.e. clients refused for their age beyond their risk.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from sklearn.metrics import roc_auc_score

from credit_scoring.cost import CostWeights, cost_per_client, decisions
from credit_scoring.pipelines.modelling.budget import fold_progress
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import (
    FOLD_COLUMN,
    CalibrationSettings,
    CandidateResult,
    cross_validate,
    features_and_target,
    fold_indices,
    refit,
    served_probabilities,
)
from credit_scoring.pipelines.modelling.params import (
    CandidateSpec,
    ModellingSettings,
    SplitParams,
    parse_excluded_features,
)
from credit_scoring.reporting.fairness import age_band, group_metrics
from credit_scoring.serving.model import FeatureSpec

#: Keys of ``variants``: the served model (without the excluded features) and the experiment's refit.
SERVED, WITH_EXCLUDED = "served", "with_excluded"
#: Rates compared between groups; a gap is the highest group's rate minus the lowest one's.
GAP_RATES = ("approval_rate", "false_refusal_rate", "missed_default_rate")
UNKNOWN_GROUP = "unknown"


class FairnessGroups(BaseModel):
    """The groups of the fairness report, read from ``params:reporting`` (its other keys are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    gender_column: str = "CODE_GENDER"
    age_column: str = "AGE_YEARS"
    age_band_edges: list[float] = Field(default=[18, 30, 40, 50, 60, 120], min_length=3)


def protected_attribute_experiment(
    *,
    candidate_results: dict[str, CandidateResult],
    selected_model: str,
    model_input_table: pd.DataFrame,
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    settings: ModellingSettings,
    reporting: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """The experiment as a JSON-ready dictionary, and its main figures as MLflow metrics."""
    split, weights, rules = settings.split, settings.weights, settings.protected_experiment
    method, n_jobs, random_state = settings.calibration.method, settings.n_jobs, settings.random_state
    groups_settings = FairnessGroups.model_validate(reporting or {})
    excluded = parse_excluded_features(
        list(settings.excluded_features),
        model_input_table.columns,
        id_column=split.id_column,
        target=split.target,
    )
    served = candidate_results[selected_model]
    y_holdout = holdout_table[split.target].to_numpy(dtype=np.int64)
    groups, unavailable = holdout_groups(holdout_table, groups_settings)
    n_features = training_table.shape[1] - 2
    variants: dict[str, Any] = {
        SERVED: variant_summary(
            served, y_holdout, groups, weights, n_features=n_features, min_group=rules.min_group_clients
        ),
        WITH_EXCLUDED: None,
    }
    started = time.perf_counter()
    if excluded:
        with_excluded = _train_with_excluded(
            served,
            _put_back(model_input_table, training_table, excluded, split.id_column),
            holdout_table,
            cv_folds=cv_folds,
            settings=split,
            calibration=CalibrationSettings(
                method=method, fold=cv_folds[FOLD_COLUMN].to_numpy(), weights=weights
            ),
            n_jobs=n_jobs,
            random_state=random_state,
        )
        variants[WITH_EXCLUDED] = variant_summary(
            with_excluded,
            y_holdout,
            groups,
            weights,
            n_features=n_features + len(excluded),
            min_group=rules.min_group_clients,
        )
        variants[WITH_EXCLUDED]["reliance"] = reliance_on(
            with_excluded, holdout_table, excluded, split=split, random_state=random_state
        )
    fit_time_s = time.perf_counter() - started
    result = {
        "excluded_features": list(excluded),
        "model_name": selected_model,
        "specification": served.spec,
        "n_folds": int(cv_folds[FOLD_COLUMN].nunique()),
        "random_state": int(random_state),
        "cost": {"false_negative": weights.false_negative, "false_positive": weights.false_positive},
        "n_train": len(training_table),
        "n_holdout": len(holdout_table),
        "group_columns": {"gender": groups_settings.gender_column, "age_band": groups_settings.age_column},
        "age_band_edges": list(groups_settings.age_band_edges),
        "unavailable_groups": unavailable,
        "min_group_clients": rules.min_group_clients,
        "note": _note(excluded),
        "variants": variants,
        "difference": _difference(variants),
        "age": age_decision(
            y_holdout,
            served.holdout_proba,
            groups.get("age_band"),
            min_group=rules.min_group_clients,
            tolerance=rules.age_overpricing_tolerance,
            gaps=variants[SERVED]["gaps"].get("age_band"),
        ),
        "fit_time_s": fit_time_s,
    }
    return result, experiment_metrics(result)


def holdout_groups(
    holdout_table: pd.DataFrame, settings: FairnessGroups
) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """Gender and age band of each holdout client; a column the holdout lacks is reported, not fatal."""
    groups: dict[str, pd.Series] = {}
    unavailable: dict[str, str] = {}
    for attribute, column in (("gender", settings.gender_column), ("age_band", settings.age_column)):
        if column not in holdout_table.columns:
            unavailable[attribute] = f"the holdout table has no column {column!r}"
            continue
        values = holdout_table[column]
        groups[attribute] = age_band(values, settings.age_band_edges) if attribute == "age_band" else values
    return groups, unavailable


def _put_back(
    model_input_table: pd.DataFrame, training_table: pd.DataFrame, excluded: tuple[str, ...], id_column: str
) -> pd.DataFrame:
    """The training clients (same rows, same order) with the excluded columns at their original places."""
    source = model_input_table.set_index(id_column)
    ids = training_table[id_column]
    missing = ids[~ids.isin(source.index)]
    if not missing.empty:
        raise ValueError(
            f"{len(missing)} training clients are not in model_input_table (e.g. "
            f"{missing.head(3).tolist()}): the modelling tables are stale, rerun the modelling pipeline"
        )
    restored = source.loc[ids.to_numpy(), list(excluded)].reset_index(drop=True)
    table = pd.concat([training_table.reset_index(drop=True), restored], axis=1)
    order = [column for column in model_input_table.columns if column in table.columns]
    return table[order]


def _train_with_excluded(
    served: CandidateResult,
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    *,
    cv_folds: pd.DataFrame,
    settings: SplitParams,
    calibration: CalibrationSettings,
    n_jobs: int,
    random_state: int,
) -> CandidateResult:
    """The served candidate's specification, cross-validated and refitted as `refit_candidates` does."""
    spec = CandidateSpec.model_validate(served.spec)
    X, y = features_and_target(training_table, settings.id_column, settings.target)
    X_holdout, _ = features_and_target(holdout_table, settings.id_column, settings.target)
    folds = fold_indices(cv_folds, training_table, settings.id_column)
    estimator = build_estimator(spec, FeatureSpec.from_frame(X), random_state, n_jobs)
    name = f"{served.name}+excluded"
    cv = cross_validate(
        estimator,
        X,
        y,
        folds,
        calibration.weights,
        early_stopping_rounds=spec.early_stopping_rounds,
        progress=fold_progress(name, len(folds)),
    )
    result = CandidateResult(name=name, spec=served.spec, cv=cv)
    refit(result, estimator, X, y, X_holdout, calibration=calibration)
    return result


def reliance_on(
    result: CandidateResult,
    holdout_table: pd.DataFrame,
    columns: tuple[str, ...],
    *,
    split: SplitParams,
    random_state: int,
) -> dict[str, Any]:
    """How much a model leans on ``columns``: its holdout probabilities with those columns shuffled between
    clients (seeded) against the real ones. A model that does not use them at all (a scorecard that never
    selects them, trees that never split on them) moves no probability and changes no decision."""
    X, _ = features_and_target(holdout_table, split.id_column, split.target)
    shuffled = X.copy()
    order = np.random.default_rng(random_state).permutation(len(X))
    for column in columns:
        shuffled[column] = X[column].to_numpy()[order]
    real = served_probabilities(result.estimator, result.calibrator, X)[1]
    moved = served_probabilities(result.estimator, result.calibrator, shuffled)[1]
    change = np.abs(moved - real)
    threshold = float(result.served_threshold.threshold)
    changed = decisions(moved, threshold) != decisions(real, threshold)
    return {
        "mean_abs_probability_change": _number(change.mean()) if len(change) else None,
        "max_abs_probability_change": _number(change.max()) if len(change) else None,
        "decisions_changed_share": _number(changed.mean()) if len(changed) else None,
        "uses_them": bool(len(change) and change.max() > 0.0),
    }


def variant_summary(
    result: CandidateResult,
    y_holdout: np.ndarray,
    groups: dict[str, pd.Series],
    weights: CostWeights,
    *,
    n_features: int,
    min_group: int,
) -> dict[str, Any]:
    """AUC, cost and approval rate on the holdout at the variant's own threshold, and its group tables."""
    threshold = float(result.served_threshold.threshold)
    proba = np.asarray(result.holdout_proba, dtype=np.float64)
    tables = {
        attribute: group_metrics(y_holdout, proba, threshold, values, attribute=attribute, weights=weights)
        for attribute, values in groups.items()
    }
    return {
        "n_features": int(n_features),
        "cv_auc": _number(result.cv.auc),
        # out-of-fold cost at the served threshold (cross-fitted calibrated scores): the same folds for both
        "cv_cost_per_client": _number(result.served_threshold.cost_per_client),
        "holdout_auc": holdout_auc(y_holdout, proba),
        "threshold": threshold,
        "holdout_cost_per_client": (
            cost_per_client(y_holdout, proba, threshold, weights) if len(y_holdout) else None
        ),
        "approval_rate": _number((decisions(proba, threshold) == 0).mean()) if len(proba) else None,
        "groups": {attribute: _records(table) for attribute, table in tables.items()},
        "gaps": {attribute: group_gaps(table, min_group) for attribute, table in tables.items()},
    }


def holdout_auc(y_true: np.ndarray, proba: np.ndarray) -> float | None:
    """The AUC, or None when the holdout has a single class (the AUC is then undefined)."""
    if np.unique(y_true).size < 2:
        return None
    return float(roc_auc_score(y_true, proba))


def group_gaps(table: pd.DataFrame, min_group: int) -> dict[str, dict[str, Any]]:
    """For each rate of ``GAP_RATES``: the highest minus the lowest group's rate among the known groups with
    at least ``min_group`` clients in the rate's denominator (all clients for the approval rate, good clients
    for the false refusal rate, defaulters for the missed default rate); with fewer than two such groups the
    gap is None and ``reason`` says why."""
    known = table[table["group"] != UNKNOWN_GROUP]
    defaulters = (known["n_clients"] * known["observed_default_rate"]).round()
    denominators = {
        "approval_rate": known["n_clients"],
        "false_refusal_rate": known["n_clients"] - defaulters,
        "missed_default_rate": defaulters,
    }
    gaps = {}
    for rate in GAP_RATES:
        values = known[denominators[rate] >= min_group].dropna(subset=[rate])
        if len(values) < 2:
            whom = {"approval_rate": "clients", "false_refusal_rate": "good clients"}.get(rate, "defaulters")
            gaps[rate] = {
                "gap": None,
                "highest": None,
                "lowest": None,
                "reason": f"fewer than two groups have at least {min_group} {whom} to measure the "
                f"{rate.replace('_', ' ')} on",
            }
            continue
        high = values.loc[values[rate].idxmax()]
        low = values.loc[values[rate].idxmin()]
        gaps[rate] = {
            "gap": float(high[rate] - low[rate]),
            "highest": {"group": str(high["group"]), "rate": float(high[rate])},
            "lowest": {"group": str(low["group"]), "rate": float(low[rate])},
            "reason": None,
        }
    return gaps


def age_rule(min_group: int, tolerance: float) -> str:
    """The rule, as the note quotes it."""
    return (
        f"Age stays a feature unless the served model over-prices an age band of at least {min_group} "
        "holdout clients: its mean predicted default probability above its observed default rate by more "
        f"than {tolerance:.3f} and by more than two standard errors (sqrt(p(1-p)/n), p the band's mean "
        "prediction, n its clients), that is, clients refused for their age beyond their risk. Gaps in "
        "approval or error rates between age bands alone are no reason: where the bands' default rates "
        "differ, a model that prices each band's risk correctly approves and errs at different rates."
    )


def age_decision(
    y_true: np.ndarray,
    proba: np.ndarray,
    bands: pd.Series | None,
    *,
    min_group: int,
    tolerance: float,
    gaps: dict[str, dict[str, Any]] | None,
) -> dict[str, Any]:
    """Whether age stays a feature, by `age_rule`, with the per-band figures the finding quotes."""
    rule = age_rule(min_group, tolerance)
    if bands is None:
        finding = "The holdout has no age column: the rule could not be applied; age stays a feature."
        return {"rule": rule, "bands": [], "over_priced": [], "age_stays": True, "judged": False} | {
            "finding": finding
        }
    labels = bands.astype("string").fillna(UNKNOWN_GROUP).to_numpy()
    proba = np.asarray(proba, dtype=np.float64)
    rows = []
    for band in sorted(pd.unique(labels)):
        member = labels == band
        n = int(member.sum())
        predicted = float(proba[member].mean())
        observed = float(y_true[member].mean())
        two_se = 2.0 * math.sqrt(predicted * (1.0 - predicted) / n)
        judged = n >= min_group and band != UNKNOWN_GROUP
        rows.append(
            {
                "band": str(band),
                "n_clients": n,
                "mean_predicted": predicted,
                "observed_default_rate": observed,
                "excess": predicted - observed,
                "two_standard_errors": two_se,
                "judged": judged,
                "over_priced": bool(judged and predicted - observed > max(tolerance, two_se)),
            }
        )
    judged_rows = [row for row in rows if row["judged"]]
    over = [row for row in judged_rows if row["over_priced"]]
    decision = {"rule": rule, "bands": rows, "over_priced": [row["band"] for row in over]}
    if not judged_rows:
        finding = (
            f"No age band has {min_group} holdout clients or more: the rule could not be applied; age "
            "stays a feature until the holdout is large enough to judge it."
        )
        return {**decision, "age_stays": True, "judged": False, "finding": finding}
    if over:
        listed = "; ".join(_band_text(row) for row in over)
        finding = (
            f"Over-priced age band(s): {listed}. By the rule, age should be removed from the features "
            "(add it to modelling.excluded_features) or its use justified."
        )
        return {**decision, "age_stays": False, "judged": True, "finding": finding + _gap_text(gaps)}
    worst = max(judged_rows, key=lambda row: row["excess"])
    finding = (
        f"No age band is over-priced: the largest excess of predicted over observed default rate is "
        f"{worst['excess']:+.3f} ({_band_text(worst)}). Age stays a feature."
    )
    return {**decision, "age_stays": True, "judged": True, "finding": finding + _gap_text(gaps)}


def _band_text(row: dict[str, Any]) -> str:
    return (
        f"{row['band']}: predicted {row['mean_predicted']:.3f}, observed {row['observed_default_rate']:.3f}, "
        f"{row['n_clients']:,} clients, two standard errors {row['two_standard_errors']:.3f}"
    )


def _gap_text(gaps: dict[str, dict[str, Any]] | None) -> str:
    parts = []
    for rate, gap in (gaps or {}).items():
        if gap["gap"] is not None:
            parts.append(
                f"{rate.replace('_', ' ')} from {gap['lowest']['rate']:.3f} ({gap['lowest']['group']}) to "
                f"{gap['highest']['rate']:.3f} ({gap['highest']['group']})"
            )
    return f" Between age bands: {'; '.join(parts)}." if parts else ""


def _note(excluded: tuple[str, ...]) -> str:
    if not excluded:
        return "modelling.excluded_features is empty: nothing to put back, only the served model is shown."
    return (
        f"'{SERVED}' is the selected model as served (without {', '.join(excluded)}); '{WITH_EXCLUDED}' is "
        "the same specification trained again on the same folds, cost and seed with them put back. Each "
        "variant decides at its own threshold, chosen on its out-of-fold rows."
    )


def _difference(variants: dict[str, Any]) -> dict[str, float | None]:
    """With minus without the excluded features (None when a figure is missing)."""
    served, other = variants[SERVED], variants[WITH_EXCLUDED]
    keys = ("cv_auc", "cv_cost_per_client", "holdout_auc", "holdout_cost_per_client", "approval_rate")
    if other is None:
        return dict.fromkeys(keys)
    return {
        key: None if served[key] is None or other[key] is None else float(other[key] - served[key])
        for key in keys
    }


def experiment_metrics(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Numeric figures for MLflow: ``<variant>.<figure>`` and ``<variant>.<attribute>.<rate>_gap``."""
    logged: dict[str, dict[str, float]] = {}

    def log(key: str, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            logged[key] = {"value": float(value), "step": 0}

    for name, variant in result["variants"].items():
        if variant is None:
            continue
        for key in (
            "cv_auc",
            "cv_cost_per_client",
            "holdout_auc",
            "holdout_cost_per_client",
            "approval_rate",
        ):
            log(f"{name}.{key}", variant[key])
        for attribute, gaps in variant["gaps"].items():
            for rate, gap in gaps.items():
                log(f"{name}.{attribute}.{rate}_gap", gap["gap"])
    log("age_stays", float(result["age"]["age_stays"]))
    log("fit_time_s", result["fit_time_s"])
    return logged


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dictionaries: NaN (a rate with no one to measure it on) becomes None."""
    return [
        {key: _json_value(value) for key, value in row.items()} for row in table.to_dict(orient="records")
    ]


def _json_value(value: Any) -> Any:
    return _number(value) if isinstance(value, float | np.floating) else value


def _number(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
