"""Small Ibis building blocks shared by the feature definitions, identical on DuckDB and Spark.

Spark 4 runs in ANSI mode (division by zero is an error) and DuckDB divides by zero to infinity: every ratio
goes through `safe_divide`, which gives NULL instead, on both engines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import ibis
import ibis.expr.types as ir

from credit_scoring.ibis_helpers import count_where

CLIENT_KEY = "SK_ID_CURR"
DAYS_PER_YEAR = 365.25


def safe_divide(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator as float64, NULL when the denominator is 0 or NULL."""
    return numerator.cast("float64") / denominator.cast("float64").nullif(0.0)


def flag(condition: ir.BooleanValue) -> ir.FloatingValue:
    """1.0 where the condition holds, 0.0 where it does not or is unknown."""
    return ibis.cases((condition.fill_null(False), 1.0), else_=0.0)


def row_min(columns: Sequence[ir.NumericValue]) -> ir.FloatingValue:
    """Smallest non-null value across columns of a row (NULL when all are NULL)."""
    return ibis.least(*_fill_from_others(columns))


def row_max(columns: Sequence[ir.NumericValue]) -> ir.FloatingValue:
    """Largest non-null value across columns of a row (NULL when all are NULL)."""
    return ibis.greatest(*_fill_from_others(columns))


def row_count_present(columns: Sequence[ir.Value]) -> ir.IntegerValue:
    """Number of non-null values across columns of a row."""
    return sum((column.notnull().cast("int64") for column in columns), ibis.literal(0, type="int64"))


def row_sum(columns: Sequence[ir.NumericValue]) -> ir.FloatingValue:
    """Sum of the non-null values across columns of a row (NULL when all are NULL)."""
    total = sum((column.cast("float64").fill_null(0.0) for column in columns), ibis.literal(0.0))
    return ibis.cases((row_count_present(columns) > 0, total), else_=ibis.null("float64"))


def row_mean(columns: Sequence[ir.NumericValue]) -> ir.FloatingValue:
    """Mean of the non-null values across columns of a row (NULL when all are NULL)."""
    total = sum((column.cast("float64").fill_null(0.0) for column in columns), ibis.literal(0.0))
    return safe_divide(total, row_count_present(columns))


def _fill_from_others(columns: Sequence[ir.NumericValue]) -> list[ir.NumericValue]:
    # LEAST/GREATEST treat NULL differently across engines: replace each NULL by another column's value first.
    return [
        ibis.coalesce(column, *(other for other in columns if other is not column)).cast("float64")
        for column in columns
    ]


@dataclass(frozen=True)
class FeatureInfo:
    """One row of the feature dictionary, the one place a feature is named for people (the reasons, the API's
    wording and the dashboard take its labels from here).

    ``reading`` says how a time value reads to people when the label's unit hint does not: ``age`` (whole
    years), ``duration`` (a length of time, whatever its sign); empty: from the hint (see
    `credit_scoring.serving.reasons`).
    """

    feature: str
    source_table: str
    definition: str
    unit: str
    label_en: str
    label_fr: str
    reading: str = ""


@dataclass(frozen=True)
class Aggregate:
    """A per-client aggregate of a history table, with its dictionary entry.

    ``when_no_rows`` is the value for a client without rows in the table (0 for counts; None keeps NULL).
    """

    name: str
    expr: Callable[[ir.Table], ir.Scalar]
    unit: str
    label_en: str
    label_fr: str
    definition: str
    when_no_rows: float | None = None
    source_table: str = ""

    def info(self) -> FeatureInfo:
        return FeatureInfo(
            self.name, self.source_table, self.definition, self.unit, self.label_en, self.label_fr
        )


def from_source(source_table: str, aggregates: Sequence[Aggregate]) -> list[Aggregate]:
    """The aggregates, recorded as computed from the given raw table(s) (for the feature dictionary)."""
    return [replace(aggregate, source_table=source_table) for aggregate in aggregates]


