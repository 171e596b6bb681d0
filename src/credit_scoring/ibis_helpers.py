"""Ibis helpers below both the raw-data contract and the feature definitions (they count rows alike)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def count_where(table: ir.Table, condition: ir.BooleanValue | None = None) -> ir.IntegerScalar:
    """Number of rows where the condition is true (unknown counts as false); 0, not NULL, in every group.

    Not ``table.count(where=...)``: Ibis compiles it for Spark as SUM(CAST(condition AS BIGINT)), which is
    NULL in a group where the condition is NULL on every row (and DuckDB plans hundreds of FILTER clauses
    slowly).
    """
    if condition is None:
        return table.count()
    return ibis.cases((condition, 1), else_=0).sum()
