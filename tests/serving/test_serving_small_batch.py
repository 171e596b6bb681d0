"""The small-batch path (`SmallBatchEncoder`) gives the fitted pipeline's scores and explanations exactly, and
hands anything it cannot encode exactly back to the pipeline."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from credit_scoring.serving.explain import ScoreExplainer
from credit_scoring.serving.model import CreditScoringModel
from credit_scoring.serving.small_batch import MAX_ROWS
from tests.fixtures.explain_models import dictionary_model_input, fitted_bundle, synthetic_bundle
from tests.fixtures.model_input import synthetic_model_input


@pytest.fixture(scope="module")
def lgbm() -> CreditScoringModel:
    return synthetic_bundle("lgbm")


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    frame = synthetic_model_input(MAX_ROWS, n_numeric=6, n_categorical=2, seed=21, with_target=False)
    frame.loc[0, "CATEGORY_00"] = "Never seen in training"
    frame.loc[1, [c for c in frame.columns if c != "SK_ID_CURR"]] = np.nan  # a client with nothing known
    return frame


def pipeline_raw_score(model: CreditScoringModel, rows: pd.DataFrame) -> np.ndarray:
    """The score of the fitted pipeline itself (cleaning, encoding and LightGBM's pandas conversion)."""
    return model.estimator.predict_proba(model.prepare(rows))[:, 1]


def test_scores_equal_the_pipeline_s_for_every_row(lgbm, rows) -> None:
    assert lgbm.encode_small_batch(rows) is not None
    np.testing.assert_array_equal(lgbm.raw_score(rows), pipeline_raw_score(lgbm, rows))


@pytest.mark.parametrize("imbalance", ["class_weight", "undersample"])
def test_a_model_on_every_dictionary_feature_scores_the_same(imbalance: str) -> None:
    table = dictionary_model_input(300, seed=4)
    model = fitted_bundle(table, "lgbm", imbalance)
    clients = table.drop(columns=["TARGET"]).head(MAX_ROWS)
    np.testing.assert_array_equal(model.raw_score(clients), pipeline_raw_score(model, clients))


def test_columns_in_another_order_missing_or_extra(lgbm, rows) -> None:
    shuffled = rows[list(reversed(rows.columns))].assign(NOT_A_FEATURE="x")
    partial = rows.drop(columns=["FEATURE_000", "CATEGORY_01"])
    for frame in (shuffled, partial):
        assert lgbm.encode_small_batch(frame) is not None
        np.testing.assert_array_equal(lgbm.raw_score(frame), pipeline_raw_score(lgbm, frame))


def test_cleaned_values_are_the_cleaner_s(lgbm, rows) -> None:
    encoded = lgbm.encode_small_batch(rows)
    cleaned = lgbm.prepare(rows)
    for values, expected in zip(encoded.values, cleaned.itertuples(index=False, name=None), strict=True):
        for value, wanted in zip(values, expected, strict=True):
            assert (pd.isna(value) and pd.isna(wanted)) or value == wanted


def test_row_values_encode_like_their_frame(lgbm, rows) -> None:
    python_rows = [tuple(None if pd.isna(v) else v for v in row) for row in rows.astype(object).to_numpy()]
    from_rows = lgbm.small_batch_encoder.encode_rows(list(rows.columns), python_rows)
    np.testing.assert_array_equal(from_rows.matrix, lgbm.encode_small_batch(rows).matrix)
    np.testing.assert_array_equal(lgbm.predict_proba(from_rows), lgbm.predict_proba(rows))


def test_explanations_equal_the_pipeline_path(lgbm, rows) -> None:
    explainer = ScoreExplainer(lgbm)
    pipeline_matrix = explainer._matrix(lgbm.prepare(rows))
    expected, expected_base = explainer._backend.contributions(pipeline_matrix)
    values, base = explainer.contributions(rows)
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-12)
    assert base == pytest.approx(expected_base, abs=1e-12)
    encoded = lgbm.encode_small_batch(rows)
    assert explainer.explain(encoded, top_k=4) == explainer.explain(rows, top_k=4)


def test_what_it_cannot_encode_exactly_takes_the_pipeline(lgbm, rows) -> None:
    assert lgbm.encode_small_batch(pd.concat([rows, rows])) is None  # more than MAX_ROWS
    number_as_category = rows.head(3).astype({"CATEGORY_00": object})
    number_as_category.loc[0, "CATEGORY_00"] = 7
    assert lgbm.encode_small_batch(number_as_category) is None
    np.testing.assert_array_equal(
        lgbm.raw_score(number_as_category), pipeline_raw_score(lgbm, number_as_category)
    )
    assert lgbm.encode_small_batch(rows[["SK_ID_CURR"]]) is None
    text = rows.head(2).astype({"FEATURE_001": object})
    text.loc[0, "FEATURE_001"] = "not a number"
    assert lgbm.encode_small_batch(text) is None
    with pytest.raises(ValueError, match=r"FEATURE_001.*not a number"):
        lgbm.predict_proba(text)


@pytest.mark.parametrize(("family", "imbalance"), [("logreg", "class_weight"), ("dummy", "none")])
def test_other_families_have_no_small_batch_path(family: str, imbalance: str, rows) -> None:
    model = synthetic_bundle(family, imbalance)
    assert model.small_batch_encoder is None
    assert model.encode_small_batch(rows) is None
    assert len(model.predict_proba(rows)) == len(rows)


def test_the_encoder_is_not_pickled_with_the_model(lgbm, rows) -> None:
    lgbm.raw_score(rows)
    assert "_small_batch_encoder" in lgbm.__dict__
    restored = pickle.loads(pickle.dumps(lgbm))
    assert "_small_batch_encoder" not in restored.__dict__
    np.testing.assert_array_equal(restored.raw_score(rows), lgbm.raw_score(rows))