@dataclass(frozen=True)
class Measure:
    """A row-level quantity of a history table (a column of the prepared table) and how to name it."""

    column: str
    unit: str
    label_en: str
    label_fr: str
    definition: str


@dataclass(frozen=True)
class Subset:
    """A subset of a history table's rows (e.g. active loans) used to restrict an aggregate."""

    name: str
    condition: Callable[[ir.Table], ir.BooleanValue]
    label_en: str
    label_fr: str


_STATS: dict[str, tuple[str, str, str]] = {
    # name: (SQL-ish reduction, English, French)
    "MEAN": ("mean", "mean", "moyenne"),
    "MAX": ("max", "maximum", "maximum"),
    "MIN": ("min", "minimum", "minimum"),
    "SUM": ("sum", "total", "total"),
}


def _reduce(table: ir.Table, column: str, stat: str, subset: Subset | None) -> ir.Scalar:
    value = table[column]
    where = subset.condition(table) if subset else None
    return getattr(value, _STATS[stat][0])(where=where)


def stat_aggregates(
    prefix: str, measure: Measure, stats: Sequence[str], subset: Subset | None = None
) -> list[Aggregate]:
    """MEAN / MAX / MIN / SUM of a measure over the client's rows (or a subset of them)."""
    aggregates = []
    for stat in stats:
        _, stat_en, stat_fr = _STATS[stat]
        scope = f"_{subset.name}" if subset else ""
        rows_en = f" ({subset.label_en})" if subset else ""
        rows_fr = f" ({subset.label_fr})" if subset else ""
        aggregates.append(
            Aggregate(
                name=f"{prefix}{scope}_{measure.column}_{stat}",
                expr=lambda t, column=measure.column, stat=stat, subset=subset: _reduce(
                    t, column, stat, subset
                ),
                unit=measure.unit,
                label_en=f"{measure.label_en}{rows_en}: {stat_en}",
                label_fr=f"{measure.label_fr}{rows_fr} : {stat_fr}",
                definition=f"{stat_en.capitalize()} over the client's rows{rows_en} of: {measure.definition}",
            )
        )
    return aggregates


def count_aggregate(
    name: str,
    condition: Callable[[ir.Table], ir.BooleanValue] | None,
    label_en: str,
    label_fr: str,
    definition: str,
    *,
    unit: str = "count",
) -> Aggregate:
    """Number of the client's rows (where the condition holds); 0 for a client without rows."""

    def expr(table: ir.Table) -> ir.Scalar:
        return count_where(table, condition(table) if condition else None).cast("float64")

    return Aggregate(name, expr, unit, label_en, label_fr, definition, when_no_rows=0.0)


def share_aggregate(
    name: str, condition: Callable[[ir.Table], ir.BooleanValue], label_en: str, label_fr: str, definition: str
) -> Aggregate:
    """Share of the client's rows where the condition holds (NULL for a client without rows)."""

    def expr(table: ir.Table) -> ir.Scalar:
        return safe_divide(count_where(table, condition(table)), table.count())

    return Aggregate(name, expr, "share", label_en, label_fr, definition)


def distinct_aggregate(name: str, column: str, label_en: str, label_fr: str, definition: str) -> Aggregate:
    """Number of distinct non-null values of a column among the client's rows; 0 without rows."""
    return Aggregate(
        name,
        lambda t: t[column].nunique().cast("float64"),
        "count",
        label_en,
        label_fr,
        definition,
        when_no_rows=0.0,
    )


def aggregate_per_client(table: ir.Table, aggregates: Sequence[Aggregate], key: str = CLIENT_KEY) -> ir.Table:
    """One row per client with every aggregate as a float64 column, in the given order."""
    names = [aggregate.name for aggregate in aggregates]
    if len(set(names)) != len(names):
        duplicated = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(f"Aggregate names must be unique; duplicated: {duplicated}")
    return table.group_by(key).aggregate(
        **{aggregate.name: aggregate.expr(table).cast("float64") for aggregate in aggregates}
    )
