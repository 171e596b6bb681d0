"""The scorecard candidate (WoE bins, logistic regression, points table) and LightGBM monotone constraints."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from credit_scoring import registry
from credit_scoring.cost import CostWeights
from credit_scoring.pipelines.modelling.candidates import build_estimator, monotone_constraints
from credit_scoring.pipelines.modelling.evaluation import (
    CalibrationSettings,
    CandidateResult,
    assign_folds,
    cross_validate,
    features_and_target,
    fold_indices,
    refit,
)
from credit_scoring.pipelines.modelling.params import (
    CandidateSpec,
    ModellingSettings,
    MonotoneSpec,
    ScorecardScaling,
    parse_candidates,
)
from credit_scoring.pipelines.modelling.scorecard import (
    ScorecardPoints,
    build_scorecard_points,
    client_points,
    points_table,
    scaling_constants,
    scores,
)
from credit_scoring.serving.explain import ScoreExplainer
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec
from credit_scoring.serving.scorecard import UNSEEN_LEVEL, ScorecardRegression, WoeBinner
from tests.fixtures.settings import project_modelling_params, settings_of

WEIGHTS = CostWeights()
SCORECARD = CandidateSpec(family="scorecard")
SCALING = ScorecardScaling(base_score=600, base_odds=50, pdo=20)
SMALL_LGBM = {"n_estimators": 40, "num_leaves": 7, "min_child_samples": 10, "colsample_bytree": 1.0}


@pytest.fixture(scope="module")
def data(model_input_table: pd.DataFrame):
    """Training rows, a held-out part, the folds and the feature list of the synthetic model input."""
    train, test = model_input_table.iloc[:2400], model_input_table.iloc[2400:]
    X, y = features_and_target(train, "SK_ID_CURR", "TARGET")
    X_test, y_test = features_and_target(test, "SK_ID_CURR", "TARGET")
    folds = fold_indices(assign_folds(train, "SK_ID_CURR", "TARGET", 3, 0), train, "SK_ID_CURR")
    return X, y, X_test, y_test, folds, FeatureSpec.from_frame(X)


@pytest.fixture(scope="module")
def scorecard(data):
    X, y, *_, features = data
    return build_estimator(SCORECARD, features, random_state=0).fit(X, y)


def test_scorecard_fits_ranks_and_pickles(data, scorecard) -> None:
    _, _, X_test, y_test, _, _ = data
    proba = scorecard.predict_proba(X_test)[:, 1]
    assert np.all((proba >= 0) & (proba <= 1))
    assert roc_auc_score(y_test, proba) > 0.7  # the synthetic signal is learnt
    binner = scorecard.named_steps["encode"]
    assert isinstance(binner, WoeBinner)
    # the signal's features are kept, the noise is not; a scorecard stays small
    assert {"FEATURE_000", "FEATURE_001"} <= set(binner.feature_names_out_)
    assert len(binner.feature_names_out_) <= 20
    restored = pickle.loads(pickle.dumps(scorecard))
    np.testing.assert_array_equal(restored.predict_proba(X_test)[:, 1], proba)


def test_scorecard_cross_validates_on_the_shared_folds(data) -> None:
    X, y, _, _, folds, features = data
    cv = cross_validate(build_estimator(SCORECARD, features, 0), X, y, folds, WEIGHTS)
    assert cv.auc > 0.65
    assert not np.isnan(cv.oof_proba).any()
    assert len(cv.fold_cost) == len(folds)


def test_bins_are_monotone_and_missing_values_have_their_own_bin(scorecard) -> None:
    binner = scorecard.named_steps["encode"]
    table = binner.binning_table("FEATURE_001")  # a feature with missing values
    intervals = table[~table["bin"].isin(["Special", "Missing"])]
    event_rates = intervals["event_rate"].to_numpy()
    assert np.all(np.diff(event_rates) <= 0) or np.all(np.diff(event_rates) >= 0)
    assert int(table.loc[table["bin"] == "Missing", "count"].iloc[0]) > 0


def test_points_add_up_to_the_score_and_double_the_odds_every_pdo(data, scorecard) -> None:
    _, _, X_test, _, _, _ = data
    table = points_table(scorecard, SCALING, "scorecard", selected=True)
    points = client_points(scorecard, X_test, table)
    score = scores(scorecard, X_test, SCALING)
    np.testing.assert_allclose(points.sum(axis=1).to_numpy(), score, atol=1e-8)
    # the score is the scaled log-odds of repaying of the regression's own probability
    proba = scorecard.predict_proba(X_test)[:, 1]
    factor, offset = scaling_constants(SCALING)
    np.testing.assert_allclose(score, offset + factor * np.log((1 - proba) / proba), atol=1e-6)
    # base_score at base_odds, pdo more points where the odds double
    assert offset + factor * math.log(SCALING.base_odds) == pytest.approx(SCALING.base_score)
    assert offset + factor * math.log(2 * SCALING.base_odds) == pytest.approx(
        SCALING.base_score + SCALING.pdo
    )
    a, b = np.argmin(score), np.argmax(score)
    odds_ratio = (1 - proba[b]) / proba[b] / ((1 - proba[a]) / proba[a])
    assert score[b] - score[a] == pytest.approx(SCALING.pdo * math.log2(odds_ratio))
    assert table.min_score <= score.min() and score.max() <= table.max_score


def test_points_table_rows_describe_every_bin(scorecard) -> None:
    table = points_table(scorecard, SCALING, "scorecard", selected=False)
    kept = list(scorecard.named_steps["encode"].feature_names_out_)
    assert [feature.feature for feature in table.features] == kept
    assert {row.feature for row in table.bins} == set(kept)
    for feature in kept:
        rows = [row for row in table.bins if row.feature == feature]
        assert sum(row.count for row in rows) == pytest.approx(2400)
        assert sum(row.count_share for row in rows) == pytest.approx(1.0)
        assert any(row.bin == "Missing" for row in rows)
        assert all(0.0 <= row.event_rate <= 1.0 for row in rows)
    category = [row for row in table.bins if row.feature == "CATEGORY_00"]
    assert category[-1].bin == UNSEEN_LEVEL and category[-1].woe == 0.0
    # the regression follows the bins' evidence on this data: more evidence of repayment, more points
    assert all(feature.sign_consistent for feature in table.features)


def test_an_unseen_level_or_nothing_known_scores_without_error(data, scorecard) -> None:
    X, *_ = data
    rows = X.head(3).copy()
    rows.loc[rows.index[0], "CATEGORY_00"] = "NeverSeenLevel"
    rows.loc[rows.index[1], :] = np.nan
    table = points_table(scorecard, SCALING, "scorecard", selected=False)
    np.testing.assert_allclose(
        client_points(scorecard, rows, table).sum(axis=1), scores(scorecard, rows, SCALING), atol=1e-8
    )


def test_a_coefficient_against_the_evidence_is_left_out() -> None:
    """Two collinear WoE columns: a plain regression gives one a positive coefficient (fewer points for more
    evidence of repayment); the scorecard's regression leaves it out and refits."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=4000)
    X = pd.DataFrame({"A": a, "B": a + rng.normal(scale=0.3, size=4000), "C": rng.normal(size=4000)})
    log_odds = -2 - 1.5 * X["A"] + 0.8 * X["B"] - 0.7 * X["C"]
    y = (rng.random(4000) < 1 / (1 + np.exp(-log_odds))).astype(int)
    assert (LogisticRegression(C=100).fit(X, y).coef_ > 0).any()
    model = ScorecardRegression(C=100).fit(X, y)
    assert model.support_.tolist() == [True, False, True]
    assert model.coef_[0, 1] == 0 and (model.coef_ <= 0).all()
    restricted = LogisticRegression(C=100).fit(X[["A", "C"]], y)
    np.testing.assert_allclose(model.decision_function(X), restricted.decision_function(X[["A", "C"]]))


