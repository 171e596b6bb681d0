"""Administration (the admin role): the users and their roles, the scoped API keys of the services."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from credit_scoring.access.administration import USER_CHANGES
from credit_scoring.access.roles import ROLES, SCOPES
from dash_app.components import page_heading, translated_title
from dash_app.i18n import normalise_language, t

dash.register_page(
    __name__,
    path="/admin",
    title=translated_title("title.admin"),
    name="Administration",
    order=6,
    role="admin",
)


def _field(label: str, control: Any) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=control.id), control], xs=12, md=4, className="mb-2")


def _form(form_id: str, title: str, fields: list[dbc.Col], button: dbc.Button) -> dbc.Form:
    """One action: its title, its labelled fields and the button that submits it."""
    submit = dbc.Col(button, xs=12, md=4, className="d-flex align-items-end mb-2")
    return dbc.Form(
        [html.H3(title, className="h5"), dbc.Row([*fields, submit])],
        id=form_id,
        prevent_default_on_submit=True,
        className="mt-3",
    )


def _button(text: str, button_id: str, **style: Any) -> dbc.Button:
    return dbc.Button(text, id=button_id, type="submit", **({"color": "primary"} | style))


def _panel(title: str, prefix: str, forms: list[dbc.Form]) -> dbc.Card:
    """A card: the table of what exists (``<prefix>s``), the answer of the last action, then the forms."""
    feedback = html.Div(id=f"{prefix}-feedback", role="status", **{"aria-live": "polite"})
    return dbc.Card(
        dbc.CardBody([html.H2(title, className="h4"), feedback, html.Div(id=f"{prefix}s"), *forms]),
        className="mb-3",
    )


def change_options(lang: str) -> list[dict[str, str]]:
    """The changes an administrator can make to a user (a role change names the role)."""
    options = [{"label": t("admin.choose", lang), "value": ""}]
    for change in USER_CHANGES:
        if change == "role":
            options += [
                {"label": t("admin.change_role", lang, role=t(f"role.{role}", lang)), "value": f"role:{role}"}
                for role in ROLES
            ]
        else:
            options.append({"label": t(f"admin.change_{change}", lang), "value": change})
    return options


def users_panel(lang: str) -> dbc.Card:
    roles = [{"label": t(f"role.{role}", lang), "value": role} for role in ROLES]
    name = dbc.Input(id="admin-new-name", type="text", autoComplete="off", maxLength=64)
    add = _form(
        "admin-add-form",
        t("admin.add_user", lang),
        [
            _field(t("admin.name", lang), name),
            _field(t("admin.role", lang), dbc.Select(id="admin-new-role", options=roles, value="adviser")),
        ],
        _button(t("admin.add", lang), "admin-add-user"),
    )
    change = _form(
        "admin-change-form",
        t("admin.change_user", lang),
        [
            _field(t("admin.user", lang), dbc.Select(id="admin-user", options=[])),
            _field(
                t("admin.change", lang), dbc.Select(id="admin-change", options=change_options(lang), value="")
            ),
        ],
        _button(t("admin.apply", lang), "admin-apply"),
    )
    return _panel(t("admin.users", lang), "admin-user", [add, change])


def keys_panel(lang: str) -> dbc.Card:
    scopes = html.Fieldset(
        [
            html.Legend(t("admin.scopes", lang), className="form-label fs-6"),
            dbc.Checklist(
                id="admin-key-scopes",
                options=[{"label": scope, "value": scope} for scope in SCOPES],
                value=[],
                inline=True,
            ),
        ]
    )
    create = _form(
        "admin-key-form",
        t("admin.create_key", lang),
        [
            _field(t("admin.key_name", lang), dbc.Input(id="admin-key-name", type="text", maxLength=64)),
            dbc.Col(scopes, xs=12, md=4, className="mb-2"),
            _field(t("admin.expires", lang), dbc.Input(id="admin-key-expires", type="date")),
        ],
        _button(t("admin.create", lang), "admin-create-key"),
    )
    revoke = _form(
        "admin-revoke-form",
        t("admin.revoke_key", lang),
        [_field(t("admin.key", lang), dbc.Select(id="admin-key", options=[]))],
        _button(t("admin.revoke", lang), "admin-revoke-key", color="danger", outline=True),
    )
    return _panel(t("admin.keys", lang), "admin-key", [create, revoke])


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_language(lang)
    return html.Div(
        [
            page_heading(t("admin.heading", lang)),
            html.P(t("admin.intro", lang)),
            dcc.Store(id="admin-request", data={"lang": lang}),
            users_panel(lang),
            keys_panel(lang),
        ]
    )
