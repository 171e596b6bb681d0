"""Validated ingestion and feature engineering over the seven Home Credit tables (DuckDB or Spark)."""

from credit_scoring.pipelines.data_processing.pipeline import create_pipeline

__all__ = ["create_pipeline"]
