"""Generates realistic Home Credit Default Risk demo data (the eight Kaggle files) into data/01_raw."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
