"""Which role each page and each callback needs, read from where they are declared, so that a new page or
callback cannot be left out: a page says ``dash.register_page(..., role="risk")`` (no role: ``adviser``,
every signed-in person); a callbacks module says ``ROLE = "risk"`` for all its callbacks.

`dash_app.sign_in` enforces them on the server (403 otherwise), whichever way a page or a callback is asked
for; the navigation only hides what the role cannot open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dash

from credit_scoring.access.roles import Role, check_role, role_includes

DEFAULT_ROLE: Role = "adviser"
ROUTING_OUTPUT = "_pages_content.children"
"""Part of the output of Dash's routing callback, which renders the page of a path: its role is the page's."""

REPORT_PATH = "/reports/drift"
"""The full drift report, served by the Flask server (`dash_app.app`), linked from the monitoring page."""
SERVER_PAGES: dict[str, Role] = {REPORT_PATH: "risk"}
"""Pages served by the Flask server beside Dash's, with their role."""


def page_roles() -> dict[str, Role]:
    """Every page path (Dash's registered pages and `SERVER_PAGES`) and the role it needs."""
    roles = {page["path"]: check_role(page.get("role", DEFAULT_ROLE)) for page in dash.page_registry.values()}
    return {**roles, **SERVER_PAGES}


def page_role(path: str) -> Role | None:
    """The role the page at ``path`` needs, or None when no page is there (Dash answers its 404 page)."""
    normalised = "/" + path.strip("/") if path.strip("/") else "/"
    return page_roles().get(normalised)


def callback_roles(
    callback_map: Mapping[str, Any], modules: Iterable[tuple[Any, Iterable[str]]]
) -> dict[str, Role]:
    """Every callback output of ``callback_map`` and the role it needs: the ``ROLE`` of the module that
    registered it (``modules``: each module with the outputs it added), ``adviser`` for Dash's own."""
    roles: dict[str, Role] = dict.fromkeys(callback_map, DEFAULT_ROLE)
    for module, outputs in modules:
        role = check_role(getattr(module, "ROLE", DEFAULT_ROLE))
        roles.update(dict.fromkeys(outputs, role))
    return roles


def may_use(role: str, required: Role | None) -> bool:
    """True when ``role`` may open what needs ``required`` (None: nothing is needed beyond signing in)."""
    return required is None or role_includes(role, required)


def routing_path(body: Mapping[str, Any]) -> str | None:
    """The path whose page Dash's routing callback is asked to render (from the request's inputs)."""
    for item in body.get("inputs") or []:
        if (
            isinstance(item, dict)
            and item.get("id") == "_pages_location"
            and item.get("property") == "pathname"
        ):
            value = item.get("value")
            return value if isinstance(value, str) else None
    return None
