"""Production monitoring: drift and stability indices, alert rules, and their interpretation.

Pure functions over pandas objects, shared by the drift pipeline, the scoring API and the dashboard.
"""
