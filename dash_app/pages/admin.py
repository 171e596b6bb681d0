"""Administration (the admin role): the users and their roles, the scoped API keys of the services."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

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


def _field(label: str, control) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=control.id), control], xs=12, md=4, className="mb-2")


def _role_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"role.{role}", lang), "value": role} for role in ROLES]


def users_card(lang: str) -> dbc.Card:
    changes = [{"label": t("admin.choose", lang), "value": ""}]
    changes += [
        {"label": t("admin.change_role", lang, role=t(f"role.{role}", lang)), "value": f"role:{role}"}
        for role in ROLES
    ]
    changes += [
        {"label": t(f"admin.change_{change}", lang), "value": change}
        for change in ("disable", "enable", "reset_password")
    ]
    add = dbc.Form(
        [
            html.H3(t("admin.add_user", lang), className="h5"),
            dbc.Row(
                [
                    _field(
                        t("admin.name", lang),
                        dbc.Input(id="admin-new-name", type="text", autoComplete="off", maxLength=64),
                    ),
                    _field(
                        t("admin.role", lang),
                        dbc.Select(id="admin-new-role", options=_role_options(lang), value="adviser"),
                    ),
                    dbc.Col(
                        dbc.Button(t("admin.add", lang), id="admin-add-user", type="submit", color="primary"),
                        xs=12,
                        md=4,
                        className="d-flex align-items-end mb-2",
                    ),
                ]
            ),
        ],
        id="admin-add-form",
        prevent_default_on_submit=True,
    )
    change = dbc.Form(
        [
            html.H3(t("admin.change_user", lang), className="h5"),
            dbc.Row(
                [
                    _field(t("admin.user", lang), dbc.Select(id="admin-user", options=[])),
                    _field(t("admin.change", lang), dbc.Select(id="admin-change", options=changes, value="")),
                    dbc.Col(
                        dbc.Button(t("admin.apply", lang), id="admin-apply", type="submit", color="primary"),
                        xs=12,
                        md=4,
                        className="d-flex align-items-end mb-2",
                    ),
                ]
            ),
        ],
        id="admin-change-form",
        prevent_default_on_submit=True,
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(t("admin.users", lang), className="h4"),
                html.Div(id="admin-user-feedback", role="status", **{"aria-live": "polite"}),
                html.Div(id="admin-users"),
                add,
                change,
            ]
        ),
        className="mb-3",
    )


def keys_card(lang: str) -> dbc.Card:
    create = dbc.Form(
        [
            html.H3(t("admin.create_key", lang), className="h5"),
            dbc.Row(
                [
                    _field(
                        t("admin.key_name", lang),
                        dbc.Input(id="admin-key-name", type="text", autoComplete="off", maxLength=64),
                    ),
                    dbc.Col(
                        html.Fieldset(
                            [
                                html.Legend(t("admin.scopes", lang), className="form-label fs-6"),
                                dbc.Checklist(
                                    id="admin-key-scopes",
                                    options=[{"label": scope, "value": scope} for scope in SCOPES],
                                    value=[],
                                    inline=True,
                                ),
                            ]
                        ),
                        xs=12,
                        md=4,
                        className="mb-2",
                    ),
                    _field(t("admin.expires", lang), dbc.Input(id="admin-key-expires", type="date")),
                ]
            ),
            dbc.Button(
                t("admin.create", lang),
                id="admin-create-key",
                type="submit",
                color="primary",
                className="mb-3",
            ),
        ],
        id="admin-key-form",
        prevent_default_on_submit=True,
    )
    revoke = dbc.Form(
        [
            html.H3(t("admin.revoke_key", lang), className="h5"),
            dbc.Row(
                [
                    _field(t("admin.key", lang), dbc.Select(id="admin-key", options=[])),
                    dbc.Col(
                        dbc.Button(
                            t("admin.revoke", lang),
                            id="admin-revoke-key",
                            type="submit",
                            color="danger",
                            outline=True,
                        ),
                        xs=12,
                        md=4,
                        className="d-flex align-items-end mb-2",
                    ),
                ]
            ),
        ],
        id="admin-revoke-form",
        prevent_default_on_submit=True,
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(t("admin.keys", lang), className="h4"),
                html.Div(id="admin-key-feedback", role="status", **{"aria-live": "polite"}),
                html.Div(id="admin-keys"),
                create,
                revoke,
            ]
        ),
        className="mb-3",
    )


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_language(lang)
    return html.Div(
        [
            page_heading(t("admin.heading", lang)),
            html.P(t("admin.intro", lang)),
            dcc.Store(id="admin-request", data={"lang": lang}),
            users_card(lang),
            keys_card(lang),
        ]
    )