def _refitted(data, name: str, spec: CandidateSpec) -> CandidateResult:
    X, y, X_test, _, folds, features = data
    estimator = build_estimator(spec, features, 0)
    result = CandidateResult(
        name=name, spec=spec.model_dump(), cv=cross_validate(estimator, X, y, folds, WEIGHTS)
    )
    fold = np.zeros(len(y), dtype=int)
    for number, (_, rows) in enumerate(folds):
        fold[rows] = number
    refit(result, estimator, X, y, X_test, calibration=CalibrationSettings("isotonic", fold, WEIGHTS))
    return result


def test_the_node_writes_the_scorecard_points_dataset(data) -> None:
    results = {
        "dummy": _refitted(data, "dummy", CandidateSpec(family="dummy")),
        "scorecard_woe": _refitted(data, "scorecard_woe", SCORECARD),
    }
    written = build_scorecard_points(
        candidate_results=results, selected_model="dummy", settings=_settings(SCALING.model_dump())
    )
    table = ScorecardPoints.model_validate(json.loads(json.dumps(written)))  # JSON-ready and typed
    assert table.model_name == "scorecard_woe" and not table.selected
    regression = results["scorecard_woe"].estimator.named_steps["model"]
    assert len(table.features) == regression.support_.sum()
    assert len(table.features) + len(table.left_out_features) == regression.support_.size
    assert (table.base_score, table.base_odds, table.pdo) == (600, 50, 20)
    assert table.bins and table.features

    none = build_scorecard_points(
        candidate_results={"dummy": results["dummy"]}, selected_model="dummy", settings=_settings({})
    )
    assert none["model_name"] is None and none["bins"] == [] and "no candidate" in none["note"]
    with pytest.raises(ValueError, match=r"modelling\.scorecard"):
        _settings({"pdo": -1})


