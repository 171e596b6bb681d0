"""Drift pipeline: Evidently data drift, score and feature stability (PSI / CSI), alert rules and alerts."""

from credit_scoring.pipelines.drift.pipeline import create_pipeline

__all__ = ["create_pipeline"]
