"""Validate a raw table before any work, and type it.

The raw table arrives with every column as text (how the CSV reader is configured, on DuckDB and on Spark), so
that a value that does not parse is reported by name instead of failing deep inside the CSV reader. Two steps:
`stage_raw_table` parses once (the pipeline writes the staged copy as Parquet), `validate_staged_table` runs
every check as one aggregate query over the staged copy; only when a check fails, further queries fetch a few
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

from credit_scoring.ibis_helpers import count_where
from credit_scoring.raw import schema
from credit_scoring.raw.schema import UNKNOWN_CATEGORY
from credit_scoring.raw.tables import DAYS_SENTINEL, RAW_FILES

logger = logging.getLogger(__name__)

MAX_EXACT_INTEGER = 2**53
"""Integers above this cannot be told apart in float64: an identifier there is a broken file."""
UNPARSED = "_UNPARSED_VALUES"
"""Column of a staged table: per row, the number of numeric values that were not numbers in the raw text."""


class ValidationSettings(BaseModel):
    """How strict raw-data validation is (parameters ``data_processing.validation``).

    ``unknown_categories``: ``error`` stops on a category level absent from `schema.KNOWN_CATEGORIES`;
    ``warn`` logs it, counts it in the summary and maps the value to `schema.UNKNOWN_CATEGORY`. Without
    settings, validation is strict (``error``); the project's parameters choose ``warn`` for the real files,
    and the online path must be given the same settings as the batch run.
    """

    max_examples: int = Field(default=5, ge=1, le=100)
    unknown_categories: Literal["error", "warn"] = "error"

    @property
    def maps_unknown_categories(self) -> bool:
        return self.unknown_categories == "warn"


def _settings(settings: ValidationSettings | Mapping[str, Any] | None) -> ValidationSettings:
    if isinstance(settings, ValidationSettings):
        return settings
    return ValidationSettings.model_validate(settings or {})


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


UNKNOWN_CATEGORY_ISSUE = "unknown category"


@dataclass
class _Check:
    column: str | None
    issue: str
    predicate: ir.BooleanValue
    show: Literal["values", "rows", "unparsed"] = "rows"

    def stops_validation(self, settings: ValidationSettings) -> bool:
        return not (self.issue == UNKNOWN_CATEGORY_ISSUE and settings.maps_unknown_categories)


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


def is_unknown_category(value: ir.StringValue, table: str, column: str) -> ir.BooleanValue:
    """True where a categorical value is present but not one of the column's known levels."""
    return value.notnull() & ~value.isin(sorted(schema.KNOWN_CATEGORIES[table][column]))


def _numeric_columns(table: str) -> list[str]:
    return [column for column, kind in schema.table_columns(table).items() if kind != "string"]


def _column_problems(raw: ir.Table, file: str, table: str) -> tuple[list[Problem], list[str]]:
    expected = list(schema.table_columns(table))
    present = list(raw.columns)
    missing = [column for column in expected if column not in present]
    extra = [column for column in present if column not in expected and column != UNPARSED]
    problems = []
    for column in missing:
        near = [other for other in extra if other.strip().upper() == column]
        hint = f" (found {near[0]!r}: check spelling and spaces)" if near else ""
        problems.append(Problem(file, column, f"required column is missing{hint}", 0))
    return problems, extra


def stage_raw_table(raw: ir.Table, table: str, *, source_label: str | None = None) -> ir.Table:
    """The expected columns in file order, numbers parsed as float64, text kept, plus ``_UNPARSED_VALUES``.

    ``_UNPARSED_VALUES`` counts, per row, the non-empty values that are not numbers although their column is
    numeric (they are NULL in the staged copy). Parsing happens once, here; validation then reads the staged
    copy (Parquet: far cheaper than the CSV) and goes back to the text only to describe unparsable values.
    Missing columns raise `RawDataValidationError` at once; extra columns are logged and left out.
    """
    file = source_label or RAW_FILES[table]
    problems, extra = _column_problems(raw, file, table)
    if problems:
        raise RawDataValidationError(problems)
    if extra:
        logger.warning("%s: ignoring %d extra column(s): %s", file, len(extra), ", ".join(extra))
    staged: dict[str, ir.Value] = {}
    for column, kind in schema.table_columns(table).items():
        staged[column] = as_text(raw[column]) if kind == "string" else as_number(raw[column])
    unparsed = [
        ibis.cases((raw[column].notnull() & staged[column].isnull(), 1), else_=0)
        for column in _numeric_columns(table)
        if raw[column].type().is_string()
    ]
    staged[UNPARSED] = sum(unparsed, ibis.literal(0, type="int64")).cast("int64")
    return raw.select(**staged)


def _with_finite_numbers(staged: ir.Table, table: str) -> ir.Table:
    """The staged table plus, per numeric column, its value when finite (else NULL), computed once."""
    return staged.mutate(
        **{
            _finite(column): ibis.cases(
                (staged[column].isnan() | staged[column].isinf(), ibis.null("float64")), else_=staged[column]
            )
            for column in _numeric_columns(table)
        }
    )


