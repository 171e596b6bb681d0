"""Validate a raw table before any work, and type it.

The raw table arrives with every column as text (how the CSV reader is configured, on DuckDB and on Spark), so
that a value that does not parse is reported by name instead of failing deep inside the CSV reader. All checks
of a table run as one aggregate query (one scan); only when a check fails, a second query fetches a few
offending values with the keys of their rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, Field

from credit_scoring.features import schema
from credit_scoring.features.expressions import count_where
from credit_scoring.raw_schema import DAYS_SENTINEL, RAW_FILES

logger = logging.getLogger(__name__)

MAX_EXACT_INTEGER = 2**53
"""Integers above this cannot be told apart in float64: an identifier there is a broken file."""


class ValidationSettings(BaseModel):
    """How strict raw-data validation is (parameters ``data_processing.validation``)."""

    max_examples: int = Field(default=5, ge=1, le=100)
    unknown_categories: Literal["error", "warn"] = "error"


@dataclass(frozen=True)
class Problem:
    """One failed check: where, what, how many rows, and a few examples."""

    file: str
    column: str | None
    issue: str
    count: int
    examples: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"{self.file}, column {self.column}" if self.column else self.file
        examples = f"; e.g. {', '.join(self.examples)}" if self.examples else ""
        rows = f"{self.count} row(s) " if self.count else ""
        return f"{where}: {rows}{self.issue}{examples}"


class RawDataValidationError(ValueError):
    """Raised when a raw table fails validation; the message lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Raw data validation failed ({len(problems)} problem(s)):\n{listed}")


@dataclass
class _Check:
    column: str | None
    issue: str
    predicate: ir.BooleanValue
    show: Literal["values", "rows"] = "rows"


@dataclass
class ValidationResult:
    """A validated table: its typed columns (lazy) and a JSON-ready summary for the validation report."""

    typed: ir.Table
    summary: dict[str, Any] = field(default_factory=dict)


def as_number(column: ir.Value) -> ir.FloatingValue:
    """The column as float64: text is parsed leniently (NULL when unparsable), numbers are cast."""
    if column.type().is_string():
        return column.try_cast("float64")
    return column.cast("float64")


def as_text(column: ir.Value) -> ir.StringValue:
    """The column as text (categorical values given as numbers, e.g. a bureau STATUS of 0)."""
    if column.type().is_string():
        return column
    if column.type().is_floating():
        # 1.0 must read "1", as it would in a CSV file written without a decimal point.
        whole = (column % 1 == 0) & (column.abs() < MAX_EXACT_INTEGER)
        return ibis.cases((whole, column.cast("int64").cast("string")), else_=column.cast("string"))
    return column.cast("string")


def _number(column: str) -> str:
    return f"__number__{column}"


def _finite(column: str) -> str:
    return f"__finite__{column}"


def _with_numbers(raw: ir.Table, table: str) -> ir.Table:
    """The raw table plus, per numeric column, its parsed value and its value when finite (else NULL).

    Parsing once in a projection keeps the check query small: the online path compiles and runs it per
    request.
    """
    numeric = [column for column, kind in schema.table_columns(table).items() if kind != "string"]
    parsed = raw.mutate(**{_number(column): as_number(raw[column]) for column in numeric})
    return parsed.mutate(
        **{
            _finite(column): ibis.cases(
                (parsed[_number(column)].isnan() | parsed[_number(column)].isinf(), ibis.null("float64")),
                else_=parsed[_number(column)],
            )
            for column in numeric
        }
    )


