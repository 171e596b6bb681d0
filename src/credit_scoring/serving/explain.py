"""Why a client got their score: SHAP contributions of the model features, told as reason families
(`credit_scoring.serving.family_reasons`).

Contributions are computed on the fitted classifier (``model.classifier``) over the matrix it scores
(``model.model_matrix``), on its raw output (log-odds): base value + contributions = raw output, exactly.
A probability calibrator placed after the classifier is monotonic, so it does not change which features raise
or lower the risk.

How, by classifier family (chosen once, when the explainer is built):

- LightGBM: LightGBM's own TreeSHAP (``pred_contrib=True``), exact, faster than the shap package on one row;
- other tree ensembles: ``shap.TreeExplainer`` (path-dependent, no background data needed);
- linear models: the closed form of linear SHAP, coefficient x (value - reference) per encoded column, summed
  back to the model feature it came from (one-hot levels and missing-value indicators included); see
  `linear_reference` for the reference point, which needs no training data;
- a constant model (DummyClassifier): no feature contributes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.features.families import ReasonPolicy
from credit_scoring.serving.family_reasons import Explanation, FamilyExplainer
from credit_scoring.serving.model import CreditScoringModel, TabularCleaner
from credit_scoring.serving.reasons import ReasonWriter, dictionary_writer
from credit_scoring.serving.small_batch import EncodedRows


class ScoreExplainer:
    """SHAP contributions and top reasons for rows of client features, for one fitted model.

    Build it once per model (it prepares the explainer); ``explain`` and ``contributions`` are then cheap.
    """

    def __init__(
        self,
        model: CreditScoringModel,
        writer: ReasonWriter | None = None,
        policy: ReasonPolicy | None = None,
    ):
        self.model = model
        self.features: list[str] = list(model.features)
        self.writer = writer or dictionary_writer()
        self.families = FamilyExplainer(self.features, self.writer, policy)
        self._backend = _backend_for(model)

    @property
    def method(self) -> str:
        """How contributions are computed: "lightgbm", "tree_shap", "linear" or "constant"."""
        return self._backend.method

    def contributions(self, rows: pd.DataFrame) -> tuple[np.ndarray, float]:
        """SHAP values (a row per client, a column per model feature, in model order) and the base value."""
        return self._backend.contributions(self._encoded(rows)[0])

    def raw_output(self, rows: pd.DataFrame) -> np.ndarray:
        """The classifier's raw output (log-odds) that base value + contributions add up to."""
        return self._backend.raw_output(self._encoded(rows)[0])

    def decompose(self, rows: pd.DataFrame) -> tuple[np.ndarray, float, np.ndarray]:
        """SHAP values, base value and raw output in one pass over the rows (for batch use)."""
        matrix, _ = self._encoded(rows)
        values, base = self._backend.contributions(matrix)
        return values, base, self._backend.raw_output(matrix)

    def explain(
        self, rows: pd.DataFrame | EncodedRows, top_k: int = 5, language: str = "en"
    ) -> list[Explanation]:
        """For each row, the ``top_k`` reason families by |contribution| (raising and lowering both
        represented) and the reasons a refusal may give (the policy's families that raise the risk most)."""
        matrix, values = self._encoded(rows)
        shap_values, _ = self._backend.contributions(matrix)
        return self.families.explain(shap_values, values, top_k, language)

    def _encoded(self, rows: pd.DataFrame | EncodedRows) -> tuple[Any, Any]:
        """The matrix the classifier scores, and the rows' cleaned values (one sequence per row).

        A few rows for LightGBM take the small-batch path (`CreditScoringModel.encode_small_batch`).
        """
        encoded = self.model.encode_small_batch(rows)  # None unless the model is LightGBM
        if encoded is not None:
            return encoded.matrix, encoded.values
        prepared = self.model.prepare(rows)
        return self._matrix(prepared), list(prepared.itertuples(index=False, name=None))

    def _matrix(self, prepared: pd.DataFrame) -> Any:
        """``model.model_matrix`` of rows already prepared: the pipeline's own cleaning step is skipped, as it
        would only repeat ``prepare`` (cleaning is most of the time spent on one row of many features)."""
        data: Any = prepared
        for _, step in self.model.estimator.steps[:-1]:
            if step is None or step == "passthrough" or hasattr(step, "fit_resample"):
                continue  # resamplers only act while fitting
            if isinstance(step, TabularCleaner) and getattr(step, "spec_", None) == self.model.feature_spec:
                continue
            data = step.transform(data)
        return data


