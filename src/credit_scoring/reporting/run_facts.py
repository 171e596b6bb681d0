"""What a run did and found, read from its datasets, for the methodology note and the model card.

Every sentence of the documents that names a method comes from here, and every function reads what ran (the
comparison table, the tuning trials, the configuration the run used), never what could have run: a method the
run did not use is never described as used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from credit_scoring.reporting.documents import percent

#: How each imbalance strategy of the configuration is named in the documents.
IMBALANCE_METHODS = {
    "none": "no rebalancing (the threshold tuned on the business cost compensates)",
    "class_weight": 'class weights (`class_weight="balanced"`)',
    "smote": "SMOTE oversampling of the defaulters",
    "undersample": "random undersampling of the non-defaulters",
}


def imbalance_tried(
    comparison: pd.DataFrame, trials: pd.DataFrame, tuning: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Each imbalance strategy the run evaluated: the candidates that used it and the tuning trials that
    tried it (a study that does not search the strategy uses its base candidate's for every trial)."""
    # a study that does not search the strategy keeps its base candidate's, which its best trial shows
    base_imbalance = {spec["name"]: spec["base"].get("imbalance", "none") for spec in tuning.values()}
    base_imbalance |= dict(zip(comparison["model_name"], comparison["imbalance"], strict=True))
    tried: dict[str, dict[str, Any]] = {}

    def entry(strategy: str) -> dict[str, Any]:
        return tried.setdefault(
            strategy,
            {"strategy": strategy, "method": IMBALANCE_METHODS[strategy], "candidates": [], "trials": 0},
        )

    for row in comparison.itertuples(index=False):
        entry(str(row.imbalance))["candidates"].append(str(row.model_name))
    searched = trials["param_imbalance"] if "param_imbalance" in trials.columns else None
    for index, row in trials.reset_index(drop=True).iterrows():
        strategy = searched.iloc[index] if searched is not None else None
        if strategy is None or (isinstance(strategy, float) and math.isnan(strategy)):
            strategy = base_imbalance.get(str(row["study"]), "none")
        entry(str(strategy))["trials"] += 1
    order = list(IMBALANCE_METHODS)
    return sorted(tried.values(), key=lambda item: order.index(item["strategy"]))


