"""Protected attributes: `modelling.excluded_features` is checked, applied once at the split, and the
experiment compares the selected model with and without them by gender and age band."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from credit_scoring.cost import CostWeights
from credit_scoring.pipelines.modelling import create_pipeline, preparation, release, search
from credit_scoring.pipelines.modelling.params import parse_excluded_features
from credit_scoring.pipelines.modelling.protected import (
    GAP_RATES,
    SERVED,
    WITH_EXCLUDED,
    age_decision,
    group_gaps,
    holdout_auc,
    protected_attribute_experiment,
    reliance_on,
)
from credit_scoring.reporting.fairness import group_metrics
from credit_scoring.serving.explain import ScoreExplainer
from tests.fixtures.model_input import synthetic_model_input, with_gender
from tests.fixtures.settings import settings_of
from tests.pipelines.modelling.test_modelling_pipeline import run_in_memory

GENDER = ("CODE_GENDER", "CODE_GENDER_XNA")
REPORTING = {
    "gender_column": "CODE_GENDER",
    "age_column": "AGE_YEARS",
    "age_band_edges": [18, 30, 45, 60, 120],
}
SEED = 42


def protected_table(n_rows: int = 1500, seed: int = 3) -> pd.DataFrame:
    """Synthetic model input with gender (excluded) and age (a feature); gender carries a little signal."""
    table = with_gender(synthetic_model_input(n_rows, n_numeric=5, n_categorical=1, seed=seed), seed=seed)
    rng = np.random.default_rng(seed)
    age = rng.uniform(20, 70, n_rows) - 8 * table["TARGET"].to_numpy()
    return table.assign(AGE_YEARS=np.clip(age, 18, 90))


# --- the parameter ----------------------------------------------------------------------------------------


COLUMNS = ["SK_ID_CURR", "TARGET", "CODE_GENDER", "CODE_GENDER_XNA", "AGE_YEARS"]


def test_excluded_features_are_checked_against_the_model_input() -> None:
    kwargs = {"id_column": "SK_ID_CURR", "target": "TARGET"}
    assert parse_excluded_features(list(GENDER), COLUMNS, **kwargs) == GENDER
    assert parse_excluded_features(None, COLUMNS, **kwargs) == ()
    assert parse_excluded_features([], COLUMNS, **kwargs) == ()
    with pytest.raises(ValueError, match=r"names no column of the model input table: \['CODE_GENDRE'\]"):
        parse_excluded_features(["CODE_GENDER", "CODE_GENDRE"], COLUMNS, **kwargs)
    with pytest.raises(ValueError, match=r"cannot exclude the identifier or the target: \['TARGET'\]"):
        parse_excluded_features(["TARGET"], COLUMNS, **kwargs)
    with pytest.raises(ValueError, match=r"lists \['CODE_GENDER'\] more than once"):
        parse_excluded_features(["CODE_GENDER", "CODE_GENDER"], COLUMNS, **kwargs)
    with pytest.raises(ValueError, match="must be a list of column names"):
        parse_excluded_features("CODE_GENDER", COLUMNS, **kwargs)
    with pytest.raises(ValueError, match="excludes every feature"):
        parse_excluded_features([*GENDER, "AGE_YEARS"], COLUMNS, **kwargs)


def test_the_split_drops_them_from_training_and_keeps_them_on_the_holdout(tiny_params: dict) -> None:
    table = protected_table(600)

    def split(excluded: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        settings = settings_of({**tiny_params, "excluded_features": excluded}, SEED)
        return preparation.split_model_input(model_input_table=table, settings=settings)

    training, holdout = split(list(GENDER))
    assert not set(GENDER) & set(training.columns) and "AGE_YEARS" in training.columns
    assert set(GENDER) <= set(holdout.columns)  # measured there by the fairness report, never learnt
    full_training, _ = split([])
    pd.testing.assert_frame_equal(training, full_training.drop(columns=list(GENDER)))
    with pytest.raises(ValueError, match=r"modelling.excluded_features.*\['GENDER'\]"):
        split(["GENDER"])


# --- the experiment ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def experiment_run(tiny_params: dict) -> dict[str, Any]:
    """The selected candidate (one small LightGBM) as the pipeline fits it, then the experiment."""
    params = copy.deepcopy(tiny_params)
    params["candidates"] = {"lgbm_regularised": params["candidates"]["lgbm_regularised"]}
    params["excluded_features"] = list(GENDER)
    settings = settings_of(params, SEED)
    table = protected_table()
    training, holdout = preparation.split_model_input(model_input_table=table, settings=settings)
    folds = preparation.make_cv_folds(training_table=training, settings=settings)
    baseline = search.cross_validate_candidates(training_table=training, cv_folds=folds, settings=settings)
    results = search.refit_candidates(
        candidates=baseline, training_table=training, holdout_table=holdout, cv_folds=folds, settings=settings
    )
    inputs = {
        "candidate_results": results,
        "selected_model": "lgbm_regularised",
        "model_input_table": table,
        "training_table": training,
        "holdout_table": holdout,
        "cv_folds": folds,
        "settings": settings,
        "reporting": REPORTING,
    }
    experiment, metrics = protected_attribute_experiment(**inputs)
    return {"inputs": inputs, "experiment": experiment, "metrics": metrics, "holdout": holdout}


def test_experiment_compares_the_served_model_with_the_one_that_sees_gender(experiment_run: dict) -> None:
    experiment, holdout = experiment_run["experiment"], experiment_run["holdout"]
    json.dumps(experiment, allow_nan=False)  # a JSON document: no NaN, no numpy type
    assert experiment["excluded_features"] == list(GENDER) and experiment["model_name"] == "lgbm_regularised"
    assert experiment["n_holdout"] == len(holdout) and experiment["n_folds"] == 3
    served, other = experiment["variants"][SERVED], experiment["variants"][WITH_EXCLUDED]
    assert other["n_features"] == served["n_features"] + 2
    results = experiment_run["inputs"]["candidate_results"]["lgbm_regularised"]
    assert served["holdout_auc"] == pytest.approx(
        holdout_auc(holdout["TARGET"].to_numpy(), results.holdout_proba)
    )
    assert served["threshold"] == results.served_threshold.threshold
    for variant in (served, other):
        assert 0.5 < variant["holdout_auc"] <= 1 and variant["holdout_cost_per_client"] > 0
        assert {row["group"] for row in variant["groups"]["gender"]} >= {"F", "M"}
        assert [row["group"] for row in variant["groups"]["age_band"]] == ["18-29", "30-44", "45-59", "60+"]
        assert sum(row["n_clients"] for row in variant["groups"]["gender"]) == len(holdout)
        assert set(variant["gaps"]["gender"]) == set(GAP_RATES)
        approval = variant["gaps"]["age_band"]["approval_rate"]
        rates = [row["approval_rate"] for row in variant["groups"]["age_band"]]
        assert approval["gap"] == pytest.approx(max(rates) - min(rates))
    difference = experiment["difference"]
    assert served["cv_cost_per_client"] == results.served_threshold.cost_per_client
    assert difference["cv_cost_per_client"] == pytest.approx(
        other["cv_cost_per_client"] - served["cv_cost_per_client"]
    )
    assert difference["holdout_auc"] == pytest.approx(other["holdout_auc"] - served["holdout_auc"])
    assert difference["holdout_cost_per_client"] == pytest.approx(
        other["holdout_cost_per_client"] - served["holdout_cost_per_client"]
    )
    age = experiment["age"]
    assert age["judged"] and isinstance(age["age_stays"], bool)
    assert "Age stays a feature unless" in age["rule"] and "0.020" in age["rule"]
    assert ("Age stays a feature." in age["finding"]) == age["age_stays"]
    assert experiment["fit_time_s"] > 0
    metrics = experiment_run["metrics"]
    assert metrics["served.holdout_auc"]["value"] == served["holdout_auc"]
    assert (
        metrics["with_excluded.gender.approval_rate_gap"]["value"]
        == other["gaps"]["gender"]["approval_rate"]["gap"]
    )


def test_the_same_run_gives_the_same_experiment(experiment_run: dict) -> None:
    again, _ = protected_attribute_experiment(**experiment_run["inputs"])
    first = {key: value for key, value in experiment_run["experiment"].items() if key != "fit_time_s"}
    assert {key: value for key, value in again.items() if key != "fit_time_s"} == first


def test_nothing_excluded_means_nothing_to_put_back(experiment_run: dict) -> None:
    nothing = experiment_run["inputs"]["settings"].model_copy(update={"excluded_features": ()})
    inputs = {**experiment_run["inputs"], "settings": nothing}
    experiment, metrics = protected_attribute_experiment(**inputs)
    assert experiment["variants"][WITH_EXCLUDED] is None and "nothing to put back" in experiment["note"]
    assert set(experiment["difference"].values()) == {None}
    assert not any(key.startswith(WITH_EXCLUDED) for key in metrics)


def test_a_holdout_without_gender_or_age_says_so(experiment_run: dict) -> None:
    holdout = experiment_run["holdout"].drop(columns=["AGE_YEARS", "CODE_GENDER"])
    nothing = experiment_run["inputs"]["settings"].model_copy(update={"excluded_features": ()})
    inputs = {**experiment_run["inputs"], "holdout_table": holdout, "settings": nothing}
    experiment, _ = protected_attribute_experiment(**inputs)
    assert set(experiment["unavailable_groups"]) == {"gender", "age_band"}
    assert experiment["variants"][SERVED]["groups"] == {}
    assert experiment["age"]["age_stays"] and not experiment["age"]["judged"]


def test_single_class_and_small_groups_give_clear_values() -> None:
    weights = CostWeights()
    y = np.array([0, 0, 0, 0, 1, 0, 0, 0])
    proba = np.array([0.1, 0.2, 0.6, 0.1, 0.7, 0.3, 0.2, 0.1])
    groups = pd.Series(["F", "F", "F", "F", "M", "M", "M", None], dtype="string")
    table = group_metrics(y, proba, 0.5, groups, attribute="gender", weights=weights)
    gaps = group_gaps(table, min_group=1)
    # F has no defaulter: its missed default rate is undefined, so no gap on it (M alone has one)
    assert (
        gaps["missed_default_rate"]["gap"] is None
        and "fewer than two groups" in gaps["missed_default_rate"]["reason"]
    )
    assert gaps["approval_rate"]["gap"] == pytest.approx(0.75 - 2 / 3)
    assert gaps["approval_rate"]["highest"]["group"] == "F"  # "unknown" is never compared
    too_small = group_gaps(table, min_group=10)
    assert all(gap["gap"] is None for gap in too_small.values())
    assert holdout_auc(np.zeros(4, dtype=int), np.array([0.1, 0.2, 0.3, 0.4])) is None
    empty = group_metrics(np.array([], dtype=int), np.array([]), 0.5, pd.Series([], dtype="string"),
                          attribute="gender", weights=weights)  # fmt: skip
    assert all(gap["gap"] is None for gap in group_gaps(empty, min_group=1).values())


def test_age_rule_flags_an_over_priced_band_and_only_then() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    bands = pd.Series(np.where(np.arange(n) < n // 2, "18-29", "30-44"), dtype="string")
    truth = np.where(bands == "18-29", 0.10, 0.05)
    y = (rng.random(n) < truth).astype(np.int64)
    fair = age_decision(y, truth, bands, min_group=30, tolerance=0.02, gaps=None)
    assert fair["age_stays"] and fair["judged"] and fair["over_priced"] == []
    assert "No age band is over-priced" in fair["finding"] and "Age stays a feature." in fair["finding"]
    skewed = age_decision(y, truth + np.where(bands == "18-29", 0.08, 0.0), bands, min_group=30,
                          tolerance=0.02, gaps=None)  # fmt: skip
    assert not skewed["age_stays"] and skewed["over_priced"] == ["18-29"]
    assert "18-29: predicted 0.180" in skewed["finding"] and "excluded_features" in skewed["finding"]
    few = age_decision(y[:20], truth[:20], bands[:20], min_group=30, tolerance=0.02, gaps=None)
    assert few["age_stays"] and not few["judged"] and "could not be applied" in few["finding"]


# --- the served model ------------------------------------------------------------------------------------


def test_the_served_model_never_sees_gender(experiment_run: dict) -> None:
    """Features without gender; the same client as a man, a woman or XNA gets the same probability, and no
    explanation names gender."""
    model = release.build_model_bundle(
        candidate_results=experiment_run["inputs"]["candidate_results"],
        model_metrics={"model_name": "lgbm_regularised", "threshold": 0.2},
        training_table=experiment_run["inputs"]["training_table"],
        settings=experiment_run["inputs"]["settings"],
    )
    assert not set(GENDER) & set(model.features) and "AGE_YEARS" in model.features
    clients = experiment_run["holdout"].head(20)
    as_women = clients.assign(CODE_GENDER="F", CODE_GENDER_XNA=0.0)
    as_men = clients.assign(CODE_GENDER="M", CODE_GENDER_XNA=0.0)
    as_unknown = clients.assign(CODE_GENDER=pd.NA, CODE_GENDER_XNA=1.0)
    women = model.predict_proba(as_women)
    np.testing.assert_array_equal(women, model.predict_proba(as_men))
    np.testing.assert_array_equal(women, model.predict_proba(as_unknown))
    explainer = ScoreExplainer(model)
    for explanation in explainer.explain(as_men, top_k=20):
        told = [*explanation.reasons, *explanation.refusal_reasons]
        assert not {value.feature for reason in told for value in reason.values} & set(GENDER)
        assert "protected_attributes" not in {reason.family for reason in told}


def test_the_pipeline_feeds_the_exclusion_to_the_split_and_reports_the_experiment(
    tiny_params: dict, model_input_table: pd.DataFrame, scoring_input_table: pd.DataFrame
) -> None:
    """Wired as `kedro run` runs it: the configured names reach the split, the released model has no gender,
    the experiment puts it back and its figures reach MLflow under ``protected.``."""
    pipeline = create_pipeline().to_outputs(
        "model_bundle", "protected_attribute_experiment", "protected_attribute_metrics"
    )
    run = run_in_memory(tiny_params, model_input_table, scoring_input_table, pipeline=pipeline)
    assert not set(GENDER) & set(run["modelling_training_table"].columns)
    assert not set(GENDER) & set(run["model_bundle"].features)
    experiment = run["protected_attribute_experiment"]
    assert experiment["excluded_features"] == list(GENDER)
    assert experiment["model_name"] == run["selected_model_name"]
    assert experiment["variants"][WITH_EXCLUDED]["n_features"] == len(run["model_bundle"].features) + 2
    assert experiment["unavailable_groups"] == {"age_band": "the holdout table has no column 'AGE_YEARS'"}
    assert run["protected_attribute_metrics"]["served.holdout_auc"]["value"] == pytest.approx(
        experiment["variants"][SERVED]["holdout_auc"]
    )


def test_reliance_says_whether_a_model_leans_on_the_excluded_features(experiment_run: dict) -> None:
    inputs = experiment_run["inputs"]
    served = inputs["candidate_results"]["lgbm_regularised"]  # trained without gender: ignores the columns
    ignored = reliance_on(
        served, inputs["holdout_table"], GENDER, split=inputs["settings"].split, random_state=SEED
    )
    assert ignored == {
        "mean_abs_probability_change": 0.0,
        "max_abs_probability_change": 0.0,
        "decisions_changed_share": 0.0,
        "uses_them": False,
    }
    reliance = experiment_run["experiment"]["variants"][WITH_EXCLUDED]["reliance"]
    assert set(reliance) == set(ignored) and 0.0 <= reliance["mean_abs_probability_change"] <= 1.0
    assert reliance["uses_them"] == (reliance["max_abs_probability_change"] > 0.0)
