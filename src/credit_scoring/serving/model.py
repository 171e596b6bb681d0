"""The served model: a fitted scikit-learn / imbalanced-learn pipeline, calibrator, features and threshold.

The served scale: ``probability`` is a calibrated probability of default. The fitted pipeline's raw score
(``CreditScoringModel.classifier`` applied to ``model_matrix(frame)``) is mapped by ``calibrator``, a monotone
map fitted on out-of-fold predictions, and the threshold is chosen on the calibrated scale. Explanations of
the raw classifier rank clients in the same order (the map is non-decreasing).

Everything a logged model needs at load time lives here (the two small transformers used inside the fitted
pipelines and the MLflow pyfunc wrapper), so loading ``models:/credit-scoring@champion`` imports this module,
scikit-learn, imbalanced-learn and LightGBM, and nothing from Kedro.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from credit_scoring.cost import decisions
from credit_scoring.serving.calibration import ProbabilityCalibrator
from credit_scoring.serving.small_batch import EncodedRows, SmallBatchEncoder

#: Values of the ``decision`` column returned by the model.
REFUSED, GRANTED = "refused", "granted"


@dataclass(frozen=True)
class FeatureSpec:
    """Ordered model features and which are categorical (strings); the others are numeric (float64)."""

    features: tuple[str, ...]
    categorical: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        duplicated = sorted({name for name in self.features if self.features.count(name) > 1})
        if duplicated:
            raise ValueError(f"Duplicated feature names: {duplicated}")
        unknown = sorted(set(self.categorical) - set(self.features))
        if unknown:
            raise ValueError(f"Categorical features missing from the feature list: {unknown}")

    @property
    def numeric(self) -> tuple[str, ...]:
        return tuple(name for name in self.features if name not in self.categorical)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, exclude: tuple[str, ...] = ()) -> FeatureSpec:
        """Bool, int and float columns are numeric features; string, object or category ones categorical."""
        features, categorical = [], []
        for column in frame.columns:
            if column in exclude:
                continue
            dtype = frame[column].dtype
            features.append(column)
            if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
                continue
            if (
                pd.api.types.is_string_dtype(dtype)
                or pd.api.types.is_object_dtype(dtype)
                or isinstance(dtype, pd.CategoricalDtype)
            ):
                categorical.append(column)
                continue
            raise TypeError(f"Feature {column!r} has unsupported dtype {dtype}: expected numbers or strings")
        return cls(features=tuple(features), categorical=tuple(categorical))


class TabularCleaner(TransformerMixin, BaseEstimator):
    """Put a frame into the training layout: numeric columns as float64, categorical ones as object with NaN.

    Columns the model knows but the input lacks become all-missing (the models impute them); extra columns are
    dropped. A numeric column holding text raises an error that names the column and the offending values.
    """

    def __init__(self, features: tuple[str, ...] = (), categorical: tuple[str, ...] = ()):
        self.features = features
        self.categorical = categorical

    def fit(self, X: pd.DataFrame, y: Any = None) -> TabularCleaner:
        self.spec_ = FeatureSpec(features=tuple(self.features), categorical=tuple(self.categorical))
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "spec_")
        return clean_features(X, self.spec_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self.features, dtype=object)


def clean_features(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """See :class:`TabularCleaner`."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"Expected a pandas DataFrame of client features, got {type(frame).__name__}")
    numeric = list(spec.numeric)
    wanted = set(numeric)
    numeric_dtypes = {
        dtype for name, dtype in zip(frame.columns, frame.dtypes, strict=True) if name in wanted
    }
    if all(_is_number(dtype) for dtype in numeric_dtypes):
        # One conversion for the whole numeric block: converting ~300 columns one by one costs far more
        # than the model itself when the API scores one application.
        block = frame.reindex(columns=numeric).to_numpy(dtype=np.float64, na_value=np.nan)
        cleaned = pd.DataFrame(block, columns=numeric, index=frame.index)
    else:
        cleaned = pd.DataFrame(
            {
                name: _as_float(frame[name], name)
                if name in frame.columns
                else pd.Series(np.nan, index=frame.index, dtype=float)
                for name in numeric
            },
            index=frame.index,
        )
    text = {
        name: _text_values(frame[name])
        if name in frame.columns
        else np.full(len(frame), np.nan, dtype=object)
        for name in spec.categorical
    }
    if text:
        cleaned = pd.concat([cleaned, pd.DataFrame(text, index=frame.index, dtype=object)], axis=1)
    return cleaned[list(spec.features)]


