"""Performance pipeline: live performance per model version and period, realised and estimated (CBPE)."""

from credit_scoring.pipelines.performance.pipeline import create_pipeline

__all__ = ["create_pipeline"]
