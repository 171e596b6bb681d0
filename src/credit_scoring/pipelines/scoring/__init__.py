"""Scoring pipeline: the champion scores a table of applications (model-input rows) in batch, on pandas or,
with ``--env spark``, on Spark through an Arrow-batched pandas UDF that runs the serving code."""

from credit_scoring.pipelines.scoring.pipeline import create_pipeline

__all__ = ["create_pipeline"]
