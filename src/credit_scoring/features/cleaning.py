"""Sentinels become NULL plus an indicator column, so that no information is lost.

- ``<COLUMN>_SENTINEL`` (1.0/0.0): a DAYS column held 365243, the real data's "no date" (pensioners'
  employment, open-ended previous loans).
- ``<COLUMN>_XNA`` (1.0/0.0): a categorical column held XNA ("not available") or XAP ("not applicable").
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from credit_scoring.features.expressions import flag
from credit_scoring.raw import schema
from credit_scoring.raw.tables import DAYS_SENTINEL


def sentinel_indicator_name(column: str) -> str:
    return f"{column}_SENTINEL"


def null_code_indicator_name(column: str) -> str:
    return f"{column}_XNA"


def clean_sentinels(table: ir.Table, source: str) -> ir.Table:
    """Replace the sentinels of a validated table by NULL; append one indicator per cleaned column."""
    replaced: dict[str, ir.Value] = {}
    indicators: dict[str, ir.Value] = {}
    for column in schema.DAYS_SENTINEL_COLUMNS.get(source, ()):
        is_sentinel = table[column] == DAYS_SENTINEL
        replaced[column] = ibis.cases(
            (is_sentinel.fill_null(False), ibis.null(table[column].type())), else_=table[column]
        )
        indicators[sentinel_indicator_name(column)] = flag(is_sentinel)
    for column in schema.NULL_CODE_COLUMNS.get(source, ()):
        is_code = table[column].isin(schema.NULL_CODES)
        replaced[column] = ibis.cases((is_code.fill_null(False), ibis.null("string")), else_=table[column])
        indicators[null_code_indicator_name(column)] = flag(is_code)
    if not replaced:
        return table
    return table.mutate(**replaced, **indicators)
