"""Kedro project settings: hooks and configuration loading.

https://docs.kedro.org/en/stable/kedro_project_setup/settings.html
"""

from __future__ import annotations

import os
from pathlib import Path

from kedro.config import OmegaConfigLoader

from credit_scoring.hooks import NodeResourceHook, RawDataCheckHook

# Offline always: no telemetry from Kedro, MLflow or the plugins, whatever the caller's environment says.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")

HOOKS = (RawDataCheckHook(), NodeResourceHook())

CONFIG_LOADER_CLASS = OmegaConfigLoader


def project_uri(relative_path: str) -> str:
    """File URI of a path under the directory Kedro runs from (the project root), for MLflow artifacts."""
    return (Path.cwd() / relative_path).resolve().as_uri()


CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "custom_resolvers": {"project_uri": project_uri},
    # the scoring API's settings (conf/base/app.yml); an environment overrides single keys, not whole sections
    "config_patterns": {"app": ["app*", "app*/**"]},
    # parameters too: an environment (conf/simulation) overrides single parameters, not whole sections
    "merge_strategy": {"app": "soft", "parameters": "soft"},
}
