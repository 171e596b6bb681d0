"""The served model bundle: feature layout, input cleaning, decisions at the threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import features_and_target
from credit_scoring.pipelines.modelling.params import CandidateSpec
from credit_scoring.serving.calibration import ProbabilityCalibrator
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec, TabularCleaner, clean_features


@pytest.fixture(scope="module")
def bundle(model_input_table: pd.DataFrame) -> CreditScoringModel:
    X, y = features_and_target(model_input_table, "SK_ID_CURR", "TARGET")
    spec = FeatureSpec.from_frame(X)
    estimator = build_estimator(CandidateSpec(family="logreg", imbalance="class_weight"), spec, 0).fit(X, y)
    return CreditScoringModel(estimator, spec, threshold=0.3, model_name="logreg_balanced")


def test_feature_spec_follows_the_table() -> None:
    frame = pd.DataFrame(
        {"A": [1.0], "B": pd.array(["x"], dtype="string"), "C": [True], "D": pd.Categorical(["k"]), "E": [2]}
    )
    spec = FeatureSpec.from_frame(frame, exclude=("E",))
    assert spec.features == ("A", "B", "C", "D")
    assert spec.categorical == ("B", "D")
    assert spec.numeric == ("A", "C")


def test_feature_spec_rejects_unsupported_types_and_duplicates() -> None:
    with pytest.raises(TypeError, match="'WHEN' has unsupported dtype"):
        FeatureSpec.from_frame(pd.DataFrame({"WHEN": pd.to_datetime(["2024-01-01"])}))
    with pytest.raises(ValueError, match="Duplicated feature names"):
        FeatureSpec(features=("A", "A"))
    with pytest.raises(ValueError, match="missing from the feature list"):
        FeatureSpec(features=("A",), categorical=("B",))


def test_cleaning_normalises_types_and_missing_values() -> None:
    spec = FeatureSpec(features=("NUM", "CAT", "ABSENT_NUM", "ABSENT_CAT"), categorical=("CAT", "ABSENT_CAT"))
    raw = pd.DataFrame(
        {
            "CAT": pd.array(["a", pd.NA, "b"], dtype="string"),
            "NUM": pd.Series(["1.5", None, "3"], dtype=object),  # JSON may bring numbers as text
            "EXTRA": [1, 2, 3],
        }
    )
    cleaned = clean_features(raw, spec)
    assert list(cleaned.columns) == list(spec.features)
    assert cleaned["NUM"].dtype == np.float64 and cleaned["NUM"].isna().tolist() == [False, True, False]
    assert cleaned["CAT"].dtype == object and cleaned["CAT"].tolist()[0] == "a" and pd.isna(cleaned["CAT"][1])
    assert cleaned["ABSENT_NUM"].isna().all() and cleaned["ABSENT_CAT"].isna().all()
    assert TabularCleaner(spec.features, spec.categorical).fit(raw).transform(raw).equals(cleaned)


def test_text_in_a_numeric_feature_is_named_in_the_error() -> None:
    spec = FeatureSpec(features=("AMT_CREDIT",))
    with pytest.raises(ValueError, match=r"'AMT_CREDIT' must be numeric; offending values: \['lots'\]"):
        clean_features(pd.DataFrame({"AMT_CREDIT": ["1000", "lots"]}), spec)


def test_predict_returns_probability_and_decision_at_the_threshold(
    bundle: CreditScoringModel, scoring_input_table: pd.DataFrame
) -> None:
    output = bundle.predict(None, scoring_input_table)
    assert list(output.columns) == ["probability", "prediction", "decision"]
    assert len(output) == len(scoring_input_table)
    refused = output["probability"] >= 0.3
    assert (output["prediction"] == refused.astype(int)).all()
    assert set(output.loc[refused, "decision"]) <= {"refused"}
    assert set(output.loc[~refused, "decision"]) <= {"granted"}


def test_predict_accepts_records_and_rejects_unrelated_input(bundle: CreditScoringModel) -> None:
    records = [{"FEATURE_000": 0.2, "CATEGORY_00": "Beta"}, {"FEATURE_000": None}]
    assert len(bundle.predict(None, records)) == 2
    with pytest.raises(ValueError, match="None of the model's 8 features"):
        bundle.predict(None, pd.DataFrame({"SOMETHING_ELSE": [1]}))


def test_threshold_outside_unit_interval_is_refused(bundle: CreditScoringModel) -> None:
    with pytest.raises(ValueError, match=r"threshold must lie in \[0, 1\]"):
        CreditScoringModel(bundle.estimator, bundle.feature_spec, threshold=1.5, model_name="x")


def test_model_matrix_is_what_the_classifier_scores(model_input_table: pd.DataFrame) -> None:
    X, y = features_and_target(model_input_table, "SK_ID_CURR", "TARGET")
    spec = FeatureSpec.from_frame(X)
    lgbm = CandidateSpec(family="lgbm", imbalance="undersample", params={"n_estimators": 10, "num_leaves": 4})
    model = CreditScoringModel(build_estimator(lgbm, spec, 0).fit(X, y), spec, threshold=0.5, model_name="m")
    matrix = model.model_matrix(X.head(20))  # the undersampler is skipped: all 20 rows come out
    assert matrix.shape == (20, len(spec.features))
    np.testing.assert_allclose(model.classifier.predict_proba(matrix)[:, 1], model.predict_proba(X.head(20)))


def test_the_served_probability_is_the_calibrated_classifier_output(model_input_table: pd.DataFrame) -> None:
    """predict_proba = calibrator(classifier(model_matrix(frame))); classifier and model_matrix unchanged."""
    X, y = features_and_target(model_input_table, "SK_ID_CURR", "TARGET")
    spec = FeatureSpec.from_frame(X)
    weighted = CandidateSpec(
        family="lgbm", imbalance="class_weight", params={"n_estimators": 20, "num_leaves": 4}
    )
    estimator = build_estimator(weighted, spec, 0).fit(X, y)
    raw = estimator.predict_proba(X)[:, 1]
    calibrator = ProbabilityCalibrator("isotonic").fit(raw, y)
    model = CreditScoringModel(estimator, spec, threshold=0.1, model_name="m", calibrator=calibrator)
    assert model.probability_scale == "calibrated"
    head = X.head(30)
    matrix = model.model_matrix(head)
    np.testing.assert_allclose(model.raw_score(head), model.classifier.predict_proba(matrix)[:, 1])
    np.testing.assert_allclose(model.predict_proba(head), calibrator.transform(model.raw_score(head)))
    # class weights inflate the raw score; the served one matches the observed default rate
    assert raw.mean() > 2 * y.mean() and model.predict_proba(X).mean() == pytest.approx(y.mean(), abs=0.01)
    output = model.predict(None, head)
    assert list(output.columns) == ["probability", "prediction", "decision"]
    np.testing.assert_allclose(output["probability"], model.predict_proba(head))


def test_an_uncalibrated_model_serves_its_raw_score(bundle: CreditScoringModel) -> None:
    assert bundle.probability_scale == "raw"
    frame = pd.DataFrame({"FEATURE_000": [0.1, 2.0]})
    np.testing.assert_allclose(bundle.predict_proba(frame), bundle.raw_score(frame))


def test_calibrator_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="Unknown calibration method"):
        ProbabilityCalibrator("magic")
    with pytest.raises(ValueError, match="not fitted"):
        ProbabilityCalibrator().transform(np.array([0.5]))
    with pytest.raises(ValueError, match="one finite score per label"):
        ProbabilityCalibrator().fit(np.array([0.1, np.nan]), np.array([0, 1]))