def _settings(scaling: dict) -> ModellingSettings:
    return settings_of({**project_modelling_params(), "scorecard": scaling})


def test_a_served_scorecard_predicts_and_explains(data) -> None:
    """The selection rule may pick the scorecard: the bundle serves it and the linear explainer reads it."""
    _, _, X_test, _, _, features = data
    result = _refitted(data, "scorecard_woe", SCORECARD)
    model = CreditScoringModel(
        estimator=result.estimator,
        feature_spec=features,
        threshold=result.served_threshold.threshold,
        model_name="scorecard_woe",
        calibrator=result.calibrator,
    )
    served = pickle.loads(pickle.dumps(model))
    assert served.small_batch_encoder is None  # not LightGBM: the pipeline's own path
    predictions = served.predict(None, X_test.head(5))
    assert list(predictions.columns) == ["probability", "prediction", "decision"]
    assert predictions["probability"].between(0, 1).all()
    explainer = ScoreExplainer(served)
    assert explainer.method == "linear"
    values, base, raw = explainer.decompose(X_test.head(5))
    np.testing.assert_allclose(values.sum(axis=1) + base, raw, atol=1e-8)
    kept = set(result.estimator.named_steps["encode"].feature_names_out_)
    dropped = [i for i, name in enumerate(served.features) if name not in kept]
    assert np.all(values[:, dropped] == 0)  # a feature the scorecard left out never contributes


def _along(X: pd.DataFrame, feature: str) -> pd.DataFrame:
    """Copies of a few clients, the feature swept over a grid (other features kept): one block per client."""
    grid = np.linspace(-3, 3, 41)
    blocks = []
    for _, client in X.head(8).iterrows():
        block = pd.DataFrame([client] * len(grid)).reset_index(drop=True)
        block[feature] = grid
        blocks.append(block.astype(X.dtypes.to_dict()))
    return pd.concat(blocks, ignore_index=True)