def _text_values(column: pd.Series) -> np.ndarray:
    """Object array of str with NaN for missing (`_as_text`), without its per-value conversions when the
    column holds text already."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.to_numpy(dtype=object, na_value=np.nan)
    if pd.api.types.is_object_dtype(column.dtype):
        values = column.to_numpy(dtype=object)
        missing = pd.isna(values)
        if all(isinstance(value, str) for value in values[~missing]):
            return np.where(missing, np.nan, values).astype(object)
    return _as_text(column).to_numpy(dtype=object)


def _is_number(dtype: Any) -> bool:
    return pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)


def _as_float(column: pd.Series, name: str) -> pd.Series:
    if _is_number(column.dtype):
        return column.astype(np.float64)
    present = column.notna()
    converted = pd.to_numeric(column.astype(object).where(present, np.nan), errors="coerce")
    bad = present & converted.isna()
    if bad.any():
        offending = pd.unique(column[bad].astype(str))[:5].tolist()
        raise ValueError(f"Feature {name!r} must be numeric; offending values: {offending}")
    return converted.astype(np.float64)


def _as_text(column: pd.Series) -> pd.Series:
    # object dtype with NaN for missing: what SimpleImputer, OneHotEncoder and pd.Categorical all accept
    return column.astype("string").astype(object).where(column.notna(), np.nan)


class CategoryEncoder(TransformerMixin, BaseEstimator):
    """Turn categorical columns into pandas ``category`` columns with the levels seen in training.

    LightGBM then splits on them natively. Levels unseen in training become missing, as do missing values.
    """

    def __init__(self, categorical: tuple[str, ...] = ()):
        self.categorical = categorical

    def fit(self, X: pd.DataFrame, y: Any = None) -> CategoryEncoder:
        self.levels_ = {name: sorted(X[name].dropna().unique().tolist()) for name in self.categorical}
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "levels_")
        if not self.levels_:
            return X.copy()
        # Code -1 (missing) for unseen levels and missing values, explicitly; all columns replaced at once.
        encoded = {
            name: pd.Categorical.from_codes(
                pd.Index(levels).get_indexer(X[name]), dtype=pd.CategoricalDtype(levels)
            )
            for name, levels in self.levels_.items()
        }
        others = X.drop(columns=list(encoded))
        return pd.concat([others, pd.DataFrame(encoded, index=X.index)], axis=1)[list(X.columns)]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return self.feature_names_in_


class CreditScoringModel(mlflow.pyfunc.PythonModel):
    """MLflow pyfunc model: probability of default and the grant / refuse decision at the chosen threshold.

    ``predict`` takes a DataFrame of client features (extra columns are ignored, missing ones treated as
    missing values) and returns one row per client: ``probability`` (of default: calibrated when the model
    has a ``calibrator``, see ``probability_scale``), ``prediction`` (1 = predicted default) and ``decision``
    ("refused" or "granted").
    """

    def __init__(
        self,
        estimator: Any,
        feature_spec: FeatureSpec,
        threshold: float,
        model_name: str,
        cost_weights: dict[str, float] | None = None,
        *,
        calibrator: ProbabilityCalibrator | None = None,
    ):
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"The decision threshold must lie in [0, 1], got {threshold}")
        self.estimator = estimator
        self.feature_spec = feature_spec
        self.threshold = float(threshold)
        self.model_name = model_name
        self.cost_weights = dict(cost_weights or {})
        self.calibrator = calibrator

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the small-batch encoder: a cache rebuilt on first use."""
        return {key: value for key, value in self.__dict__.items() if key != "_small_batch_encoder"}

    @property
    def probability_scale(self) -> str:
        """Either "calibrated" (a calibrated probability is served) or "raw" (the classifier's own score)."""
        return "raw" if getattr(self, "calibrator", None) is None else "calibrated"

    @property
    def features(self) -> list[str]:
        return list(self.feature_spec.features)

    def prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model's features in model order, cleaned; raises if the frame shares no column with them."""
        if not isinstance(frame, pd.DataFrame):
            frame = pd.DataFrame(frame)
        known = [name for name in self.features if name in frame.columns]
        if not known:
            shown = list(frame.columns)[:10]
            raise ValueError(
                f"None of the model's {len(self.features)} features is in the input (columns: {shown})"
            )
        return clean_features(frame, self.feature_spec)

    @property
    def classifier(self) -> Any:
        """The final fitted classifier (LGBMClassifier, LogisticRegression, ...), e.g. for SHAP explainers."""
        return self.estimator.steps[-1][1]

    def model_matrix(self, frame: pd.DataFrame) -> Any:
        """The features as the final classifier sees them (cleaned, encoded; resamplers skipped)."""
        data: Any = self.prepare(frame)
        for _, step in self.estimator.steps[:-1]:
            if step is None or step == "passthrough" or hasattr(step, "fit_resample"):
                continue  # resamplers only act while fitting
            data = step.transform(data)
        return data

    @property
    def small_batch_encoder(self) -> SmallBatchEncoder | None:
        """Encodes a few rows as the LightGBM classifier sees them without the pipeline's pandas steps (see
        `credit_scoring.serving.small_batch`); None for other models. Built on first use."""
        encoder = self.__dict__.get("_small_batch_encoder")
        if encoder is None:
            encoder = self.__dict__["_small_batch_encoder"] = _small_batch_encoder(self) or False
        return encoder or None

    def encode_small_batch(self, data: pd.DataFrame | EncodedRows) -> EncodedRows | None:
        """``data`` encoded for the classifier, or None when it must take the pipeline's path."""
        if isinstance(data, EncodedRows):
            return data
        encoder = self.small_batch_encoder
        return None if encoder is None else encoder.encode(data)

    def raw_score(self, data: pd.DataFrame | EncodedRows) -> np.ndarray:
        """The fitted pipeline's own score for each row, before calibration."""
        encoded = self.encode_small_batch(data)
        if encoded is not None:
            booster = self.classifier.booster_
            return np.asarray(booster.predict(encoded.matrix, num_threads=1), dtype=np.float64)
        return self.estimator.predict_proba(self.prepare(data))[:, 1].astype(np.float64)

    def predict_proba(self, data: pd.DataFrame | EncodedRows) -> np.ndarray:
        """The served probability of default for each row (calibrated when the model has a calibrator).

        ``data``: client features (a frame), or rows already encoded by `small_batch_encoder`."""
        raw = self.raw_score(data)
        calibrator = getattr(self, "calibrator", None)  # models pickled before calibration had none
        return raw if calibrator is None else calibrator.transform(raw)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        proba = self.predict_proba(frame)
        predicted = decisions(proba, self.threshold)
        return pd.DataFrame(
            {
                "probability": proba,
                "prediction": predicted,
                "decision": np.where(predicted == 1, REFUSED, GRANTED),
            },
            index=frame.index,
        )


def _small_batch_encoder(model: CreditScoringModel) -> SmallBatchEncoder | None:
    """The encoder for a pipeline clean → (encode categories) → (resample) → LightGBM, else None."""
    steps = [
        step
        for _, step in model.estimator.steps[:-1]
        if not (step is None or step == "passthrough" or hasattr(step, "fit_resample"))
    ]
    if not type(model.classifier).__module__.startswith("lightgbm") or not steps:
        return None
    cleaner, encoders = steps[0], steps[1:]
    if not isinstance(cleaner, TabularCleaner) or getattr(cleaner, "spec_", None) != model.feature_spec:
        return None
    levels: dict[str, list[str]] = {}
    if encoders:
        if len(encoders) > 1 or not isinstance(encoders[0], CategoryEncoder):
            return None
        levels = dict(encoders[0].levels_)
    if set(levels) != set(model.feature_spec.categorical):
        return None
    return SmallBatchEncoder(model.feature_spec.features, levels)