def _checks(prepared: ir.Table, table: str) -> list[_Check]:
    checks: list[_Check] = []
    sentinel_columns = schema.DAYS_SENTINEL_COLUMNS.get(table, ())
    for column in schema.REQUIRED_NON_NULL[table]:
        checks.append(_Check(column, "missing although required", prepared[column].isnull()))
    for column, kind in schema.table_columns(table).items():
        value = prepared[column]
        if kind == "string":
            levels = sorted(schema.KNOWN_CATEGORIES[table][column])
            unknown = value.notnull() & ~as_text(value).isin(levels)
            checks.append(_Check(column, "unknown category", unknown, show="values"))
            continue
        number, finite = prepared[_number(column)], prepared[_finite(column)]
        if value.type().is_string():
            checks.append(_Check(column, f"not a number ({kind})", value.notnull() & number.isnull()))
        checks.append(_Check(column, "not a finite number", number.isnan() | number.isinf()))
        if kind == "int64":
            inexact = (finite % 1 != 0) | (finite.abs() > MAX_EXACT_INTEGER)
            checks.append(_Check(column, "not an integer", inexact))
        low, high = schema.PLAUSIBLE_RANGES.get(table, {}).get(column, (None, None))
        if low is None and high is None:
            continue
        outside = ibis.literal(False)
        if low is not None:
            outside = outside | (finite < low)
        if high is not None:
            outside = outside | (finite > high)
        if column in sentinel_columns:
            outside = outside & (finite != DAYS_SENTINEL)
        bounds = f"[{'-inf' if low is None else low}, {'+inf' if high is None else high}]"
        checks.append(_Check(column, f"outside the plausible range {bounds}", outside))
    return checks


def _summary_aggregates(raw: ir.Table, table: str) -> dict[str, ir.Scalar]:
    aggregates: dict[str, ir.Scalar] = {"rows": raw.count()}
    for column in schema.table_columns(table):
        aggregates[f"nulls:{column}"] = count_where(raw, raw[column].isnull())
    for column in schema.DAYS_SENTINEL_COLUMNS.get(table, ()):
        aggregates[f"sentinel:{column}"] = count_where(raw, raw[_number(column)] == DAYS_SENTINEL)
    for column in schema.NULL_CODE_COLUMNS.get(table, ()):
        for code in schema.NULL_CODES:
            aggregates[f"code:{column}={code}"] = count_where(raw, as_text(raw[column]) == code)
    return aggregates


def _format_value(value: Any) -> str:
    return "NULL" if value is None else repr(value)


def _examples(raw: ir.Table, table: str, check: _Check, limit: int) -> tuple[str, ...]:
    if check.show == "values" and check.column is not None:
        counts = (
            raw.filter(check.predicate.fill_null(False))
            .group_by(value=raw[check.column])
            .aggregate(n=lambda t: t.count())
            .order_by([ibis.desc("n"), "value"])
            .limit(limit)
        )
        return tuple(f"{_format_value(r['value'])} ({r['n']} rows)" for r in counts.to_pyarrow().to_pylist())
    keys = [key for key in schema.ROW_LABEL_KEYS[table] if key != check.column]
    shown = [*keys, check.column] if check.column else keys
    rows = raw.filter(check.predicate.fill_null(False)).select(*shown).limit(limit).to_pyarrow().to_pylist()
    examples = []
    for row in rows:
        located = ", ".join(f"{key}={row[key] if row[key] is not None else 'NULL'}" for key in keys)
        shown_value = _format_value(row[check.column]) if check.column else ""
        examples.append(f"{shown_value} ({located})" if shown_value else f"({located})")
    return tuple(examples)


def _duplicate_examples(raw: ir.Table, key: str, limit: int) -> tuple[str, ...]:
    duplicated = (
        raw.filter(raw[key].notnull())
        .group_by(key)
        .aggregate(n=lambda t: t.count())
        .filter(lambda t: t.n > 1)
        .order_by([ibis.desc("n"), key])
        .limit(limit)
    )
    return tuple(f"{row[key]} ({row['n']} rows)" for row in duplicated.to_pyarrow().to_pylist())


def validation_counts(raw: ir.Table, table: str, *, with_summary: bool = True) -> ir.Table:
    """One-row table: the number of rows failing each check (``check_<i>``), duplicated keys, and the summary
    counts of the validation report unless ``with_summary`` is False. All zero checks mean a valid table: the
    online path compiles this query once and runs it alone.
    """
    prepared = _with_numbers(raw, table)
    checks = _checks(prepared, table)
    aggregates = {f"check_{i}": count_where(prepared, check.predicate) for i, check in enumerate(checks)}
    unique_key = schema.UNIQUE_KEYS.get(table)
    if unique_key is not None:
        key = prepared[unique_key]
        aggregates["duplicate_keys"] = key.count() - key.nunique()
    summary = _summary_aggregates(prepared, table) if with_summary else {}
    return prepared.aggregate(**aggregates, **summary)


