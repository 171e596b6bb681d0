"""Compile an Ibis table expression into one plain Python function over the values of a single row.

The online path evaluates the batch pipeline's own Ibis expressions (validation checks, application features,
model-input assembly) for one application at a time. A SQL engine spends tens of milliseconds planning those
queries (thousands of expression nodes) before touching the one row; this compiler turns the expression graph,
once, into straight-line Python source (one statement per distinct node) that runs in a fraction of a
millisecond.

Semantics are DuckDB's, the batch engine's: SQL NULL is ``None`` and propagates, booleans are three-valued,
NaN equals NaN and sorts above every number, ``x / 0`` follows IEEE 754 (±inf, NaN), a double cast to an
integer rounds half to even, text is parsed as DuckDB's ``TRY_CAST(... AS DOUBLE)`` does (unusual spellings
are handed to DuckDB itself). An operation without a rule here raises `UnsupportedExpressionError` at
compile time, never a silently different value; the tests compare the result with DuckDB's, row for row.

Relations: projections, sorts and dropped columns pass rows through; an ungrouped aggregate reduces the one
row; a left join reads the row given for its side table (``None``: no row), matched when the join predicates
hold, as a left join against a table holding at most that row.
"""

from __future__ import annotations

import math
import operator as _operator
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

RowFunction = Callable[..., tuple[Any, ...]]


class UnsupportedExpressionError(NotImplementedError):
    """Raised at compile time for an Ibis operation the row compiler has no exact rule for."""


# ----------------------------------------------------------------------------------------------------------
# Runtime helpers (DuckDB semantics); the generated code calls them by these names.

_PLAIN_NUMBER = re.compile(r"[ \t\n\r]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t\n\r]*")
_duckdb = threading.local()
_OPERATORS = {
    "==": _operator.eq,
    "!=": _operator.ne,
    "<": _operator.lt,
    "<=": _operator.le,
    ">": _operator.gt,
    ">=": _operator.ge,
}


def _duckdb_try_double(text: str) -> float | None:
    con = getattr(_duckdb, "con", None)
    if con is None:
        con = _duckdb.con = duckdb.connect(config={"threads": 1})
    return con.execute("SELECT TRY_CAST(? AS DOUBLE)", [text]).fetchone()[0]


def try_double(text: str | None) -> float | None:
    """TRY_CAST(text AS DOUBLE): plain decimals in Python (both round correctly), the rest by DuckDB."""
    if text is None:
        return None
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    return _duckdb_try_double(text)


def cast_double(text: str | None) -> float:
    value = try_double(text)
    if value is None and text is not None:
        raise ValueError(f"Could not convert {text!r} to a number")
    return value


def double_to_int(value: float | None, strict: bool = True) -> int | None:
    """CAST(double AS BIGINT): round half to even; NaN, infinities and overflow are errors (or NULL)."""
    if value is None:
        return None
    if math.isnan(value) or math.isinf(value) or not -(2**63) <= round(value) < 2**63:
        if strict:
            raise ValueError(f"Could not convert {value!r} to an integer")
        return None
    return round(value)


