"""The model-input row of an application in well under a millisecond of feature work: what the API calls.

A known client's history aggregates were computed by the batch pipeline: they are served from the keyed store
data_processing writes (`HistoryFeatureStore`). Per request, only what depends on the application is
computed, from the batch pipeline's own Ibis definitions, prepared once at start-up:

- validation: `validation_counts` of the application table (the batch rules), compiled to a Python function
  over one row; all counts zero means valid. Otherwise the batch validation runs on the request for its exact
  message (`RawDataValidationError`), or passes with its warnings (``unknown_categories: warn``).
- features: `assemble_model_input(application_features(...), history)` compiled the same way, the history
  side reading the client's stored row, so the zero-filled counts, NULLs and cross features are the batch
  pipeline's. `credit_scoring.serving.scalar` explains the compiler and its (DuckDB) semantics.

`credit_scoring.serving.online.OnlineFeatureBuilder` (raw history rows, a DuckDB per request) stays as the
reference the tests compare with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.internals import create_dataframe_from_blocks

from credit_scoring.features.application import application_features
from credit_scoring.features.definitions import HISTORY_FEATURE_SETS, categorical_columns
from credit_scoring.features.expressions import CLIENT_KEY
from credit_scoring.features.model_input import assemble_model_input
from credit_scoring.raw.tables import RAW_TABLES
from credit_scoring.raw.validation import (
    ValidationSettings,
    stage_raw_table,
    typed_columns,
    validate_raw_table,
    validation_counts,
)
from credit_scoring.serving.history import HistoryFeatureStore, history_feature_columns
from credit_scoring.serving.online import APPLICATION_TABLE, ApplicationFieldError, field_text
from credit_scoring.serving.scalar import RowFunction, compile_row_function, double_to_int, try_double

NEW_APPLICANT_ID = 0
"""SK_ID_CURR of the row built for an application that carries none (a new applicant, no history)."""
REQUEST_TABLE = "request_application"
HISTORY_TABLE = "request_history"
SOURCE_LABEL = "application"
_STR = pd.StringDtype("pyarrow", na_value=np.nan)
"""The dtype of text columns in the model inputs (pandas' default ``str``)."""


@dataclass(frozen=True)
class _Programs:
    """The compiled validation and feature functions, and the output columns."""

    fields: tuple[str, ...]
    validation: RowFunction
    features: RowFunction
    columns: tuple[str, ...]


@cache
def _programs() -> _Programs:
    """Compile once per process (a few seconds): both functions are pure, shared by every builder/thread."""
    fields = tuple(RAW_TABLES[APPLICATION_TABLE])
    raw = ibis.table(dict.fromkeys(fields, "string"), name=REQUEST_TABLE)
    staged = stage_raw_table(raw, APPLICATION_TABLE, source_label=SOURCE_LABEL)
    history = ibis.table(
        {CLIENT_KEY: "int64", **dict.fromkeys(history_feature_columns(), "float64")}, name=HISTORY_TABLE
    )
    model_input = assemble_model_input(
        application_features(typed_columns(staged, APPLICATION_TABLE)),
        {s.name: history.select(CLIENT_KEY, *s.columns) for s in HISTORY_FEATURE_SETS},
    )
    return _Programs(
        fields=fields,
        validation=compile_row_function(
            validation_counts(staged, APPLICATION_TABLE, with_summary=False), [REQUEST_TABLE]
        ),
        features=compile_row_function(model_input, [REQUEST_TABLE, HISTORY_TABLE]),
        columns=tuple(model_input.columns),
    )


class ModelInputRowBuilder:
    """Model-input rows of applications: stored history aggregates + application features computed online.

    Thread-safe and immutable once built; build it once per process (`from_store`) and share it.
    """

    def __init__(
        self,
        history: HistoryFeatureStore,
        validation_settings: ValidationSettings | Mapping[str, Any] | None = None,
    ) -> None:
        self.history = history
        self.validation_settings = ValidationSettings.model_validate(validation_settings or {})
        self._programs = _programs()
        self._field_set = frozenset(self._programs.fields)
        categorical = set(categorical_columns())
        columns = self._programs.columns
        self._numeric = np.array(
            [i for i, c in enumerate(columns) if c != CLIENT_KEY and c not in categorical]
        )
        self._categorical = [i for i, c in enumerate(columns) if c in categorical]
        self._column_index = pd.Index(columns)

    @classmethod
    def from_store(
        cls,
        history_features_path: str | Path,
        validation_settings: ValidationSettings | Mapping[str, Any] | None = None,
    ) -> ModelInputRowBuilder:
        """The builder over data_processing's ``client_history_features`` Parquet store.

        ``validation_settings``: the ``data_processing.validation`` parameters (defaults: the batch defaults).
        """
        return cls(HistoryFeatureStore.from_parquet(history_features_path), validation_settings)

    @staticmethod
    def compile_programs() -> None:
        """Compile the validation and feature functions now (a few seconds, once per process): a server's
        master does it before forking, so that every worker, and every worker restarted, inherits them."""
        _programs()

    @property
    def columns(self) -> list[str]:
        """SK_ID_CURR then `feature_columns()`: the columns of ``scoring_input_table``."""
        return list(self._programs.columns)

    def is_known(self, client_id: int) -> bool:
        """Whether the store holds the client's history (a client of the training or production tables)."""
        return client_id in self.history

    def build(self, application: Mapping[str, Any]) -> pd.DataFrame:
        """One row, exactly the columns and dtypes of ``scoring_input_table``.

        ``application`` maps application fields (application_test column names, any subset: missing ones are
        NULL) to numbers or text. SK_ID_CURR is optional: absent (row id `NEW_APPLICANT_ID`) or unknown to
        the store, the applicant has no history (counts 0, NULLs, as in batch); known, its stored history
        aggregates are used. Raises `ApplicationFieldError` (unknown fields, wrong value types) or
        `RawDataValidationError` (the batch validation's message, e.g. ``application, column AMT_CREDIT: 1
        row(s) not a number ...``).
        """
        return self.to_frame([self._row(application, SOURCE_LABEL)])

    def build_many(self, applications: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """One row per application, in order (see `build`); the first invalid application raises.

        Errors name the application by its position (``application 3, column AMT_CREDIT: ...``). Each
        application is validated on its own: two applications of the same client are allowed.
        """
        return self.to_frame(self.build_values(applications))

    def build_values(self, applications: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """`build_many` before the frame: a tuple of Python values per application, in `columns` order
        (numbers or None, text or None). What the API scores (`SmallBatchEncoder.encode_rows`)."""
        return [self._row(application, f"{SOURCE_LABEL} {i}") for i, application in enumerate(applications)]

    def _row(self, application: Mapping[str, Any], label: str) -> tuple[Any, ...]:
        if not isinstance(application, Mapping):
            kind = type(application).__name__
            raise ApplicationFieldError(f"{label}: expected a mapping of fields, got {kind}")
        unknown = [field for field in application if field not in self._field_set]
        if unknown:
            raise ApplicationFieldError(f"{label}: unknown field(s) {sorted(map(str, unknown))}")
        text = [
            field_text(application.get(field), f"{label}, field {field}") for field in self._programs.fields
        ]
        new_applicant = text[0] is None
        if new_applicant:
            text[0] = str(NEW_APPLICANT_ID)
        if any(self._programs.validation(text)):
            self._validate_in_detail(text, label)
        client = None if new_applicant else self.history.row(double_to_int(try_double(text[0])))
        return self._programs.features(text, client)

    def _validate_in_detail(self, text: list[str | None], label: str) -> None:
        """The batch validation on the request: raises its error, or returns (warnings only).

        Only for a request that fails a check. Slow (the batch validation's DuckDB queries: 1-3 s of CPU),
        but the message is exactly the batch pipeline's: reject malformed requests before (API schema).
        """
        table = pa.table(
            {f: pa.array([v], pa.string()) for f, v in zip(self._programs.fields, text, strict=True)}
        )
        con = ibis.duckdb.connect(threads=1)
        try:
            validate_raw_table(
                con.create_table(REQUEST_TABLE, table, temp=True),
                APPLICATION_TABLE,
                self.validation_settings,
                source_label=label,
            )
        finally:
            con.disconnect()

    def to_frame(self, rows: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
        """Rows of `build_values` as the contract's frame, from three kinds of blocks (~0.2 ms for one row).

        pandas' public block constructor skips the per-column checks of ``DataFrame(dict)`` (~3 ms for ~300
        columns), which every column built here passes by construction.
        """
        n = len(rows)
        numeric = np.array([[row[i] for i in self._numeric] for row in rows], dtype=np.float64)
        blocks = [
            (numeric.reshape(n, len(self._numeric)).T, self._numeric),
            (np.array([[row[0] for row in rows]], dtype=np.int64), np.array([0])),
        ]
        texts = pa.array([row[i] for i in self._categorical for row in rows], pa.large_string())
        for k, i in enumerate(self._categorical):
            strings = pd.arrays.ArrowStringArray(texts.slice(k * n, n), dtype=_STR)
            blocks.append((strings, np.array([i])))
        return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(n), columns=self._column_index)
