"""Callbacks, one module per page plus the shell. Each module's ``register(app)`` wires its handlers; a module
whose callbacks need more than the adviser's role says so in ``ROLE`` (`dash_app.permissions`).

Handlers are plain functions of the API client and the inputs, so tests call them without a browser.
"""

from __future__ import annotations

from types import ModuleType

from dash import Dash

from dash_app.callbacks import (
    admin,
    client,
    compare,
    model,
    monitoring,
    new_application,
    reviews,
    search,
    shell,
    whatif,
)

MODULES: tuple[ModuleType, ...] = (
    shell,
    search,
    client,
    compare,
    whatif,
    new_application,
    model,
    monitoring,
    reviews,
    admin,
)


def register_all(app: Dash) -> list[tuple[ModuleType, list[str]]]:
    """Register every module's callbacks; each module with the callback outputs it added."""
    added = []
    for module in MODULES:
        before = set(app.callback_map)
        module.register(app)
        added.append((module, [output for output in app.callback_map if output not in before]))
    return added
