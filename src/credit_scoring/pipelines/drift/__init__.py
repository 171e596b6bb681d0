"""Drift pipeline: Evidently data drift, score and feature stability (PSI / CSI), alert rules and alerts."""
