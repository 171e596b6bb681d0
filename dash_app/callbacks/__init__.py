"""Callbacks, one module per page plus the shell. Each module's ``register(app)`` wires its handlers.

Handlers are plain functions of the API client and the inputs, so tests call them without a browser.
"""

from __future__ import annotations

from dash import Dash

from dash_app.callbacks import client, compare, model, monitoring, search, shell, whatif


def register_all(app: Dash) -> None:
    for module in (shell, search, client, compare, whatif, model, monitoring):
        module.register(app)
