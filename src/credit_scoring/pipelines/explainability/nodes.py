"""Nodes of the explainability pipeline: SHAP tables, global importance, per-client reasons, error analysis.

Contributions come from `credit_scoring.serving.explain.ScoreExplainer`, the same code the API runs for one
application, so the stored reasons and the online ones agree.
"""

# ruff: noqa: PLR0917  (Kedro nodes take their inputs positionally)

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from credit_scoring.cost import CostWeights, confusion_counts, cost_per_client, decisions
from credit_scoring.features.families import ReasonPolicy, family_code, family_label
from credit_scoring.pipelines.explainability import figures
from credit_scoring.pipelines.explainability.params import ExplainabilityParams, parse_params
from credit_scoring.pipelines.progress import Progress
from credit_scoring.serving.explain import ScoreExplainer, column_feature_matrix, matrix_columns
from credit_scoring.serving.family_reasons import FamilyExplainer, top_indices_per_direction
from credit_scoring.serving.model import GRANTED, REFUSED, CreditScoringModel
from credit_scoring.serving.reasons import SUPPORTED_LANGUAGES, ReasonWriter, dictionary_writer

logger = logging.getLogger(__name__)

#: Columns of a SHAP table before the one-column-per-feature contributions.
SHAP_META_COLUMNS = ("base_value", "raw_output", "probability")
OUTCOMES = tuple(figures.OUTCOME_NAMES)
TEXT_COLUMNS = ("label", "display_value", "sentence")
CHUNK_ROWS = 5000  # bounds the memory of one contribution matrix on the full-size data
PROGRESS_ROWS = 20_000  # the per-client reasons log their progress every this many clients


