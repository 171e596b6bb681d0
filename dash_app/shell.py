"""The frame around every page: skip link, header with navigation and language switch, main region, footer."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dash_app.i18n import DEFAULT_LANGUAGE, t
from dash_app.login_page import CSRF_FIELD, LOGOUT_PATH
from dash_app.permissions import DEFAULT_ROLE, may_use, page_role
from dash_app.sessions import csrf_token, current_user

NAV_ITEMS = (
    ("/", "nav.search", False),
    ("/client", "nav.client", True),
    ("/compare", "nav.compare", True),
    ("/what-if", "nav.whatif", True),
    ("/new-application", "nav.new_application", False),
    ("/model", "nav.model", False),
    ("/monitoring", "nav.monitoring", False),
    ("/reviews", "nav.reviews", False),  # the risk team's approvals (dash_app/pages/reviews.py)
    ("/admin", "nav.admin", False),
)
"""(path, text key, whether the link carries the selected client)."""


def nav_links(pathname: str | None, selected: int | None, lang: str, role: str = DEFAULT_ROLE) -> list:
    """Navigation links to the pages ``role`` opens; the current page has ``aria-current``; client pages keep
    the selected client."""
    links = []
    for path, key, per_client in NAV_ITEMS:
        if not may_use(role, page_role(path)):
            continue
        href = f"{path}?client={selected}" if per_client and selected else path
        current = (pathname or "/") == path
        links.append(dbc.NavItem(dbc.NavLink(t(key, lang), href=href, active=current)))
    return links


def language_switch() -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend(
                t("app.language", DEFAULT_LANGUAGE), id="language-legend", className="visually-hidden"
            ),
            dbc.RadioItems(
                id="language",
                options=[
                    {"label": html.Span("English", lang="en"), "value": "en"},
                    {"label": html.Span("Français", lang="fr"), "value": "fr"},
                ],
                value=DEFAULT_LANGUAGE,
                inline=True,
                persistence=True,
                persistence_type="local",
                className="language-switch",
            ),
        ],
        className="ms-lg-auto",
    )


def signed_in_text(lang: str) -> str:
    who = current_user()
    return t("app.signed_in_as", lang, name=who.name, role=t(f"role.{who.role}", lang)) if who else ""


def account_form(lang: str) -> html.Form:
    """Who is signed in, and the sign-out button (a form posting the session's CSRF token)."""
    return html.Form(
        [
            html.Span(signed_in_text(lang), id="signed-in-as", className="small me-2"),
            dcc.Input(type="hidden", name=CSRF_FIELD, value=csrf_token() if current_user() else ""),
            html.Button(
                t("app.sign_out", lang),
                id="sign-out",
                type="submit",
                className="btn btn-outline-secondary btn-sm",
            ),
        ],
        method="POST",
        action=LOGOUT_PATH,
        className="d-flex align-items-center ms-lg-3 my-2 my-lg-0",
    )


def shell_layout() -> html.Div:
    """The app layout; texts are filled in the current language by :mod:`dash_app.callbacks.shell`."""
    lang = DEFAULT_LANGUAGE
    return html.Div(
        [
            html.A(t("app.skip", lang), id="skip-link", href="#main-content", className="skip-link"),
            dcc.Store(id="selected-client", storage_type="session"),
            html.Header(
                dbc.Navbar(
                    dbc.Container(
                        [
                            html.Span(t("app.name", lang), id="app-name", className="navbar-brand"),
                            html.Button(
                                html.Span(className="navbar-toggler-icon"),
                                id="nav-toggler",
                                className="navbar-toggler",
                                type="button",
                                **{
                                    "aria-label": t("app.navigation", lang),
                                    "aria-controls": "nav-collapse",
                                    "aria-expanded": "false",
                                },
                            ),
                            dbc.Collapse(
                                [
                                    html.Nav(
                                        dbc.Nav(
                                            nav_links("/", None, lang, current_role()),
                                            id="main-nav",
                                            navbar=True,
                                        ),
                                        id="main-nav-region",
                                        **{"aria-label": t("app.navigation", lang)},
                                    ),
                                    language_switch(),
                                    account_form(lang),
                                ],
                                id="nav-collapse",
                                navbar=True,
                            ),
                        ],
                        fluid="lg",
                    ),
                    color="white",
                    dark=False,
                    className="border-bottom app-navbar",
                    expand="lg",
                ),
            ),
            html.Main(dash.page_container, id="main-content", tabIndex="-1", className="container-lg py-3"),
            html.Footer(id="app-footer", className="container-lg py-3 border-top small"),
            html.Div(id="document-sink", hidden=True),
        ]
    )


def current_role() -> str:
    """The signed-in person's role (the least, adviser, outside a signed-in request)."""
    who = current_user()
    return who.role if who else DEFAULT_ROLE