def _finite(column: str) -> str:
    return f"__finite__{column}"


def _checks(prepared: ir.Table, table: str) -> list[_Check]:
    unparsed = _Check(
        None, "value(s) that are not numbers in numeric columns", prepared[UNPARSED] > 0, "unparsed"
    )
    checks: list[_Check] = [unparsed]
    sentinel_columns = schema.DAYS_SENTINEL_COLUMNS.get(table, ())
    for column in schema.REQUIRED_NON_NULL[table]:
        checks.append(_Check(column, "missing although required", prepared[column].isnull()))
    for column, kind in schema.table_columns(table).items():
        value = prepared[column]
        if kind == "string":
            unknown = is_unknown_category(value, table, column)
            checks.append(_Check(column, UNKNOWN_CATEGORY_ISSUE, unknown, show="values"))
            continue
        finite = prepared[_finite(column)]
        checks.append(_Check(column, "not a finite number", value.isnan() | value.isinf()))
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


def _summary_aggregates(staged: ir.Table, table: str) -> dict[str, ir.Scalar]:
    aggregates: dict[str, ir.Scalar] = {"rows": staged.count()}
    for column in schema.table_columns(table):
        aggregates[f"nulls:{column}"] = count_where(staged, staged[column].isnull())
    for column in schema.DAYS_SENTINEL_COLUMNS.get(table, ()):
        aggregates[f"sentinel:{column}"] = count_where(staged, staged[column] == DAYS_SENTINEL)
    for column in schema.NULL_CODE_COLUMNS.get(table, ()):
        for code in schema.NULL_CODES:
            aggregates[f"code:{column}={code}"] = count_where(staged, staged[column] == code)
    return aggregates


def validation_counts(
    staged: ir.Table,
    table: str,
    settings: ValidationSettings | Mapping[str, Any] | None = None,
    *,
    with_summary: bool = True,
) -> ir.Table:
    """One-row table: rows failing each check (``check_<i>``), duplicated keys, and the report's counts.

    Without ``with_summary``, only the checks that stop validation under ``settings`` (unknown categories
    are left out when they are mapped): all zero means a valid table (the online path compiles this query
    once and runs it alone).
    """
    settings = _settings(settings)
    prepared = _with_finite_numbers(staged, table)
    checks = _checks(prepared, table)
    aggregates = {
        f"check_{i}": count_where(prepared, check.predicate)
        for i, check in enumerate(checks)
        if with_summary or check.stops_validation(settings)
    }
    unique_key = schema.UNIQUE_KEYS.get(table)
    if unique_key is not None:
        key = prepared[unique_key]
        aggregates["duplicate_keys"] = key.count() - key.nunique()
    summary = _summary_aggregates(prepared, table) if with_summary else {}
    return prepared.aggregate(**aggregates, **summary)


def _format_value(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float) and value.is_integer() and abs(value) < MAX_EXACT_INTEGER:
        return repr(int(value))
    return repr(value)


def _format_key(value: Any) -> str:
    return _format_value(value).strip("'")


def _examples(table_expr: ir.Table, table: str, check: _Check, limit: int) -> tuple[str, ...]:
    rows_matching = table_expr.filter(check.predicate.fill_null(False))
    if check.show == "values" and check.column is not None:
        counts = (
            rows_matching.group_by(value=table_expr[check.column])
            .aggregate(n=lambda t: t.count())
            .order_by([ibis.desc("n"), "value"])
            .limit(limit)
        )
        return tuple(f"{_format_value(r['value'])} ({r['n']} rows)" for r in counts.to_pyarrow().to_pylist())
    keys = [key for key in schema.ROW_LABEL_KEYS[table] if key != check.column]
    shown = [*keys, check.column] if check.column else keys
    examples = []
    for row in rows_matching.select(*shown).limit(limit).to_pyarrow().to_pylist():
        located = ", ".join(f"{key}={_format_key(row[key])}" for key in keys)
        examples.append(f"{_format_value(row[check.column])} ({located})" if check.column else f"({located})")
    return tuple(examples)


def _duplicate_examples(staged: ir.Table, key: str, limit: int) -> tuple[str, ...]:
    duplicated = (
        staged.filter(staged[key].notnull())
        .group_by(key)
        .aggregate(n=lambda t: t.count())
        .filter(lambda t: t.n > 1)
        .order_by([ibis.desc("n"), key])
        .limit(limit)
    )
    return tuple(f"{_format_key(row[key])} ({row['n']} rows)" for row in duplicated.to_pyarrow().to_pylist())


