"""The model's global feature importance, read from the fitted model and mapped back to its input features.

LightGBM: total gain of the splits on each feature. Logistic regression: the standard deviation, over sample
rows, of each input feature's contribution to the linear score (its encoded columns times their coefficients:
value and missing indicator for a number, every level for a category), so a category is not inflated by its
number of levels; without rows, the absolute coefficients summed per input feature. Other models (the dummy
baseline) have no importance: every feature gets the same share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

IMPORTANCE_COLUMNS = ["feature", "importance", "share", "rank", "kind"]


def model_feature_importance(model: Any, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per model feature, most important first: raw importance, share of the total, rank, kind.

    ``model`` is a `credit_scoring.serving.model.CreditScoringModel`; ``rows`` (model input rows) are only
    used by linear models.
    """
    features = list(model.features)
    classifier = model.classifier
    if hasattr(classifier, "booster_"):
        raw, kind = _lightgbm_gain(classifier, features), "lightgbm_gain"
    elif hasattr(classifier, "coef_") and rows is not None and len(rows) > 1:
        raw, kind = _linear_contribution_spread(model, classifier, features, rows), "contribution_std"
    elif hasattr(classifier, "coef_"):
        raw, kind = _linear_coefficients(model, classifier, features), "abs_coefficient"
    else:
        raw, kind = pd.Series(1.0, index=features), "uniform"
    return importance_table(raw.reindex(features).fillna(0.0), kind)


def importance_table(importance: pd.Series, kind: str) -> pd.DataFrame:
    """Sorted table (importance descending, then name) with shares summing to 1 and ranks from 1."""
    importance = importance.astype(float).clip(lower=0.0)
    total = importance.sum()
    table = pd.DataFrame(
        {
            "feature": importance.index.astype(str),
            "importance": importance.to_numpy(),
            "share": importance.to_numpy() / total if total > 0 else 1.0 / max(len(importance), 1),
        }
    )
    table = table.sort_values(["importance", "feature"], ascending=[False, True], kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    table["kind"] = kind
    return table.reset_index(drop=True)[IMPORTANCE_COLUMNS]


def _lightgbm_gain(classifier: Any, features: list[str]) -> pd.Series:
    gain = classifier.booster_.feature_importance(importance_type="gain")
    if len(gain) != len(features):
        raise ValueError(
            f"The LightGBM model has {len(gain)} features but the model declares {len(features)}"
        )
    # LightGBM may rename features (special characters); the encoders keep their order, so map by position.
    return pd.Series(gain, index=features, dtype=float)


def _linear_coefficients(model: Any, classifier: Any, features: list[str]) -> pd.Series:
    coefficients = np.abs(np.asarray(classifier.coef_, dtype=float)).sum(axis=0)
    sources = _encoded_sources(model, features, len(coefficients))
    return pd.Series(coefficients).groupby(sources).sum().reindex(features, fill_value=0.0)


def _linear_contribution_spread(
    model: Any, classifier: Any, features: list[str], rows: pd.DataFrame
) -> pd.Series:
    coefficients = np.asarray(classifier.coef_, dtype=float)[0]
    sources = _encoded_sources(model, features, len(coefficients))
    contributions = pd.DataFrame(np.asarray(model.model_matrix(rows), dtype=float) * coefficients)
    per_feature = contributions.T.groupby(sources).sum().T  # rows x input features
    return per_feature.std(ddof=0).reindex(features, fill_value=0.0)


def _encoded_sources(model: Any, features: list[str], count: int) -> list[str | None]:
    by_length = sorted(features, key=len, reverse=True)  # longest first: AMT_CREDIT_X before AMT_CREDIT
    return [_source_feature(name, by_length) for name in _encoded_names(model, count)]


def _encoded_names(model: Any, count: int) -> list[str]:
    steps = [step for _, step in model.estimator.steps[:-1] if hasattr(step, "get_feature_names_out")]
    names = [str(name) for name in steps[-1].get_feature_names_out()] if steps else []
    if len(names) != count:
        raise ValueError(f"Cannot map {count} coefficients to encoded feature names ({len(names)} names)")
    return names


def _source_feature(encoded: str, features_longest_first: list[str]) -> str | None:
    # ColumnTransformer names: "<transformer>__<column>", "<transformer>__missingindicator_<column>",
    # "<transformer>__<column>_<level>" for one-hot columns.
    _, _, column = encoded.partition("__") if "__" in encoded else ("", "", encoded)
    column = column.removeprefix("missingindicator_")
    for feature in features_longest_first:
        if column == feature or column.startswith(f"{feature}_"):
            return feature
    return None