# --- backends: contributions on the encoded matrix, summed back to model features --------------------------


class _Backend:
    method = ""

    def contributions(self, matrix: Any) -> tuple[np.ndarray, float]:
        raise NotImplementedError

    def raw_output(self, matrix: Any) -> np.ndarray:
        raise NotImplementedError


class _LightGBMBackend(_Backend):
    method = "lightgbm"

    def __init__(self, classifier: Any):
        self.booster = classifier.booster_
        self.classifier = classifier

    def contributions(self, matrix: Any) -> tuple[np.ndarray, float]:
        # the last column is the expected raw output (the same for every row)
        contrib = np.asarray(self._predict(matrix, pred_contrib=True), dtype=np.float64)
        base = float(contrib[0, -1]) if len(contrib) else float(self._expected_value())
        return contrib[:, :-1], base

    def raw_output(self, matrix: Any) -> np.ndarray:
        return np.asarray(self._predict(matrix, raw_score=True), dtype=np.float64)

    def _predict(self, matrix: Any, **kwargs: Any) -> Any:
        """A small-batch NumPy matrix goes to the booster on one thread (the scikit-learn wrapper would
        check it against the training column names); a frame through the wrapper."""
        if isinstance(matrix, np.ndarray):
            return self.booster.predict(matrix, num_threads=1, **kwargs)
        return self.classifier.predict(matrix, **kwargs)

    def _expected_value(self) -> float:
        # no rows: the base value of an all-missing row is the same expected value
        empty = pd.DataFrame({name: [np.nan] for name in self.booster.feature_name()})
        return float(np.asarray(self.booster.predict(empty, pred_contrib=True))[0, -1])


class _TreeShapBackend(_Backend):
    method = "tree_shap"

    def __init__(self, classifier: Any):
        import shap  # noqa: PLC0415 (slow to import; the LightGBM and linear paths do not need it)

        self.classifier = classifier
        self.explainer = shap.TreeExplainer(classifier)

    def contributions(self, matrix: Any) -> tuple[np.ndarray, float]:
        values = np.asarray(self.explainer.shap_values(matrix), dtype=np.float64)
        expected = np.atleast_1d(np.asarray(self.explainer.expected_value, dtype=np.float64))
        if values.ndim == 3:  # one slice per class: keep the default class
            values, expected = values[..., -1], expected[-1:]
        return values, float(expected[-1])

    def raw_output(self, matrix: Any) -> np.ndarray:
        if hasattr(self.classifier, "decision_function"):
            return np.asarray(self.classifier.decision_function(matrix), dtype=np.float64)
        return np.asarray(self.classifier.predict_proba(matrix)[:, -1], dtype=np.float64)


class _LinearBackend(_Backend):
    method = "linear"

    def __init__(self, classifier: Any, reference: np.ndarray):
        self.classifier = classifier
        self.coef = np.asarray(classifier.coef_, dtype=np.float64).reshape(-1)
        self.reference = reference
        intercept = float(np.asarray(classifier.intercept_).reshape(-1)[0])
        self.base = intercept + float(self.coef @ reference)

    def contributions(self, matrix: Any) -> tuple[np.ndarray, float]:
        return (np.asarray(matrix, dtype=np.float64) - self.reference) * self.coef, self.base

    def raw_output(self, matrix: Any) -> np.ndarray:
        return np.asarray(self.classifier.decision_function(matrix), dtype=np.float64)


class _ConstantBackend(_Backend):
    method = "constant"

    def __init__(self, classifier: Any, n_columns: int):
        prior = float(np.clip(classifier.class_prior_[-1], 1e-12, 1 - 1e-12))
        self.base = float(np.log(prior / (1 - prior)))
        self.n_columns = n_columns

    def contributions(self, matrix: Any) -> tuple[np.ndarray, float]:
        return np.zeros((len(matrix), self.n_columns)), self.base

    def raw_output(self, matrix: Any) -> np.ndarray:
        return np.full(len(matrix), self.base)