def _unparsed_problems(raw: ir.Table, table: str, file: str, limit: int) -> list[Problem]:
    """One problem per numeric column holding text that is not a number, with examples from the text."""
    problems = []
    numeric = [column for column in _numeric_columns(table) if raw[column].type().is_string()]
    not_numbers = {column: raw[column].notnull() & as_number(raw[column]).isnull() for column in numeric}
    counts = raw.aggregate(**{column: count_where(raw, check) for column, check in not_numbers.items()})
    for column, count in counts.to_pyarrow().to_pylist()[0].items():
        if count:
            check = _Check(
                column, f"not a number ({schema.table_columns(table)[column]})", not_numbers[column]
            )
            problems.append(
                Problem(file, column, check.issue, int(count), _examples(raw, table, check, limit))
            )
    return problems


def typed_columns(
    staged: ir.Table, table: str, settings: ValidationSettings | Mapping[str, Any] | None = None
) -> ir.Table:
    """The validated table: expected columns in file order, int64 and float64 numbers, text categories.

    Under ``unknown_categories: warn``, a level absent from the known ones becomes `UNKNOWN_CATEGORY`.
    """
    settings = _settings(settings)
    typed = {}
    for column, kind in schema.table_columns(table).items():
        value = staged[column]
        if kind == "int64":
            typed[column] = as_number(value).cast("int64")
        elif kind == "float64":
            typed[column] = as_number(value)
        elif settings.maps_unknown_categories:
            text = as_text(value)
            unknown = is_unknown_category(text, table, column)
            typed[column] = ibis.cases((unknown, ibis.literal(UNKNOWN_CATEGORY)), else_=text)
        else:
            typed[column] = as_text(value)
    return staged.select(**typed)


def validate_staged_table(
    staged: ir.Table,
    table: str,
    settings: ValidationSettings | Mapping[str, Any] | None = None,
    *,
    raw: ir.Table | None = None,
    source_label: str | None = None,
) -> ValidationResult:
    """Check a staged table (see `stage_raw_table`) and return it typed, or raise `RawDataValidationError`.

    Checks: identifiers present, numbers that parse, are finite, are integers where the file format says so
    and lie in plausible ranges (sentinels allowed where the real data uses them), categories known, keys
    unique.
    Every problem is reported at once, with a few offending values and the keys of their rows; values that do
    not parse are described from ``raw`` (the text) when given. A header-only table is valid.
    """
    settings = _settings(settings)
    file = source_label or RAW_FILES[table]
    prepared = _with_finite_numbers(staged, table)
    checks = _checks(prepared, table)
    counts = validation_counts(staged, table).to_pyarrow().to_pylist()[0]
    unique_key = schema.UNIQUE_KEYS.get(table)

    problems: list[Problem] = []
    warnings: list[str] = []
    unknown_categories: dict[str, dict[str, Any]] = {}
    for i, check in enumerate(checks):
        count = int(counts[f"check_{i}"] or 0)
        if not count:
            continue
        if check.show == "unparsed":  # described from the text, which the staged copy no longer holds
            described = _unparsed_problems(raw, table, file, settings.max_examples) if raw is not None else []
            problems.extend(described or [Problem(file, None, check.issue, count)])
            continue
        problem = Problem(
            file, check.column, check.issue, count, _examples(prepared, table, check, settings.max_examples)
        )
        if check.stops_validation(settings):
            problems.append(problem)
        else:
            warnings.append(f"{problem}: mapped to {UNKNOWN_CATEGORY!r}")
            unknown_categories[str(check.column)] = {"rows": count, "values": list(problem.examples)}
    if unique_key is not None and int(counts["duplicate_keys"] or 0):
        problems.append(
            Problem(
                file,
                unique_key,
                f"duplicated identifier ({int(counts['duplicate_keys'])} extra row(s))",
                0,
                _duplicate_examples(staged, unique_key, settings.max_examples),
            )
        )
    if problems:
        raise RawDataValidationError(problems)

    for message in warnings:
        logger.warning("Unknown category level: %s", message)
    summary = {
        "file": file,
        "rows": int(counts["rows"] or 0),
        "extra_columns_ignored": [] if raw is None else _column_problems(raw, file, table)[1],
        "warnings": warnings,
        "unknown_categories": unknown_categories,
        "null_counts": {
            column: int(counts[f"nulls:{column}"] or 0) for column in schema.table_columns(table)
        },
        "sentinels_to_null": {
            name.split(":", 1)[1]: int(value)
            for name, value in counts.items()
            if name.startswith(("sentinel:", "code:")) and value
        },
    }
    return ValidationResult(typed=typed_columns(staged, table, settings), summary=summary)


def validate_raw_table(
    raw: ir.Table,
    table: str,
    settings: ValidationSettings | Mapping[str, Any] | None = None,
    *,
    source_label: str | None = None,
) -> ValidationResult:
    """Stage and validate a raw table in one go (tests, the online path): see `validate_staged_table`."""
    staged = stage_raw_table(raw, table, source_label=source_label)
    return validate_staged_table(staged, table, settings, raw=raw, source_label=source_label)
