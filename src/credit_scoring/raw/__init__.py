"""The raw-data contract: the Kaggle tables' columns (`tables`), their value rules (`schema`) and the
validation that enforces them on a whole file or on one request (`validation`).

The validation's names are loaded on first use: the dashboard reads the contract's ranges, categories and
money format (`schema`, `loans`) without loading Ibis."""

from __future__ import annotations

from typing import Any

__all__ = ["Problem", "RawDataValidationError", "validate_raw_table"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from credit_scoring.raw import validation  # noqa: PLC0415 - Ibis, only for those who validate

        return getattr(validation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