def tuning_studies(
    trials: pd.DataFrame, tuning: Mapping[str, Any], refine: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Each Optuna study as it ran: its family, the tuned parameters, the trials completed and pruned; then
    the finer second search, when it ran, with the study it refined."""
    studies = []

    def counted(name: str, **fields: Any) -> dict[str, Any]:
        rows = trials.loc[trials["study"] == name] if "study" in trials.columns else trials.iloc[0:0]
        states = rows["state"].value_counts() if "state" in rows.columns else pd.Series(dtype=int)
        return {
            "name": name,
            **fields,
            "n_complete": int(states.get("COMPLETE", 0)),
            "n_pruned": int(states.get("PRUNED", 0)),
            "n_trials": len(rows),
        }

    for spec in tuning.values():
        studies.append(
            counted(
                spec["name"],
                family=spec["base"]["family"],
                parameters=sorted(spec["search_space"]),
                n_trials_configured=int(spec["n_trials"]),
                pruning=bool(spec.get("pruning", True)),
                refines=None,
            )
        )
    for parent in list(studies):
        name = f"{parent['name']}_refined"
        finer = counted(name)
        if finer["n_trials"]:
            rows = trials.loc[trials["study"] == name]
            searched = [
                column.removeprefix("param_") for column in rows.columns if column.startswith("param_")
            ]
            studies.append(
                counted(
                    name,
                    family=parent["family"],
                    parameters=sorted(p for p in searched if rows[f"param_{p}"].notna().any()),
                    n_trials_configured=int(refine["n_trials"]),
                    pruning=parent["pruning"],
                    refines=parent["name"],
                    shrink=float(refine["shrink"]),
                )
            )
    return studies


def selection_rule(standard_errors: float) -> str:
    """The selection rule, as the comparison node applies it (`select_candidate`)."""
    return (
        "the candidate with the lowest cross-validated business cost is the reference; every candidate whose "
        f"cost is within {standard_errors:g} paired standard error(s) (across the folds) of it is as good, "
        "and "
        "the simplest of those (the first in the table, which lists candidates simplest first) is selected"
    )


def top_features(importance: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` features with the largest mean |SHAP| on the holdout, with their share of the total."""
    columns = ["rank", "feature", "label_en", "mean_abs_shap", "share_of_total"]
    return importance.sort_values("rank").loc[:, columns].head(n).reset_index(drop=True)


def example_client(explanations: pd.DataFrame, n_reasons: int = 3) -> dict[str, Any] | None:
    """One refused holdout client, the median of the refused by probability, with its reasons for refusal
    (the reason families the lender's policy lets a refusal name, strongest first); None when the holdout
    has no refused client."""
    refused = explanations.loc[
        (explanations["dataset"] == "holdout") & (explanations["decision"] == "refused")
    ]
    if refused.empty:
        return None
    clients = refused.drop_duplicates("SK_ID_CURR").sort_values(["probability", "SK_ID_CURR"])
    chosen = clients.iloc[(len(clients) - 1) // 2]
    reasons = refused.loc[
        (refused["SK_ID_CURR"] == chosen["SK_ID_CURR"]) & refused["refusal_rank"].notna()
    ].sort_values("refusal_rank")
    return {
        "client_id": int(chosen["SK_ID_CURR"]),
        "probability": float(chosen["probability"]),
        "reasons": reasons["sentence_en"].head(n_reasons).tolist(),
    }


def reason_families(summary: Mapping[str, Any], n: int) -> dict[str, Any]:
    """What the reason families show (`reason_family_summary`): the ``n`` families with the largest share of
    the holdout's mean |contribution|, each with how often it leads a refusal and whether a refusal may name
    it, and how many refused clients get the reasons a letter needs."""
    rows = pd.DataFrame(summary["families"]).head(n)
    table = pd.DataFrame(
        {
            "family": rows["label_en"],
            "features": rows["features"],
            "share of the explanation": rows["share_of_total"].map(percent),
            "leads a refusal": rows["leads_refusals_share"].map(percent),
            "may be a refusal reason": rows["refusal_reason_allowed"].map({True: "yes", False: "no"}),
        }
    )
    withheld = [row["label_en"] for row in summary["families"] if not row["refusal_reason_allowed"]]
    return {
        "table": table,
        "refused_clients": summary["refused_clients"],
        "refusal_reasons": summary["policy"]["refusal_reasons"],
        "complete_share": summary["refused_with_all_refusal_reasons_share"],
        "feature_repeat_share": summary["feature_reasons_repeating_a_family_share"],
        "feature_single_share": summary["feature_reasons_all_one_family_share"],
        "withheld": withheld,
    }


def drift_facts(summary: Mapping[str, Any], n_features: int = 5) -> dict[str, Any]:
    """What the drift pipeline concluded: status, drifted columns, the drifted features the model uses most,
    the score's PSI, the rules that fired and the recommended action."""
    drifted = [column for column in summary.get("columns", []) if column.get("drifted")]
    used = sorted(
        (column for column in drifted if column.get("importance_share")),
        key=lambda column: -column["importance_share"],
    )
    stability = summary.get("score_stability", {})
    return {
        "status": summary["status"],
        "reference": summary["reference"],
        "current": summary["current"],
        "number_of_columns": summary["number_of_columns"],
        "number_of_drifted_columns": summary["number_of_drifted_columns"],
        "share_of_drifted_columns": summary["share_of_drifted_columns"],
        "dataset_drift": summary["dataset_drift"],
        "drifted_model_features": [
            {"column": column["column"], "importance_share": column["importance_share"]}
            for column in used[:n_features]
        ],
        "more_drifted_model_features": max(len(used) - n_features, 0),
        "score_psi": stability.get("psi"),
        "score_psi_band": stability.get("band"),
        "fired_rules": [rule["rule"] for rule in summary.get("fired_rules", [])],
        "recommended_action": summary.get("recommended_action", "").replace("_", " "),
    }


#: The gaps the documents show for each variant of the protected-attribute experiment: (attribute, rate).
PROTECTED_GAPS = (
    ("gender", "approval_rate"),
    ("gender", "false_refusal_rate"),
    ("gender", "missed_default_rate"),
    ("age_band", "approval_rate"),
    ("age_band", "false_refusal_rate"),
)


def protected_experiment(experiment: Mapping[str, Any]) -> dict[str, Any]:
    """The protected-attribute experiment as the documents show it: one row per variant (the served model
    without the excluded features, the same specification with them put back) with its holdout figures and
    the gaps between groups, the reasons of the gaps that could not be measured, and the age decision."""
    rows, reasons = [], set()
    for variant, figures in experiment["variants"].items():
        if figures is None:
            continue
        row = {
            "variant": variant,
            "features": figures["n_features"],
            "holdout_auc": figures["holdout_auc"],
            "holdout_cost_per_client": figures["holdout_cost_per_client"],
            "approval_rate": figures["approval_rate"],
        }
        for attribute, rate in PROTECTED_GAPS:
            gap = figures["gaps"].get(attribute, {}).get(rate) or {}
            row[f"{attribute}_{rate}_gap"] = gap.get("gap")
            if gap.get("reason"):
                reasons.add(f"{attribute.replace('_', ' ')}, {rate.replace('_', ' ')}: {gap['reason']}")
        rows.append(row)
    return {
        "excluded_features": list(experiment["excluded_features"]),
        "note": experiment["note"],
        "table": pd.DataFrame(rows),
        "unmeasured_gaps": sorted(reasons),
        "unavailable_groups": dict(experiment.get("unavailable_groups") or {}),
        "reliance": (experiment["variants"].get("with_excluded") or {}).get("reliance"),
        "age_rule": experiment["age"]["rule"],
        "age_finding": experiment["age"]["finding"],
    }


def scorecard_table(points: Mapping[str, Any]) -> dict[str, Any] | None:
    """The scorecard candidate's points table as the card shows it (scaling, then every feature's bins), or
    None when no candidate of the run is a scorecard."""
    if points.get("model_name") is None:
        return None
    columns = ["feature", "bin", "count", "event_rate", "woe", "points"]
    return {
        **{
            key: points[key]
            for key in ("model_name", "selected", "base_score", "base_odds", "pdo", "formula")
        },
        **{key: points[key] for key in ("min_score", "max_score")},
        "bins": pd.DataFrame.from_records(points["bins"]).loc[:, columns],
    }