def divide(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if b == 0:
        if math.isnan(a) or a == 0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def modulo(a: Any, b: Any) -> Any:
    """C fmod semantics (the sign of the dividend), as DuckDB for doubles and integers."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        if b == 0:
            return None
        remainder = abs(a) % abs(b)
        return remainder if a >= 0 else -remainder
    if b == 0 or math.isnan(a) or math.isnan(b) or math.isinf(a):
        return math.nan
    return math.fmod(a, b)


def _order_key(value: Any) -> tuple[int, Any]:
    # DuckDB orders NaN above every number and considers it equal to itself.
    if isinstance(value, float) and math.isnan(value):
        return (1, 0.0)
    return (0, value)


def compare(a: Any, b: Any, operator: str) -> bool | None:
    if a is None or b is None:
        return None
    return _OPERATORS[operator](_order_key(a), _order_key(b))


def least(*values: Any) -> Any:
    present = [value for value in values if value is not None]
    return min(present, key=_order_key) if present else None


def greatest(*values: Any) -> Any:
    present = [value for value in values if value is not None]
    return max(present, key=_order_key) if present else None


def is_nan(value: float | None) -> bool | None:
    return None if value is None else math.isnan(value)


def is_inf(value: float | None) -> bool | None:
    return None if value is None else math.isinf(value)


_HELPERS: dict[str, Any] = {
    "try_double": try_double,
    "cast_double": cast_double,
    "double_to_int": double_to_int,
    "divide": divide,
    "modulo": modulo,
    "compare": compare,
    "least": least,
    "greatest": greatest,
    "is_nan": is_nan,
    "is_inf": is_inf,
}

# ----------------------------------------------------------------------------------------------------------
# Compiler

_COMPARISONS = {
    ops.Equals: "==",
    ops.NotEquals: "!=",
    ops.Less: "<",
    ops.LessEqual: "<=",
    ops.Greater: ">",
    ops.GreaterEqual: ">=",
}
_ARITHMETIC = {ops.Add: "+", ops.Subtract: "-", ops.Multiply: "*"}
_ROW_PASS_THROUGH = (ops.Sort, ops.DropColumns)


def _is_float(dtype: dt.DataType) -> bool:
    return dtype.is_floating() or dtype.is_decimal()


class _Compiler:
    def __init__(self, inputs: Sequence[str]) -> None:
        self.inputs = list(inputs)
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.names: dict[ops.Node, str] = {}
        self.matched: dict[ops.JoinReference, str] = {}
        self.chains: dict[ops.JoinReference, ops.JoinChain] = {}

    # -- plumbing
    def emit(self, node: ops.Node, code: str) -> str:
        name = f"v{len(self.lines)}"
        self.lines.append(f"    {name} = {code}")
        self.names[node] = name
        return name

    def constant(self, value: Any) -> str:
        name = f"k{len(self.constants)}"
        self.constants[name] = value
        return name

    def value(self, node: ops.Node) -> str:
        if node not in self.names:
            self.names[node] = self._compile(node)
        return self.names[node]

    # -- relations: the value of a column of a relation, for the current row
    def field(self, rel: ops.Relation, name: str, node: ops.Node) -> str:  # noqa: PLR0911 - dispatch
        if isinstance(rel, ops.UnboundTable):
            if rel.name not in self.inputs:
                raise UnsupportedExpressionError(f"table {rel.name!r} is not one of the inputs {self.inputs}")
            position = self.inputs.index(rel.name)
            index = list(rel.schema.names).index(name)
            row = f"r{position}"
            if position == 0:
                return self.emit(node, f"{row}[{index}]")
            return self.emit(node, f"None if {row} is None else {row}[{index}]")
        if isinstance(rel, ops.Project):
            return self.value(rel.values[name])
        if isinstance(rel, _ROW_PASS_THROUGH):
            return self.value(ops.Field(rel.parent, name))
        if isinstance(rel, ops.Aggregate):
            if rel.groups:
                raise UnsupportedExpressionError("grouped aggregates")
            return self.value(rel.metrics[name])
        if isinstance(rel, ops.JoinChain):
            return self.value(rel.values[name])
        if isinstance(rel, ops.JoinReference):
            return self.join_field(rel, name, node)
        raise UnsupportedExpressionError(f"relation {type(rel).__name__}")

    def join_field(self, reference: ops.JoinReference, name: str, node: ops.Node) -> str:
        chain = self.chains[reference]
        if chain.first == reference:
            return self.value(ops.Field(reference.parent, name))
        matched = self.join_matched(chain, reference)
        raw = self.value(ops.Field(reference.parent, name))
        return self.emit(node, f"{raw} if {matched} else None")

    def join_matched(self, chain: ops.JoinChain, reference: ops.JoinReference) -> str:
        if reference not in self.matched:
            link = next(link for link in chain.rest if link.table == reference)
            if link.how != "left":
                raise UnsupportedExpressionError(f"{link.how} joins (only left joins keep the one row)")
            predicates = [self.predicate_value(reference, p) for p in link.predicates]
            code = " and ".join(f"{p} is True" for p in predicates) or "True"
            self.matched[reference] = self.emit(link, f"({code})")
        return self.matched[reference]

    def predicate_value(self, reference: ops.JoinReference, predicate: ops.Node) -> str:
        # In its own join predicates, a side table's fields are its candidate row, not yet gated by the match.
        def unwrap(node: ops.Node, children: dict[str, Any] | None) -> ops.Node:
            if isinstance(node, ops.Field) and node.rel == reference:
                return ops.Field(reference.parent, node.name)
            return node.__recreate__(children) if children else node

        return self.value(predicate.replace(unwrap, filter=ops.Value))

    # -- values
    def _compile(self, node: ops.Node) -> str:  # noqa: PLR0911 - one dispatch table
        if isinstance(node, ops.Field):
            return self.field(node.rel, node.name, node)
        if isinstance(node, ops.Literal):
            if node.value is None:
                return self.emit(node, "None")
            return self.emit(node, self.constant(self._literal(node)))
        if isinstance(node, ops.Cast | ops.TryCast):
            return self.cast(node)
        if type(node) in _ARITHMETIC:
            a, b = self.value(node.left), self.value(node.right)
            return self.emit(
                node, f"None if {a} is None or {b} is None else {a} {_ARITHMETIC[type(node)]} {b}"
            )
        if isinstance(node, ops.Divide):
            return self.emit(node, f"divide({self.value(node.left)}, {self.value(node.right)})")
        if isinstance(node, ops.Modulus):
            return self.emit(node, f"modulo({self.value(node.left)}, {self.value(node.right)})")
        if isinstance(node, ops.Negate):
            a = self.value(node.arg)
            return self.emit(node, f"None if {a} is None else -{a}")
        if isinstance(node, ops.Abs):
            a = self.value(node.arg)
            return self.emit(node, f"None if {a} is None else abs({a})")
        if type(node) in _COMPARISONS:
            return self.comparison(node)
        if isinstance(node, ops.And):
            a, b = self.value(node.left), self.value(node.right)
            return self.emit(
                node,
                f"False if {a} is False or {b} is False else (None if {a} is None or {b} is None else True)",
            )
        if isinstance(node, ops.Or):
            a, b = self.value(node.left), self.value(node.right)
            return self.emit(
                node,
                f"True if {a} is True or {b} is True else (None if {a} is None or {b} is None else False)",
            )
        if isinstance(node, ops.Not):
            a = self.value(node.arg)
            return self.emit(node, f"None if {a} is None else not {a}")
        if isinstance(node, ops.IsNull):
            return self.emit(node, f"{self.value(node.arg)} is None")
        if isinstance(node, ops.NotNull):
            return self.emit(node, f"{self.value(node.arg)} is not None")
        if isinstance(node, ops.IsNan):
            self.require_float(node.arg)
            return self.emit(node, f"is_nan({self.value(node.arg)})")
        if isinstance(node, ops.IsInf):
            self.require_float(node.arg)
            return self.emit(node, f"is_inf({self.value(node.arg)})")
        if isinstance(node, ops.InValues):
            return self.in_values(node)
        if isinstance(node, ops.Coalesce):
            code = "None"
            for arg in reversed(node.arg):
                a = self.value(arg)
                code = f"{a} if {a} is not None else ({code})"
            return self.emit(node, code)
        if isinstance(node, ops.NullIf):
            a, b = self.value(node.arg), self.value(node.null_if_expr)
            return self.emit(node, f"None if {a} is None or compare({a}, {b}, '==') is True else {a}")
        if isinstance(node, ops.Least | ops.Greatest):
            function = "least" if isinstance(node, ops.Least) else "greatest"
            return self.emit(node, f"{function}({', '.join(self.value(arg) for arg in node.arg)})")
        if isinstance(node, ops.SearchedCase):
            code = "None" if node.default is None else self.value(node.default)
            for case, result in reversed(list(zip(node.cases, node.results, strict=True))):
                code = f"{self.value(result)} if {self.value(case)} is True else ({code})"
            return self.emit(node, code)
        if isinstance(node, ops.Sum | ops.Mean | ops.Min | ops.Max):
            return self.reduction(node, self.value(node.arg))
        if isinstance(node, ops.Count | ops.CountDistinct):
            return self.reduction(node, f"(0 if {self.value(node.arg)} is None else 1)")
        if isinstance(node, ops.CountStar):
            return self.reduction(node, "1")
        raise UnsupportedExpressionError(f"operation {type(node).__name__}")

    def reduction(self, node: ops.Reduction, one_row: str) -> str:
        # An ungrouped aggregate over exactly one row: the row's value, or the empty aggregate when filtered.
        where = getattr(node, "where", None)
        empty = "0" if isinstance(node, ops.Count | ops.CountDistinct | ops.CountStar) else "None"
        if where is None:
            return self.emit(node, one_row)
        return self.emit(node, f"{one_row} if {self.value(where)} is True else {empty}")

    @staticmethod
    def _literal(node: ops.Literal) -> Any:
        dtype = node.dtype
        if dtype.is_floating():
            return float(node.value)
        if dtype.is_integer():
            return int(node.value)
        if dtype.is_boolean():
            return bool(node.value)
        if dtype.is_string():
            return str(node.value)
        raise UnsupportedExpressionError(f"literal of type {dtype}")

    @staticmethod
    def require_float(node: ops.Value) -> None:
        if not _is_float(node.dtype):
            raise UnsupportedExpressionError(f"NaN/infinity test on {node.dtype}")

    def comparison(self, node: ops.Node) -> str:
        a, b = self.value(node.left), self.value(node.right)
        operator = _COMPARISONS[type(node)]
        if _is_float(node.left.dtype) or _is_float(node.right.dtype):
            return self.emit(node, f"compare({a}, {b}, {operator!r})")
        return self.emit(node, f"None if {a} is None or {b} is None else {a} {operator} {b}")

    def in_values(self, node: ops.InValues) -> str:
        if not all(isinstance(option, ops.Literal) and option.value is not None for option in node.options):
            raise UnsupportedExpressionError("IN with non-literal or NULL options")
        if _is_float(node.value.dtype):
            raise UnsupportedExpressionError("IN over floating-point values")
        options = self.constant(frozenset(self._literal(option) for option in node.options))
        a = self.value(node.value)
        return self.emit(node, f"None if {a} is None else {a} in {options}")

    def cast(self, node: ops.Cast | ops.TryCast) -> str:
        source, target = node.arg.dtype, node.to
        a = self.value(node.arg)
        strict = isinstance(node, ops.Cast)
        if source.copy(nullable=True) == target.copy(nullable=True):
            return self.emit(node, a)
        if source.is_string() and target.is_float64():
            return self.emit(node, f"{'cast_double' if strict else 'try_double'}({a})")
        if (source.is_integer() or source.is_boolean()) and target.is_float64():
            return self.emit(node, f"None if {a} is None else float({a})")
        if (source.is_integer() or source.is_boolean()) and target.is_integer():
            return self.emit(node, f"None if {a} is None else int({a})")
        if source.is_floating() and target.is_int64():
            return self.emit(node, f"double_to_int({a}, {strict})")
        if source.is_integer() and target.is_string():
            return self.emit(node, f"None if {a} is None else str({a})")
        raise UnsupportedExpressionError(f"cast from {source} to {target}")


def compile_row_function(table: ir.Table, inputs: Sequence[str]) -> RowFunction:
    """Compile ``table`` into ``f(row_0, row_1, ...) -> tuple`` of its columns, in order, for one row.

    ``inputs`` names the unbound tables the expression reads, in argument order. ``row_0`` (first input)
    is the one row the result describes, a sequence of values in its schema's column order; the other rows
    are the candidate rows of left-joined tables (``None`` when the table has no row for it).
    """
    compiler = _Compiler(inputs)
    root = table.op()
    compiler.chains = {
        reference: chain
        for chain in root.find(ops.JoinChain)
        for reference in (chain.first, *(link.table for link in chain.rest))
    }
    outputs = [compiler.value(ops.Field(root, name)) for name in table.columns]
    arguments = ", ".join(f"r{i}" for i in range(len(compiler.inputs)))
    body = "\n".join(compiler.lines) or "    pass"
    source = f"def row_function({arguments}):\n{body}\n    return ({', '.join(outputs)},)\n"
    namespace: dict[str, Any] = {**_HELPERS, **compiler.constants}
    exec(compile(source, f"<row function of {len(compiler.lines)} steps>", "exec"), namespace)
    function = namespace["row_function"]
    function.source = source
    return function
