"""Helpers to read a Dash component tree in tests: its visible strings, and components by id."""

from __future__ import annotations

import re
from typing import Any

from dash.development.base_component import Component


def walk(node: Any):
    """Every component and string in the tree, depth first."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)
    elif isinstance(node, Component):
        yield node
        for prop in ("children", "label"):
            yield from walk(getattr(node, prop, None))
        for option in getattr(node, "options", None) or []:
            if isinstance(option, dict):
                yield from walk(option.get("label"))
    elif isinstance(node, str | int | float):
        yield str(node)


def text_of(node: Any) -> str:
    return " ".join(item for item in walk(node) if isinstance(item, str))


def words_of(node: Any) -> str:
    """``text_of`` with the pieces of one sentence joined as a browser shows them (a bold part, then the rest:
    one space between, not two)."""
    return re.sub(" {2,}", " ", text_of(node))


def find(node: Any, component_id: str) -> Component:
    for item in walk(node):
        if isinstance(item, Component) and getattr(item, "id", None) == component_id:
            return item
    raise LookupError(component_id)
