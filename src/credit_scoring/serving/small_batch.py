"""The LightGBM classifier's input for a few rows, built without pandas: what the API scores and explains.

For one application of ~300 features, the fitted pipeline's pandas steps (`TabularCleaner`, `CategoryEncoder`
and LightGBM's own DataFrame conversion) cost ~60 ms, against well under a millisecond for the trees.
`SmallBatchEncoder` builds the same float64 matrix directly: numeric features as floats, categorical ones as
the codes of their training levels (NaN for missing and unseen levels, as LightGBM reads the pandas codes).

It only takes inputs it can encode exactly as the pipeline does. For anything else (more than `MAX_ROWS`
rows, duplicated column names, text that is not a number in a numeric column, a category that is not text,
no model feature at all) `encode` returns None and the caller takes the pipeline's path, which also gives the
detailed error. Tests compare both paths value for value (`tests/serving/test_small_batch.py`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MAX_ROWS = 64
"""Above this many rows the pandas path is as fast per row, and it holds no object copy of the frame."""
_MAX_LAYOUTS = 16


@dataclass(frozen=True)
class EncodedRows:
    """Rows as the classifier sees them, and their cleaned values (what `TabularCleaner` gives)."""

    matrix: np.ndarray  # (rows, features) float64 in model order; categories as level codes, NaN if missing
    values: np.ndarray  # (rows, features) object: float for numeric features, str or NaN for categorical ones


class SmallBatchEncoder:
    """Encode up to `MAX_ROWS` rows of a frame into the classifier's matrix (see the module docstring)."""

    def __init__(self, features: tuple[str, ...], levels: dict[str, list[str]]):
        self.features = tuple(features)
        position = {name: i for i, name in enumerate(self.features)}
        self.categorical = np.array([position[name] for name in levels], dtype=np.intp)
        self.numeric = np.array(
            [i for i, name in enumerate(self.features) if name not in levels], dtype=np.intp
        )
        self.codes = [{level: float(code) for code, level in enumerate(values)} for values in levels.values()]
        self._layouts: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}

    def encode(self, frame: pd.DataFrame) -> EncodedRows | None:
        """The classifier's matrix and the cleaned values, or None when the pipeline's path must be taken."""
        if not isinstance(frame, pd.DataFrame) or not 0 < len(frame) <= MAX_ROWS:
            return None
        return self.encode_rows(tuple(frame.columns), frame.to_numpy(dtype=object))

    def encode_rows(self, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> EncodedRows | None:
        """`encode` of rows given as Python values under ``columns`` (a row builder's output, before any
        frame: converting pandas' Arrow text columns back to Python costs more than the trees)."""
        n = len(rows)
        if not 0 < n <= MAX_ROWS or len(set(columns)) != len(columns):
            return None
        sources, targets = self._layout(tuple(columns))
        if not len(sources):
            return None
        given = np.empty((n, len(columns)), dtype=object)
        given[:] = rows
        values = np.full((n, len(self.features)), np.nan, dtype=object)
        values[:, targets] = given[:, sources]
        matrix = np.empty((n, len(self.features)), dtype=np.float64)
        try:
            matrix[:, self.numeric] = values[:, self.numeric].astype(np.float64)
        except (TypeError, ValueError):  # text or pd.NA in a numeric column
            return None
        values[:, self.numeric] = matrix[:, self.numeric]
        for column, codes in zip(self.categorical, self.codes, strict=True):
            for row in range(n):
                value = values[row, column]
                if isinstance(value, str):
                    matrix[row, column] = codes.get(value, math.nan)
                elif _is_missing(value):
                    values[row, column] = math.nan
                    matrix[row, column] = math.nan
                else:  # a number in a text column: the cleaner's text conversion decides
                    return None
        return EncodedRows(matrix=matrix, values=values)

    def _layout(self, columns: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Positions in the frame of the model features it holds, and their positions in model order."""
        layout = self._layouts.get(columns)
        if layout is None:
            where = {name: i for i, name in enumerate(columns)}
            present = [(where[name], i) for i, name in enumerate(self.features) if name in where]
            layout = (
                np.array([source for source, _ in present], dtype=np.intp),
                np.array([target for _, target in present], dtype=np.intp),
            )
            if len(self._layouts) >= _MAX_LAYOUTS:
                self._layouts.clear()
            self._layouts[columns] = layout
        return layout


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