@pytest.mark.parametrize(
    ("up", "down"),
    [("FEATURE_000", "FEATURE_001"), ("FEATURE_001", "FEATURE_000")],
    ids=["with-the-data", "against-the-data"],
)
def test_monotone_constraints_are_honoured(data, up: str, down: str) -> None:
    X, y, *_, features = data
    monotone = MonotoneSpec(increasing=[up], decreasing=[down])
    spec = CandidateSpec(family="lgbm", params=SMALL_LGBM, monotone=monotone)
    model = build_estimator(spec, features, 0).fit(X, y)
    for feature, sign in ((up, 1), (down, -1)):
        proba = model.predict_proba(_along(X, feature))[:, 1].reshape(8, -1)
        assert np.all(sign * np.diff(proba, axis=1) >= -1e-12), feature
    constraints = model.named_steps["model"].get_params()["monotone_constraints"]
    assert constraints[features.features.index(up)] == 1
    assert constraints[features.features.index(down)] == -1
    assert sum(abs(c) for c in constraints) == 2


def test_monotone_patterns_match_names_and_bad_entries_are_named() -> None:
    features = FeatureSpec(
        features=("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_COUNT", "INSTAL_LATE_SHARE", "NAME"),
        categorical=("NAME",),
    )
    spec = MonotoneSpec(increasing=["INSTAL_*_SHARE"], decreasing=["EXT_SOURCE_[12]"])
    assert monotone_constraints(spec, features) == [-1, -1, 0, 1, 0]
    with pytest.raises(ValueError, match=r"\['EXT_SOURCE_9', 'TYPO\*'\] match no model feature"):
        monotone_constraints(MonotoneSpec(decreasing=["EXT_SOURCE_1", "EXT_SOURCE_9", "TYPO*"]), features)
    with pytest.raises(ValueError, match=r"\['NAME'\] match only categorical"):
        monotone_constraints(MonotoneSpec(increasing=["NAME"]), features)
    with pytest.raises(ValueError, match=r"\['EXT_SOURCE_1'\] are matched as both"):
        monotone_constraints(MonotoneSpec(increasing=["EXT_SOURCE_1"], decreasing=["EXT_SOURCE_*"]), features)


def test_a_bad_candidate_configuration_is_a_clear_error(data) -> None:
    with pytest.raises(ValueError, match=r"monotone only applies to lgbm candidates, not 'logreg'"):
        parse_candidates({"bad": {"family": "logreg", "monotone": {"increasing": ["A"]}}})
    with pytest.raises(ValueError, match=r"binning only applies to scorecard candidates"):
        parse_candidates({"bad": {"family": "lgbm", "binning": {"max_n_bins": 4}}})
    with pytest.raises(ValueError, match=r"both increasing and decreasing"):
        parse_candidates({"bad": {"family": "lgbm", "monotone": {"increasing": ["A"], "decreasing": ["A"]}}})
    with pytest.raises(ValueError, match=r"at least one"):
        parse_candidates({"bad": {"family": "lgbm", "monotone": {}}})
    with pytest.raises(ValueError, match=r"not supported for family 'scorecard'"):
        parse_candidates({"bad": {"family": "scorecard", "imbalance": "smote"}})
    with pytest.raises(ValueError, match=r"(?s)modelling\.candidates\.bad.*max_n_bins"):
        parse_candidates({"bad": {"family": "scorecard", "binning": {"max_n_bins": 1}}})
    *_, features = data
    spec = parse_candidates(
        {"lgbm_monotone": {"family": "lgbm", "monotone": {"decreasing": ["EXT_SOURCE_*"]}}}
    )
    with pytest.raises(ValueError, match=r"\['EXT_SOURCE_\*'\] match no model feature"):
        build_estimator(spec["lgbm_monotone"], features, 0)


def test_a_logged_scorecard_requires_optbinning(scorecard) -> None:
    model = CreditScoringModel(scorecard, FeatureSpec(("FEATURE_000",)), 0.5, "scorecard_woe")
    assert any(line.startswith("optbinning==") for line in registry.pip_requirements(model))
    assert not any(line.startswith("optbinning==") for line in registry.pip_requirements())
