"""The raw-data contract: the Kaggle tables' columns (`tables`), their value rules (`schema`) and the
validation that enforces them on a whole file or on one request (`validation`)."""

from credit_scoring.raw.validation import Problem, RawDataValidationError, validate_raw_table

__all__ = ["Problem", "RawDataValidationError", "validate_raw_table"]
