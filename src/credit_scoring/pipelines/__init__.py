"""One folder per Kedro pipeline (nodes.py for logic, pipeline.py for wiring)."""