def _column_problems(raw: ir.Table, file: str, table: str) -> tuple[list[Problem], list[str]]:
    expected = list(schema.table_columns(table))
    present = list(raw.columns)
    missing = [column for column in expected if column not in present]
    extra = [column for column in present if column not in expected]
    problems = []
    for column in missing:
        near = [other for other in extra if other.strip().upper() == column]
        hint = f" (found {near[0]!r}: check spelling and spaces)" if near else ""
        problems.append(Problem(file, column, f"required column is missing{hint}", 0))
    return problems, extra


def typed_columns(raw: ir.Table, table: str) -> ir.Table:
    """The expected columns in file order, typed: int64 and float64 from text or numbers, strings as text."""
    typed = {}
    for column, kind in schema.table_columns(table).items():
        value = raw[column]
        if kind == "string":
            typed[column] = as_text(value)
        elif kind == "int64":
            typed[column] = as_number(value).cast("int64")
        else:
            typed[column] = as_number(value)
    return raw.select(**typed)


def validate_raw_table(
    raw: ir.Table,
    table: str,
    settings: ValidationSettings | Mapping[str, Any] | None = None,
    *,
    source_label: str | None = None,
) -> ValidationResult:
    """Check a raw table and return it typed, or raise `RawDataValidationError` naming every problem.

    Checks: required columns present (extra ones are reported and ignored), identifiers present, numbers that
    parse, are finite, are integers where the file format says so and lie in plausible ranges (sentinels
    allowed where the real data uses them), categories known, keys unique. A header-only table is valid.
    ``source_label`` names the input in messages (default: the raw file name, e.g. ``bureau.csv``).
    """
    settings = ValidationSettings.model_validate(settings or {})
    file = source_label or RAW_FILES[table]
    column_problems, extra = _column_problems(raw, file, table)
    if column_problems:
        raise RawDataValidationError(column_problems)

    prepared = _with_numbers(raw, table)
    checks = _checks(prepared, table)
    counts = validation_counts(raw, table).to_pyarrow().to_pylist()[0]
    unique_key = schema.UNIQUE_KEYS.get(table)

    problems: list[Problem] = []
    warnings: list[str] = []
    for i, check in enumerate(checks):
        count = int(counts[f"check_{i}"] or 0)
        if not count:
            continue
        problem = Problem(
            file, check.column, check.issue, count, _examples(prepared, table, check, settings.max_examples)
        )
        if check.issue == "unknown category" and settings.unknown_categories == "warn":
            warnings.append(str(problem))
        else:
            problems.append(problem)
    if unique_key is not None and int(counts["duplicate_keys"] or 0):
        problems.append(
            Problem(
                file,
                unique_key,
                f"duplicated identifier ({int(counts['duplicate_keys'])} extra row(s))",
                0,
                _duplicate_examples(raw, unique_key, settings.max_examples),
            )
        )
    if problems:
        raise RawDataValidationError(problems)

    for message in warnings:
        logger.warning("Kept although unexpected: %s", message)
    if extra:
        logger.warning("%s: ignoring %d extra column(s): %s", file, len(extra), ", ".join(extra))
    summary = {
        "file": file,
        "rows": int(counts["rows"] or 0),
        "extra_columns_ignored": extra,
        "warnings": warnings,
        "null_counts": {
            column: int(counts[f"nulls:{column}"] or 0) for column in schema.table_columns(table)
        },
        "sentinels_to_null": {
            name.split(":", 1)[1]: int(value)
            for name, value in counts.items()
            if name.startswith(("sentinel:", "code:")) and value
        },
    }
    return ValidationResult(typed=typed_columns(raw, table), summary=summary)
