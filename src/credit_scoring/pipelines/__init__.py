"""Kedro pipelines, one folder each (pipeline.py wires the nodes; modelling has a module per stage)."""
