"""Traffic pipeline: a simulated stream of applications through the scoring API, outcomes sent back later."""

from credit_scoring.pipelines.traffic.pipeline import create_pipeline

__all__ = ["create_pipeline"]