class _AggregatedBackend(_Backend):
    """Sums the contributions of encoded columns into the model feature each comes from."""

    def __init__(self, inner: _Backend, column_features: np.ndarray):
        self.inner = inner
        self.method = inner.method
        self.column_features = column_features  # (n_columns, n_features) 0/1

    def contributions(self, matrix: Any) -> tuple[np.ndarray, float]:
        values, base = self.inner.contributions(matrix)
        return values @ self.column_features, base

    def raw_output(self, matrix: Any) -> np.ndarray:
        return self.inner.raw_output(matrix)


def _backend_for(model: CreditScoringModel) -> _Backend:
    classifier = model.classifier
    features = list(model.features)
    columns = matrix_columns(model)
    if type(classifier).__name__ == "DummyClassifier":
        return _ConstantBackend(classifier, len(features))
    if type(classifier).__module__.startswith("lightgbm"):
        backend: _Backend = _LightGBMBackend(classifier)
    elif hasattr(classifier, "coef_") and hasattr(classifier, "decision_function"):
        backend = _LinearBackend(classifier, linear_reference(columns, features))
    elif hasattr(classifier, "estimators_") or hasattr(classifier, "get_booster"):
        backend = _TreeShapBackend(classifier)
    else:
        raise TypeError(
            f"Cannot explain a {type(classifier).__name__}: supported are LightGBM, tree ensembles, "
            "linear models and DummyClassifier"
        )
    if columns == features:
        return backend
    return _AggregatedBackend(backend, column_feature_matrix(columns, features))


def linear_reference(columns: list[str], features: list[str]) -> np.ndarray:
    """The reference point of linear SHAP in the model matrix, known without training data.

    Standardised columns (numbers, missing-value indicators) have their training mean at 0. The one-hot
    columns of a category get 1 / (number of its levels): the reference is "an average level", so a category's
    contribution is its level's coefficient minus the mean coefficient of its levels, and a category without
    effect contributes nothing whatever its level.
    """
    if columns == features:
        return np.zeros(len(columns))
    mapping = column_feature_matrix(columns, features)
    is_level = np.array([_is_level_column(column, features) for column in columns])
    levels_per_feature = (mapping * is_level[:, None]).sum(axis=0)
    reference = np.zeros(len(columns))
    for row in np.flatnonzero(is_level):
        reference[row] = 1.0 / levels_per_feature[mapping[row].argmax()]
    return reference


def _is_level_column(column: str, features: list[str]) -> bool:
    name = column.split("__", 1)[1] if "__" in column else column
    return name not in features and not name.startswith("missingindicator_")


def matrix_columns(model: CreditScoringModel) -> list[str]:
    """Names of the columns of ``model.model_matrix``: the last transformer's output names or the features."""
    for _, step in reversed(model.estimator.steps[:-1]):
        if step is None or step == "passthrough" or hasattr(step, "fit_resample"):
            continue
        return [str(name) for name in step.get_feature_names_out()]
    return list(model.features)


def column_feature_matrix(columns: list[str], features: list[str]) -> np.ndarray:
    """0/1 matrix mapping each encoded column to the model feature it comes from.

    Encoded names look like ``numeric__AMT_CREDIT``, ``numeric__missingindicator_EXT_SOURCE_1`` or
    ``categorical__NAME_INCOME_TYPE_Working`` (ColumnTransformer prefix, then feature, then level).
    """
    by_length = sorted(features, key=len, reverse=True)
    known = set(features)
    mapping = np.zeros((len(columns), len(features)))
    position = {name: i for i, name in enumerate(features)}
    for row, column in enumerate(columns):
        name = column.split("__", 1)[1] if "__" in column else column
        name = name.removeprefix("missingindicator_")
        feature = name if name in known else next((f for f in by_length if name.startswith(f"{f}_")), None)
        if feature is None:
            raise ValueError(f"Encoded column {column!r} does not come from any model feature")
        mapping[row, position[feature]] = 1.0
    return mapping
