"""Explainability pipeline: global and per-client SHAP, reasons in plain words, error analysis, figures."""

from credit_scoring.pipelines.explainability.pipeline import create_pipeline

__all__ = ["create_pipeline"]
