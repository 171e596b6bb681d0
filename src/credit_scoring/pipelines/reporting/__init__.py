"""Reporting pipeline: the methodology note and the model card, generated from the run's datasets."""

from credit_scoring.pipelines.reporting.pipeline import create_pipeline

__all__ = ["create_pipeline"]
