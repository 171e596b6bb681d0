"""Modelling pipeline: baselines to a tuned LightGBM on a 10:1 business cost, tracked and registered."""

from credit_scoring.pipelines.modelling.pipeline import create_pipeline

__all__ = ["create_pipeline"]
