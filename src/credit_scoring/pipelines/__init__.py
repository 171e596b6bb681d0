"""One folder per Kedro pipeline: pipeline.py wires it, nodes.py holds its nodes (modelling: one per stage)."""
