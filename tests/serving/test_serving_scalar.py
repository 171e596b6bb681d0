"""The row compiler gives, row for row, what DuckDB gives for the same Ibis expression, edge cases too."""

from __future__ import annotations

import math

import duckdb
import ibis
import pyarrow as pa
import pytest

from credit_scoring.serving.scalar import UnsupportedExpressionError, compile_row_function

ROWS = {
    "x": [1.5, -2.5, 0.0, -0.0, None, math.nan, math.inf, 2.5, 3.0, -7.25],
    "y": [0.0, 2.0, 0.0, 1.0, 3.0, 1.0, -math.inf, None, math.nan, 2.0],
    "n": [1, -3, 0, 7, None, 2, 5, -1, 0, 4],
    "s": [" 1.5 ", "1_000", "inf", "abc", "", None, "-Infinity", "1e400", "+.5", "0x10"],
    "c": ["a", "b", None, "XNA", "a", "c", "b", "XAP", "a", None],
}
SCHEMA = {"x": "float64", "y": "float64", "n": "int64", "s": "string", "c": "string"}


def _expressions(t: ibis.Table) -> dict[str, ibis.Value]:
    return {
        "divide": t.x / t.y,
        "divide_int": t.n / t.n,
        "add_mul": (t.x + t.n) * t.y - t.x,
        "negate_abs": (-t.x).abs(),
        "modulo": t.x % 1,
        "modulo_int": t.n % 2,
        "eq": t.x == t.y,
        "ne": t.x != t.y,
        "lt": t.x < t.y,
        "ge": t.x >= t.y,
        "int_gt": t.n > 0,
        "and": (t.x > 0) & (t.y > 0),
        "or": (t.x > 0) | (t.y > 0),
        "not": ~(t.x > t.y),
        "is_nan": t.x.isnan(),
        "is_inf": t.x.isinf(),
        "is_null": t.x.isnull(),
        "not_null": t.y.notnull(),
        "try_cast": t.s.try_cast("float64"),
        "bool_to_int": t.y.isnan().cast("int64"),
        "round_half_even": ibis.cases((t.x.isinf() | t.x.isnan(), 0.0), else_=t.x).cast("int64"),
        "int_to_float": t.n.cast("float64"),
        "int_to_text": t.n.cast("string"),
        "in": t.c.isin(["a", "XNA"]),
        "coalesce": ibis.coalesce(t.x, t.y, 9.0),
        "nullif": t.x.nullif(0.0),
        "least": ibis.least(t.x, t.y),
        "greatest": ibis.greatest(t.x, t.y),
        "case": ibis.cases((t.x > 1, "big"), (t.x.isnull(), "none"), else_=t.c),
        "case_no_else": ibis.cases((t.y > 1, t.n)),
        "fill_null": t.c.fill_null("?"),
    }


def _same(value, reference) -> bool:
    """Equal values of the same Python type, NaN equal to NaN (DuckDB returns float, int, bool, str)."""
    if type(value) is not type(reference):
        return False
    if isinstance(value, float) and math.isnan(value):
        return math.isnan(reference)
    return value == reference


def test_row_functions_agree_with_duckdb_on_edge_cases():
    t = ibis.table(SCHEMA, name="t")
    expr = t.select(**_expressions(t))
    types = {"float64": pa.float64(), "int64": pa.int64(), "string": pa.string()}
    con = duckdb.connect()
    con.register("t", pa.table({c: pa.array(ROWS[c], types[kind]) for c, kind in SCHEMA.items()}))
    expected = con.sql(ibis.to_sql(expr, dialect="duckdb")).fetchall()
    function = compile_row_function(expr, ["t"])

    for i in range(len(ROWS["x"])):
        got = function([ROWS[column][i] for column in SCHEMA])
        for name, value, reference in zip(expr.columns, got, expected[i], strict=True):
            assert _same(value, reference), (i, name, value, reference)


def test_left_join_reads_the_side_row_and_an_aggregate_reduces_one_row():
    left = ibis.table({"k": "int64", "a": "float64"}, name="left")
    right = ibis.table({"k": "int64", "b": "float64"}, name="right")
    joined = left.left_join(right, "k").drop("k_right").mutate(total=lambda t: t.a + t.b.fill_null(0.0))
    function = compile_row_function(joined, ["left", "right"])

    assert function([1, 2.0], (1, 3.0)) == (1, 2.0, 3.0, 5.0)
    assert function([1, 2.0], (2, 3.0)) == (1, 2.0, None, 2.0), "the key does not match: no row"
    assert function([1, 2.0], None) == (1, 2.0, None, 2.0)

    counts = left.aggregate(rows=left.count(), non_null=left.a.count(), total=left.a.sum())
    assert compile_row_function(counts, ["left"])([1, None]) == (1, 0, None)


def test_operations_without_an_exact_rule_are_refused_at_compile_time():
    t = ibis.table(SCHEMA, name="t")

    with pytest.raises(UnsupportedExpressionError, match="Ln"):
        compile_row_function(t.select(v=t.x.ln()), ["t"])
    with pytest.raises(UnsupportedExpressionError, match="cast from float64 to string"):
        compile_row_function(t.select(v=t.x.cast("string")), ["t"])
    other = ibis.table({"n": "int64", "z": "float64"}, name="other")
    with pytest.raises(UnsupportedExpressionError, match="inner joins"):
        compile_row_function(t.join(other, "n"), ["t", "other"])
