"""The methodology note and the model card carry exactly the run's figures; fairness rates are right."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from credit_scoring.cost import CostWeights, cost_per_client
from credit_scoring.pipelines.reporting import nodes
from credit_scoring.registry import RegisteredModel
from credit_scoring.reporting import run_facts
from credit_scoring.reporting.documents import markdown_table, markdown_to_html, number
from credit_scoring.reporting.fairness import age_band, group_metrics
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec, TabularCleaner
from tests.fixtures.document_truth import untraced_numbers
from tests.fixtures.model_input import synthetic_model_input

SPLIT = {"id_column": "SK_ID_CURR", "target": "TARGET"}
COST = {"false_negative": 10, "false_positive": 1}
PROJECT_ROOT = Path(__file__).resolve().parents[3]
REPORTING = {"gender_column": "CODE_GENDER", "age_column": "AGE_YEARS"}
TUNING = {
    "logreg": {
        "name": "logreg_tuned",
        "base": {"family": "logreg", "imbalance": "class_weight"},
        "n_trials": 2,
        "pruning": False,
        "search_space": {"C": {"type": "float", "low": 0.001, "high": 1.0}},
    },
    "lgbm": {
        "name": "lgbm_tuned",
        "base": {"family": "lgbm", "imbalance": "none"},
        "n_trials": 3,
        "pruning": True,
        "search_space": {
            "num_leaves": {"type": "int", "low": 4, "high": 64},
            "imbalance": {"type": "categorical", "choices": ["none", "class_weight"]},
        },
    },
}
MODELLING = {
    "split": {**SPLIT, "n_folds": 5},
    "cost": COST,
    "tuning": TUNING,
    "refine": {"n_trials": 2, "shrink": 0.3},
    "selection": {"standard_errors": 1.0},
}


@pytest.fixture(scope="module")
def holdout() -> pd.DataFrame:
    table = synthetic_model_input(n_rows=400, n_numeric=4, n_categorical=1, seed=5)
    rng = np.random.default_rng(0)
    table["CODE_GENDER"] = pd.array(rng.choice(["F", "M"], len(table)), dtype="string")
    table["AGE_YEARS"] = rng.uniform(20, 68, len(table))
    table.loc[:4, "AGE_YEARS"] = np.nan
    return table


@pytest.fixture(scope="module")
def model(holdout: pd.DataFrame) -> CreditScoringModel:
    features = [column for column in holdout.columns if column.startswith("FEATURE_")]
    spec = FeatureSpec(features=tuple(features))
    estimator = Pipeline(
        [
            ("clean", TabularCleaner(spec.features, spec.categorical)),
            ("impute", SimpleImputer()),
            ("model", LogisticRegression()),
        ]
    ).fit(holdout[features], holdout["TARGET"])
    return CreditScoringModel(estimator, spec, threshold=0.1, model_name="logreg_balanced")


@pytest.fixture(scope="module")
def run_outputs(model: CreditScoringModel, holdout: pd.DataFrame) -> dict[str, Any]:
    metrics = {
        "model_name": "logreg_balanced",
        "cv_auc": 0.761234,
        "cv_auc_std": 0.012345,
        "holdout_auc": 0.754321,
        "holdout_accuracy": 0.701,
        "holdout_precision": 0.181,
        "holdout_recall": 0.623,
        "threshold": 0.1,
        "business_cost_per_client": 0.512345,
        "business_cost_at_0_5": 0.791234,
        "approve_all_cost": 0.8,
        "n_features": 4,
        "n_train": 1600,
        "n_holdout": 400,
        "holdout_default_rate": 0.08,
        "false_negative_cost": 10.0,
        "false_positive_cost": 1.0,
        "bayes_threshold": 1 / 11,
        "brier_score_raw": 0.0712,
        "brier_score": 0.0688,
        "train_validation_auc_gap": 0.0312,
        "auc_above_kaggle_best": False,
        "holdout_tn": 260,
        "holdout_fp": 108,
        "holdout_fn": 12,
        "holdout_tp": 20,
        "n_folds": 5,
        "calibration_method": "isotonic",
        "gini": 0.508642,
        "ks": 0.401234,
        "score_bands": {
            "rank_ordering_ok": True,
            "risk_bands": [
                {"band": "low", "count": 300, "defaults": 12, "default_rate": 0.04, "mean_predicted": 0.041},
                {"band": "high", "count": 100, "defaults": 20, "default_rate": 0.2, "mean_predicted": 0.187},
            ],
        },
        "segments": {
            "thin_file": {
                "definition": "no credit-bureau record and no previous application",
                "rows": [
                    {
                        "segment": "thin_file",
                        "count": 12,
                        "share": 0.03,
                        "defaults": 0,
                        "default_rate": 0.0,
                        "auc": None,
                        "undefined_reason": "the 12 clients are all non-defaulters",
                    },
                    {
                        "segment": "others",
                        "count": 388,
                        "share": 0.97,
                        "defaults": 32,
                        "default_rate": 0.0825,
                        "auc": 0.7512,
                        "undefined_reason": None,
                    },
                ],
                "unavailable_reason": None,
            },
            "contract_type": {
                "definition": "NAME_CONTRACT_TYPE",
                "rows": [],
                "unavailable_reason": "the model input has no column NAME_CONTRACT_TYPE",
            },
        },
        "cost_sensitivity": [
            {
                "cost_ratio": 5.0,
                "threshold": 0.17,
                "cost_per_client": 0.3312,
                "approval_rate": 0.81,
                "decision_ratio": False,
            },
            {
                "cost_ratio": 10.0,
                "threshold": 0.1,
                "cost_per_client": 0.512345,
                "approval_rate": 0.68,
                "decision_ratio": True,
            },
        ],
    }
    comparison = pd.DataFrame(
        {
            "model_name": ["dummy", "logreg_balanced"],
            "imbalance": ["none", "class_weight"],
            "cv_auc": [0.5, 0.761234],
            "cv_auc_std": [0.0, 0.012345],
            "cv_business_cost_per_client": [0.8, 0.523456],
            "threshold": [0.0, 0.1],
            "holdout_auc": [0.5, 0.754321],
            "holdout_business_cost_per_client": [0.8, 0.512345],
            "holdout_business_cost_at_0_5": [0.8, 0.791234],
            "selected": [False, True],
        }
    )
    promotion = {"promote": True, "reason": "no champion yet"}
    served, fairness = nodes.describe_served_model(
        RegisteredModel("4", "run-4", model), metrics, promotion, holdout, SPLIT, COST, REPORTING
    )
    return {
        "metrics": metrics,
        "comparison": comparison,
        "promotion": promotion,
        "served": served,
        "fairness": fairness,
        "trials": TRIALS,
        "importance": IMPORTANCE,
        "explanations": EXPLANATIONS,
        "drift": DRIFT_SUMMARY,
    }


TRIALS = pd.DataFrame(
    {
        "study": ["logreg_tuned"] * 2 + ["lgbm_tuned"] * 3 + ["lgbm_tuned_refined"] * 2,
        "state": ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED", "COMPLETE", "COMPLETE", "PRUNED"],
        "param_C": [0.01, 0.2, None, None, None, None, None],
        "param_num_leaves": [None, None, 8, 30, 12, 10, 13],
        "param_imbalance": [None, None, "none", "class_weight", "class_weight", None, None],
    }
)
IMPORTANCE = pd.DataFrame(
    {
        "rank": [2, 1, 3],
        "feature": ["FEATURE_1", "FEATURE_0", "FEATURE_2"],
        "label_en": ["Feature one", "Feature zero", "Feature two"],
        "mean_abs_shap": [0.2345, 0.3456, 0.0123],
        "share_of_total": [0.3884, 0.5723, 0.0204],
        "model_importance": [12.0, 30.0, 1.0],
        "model_importance_kind": ["logistic_coefficient"] * 3,
        "model_importance_rank": [2, 1, 3],
        "n_clients": [400] * 3,
    }
)
EXPLANATIONS = pd.DataFrame(
    {
        "SK_ID_CURR": [7, 7, 8, 9, 9],
        "dataset": ["holdout", "holdout", "holdout", "holdout", "scoring"],
        "probability": [0.31, 0.31, 0.12, 0.05, 0.9],
        "decision": ["refused", "refused", "refused", "granted", "refused"],
        "rank": [1, 2, 1, 1, 1],
        "direction": ["raises", "raises", "raises", "lowers", "raises"],
        "refusal_rank": pd.array([1, 2, 1, None, 1], dtype="Int64"),
        "sentence_en": [
            "External credit scores – lowest external credit score: 0.12. This raises the risk.",
            "Housing details – housing situation: rented. This raises the risk.",
            "Employment and income – total income: 90,000. This raises the risk.",
            "External credit scores – external credit score 2: 0.71. This lowers the risk.",
            "Housing details – housing situation: rented. This raises the risk.",
        ],
    }
)
FAMILY_SUMMARY = {
    "policy": {"refusal_reasons": 3},
    "families": [
        {
            "family": "external_scores",
            "label_en": "External credit scores",
            "features": 9,
            "share_of_total": 0.31,
            "leads_refusals_share": 0.62,
            "refusal_reason_allowed": True,
        },
        {
            "family": "age_family",
            "label_en": "Age and family",
            "features": 6,
            "share_of_total": 0.04,
            "leads_refusals_share": 0.0,
            "refusal_reason_allowed": False,
        },
    ],
    "refused_clients": 812,
    "refused_with_all_refusal_reasons_share": 0.9963,
    "feature_reasons_repeating_a_family_share": 0.7125,
    "feature_reasons_all_one_family_share": 0.2411,
}
DRIFT_SUMMARY = {
    "status": "warn",
    "dataset_drift": False,
    "number_of_columns": 40,
    "number_of_drifted_columns": 3,
    "share_of_drifted_columns": 0.075,
    "reference": {"source": "application_train", "rows": 2000},
    "current": {"source": "application_test", "rows": 500},
    "score_stability": {"psi": 0.0123, "band": "stable"},
    "columns": [
        {"column": "FEATURE_0", "drifted": True, "importance_share": 0.41},
        {"column": "FEATURE_1", "drifted": False, "importance_share": 0.3},
        {"column": "AMT_INCOME_TOTAL", "drifted": True, "importance_share": 0.0},
    ],
    "fired_rules": [{"rule": "top_feature_csi_significant"}],
    "recommended_action": "keep_monitoring",
}


def _gaps(approval: float | None, reason: str | None = None) -> dict[str, Any]:
    measured = {"gap": approval, "highest": None, "lowest": None, "reason": reason}
    return {rate: measured for rate in ("approval_rate", "false_refusal_rate", "missed_default_rate")}


PROTECTED = {
    "excluded_features": ["CODE_GENDER", "CODE_GENDER_XNA"],
    "note": "'served' is the selected model as served; 'with_excluded' puts them back.",
    "variants": {
        "served": {
            "n_features": 4,
            "holdout_auc": 0.7481,
            "holdout_cost_per_client": 0.5213,
            "approval_rate": 0.6612,
            "gaps": {"gender": _gaps(0.0912), "age_band": _gaps(0.3012)},
        },
        "with_excluded": {
            "reliance": {
                "mean_abs_probability_change": 0.0123,
                "max_abs_probability_change": 0.0811,
                "decisions_changed_share": 0.0375,
                "uses_them": True,
            },
            "n_features": 6,
            "holdout_auc": 0.7533,
            "holdout_cost_per_client": 0.5101,
            "approval_rate": 0.6588,
            "gaps": {
                "gender": _gaps(None, "fewer than two groups have at least 30 clients"),
                "age_band": _gaps(0.3054),
            },
        },
    },
    "unavailable_groups": {},
    "age": {
        "rule": "Age stays unless an age band of at least 30 clients is over-priced by more than 0.020.",
        "finding": "No age band is over-priced: the largest excess is +0.009 (18-29). Age stays a feature.",
    },
}


SCORECARD = {
    "model_name": "scorecard",
    "selected": False,
    "base_score": 600.0,
    "base_odds": 50.0,
    "pdo": 20.0,
    "min_score": 512.3,
    "max_score": 688.9,
    "formula": "score = offset + factor * ln(odds of repaying); factor = pdo / ln 2",
    "bins": [
        {
            "feature": "FEATURE_0",
            "bin": "[-inf, 0.25)",
            "bin_index": 0,
            "count": 700,
            "count_share": 0.44,
            "event_rate": 0.1412,
            "woe": -0.5321,
            "points": 41.2,
        },
        {
            "feature": "FEATURE_0",
            "bin": "[0.25, inf)",
            "bin_index": 1,
            "count": 900,
            "count_share": 0.56,
            "event_rate": 0.0412,
            "woe": 0.6677,
            "points": 77.9,
        },
    ],
}


def _inputs(run_outputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "model_metrics": run_outputs["metrics"],
        "model_comparison": run_outputs["comparison"],
        "tuning_trials": run_outputs["trials"],
        "promotion_decision": run_outputs["promotion"],
        "served_model_summary": run_outputs["served"],
        "fairness_report": run_outputs["fairness"],
        "shap_global_importance": run_outputs["importance"],
        "client_explanations": run_outputs["explanations"],
        "reason_family_summary": FAMILY_SUMMARY,
        "drift_summary": run_outputs["drift"],
        "protected_attribute_experiment": run_outputs.get("protected", PROTECTED),
        "scorecard_points": run_outputs.get("scorecard", SCORECARD),
        "modelling": MODELLING,
        "reporting": REPORTING,
    }


def _documents(run_outputs: dict[str, Any]) -> dict[str, tuple[str, str]]:
    inputs = _inputs(run_outputs)
    markdown, html, _ = nodes.methodology_note(**inputs)
    return {"note": (markdown, html), "card": nodes.model_card(**inputs)}


def _kept_champion_outputs(run_outputs: dict[str, Any], champion: RegisteredModel | None, holdout):
    promotion = {"promote": False, "reason": "the challenger is not surely cheaper than the champion"}
    served, fairness = nodes.describe_served_model(
        champion, run_outputs["metrics"], promotion, holdout, SPLIT, COST, REPORTING
    )
    return {**run_outputs, "promotion": promotion, "served": served, "fairness": fairness}


def test_documents_carry_the_runs_metrics_and_every_candidate(run_outputs: dict[str, Any]) -> None:
    for markdown, html in _documents(run_outputs).values():
        for key in ("cv_auc", "holdout_auc", "threshold", "business_cost_per_client", "business_cost_at_0_5"):
            assert number(run_outputs["metrics"][key]) in markdown, key
            assert number(run_outputs["metrics"][key]) in html, key
    note = _documents(run_outputs)["note"][0]
    for row in run_outputs["comparison"].itertuples():
        line = next(line for line in note.splitlines() if line.startswith(f"| {row.model_name} |"))
        assert number(row.cv_auc) in line and number(row.holdout_business_cost_per_client) in line


def test_note_has_every_required_section(run_outputs: dict[str, Any]) -> None:
    note = _documents(run_outputs)["note"][0]
    headings = re.findall(r"^## \d\. (.+)$", note, flags=re.MULTILINE)
    assert headings == [
        "Training method",
        "Handling of class imbalance",
        "Business cost, optimisation and evaluation metric",
        "Summary of results (all candidates, simplest first)",
        "Interpretability",
        "Fairness",
        "Limits and possible improvements",
        "Data drift",
    ]


def test_html_is_self_contained(run_outputs: dict[str, Any]) -> None:
    for _, html in _documents(run_outputs).values():
        assert html.startswith("<!DOCTYPE html>") and "<table>" in html and "<title>" in html
        assert not re.search(r"(src|href)=\"https?://", html)


def test_missing_metric_fails_instead_of_printing_nothing(run_outputs: dict[str, Any]) -> None:
    broken = {
        **run_outputs,
        "metrics": {k: v for k, v in run_outputs["metrics"].items() if k != "holdout_auc"},
    }
    with pytest.raises(Exception, match="holdout_auc"):
        _documents(broken)


def test_fairness_rates_match_a_hand_count() -> None:
    y_true = np.array([0, 0, 1, 1, 0, 1])
    proba = np.array([0.05, 0.5, 0.6, 0.02, 0.01, 0.9])
    groups = pd.Series(["F", "F", "F", "M", "M", None])
    table = group_metrics(
        y_true, proba, 0.1, groups, attribute="gender", weights=CostWeights(10, 1)
    ).set_index("group")
    female = table.loc["F"]  # one good granted, one good refused, one defaulter refused
    assert female.n_clients == 3 and female.approval_rate == pytest.approx(1 / 3)
    assert female.false_refusal_rate == pytest.approx(0.5) and female.missed_default_rate == 0.0
    male = table.loc["M"]  # one defaulter granted (missed), one good granted
    assert male.missed_default_rate == 1.0 and male.business_cost_per_client == pytest.approx(5.0)
    assert table.loc["unknown"].n_clients == 1


def test_age_bands_are_closed_on_the_left_and_open_at_the_end() -> None:
    bands = age_band(pd.Series([18.0, 29.99, 30.0, 64.0, np.nan]), [18, 30, 60, 120])
    assert bands.tolist()[:4] == ["18-29", "18-29", "30-59", "60+"] and pd.isna(bands.iloc[4])


def test_fairness_report_names_a_missing_column(model: CreditScoringModel, holdout: pd.DataFrame) -> None:
    served = RegisteredModel("4", "run-4", model)
    with pytest.raises(ValueError, match="AGE_YEARS"):
        nodes.describe_served_model(
            served, {}, {"promote": True}, holdout.drop(columns="AGE_YEARS"), SPLIT, COST, REPORTING
        )


def test_the_card_describes_the_champion_the_gate_kept(
    run_outputs: dict[str, Any], model: CreditScoringModel, holdout: pd.DataFrame
) -> None:
    """The challenger was not promoted: the card shows the earlier champion, measured on this holdout."""
    earlier = CreditScoringModel(model.estimator, model.feature_spec, threshold=0.2, model_name="logreg_v2")
    outputs = _kept_champion_outputs(run_outputs, RegisteredModel("2", "run-2", earlier), holdout)
    served = outputs["served"]
    y_true, proba = holdout["TARGET"].to_numpy(), earlier.predict_proba(holdout)
    assert served["status"] == nodes.SERVED_EARLIER_CHAMPION and served["version"] == "2"
    assert served["holdout_auc"] == pytest.approx(roc_auc_score(y_true, proba))
    assert served["business_cost_per_client"] == pytest.approx(
        cost_per_client(y_true, proba, 0.2, CostWeights(10, 1))
    )
    card = _documents(outputs)["card"][0]
    assert "version 2 (logreg_v2)" in card and "the promotion gate kept it" in card
    for key in ("holdout_auc", "threshold", "business_cost_per_client", "business_cost_at_0_5"):
        assert number(served[key]) in card, key
    assert number(run_outputs["metrics"]["holdout_auc"]) not in card  # the challenger's figure
    refused = outputs["fairness"].set_index(["attribute", "group"])["approval_rate"]
    assert not np.allclose(
        refused, run_outputs["fairness"].set_index(["attribute", "group"])["approval_rate"]
    )


def test_the_card_says_when_no_model_serves(run_outputs: dict[str, Any], holdout: pd.DataFrame) -> None:
    outputs = _kept_champion_outputs(run_outputs, None, holdout)
    assert outputs["served"]["status"] == nodes.SERVED_NONE and outputs["fairness"].empty
    card = _documents(outputs)["card"][0]
    assert card.startswith("# Model card: credit-scoring (no model serves)")
    assert "no champion in the registry" in card


def test_markdown_table_and_html_rendering() -> None:
    table = markdown_table(pd.DataFrame({"a": ["x"], "b": [0.123456]}))
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x | 0.1235 |"]
    assert "<td>0.1235</td>" in markdown_to_html(table, "t")


def test_every_number_in_the_documents_is_a_figure_of_the_run(run_outputs: dict[str, Any]) -> None:
    context = nodes.document_context(**_inputs(run_outputs))
    for name, (markdown, _) in _documents(run_outputs).items():
        assert untraced_numbers(markdown, context) == [], name


def test_the_truth_check_finds_a_typed_number(run_outputs: dict[str, Any]) -> None:
    context = nodes.document_context(**_inputs(run_outputs))
    note = _documents(run_outputs)["note"][0]
    assert untraced_numbers(note + "\nThe model is 0.9731 accurate on 12,345 clients.", context) == [
        "0.9731",
        "12,345",
    ]


def test_the_note_names_only_the_imbalance_methods_and_pruning_that_ran(run_outputs: dict[str, Any]) -> None:
    note = _documents(run_outputs)["note"][0]
    section = note.split("## 2.")[1].split("## 3.")[0]
    assert "class weights" in section and "no rebalancing" in section
    assert "SMOTE" not in note and "undersampling" not in note
    # logreg_tuned has pruning off
    assert "median\n  pruning across folds in `lgbm_tuned`, `lgbm_tuned_refined`)" in note
    with_smote = run_outputs["comparison"].assign(imbalance=["none", "smote"])
    note = _documents({**run_outputs, "comparison": with_smote})["note"][0]
    assert "SMOTE oversampling of the defaulters: candidate(s) `logreg_balanced`." in note


def test_imbalance_and_studies_are_counted_from_the_trials() -> None:
    comparison = pd.DataFrame(
        {
            "model_name": ["dummy", "logreg_balanced", "lgbm_tuned", "lgbm_tuned_refined"],
            "imbalance": ["none", "class_weight", "class_weight", "class_weight"],
        }
    )
    tried = {item["strategy"]: item for item in run_facts.imbalance_tried(comparison, TRIALS, TUNING)}
    # logreg_tuned searches no strategy: its 2 trials use its base, class_weight; the refined study keeps
    # the strategy of the trial it refines (class_weight, the best of lgbm_tuned)
    assert tried["class_weight"]["trials"] == 6
    assert tried["class_weight"]["candidates"] == ["logreg_balanced", "lgbm_tuned", "lgbm_tuned_refined"]
    assert tried["none"]["trials"] == 1 and tried["none"]["candidates"] == ["dummy"]
    studies = {
        study["name"]: study for study in run_facts.tuning_studies(TRIALS, TUNING, MODELLING["refine"])
    }
    assert (studies["lgbm_tuned"]["n_complete"], studies["lgbm_tuned"]["n_pruned"]) == (2, 1)
    assert studies["logreg_tuned"]["parameters"] == ["C"] and not studies["logreg_tuned"]["pruning"]
    finer = studies["lgbm_tuned_refined"]
    assert finer["refines"] == "lgbm_tuned" and finer["parameters"] == ["num_leaves"]
    assert (finer["n_complete"], finer["n_pruned"], finer["n_trials_configured"]) == (1, 1, 2)


def test_the_example_is_the_median_refused_holdout_client_with_its_refusal_reasons() -> None:
    example = run_facts.example_client(EXPLANATIONS)
    assert example is not None
    # refused holdout clients: 8 (0.12) and 7 (0.31); the scoring client 9 is not a holdout client
    assert example["client_id"] == 8
    assert example["reasons"] == ["Employment and income – total income: 90,000. This raises the risk."]
    later = EXPLANATIONS.assign(probability=[0.31, 0.31, 0.45, 0.05, 0.9])
    assert run_facts.example_client(later)["reasons"] == EXPLANATIONS["sentence_en"].head(2).tolist()
    granted = EXPLANATIONS.assign(decision="granted")
    assert run_facts.example_client(granted) is None


def test_the_note_ranks_the_reason_families_and_says_what_a_refusal_may_name(
    run_outputs: dict[str, Any],
) -> None:
    note = _documents(run_outputs)["note"][0]
    line = next(line for line in note.splitlines() if line.startswith("| External credit scores |"))
    assert "| 9 | 31.0% | 62.0% | yes |" in line
    assert "| Age and family | 6 | 4.0% | 0.0% | no |" in note
    assert "Of the 812 refused clients" in note and "99.6%" in note
    assert "71.2%" in note and "24.1%" in note
    assert "A refusal never names Age and family" in " ".join(note.split())


def test_the_note_shows_the_top_features_figure_and_drift_conclusion(run_outputs: dict[str, Any]) -> None:
    markdown, html = _documents(run_outputs)["note"]
    interpretability = markdown.split("## 5.")[1].split("## 6.")[0]
    assert interpretability.index("Feature zero") < interpretability.index("Feature one")  # by rank
    assert f"]({nodes.TOP_FEATURES_FIGURE})" in interpretability
    assert 'src="data:image/png;base64,' in html
    drift = markdown.split("## 8.")[1]
    assert "Status: **warn**" in drift and "`FEATURE_0` (41.0% of" in drift
    assert "AMT_INCOME_TOTAL" not in drift  # drifted, but the model does not use it
    assert "Conclusion: keep monitoring." in drift


def test_the_figure_is_saved_where_the_note_links_it() -> None:
    catalog = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_reporting.yml").read_text())
    saved = catalog["methodology_top_features_plot"]["dataset"]["filepath"]
    note = catalog["methodology_note_md"]["dataset"]["filepath"]
    assert Path(saved).parent == Path(note).parent and Path(saved).name == nodes.TOP_FEATURES_FIGURE


def test_the_documents_show_the_segments_and_why_a_figure_is_missing(run_outputs: dict[str, Any]) -> None:
    documents = _documents(run_outputs)
    note, card = documents["note"][0], documents["card"][0]
    for document in (note, card):
        assert (
            "| thin_file | 12 | 0.030 | 0 | 0.000 | — | the 12 clients are all non-defaulters |" in document
        )
    assert "Not available: the model input has no column NAME_CONTRACT_TYPE." in note


def test_the_note_reports_the_protected_attribute_experiment_and_the_age_decision(
    run_outputs: dict[str, Any],
) -> None:
    note, card = _documents(run_outputs)["note"][0], _documents(run_outputs)["card"][0]
    fairness = note.split("## 6.")[1].split("## 7.")[0]
    assert "No model sees\n`CODE_GENDER`, `CODE_GENDER_XNA`" in fairness
    assert "| served | 4 | 0.7481 | 0.5213 | 0.6612 | 0.0912 |" in fairness
    assert "| with_excluded | 6 | 0.7533 | 0.5101 | 0.6588 | — |" in fairness
    assert (
        "- Not measured: gender, approval rate: fewer than two groups have at least 30 clients." in fairness
    )
    assert PROTECTED["age"]["finding"] in fairness and PROTECTED["age"]["finding"] in card
    assert (
        "moves a probability by 0.0123 on average\n(0.0811 at most) and changes\n3.8% of the decisions"
        in fairness
    )
    unused = copy.deepcopy(PROTECTED)
    unused["variants"]["with_excluded"]["reliance"].update(
        mean_abs_probability_change=0.0,
        max_abs_probability_change=0.0,
        decisions_changed_share=0.0,
        uses_them=False,
    )
    note = _documents({**run_outputs, "protected": unused})["note"][0]
    assert "does not use them:\nshuffling them between clients moves no probability" in note
    nothing_excluded = {
        **PROTECTED,
        "excluded_features": [],
        "variants": {**PROTECTED["variants"], "with_excluded": None},
    }
    note = _documents({**run_outputs, "protected": nothing_excluded})["note"][0]
    assert "No feature is excluded from the model" in note and "| with_excluded |" not in note


def test_the_card_shows_the_scorecard_points_table_when_a_scorecard_ran(run_outputs: dict[str, Any]) -> None:
    card = _documents(run_outputs)["card"][0]
    assert "The run compared this model with the scorecard\n`scorecard`" in card
    assert "600 points mean odds of 50 to 1 of repaying,\nand every 20 more points double those odds" in card
    assert "| FEATURE_0 | [0.25, inf) | 900 | 0.041 | 0.668 | 77.900 |" in card
    no_scorecard = {**SCORECARD, "model_name": None}
    card = _documents({**run_outputs, "scorecard": no_scorecard})["card"][0]
    assert "points table" not in card


def test_the_documents_say_whether_a_break_in_the_rank_order_exceeds_the_noise(
    run_outputs: dict[str, Any],
) -> None:
    metrics = copy.deepcopy(run_outputs["metrics"])
    metrics["score_bands"].update(rank_ordering_ok=False, breaks_beyond_noise=[])
    note, card = (text for text, _ in _documents({**run_outputs, "metrics": metrics}).values())
    assert "every break is within sampling noise (a one-sided\ntwo-proportion test)" in note
    assert "each time within sampling noise" in card
    metrics["score_bands"]["breaks_beyond_noise"] = ["decile 3", "risk band very_high"]
    outputs = {**run_outputs, "metrics": metrics}
    note = _documents(outputs)["note"][0]
    broken = "beyond sampling noise (a one-sided two-proportion test) in\ndecile 3, risk band very_high."
    assert broken in note
    assert untraced_numbers(note, nodes.document_context(**_inputs(outputs))) == []