def shap_values_table(
    model_bundle: CreditScoringModel, table: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """One row per client: id, base value, raw output, probability, then one SHAP column per model feature."""
    settings = parse_params(params)
    _require_columns(table, [settings.id_column], "the table to explain")
    explainer = ScoreExplainer(model_bundle)
    parts = []
    progress = Progress(logger, f"SHAP values ({explainer.method})", len(table), "clients")
    for start in range(0, len(table), CHUNK_ROWS):
        rows = table.iloc[start : start + CHUNK_ROWS]
        contributions, base, raw_output = explainer.decompose(rows)
        part = pd.DataFrame(contributions, columns=explainer.features, index=rows.index)
        part.insert(0, "probability", model_bundle.predict_proba(rows))
        part.insert(0, "raw_output", raw_output)
        part.insert(0, "base_value", base)
        part.insert(0, settings.id_column, rows[settings.id_column].to_numpy())
        parts.append(part)
        if len(table) > CHUNK_ROWS:
            progress.step(start + len(rows))
    if not parts:
        raise ValueError("The table to explain has no rows")
    result = pd.concat(parts).reset_index(drop=True)
    logger.info(
        "SHAP values (%s) for %d clients and %d features", explainer.method, *contributions_of(result).shape
    )
    return result


def contributions_of(shap_table: pd.DataFrame) -> pd.DataFrame:
    """The per-feature contribution columns of a SHAP table."""
    start = list(shap_table.columns).index(SHAP_META_COLUMNS[-1]) + 1
    return shap_table.iloc[:, start:]


def additivity_error(shap_table: pd.DataFrame) -> float:
    """Largest |base value + contributions - raw output| over the clients (0 up to rounding)."""
    total = shap_table["base_value"].to_numpy() + contributions_of(shap_table).to_numpy().sum(axis=1)
    return float(np.abs(total - shap_table["raw_output"].to_numpy()).max())


def explanation_sample(shap_table: pd.DataFrame, params: dict[str, Any], random_state: int) -> pd.DataFrame:
    """The holdout rows behind the global figures: all of them, or a seeded sample of global_sample_size."""
    settings = parse_params(params)
    if len(shap_table) <= settings.global_sample_size:
        return shap_table
    return shap_table.sample(settings.global_sample_size, random_state=random_state).sort_index()


def global_importance(
    model_bundle: CreditScoringModel,
    holdout_shap_values: pd.DataFrame,
    params: dict[str, Any],
    random_state: int,
    described: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Mean |SHAP| per feature on the holdout (or its sample), next to the model's own importance, ranked;
    ``model_version`` names the registered version explained (empty for an unregistered model)."""
    sample = explanation_sample(holdout_shap_values, params, random_state)
    contributions = contributions_of(sample)
    kind, own = model_importance(model_bundle)
    writer = ReasonWriter()
    mean_abs = contributions.abs().mean()
    table = pd.DataFrame(
        {
            "feature": contributions.columns,
            "label_en": [writer.label(name, "en") for name in contributions.columns],
            "label_fr": [writer.label(name, "fr") for name in contributions.columns],
            "mean_abs_shap": mean_abs.to_numpy(),
            "share_of_total": (mean_abs / max(mean_abs.sum(), 1e-300)).to_numpy(),
            "mean_shap": contributions.mean().to_numpy(),
            "model_importance": own,
            "model_importance_kind": kind,
            "n_clients": len(sample),
        }
    )
    table = table.sort_values(["mean_abs_shap", "model_importance"], ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["model_importance_rank"] = table["model_importance"].rank(ascending=False, method="min").astype(int)
    table["model_version"] = (described or {}).get("version")
    return table.reset_index(drop=True)


def importance_for_the_version(importance: pd.DataFrame, described: dict[str, Any]) -> dict[str, Any]:
    """The global importance to store with the explained registered version (none for an unregistered model):
    the scoring API shows a version's own importance, whichever run explained it."""
    return {"version": described.get("version"), "table": importance}


def model_importance(model: CreditScoringModel) -> tuple[str, np.ndarray]:
    """The classifier's own importance per model feature: LightGBM gain, |coefficient| summed, or impurity."""
    classifier = model.classifier
    columns = matrix_columns(model)
    features = list(model.features)
    if hasattr(classifier, "booster_"):
        kind, values = "lightgbm_gain", classifier.booster_.feature_importance(importance_type="gain")
    elif hasattr(classifier, "coef_"):
        # coefficients of standardised columns: comparable; a one-hot feature adds its levels' |coefficients|
        kind, values = "abs_coefficient", np.abs(np.asarray(classifier.coef_).reshape(-1))
    elif hasattr(classifier, "feature_importances_"):
        kind, values = "impurity", np.asarray(classifier.feature_importances_)
    else:
        return "none", np.zeros(len(features))
    values = np.asarray(values, dtype=np.float64)
    if columns != features:
        values = values @ column_feature_matrix(columns, features)
    return kind, values


def client_explanations(
    model_bundle: CreditScoringModel,
    scoring_input_table: pd.DataFrame,
    scoring_shap_values: pd.DataFrame,
    modelling_holdout_table: pd.DataFrame,
    holdout_shap_values: pd.DataFrame,
    params: dict[str, Any],
    reason_policy: dict[str, Any],
    described: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The reasons of every client by family (`credit_scoring.serving.family_reasons`, the API's), in English
    and French, of the described model (``model_version``: its registered version).

    One row per client and family told: the strongest raising and lowering families
    (``reasons_per_direction`` each) and a refused client's reasons for refusal (``refusal_rank`` 1, 2, ...:
    the families the lender's ``reason_policy`` allows). Columns: ``SK_ID_CURR``, ``dataset`` ("scoring" or
    "holdout"), ``probability``, ``decision``, ``target`` (holdout only), ``base_value``, ``rank`` (1 =
    strongest in its direction), ``family``, ``direction``, ``contribution`` (the family's sum),
    ``refusal_reason_allowed``, ``refusal_rank``, ``feature`` and ``value_number`` / ``value_text`` (the
    feature carrying most of it and its value), ``features`` (the features shown, comma-separated), then
    ``label_*``, ``display_value_*``, ``sentence_*`` per language.
    """
    settings = parse_params(params)
    explainer = ScoreExplainer(model_bundle, policy=ReasonPolicy.model_validate(reason_policy))
    parts = [
        _explanations_of(explainer, scoring_input_table, scoring_shap_values, "scoring", settings),
        _explanations_of(explainer, modelling_holdout_table, holdout_shap_values, "holdout", settings),
    ]
    table = pd.concat(parts, ignore_index=True)
    table["model_version"] = (described or {}).get("version")
    return table


def _explanations_of(
    explainer: ScoreExplainer,
    table: pd.DataFrame,
    shap_table: pd.DataFrame,
    dataset: str,
    settings: ExplainabilityParams,
) -> pd.DataFrame:
    ids = table[settings.id_column].to_numpy()
    if not np.array_equal(ids, shap_table[settings.id_column].to_numpy()):
        raise ValueError(
            f"The {dataset} SHAP values do not match the {dataset} table's clients: rerun the pipeline"
        )
    model, families = explainer.model, explainer.families
    values = model.prepare(table)
    contributions = contributions_of(shap_table)[explainer.features].to_numpy()
    family_matrix = families.family_matrix(contributions)
    probability, base_value = shap_table["probability"].to_numpy(), shap_table["base_value"].to_numpy()
    refused = decisions(probability, model.threshold) == 1
    target = (
        table[settings.target].to_numpy(dtype=np.float64)
        if settings.target in table
        else np.full(len(table), np.nan)
    )
    value_columns = [values[name].to_numpy(dtype=object) for name in explainer.features]
    records: list[dict[str, Any]] = []
    progress = Progress(logger, f"Reasons of the {dataset} clients", len(table), "clients")
    for row, (feature_row, family_row) in enumerate(zip(contributions, family_matrix, strict=True)):
        if row and row % PROGRESS_ROWS == 0:
            progress.step(row)
        row_values = _RowValues(value_columns, row)
        told = families.refusal_indices(family_row) if refused[row] else []
        ranks = {"raises": 0, "lowers": 0}
        strongest = top_indices_per_direction(family_row, settings.reasons_per_direction)
        for position in dict.fromkeys([*strongest, *told]):
            reasons = families.reasons(position, family_row, feature_row, row_values, SUPPORTED_LANGUAGES)
            first = reasons[SUPPORTED_LANGUAGES[0]]
            ranks[first.direction] += 1
            value = first.value
            record = {
                settings.id_column: ids[row],
                "dataset": dataset,
                "probability": probability[row],
                "decision": REFUSED if refused[row] else GRANTED,
                "target": target[row],
                "base_value": base_value[row],
                "rank": ranks[first.direction],
                "family": first.family,
                "direction": first.direction,
                "contribution": first.contribution,
                "refusal_reason_allowed": first.refusal_reason_allowed,
                "refusal_rank": told.index(position) + 1 if position in told else None,
                "feature": first.feature,
                "value_number": value if isinstance(value, float) else np.nan,
                "value_text": value if isinstance(value, str) else None,
                "features": ",".join(shown.feature for shown in first.values),
            }
            for language, reason in reasons.items():
                record[f"label_{language}"] = reason.label
                record[f"display_value_{language}"] = reason.display_value
                record[f"sentence_{language}"] = reason.sentence
            records.append(record)
    columns = [
        settings.id_column, "dataset", "probability", "decision", "target", "base_value", "rank", "family",
        "direction", "contribution", "refusal_reason_allowed", "refusal_rank", "feature", "value_number",
        "value_text", "features",
        *(f"{kind}_{language}" for language in SUPPORTED_LANGUAGES for kind in TEXT_COLUMNS),
    ]  # fmt: skip
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["value_text"] = frame["value_text"].astype("string")
    frame["refusal_rank"] = frame["refusal_rank"].astype("Int64")
    return frame


class _RowValues:
    """One row of the prepared columns, read by position without building the row."""

    def __init__(self, columns: list[np.ndarray], row: int):
        self.columns, self.row = columns, row

    def __getitem__(self, position: int) -> Any:
        return self.columns[position][self.row]


def reason_family_summary(
    model_bundle: CreditScoringModel,
    holdout_shap_values: pd.DataFrame,
    scoring_shap_values: pd.DataFrame,
    client_explanations: pd.DataFrame,
    params: dict[str, Any],
    reason_policy: dict[str, Any],
) -> dict[str, Any]:
    """How the reason families explain the model, for the methodology note and MLflow.

    Per family: its features, mean |contribution| on the holdout (the family importance) and share of the
    total, whether a refusal may name it, and how often it leads a refusal. Over the refused clients (both
    tables): how many reasons for refusal each gets (a letter needs ``refusal_reasons`` distinct ones), and,
    for comparison, how often their three strongest single features would have repeated one family.
    """
    client = ["dataset", parse_params(params).id_column]
    policy = ReasonPolicy.model_validate(reason_policy)
    features = list(model_bundle.features)
    families = FamilyExplainer(features, dictionary_writer(), policy)
    holdout = families.family_matrix(contributions_of(holdout_shap_values)[features].to_numpy())
    mean_abs = np.abs(holdout).mean(axis=0) if len(holdout) else np.zeros(len(families.codes))
    refused = client_explanations.loc[client_explanations["decision"] == REFUSED]
    told = refused.dropna(subset=["refusal_rank"])
    counts = told.groupby(client).size()
    leads = told.loc[told["refusal_rank"] == 1, "family"].value_counts()
    repeated, single = _feature_reasons_repeating_a_family(
        [holdout_shap_values, scoring_shap_values], features, model_bundle.threshold
    )
    rows = sorted(
        (
            {
                "family": code,
                "label_en": family_label(code, "en"),
                "label_fr": family_label(code, "fr"),
                "features": len(members),
                "mean_abs_contribution": float(mean_abs[j]),
                "share_of_total": float(mean_abs[j] / max(mean_abs.sum(), 1e-300)),
                "refusal_reason_allowed": policy.allows(code),
                "leads_refusals": int(leads.get(code, 0)),
                "leads_refusals_share": float(leads.get(code, 0) / max(len(counts), 1)),
            }
            for j, (code, members) in enumerate(zip(families.codes, families.members, strict=True))
        ),
        key=lambda row: -row["mean_abs_contribution"],
    )
    refused_clients = len(refused.drop_duplicates(client))
    distribution = counts.value_counts().reindex(range(policy.refusal_reasons + 1), fill_value=0)
    distribution[0] = refused_clients - len(counts)
    return {
        "policy": policy.model_dump(mode="json"),
        "families": rows,
        "refused_clients": refused_clients,
        "refusal_reasons_per_client": {str(k): int(v) for k, v in distribution.items()},
        "refused_with_all_refusal_reasons_share": float(
            (counts == policy.refusal_reasons).sum() / max(refused_clients, 1)
        ),
        "refusal_reasons_distinct_share": float(
            (told.groupby(client)["family"].nunique() == counts).mean() if len(counts) else 1.0
        ),
        "feature_reasons_repeating_a_family_share": repeated,
        "feature_reasons_all_one_family_share": single,
    }


def _feature_reasons_repeating_a_family(
    shap_tables: list[pd.DataFrame], features: list[str], threshold: float, n_reasons: int = 3
) -> tuple[float | None, float | None]:
    """Among refused clients: the share whose ``n_reasons`` strongest raising single features repeat a family
    (at least two in one), and the share where all of them are one family (what feature reasons would say)."""
    owners = np.array([family_code(feature) for feature in features])
    repeated = single = total = 0
    for table in shap_tables:
        refused = table.loc[decisions(table["probability"].to_numpy(), threshold) == 1]
        values = contributions_of(refused)[features].to_numpy()
        top = np.argsort(-values, axis=1, kind="stable")[:, :n_reasons]
        raising = np.take_along_axis(values, top, axis=1) > 0
        for row_top, row_raising in zip(top, raising, strict=True):
            named = owners[row_top[row_raising]]
            if len(named) < n_reasons:
                continue
            total += 1
            distinct = len(set(named))
            repeated += distinct < n_reasons
            single += distinct == 1
    if not total:
        return None, None
    return repeated / total, single / total


def holdout_outcomes(
    model_bundle: CreditScoringModel,
    modelling_holdout_table: pd.DataFrame,
    holdout_shap_values: pd.DataFrame,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Each holdout client's probability, decision at the model's threshold, true outcome and TN/FP/FN/TP."""
    settings = parse_params(params)
    _require_columns(
        modelling_holdout_table, [settings.id_column, settings.target], "modelling_holdout_table"
    )
    y_true = modelling_holdout_table[settings.target].to_numpy(dtype=np.int64)
    proba = holdout_shap_values["probability"].to_numpy()
    refused = decisions(proba, model_bundle.threshold)
    outcome = np.select(
        [(y_true == 0) & (refused == 0), (y_true == 0) & (refused == 1), (y_true == 1) & (refused == 0)],
        ["TN", "FP", "FN"],
        default="TP",
    )
    return pd.DataFrame(
        {
            settings.id_column: modelling_holdout_table[settings.id_column].to_numpy(),
            "probability": proba,
            "refused": refused,
            "target": y_true,
            "outcome": outcome,
        }
    )


def error_analysis_by_score(
    model_bundle: CreditScoringModel, outcomes: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """Correct and wrong decisions per band of the probability of default (the threshold is a band edge)."""
    settings = parse_params(params)
    edges = score_band_edges(settings.score_bins, model_bundle.threshold)
    bands = pd.cut(outcomes["probability"], edges, right=False, include_lowest=True)
    # a probability of exactly 1 falls outside [.., 1): put it in the last band
    bands = bands.fillna(bands.cat.categories[-1]) if outcomes["probability"].max() >= 1 else bands
    counts = pd.crosstab(bands, outcomes["outcome"]).reindex(columns=list(OUTCOMES), fill_value=0)
    counts = counts.reindex(bands.cat.categories, fill_value=0)
    table = pd.DataFrame(
        {
            "score_from": [interval.left for interval in counts.index],
            "score_to": [interval.right for interval in counts.index],
            "decision": np.where(
                [interval.left >= model_bundle.threshold for interval in counts.index], "refused", "granted"
            ),
            **{outcome: counts[outcome].to_numpy() for outcome in OUTCOMES},
        }
    )
    table["clients"] = table[list(OUTCOMES)].sum(axis=1)
    table["defaults"] = table["FN"] + table["TP"]
    table["default_rate"] = table["defaults"] / table["clients"].where(table["clients"] > 0)
    table["wrong_decisions"] = table["FP"] + table["FN"]
    table["wrong_share"] = table["wrong_decisions"] / table["clients"].where(table["clients"] > 0)
    table["near_threshold"] = (table["score_to"] > model_bundle.threshold - settings.threshold_margin) & (
        table["score_from"] < model_bundle.threshold + settings.threshold_margin
    )
    return table


def score_band_edges(n_bands: int, threshold: float) -> np.ndarray:
    """Equal-width band edges on [0, 1] with the inner edge nearest to the threshold moved onto it."""
    edges = np.linspace(0.0, 1.0, n_bands + 1)
    if 0.0 < threshold < 1.0:
        nearest = 1 + int(np.argmin(np.abs(edges[1:-1] - threshold)))
        edges[nearest] = threshold
    return edges


def error_summary(
    model_bundle: CreditScoringModel, outcomes: pd.DataFrame, params: dict[str, Any]
) -> dict[str, Any]:
    """Key figures of the errors: false positives the cost-driven threshold accepts, and close calls."""
    settings = parse_params(params)
    threshold = model_bundle.threshold
    weights = CostWeights(**model_bundle.cost_weights) if model_bundle.cost_weights else CostWeights()
    y_true, proba = outcomes["target"].to_numpy(), outcomes["probability"].to_numpy()
    at_threshold = confusion_counts(y_true, decisions(proba, threshold))
    at_half = confusion_counts(y_true, decisions(proba, 0.5))
    near = np.abs(proba - threshold) <= settings.threshold_margin
    wrong = outcomes["outcome"].isin(["FP", "FN"]).to_numpy()
    false_positive = outcomes["outcome"].eq("FP").to_numpy()
    return {
        "model_name": model_bundle.model_name,
        "threshold": threshold,
        "cost_weights": {"false_negative": weights.false_negative, "false_positive": weights.false_positive},
        "clients": len(outcomes),
        "at_threshold": {
            **at_threshold.__dict__,
            "cost_per_client": cost_per_client(y_true, proba, threshold, weights),
        },
        "at_0_5": {**at_half.__dict__, "cost_per_client": cost_per_client(y_true, proba, 0.5, weights)},
        "extra_false_positives_vs_0_5": int(at_threshold.fp - at_half.fp),
        "false_negatives_avoided_vs_0_5": int(at_half.fn - at_threshold.fn),
        "refused_share": float(np.mean(proba >= threshold)),
        "default_rate_refused": _rate(y_true[proba >= threshold]),
        "default_rate_granted": _rate(y_true[proba < threshold]),
        "threshold_margin": settings.threshold_margin,
        "near_threshold_clients": int(near.sum()),
        "near_threshold_wrong": int((near & wrong).sum()),
        "near_threshold_share_of_errors": float((near & wrong).sum() / max(wrong.sum(), 1)),
        "false_positives_near_threshold_share": float(
            (near & false_positive).sum() / max(false_positive.sum(), 1)
        ),
        "false_positive_median_probability": float(np.median(proba[false_positive]))
        if false_positive.any()
        else None,
    }


def error_drivers(
    outcomes: pd.DataFrame,
    holdout_shap_values: pd.DataFrame,
    importance: pd.DataFrame,
    params: dict[str, Any],
) -> pd.DataFrame:
    """Mean contribution of the most important features per outcome; FP minus TN shows what pushes good
    clients over the threshold, FN minus TP what hides defaulters."""
    settings = parse_params(params)
    top = importance["feature"].head(settings.error_driver_features).tolist()
    contributions = contributions_of(holdout_shap_values)[top]
    means = contributions.groupby(outcomes["outcome"].to_numpy()).mean().reindex(list(OUTCOMES))
    table = means.T.reset_index(names="feature")
    table.columns = ["feature", *(f"mean_shap_{outcome}" for outcome in OUTCOMES)]
    table.insert(1, "label_en", importance.set_index("feature").loc[top, "label_en"].to_numpy())
    table["fp_minus_tn"] = table["mean_shap_FP"] - table["mean_shap_TN"]
    table["fn_minus_tp"] = table["mean_shap_FN"] - table["mean_shap_TP"]
    counts = outcomes["outcome"].value_counts().reindex(list(OUTCOMES), fill_value=0)
    for outcome in OUTCOMES:
        table[f"n_{outcome}"] = int(counts[outcome])
    return table.sort_values("fp_minus_tn", ascending=False, key=np.abs, kind="stable").reset_index(drop=True)


def explainability_metrics(
    holdout_shap_values: pd.DataFrame,
    scoring_shap_values: pd.DataFrame,
    importance: pd.DataFrame,
    summary: dict[str, Any],
    families: dict[str, Any],
) -> dict[str, dict[str, float]]:
    """Numbers worth following across runs, for MLflow."""
    metrics = {
        "explainability.additivity_max_error_holdout": additivity_error(holdout_shap_values),
        "explainability.additivity_max_error_scoring": additivity_error(scoring_shap_values),
        "explainability.top_feature_share_of_total": float(importance["share_of_total"].iloc[0]),
        "explainability.top10_features_share_of_total": float(importance["share_of_total"].head(10).sum()),
        "explainability.features_without_effect": float((importance["mean_abs_shap"] == 0).sum()),
        "explainability.false_positives": float(summary["at_threshold"]["fp"]),
        "explainability.extra_false_positives_vs_0_5": float(summary["extra_false_positives_vs_0_5"]),
        "explainability.near_threshold_share_of_errors": float(summary["near_threshold_share_of_errors"]),
        "explainability.refused_with_all_refusal_reasons_share": float(
            families["refused_with_all_refusal_reasons_share"]
        ),
        "explainability.feature_reasons_repeating_a_family_share": _number(
            families["feature_reasons_repeating_a_family_share"]
        ),
        "explainability.top_family_share_of_total": float(families["families"][0]["share_of_total"]),
    }
    return {name: {"value": value, "step": 0} for name, value in metrics.items() if np.isfinite(value)}


def plot_global_importance(importance: pd.DataFrame, params: dict[str, Any]) -> Figure:
    return figures.importance_figure(importance, parse_params(params).bar_top_features)


def plot_shap_beeswarm(
    model_bundle: CreditScoringModel,
    modelling_holdout_table: pd.DataFrame,
    holdout_shap_values: pd.DataFrame,
    importance: pd.DataFrame,
    params: dict[str, Any],
    random_state: int,
) -> Figure:
    sample, values = _sample_with_values(
        model_bundle, modelling_holdout_table, holdout_shap_values, params, random_state
    )
    return figures.beeswarm_figure(
        contributions_of(sample), values, importance, parse_params(params).beeswarm_top_features
    )


def plot_dependence(
    model_bundle: CreditScoringModel,
    modelling_holdout_table: pd.DataFrame,
    holdout_shap_values: pd.DataFrame,
    importance: pd.DataFrame,
    params: dict[str, Any],
    random_state: int,
) -> Figure:
    sample, values = _sample_with_values(
        model_bundle, modelling_holdout_table, holdout_shap_values, params, random_state
    )
    writer = ReasonWriter()
    top = importance["feature"].head(parse_params(params).dependence_top_features)
    return figures.dependence_figure(
        contributions_of(sample), values, importance, {name: writer.text(name) for name in top}, len(top)
    )


def plot_error_analysis(by_score: pd.DataFrame, drivers: pd.DataFrame, summary: dict[str, Any]) -> Figure:
    return figures.error_analysis_figure(by_score, drivers, summary)


def _sample_with_values(
    model: CreditScoringModel,
    table: pd.DataFrame,
    shap_table: pd.DataFrame,
    params: dict[str, Any],
    random_state: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The global sample of SHAP rows and the matching feature values, as the model saw them."""
    sample = explanation_sample(shap_table, params, random_state)
    values = model.prepare(table.reset_index(drop=True)).loc[sample.index]
    return sample, values


def _number(value: float | None) -> float:
    return np.nan if value is None else float(value)


def _rate(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def _require_columns(table: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {missing}")
