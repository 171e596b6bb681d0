"""Administration callbacks (the admin role only): list the users and keys, add and change users, create and
revoke keys. Every change goes through `credit_scoring.access.administration`, which checks it, makes it and
records it in the audit trail in the signed-in administrator's name. A new password or key is shown once, in
the answer of the form that made it, and kept nowhere in the page's state."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
import flask
from dash import Dash, Input, Output, State, ctx, html

from credit_scoring.access.administration import Administration, Administrator
from credit_scoring.access.audit import AuditUnavailable
from credit_scoring.access.keys import through_day
from credit_scoring.access.roles import SCOPES, Role, check_role
from dash_app.components import data_table
from dash_app.i18n import normalise_language, t
from dash_app.sessions import current_user
from dash_app.sign_in import current_access

ROLE: Role = "admin"
"""Users and keys are the administrators' (`dash_app.permissions`)."""


def acting_administrator() -> Administrator:
    who = current_user()
    if who is None:  # the gate lets no callback of this module run without an administrator
        raise PermissionError("no signed-in administrator")
    return Administrator(who.name, flask.request.remote_addr if flask.has_request_context() else None)


def users_table(admin: Administration, lang: str) -> dbc.Table:
    rows = [
        [
            user.name,
            t(f"role.{user.role}", lang),
            t("admin.disabled" if user.disabled else "admin.enabled", lang),
            user.last_sign_in_at or t("admin.never", lang),
        ]
        for user in admin.users.list()
    ]
    columns = [t(f"admin.col_{name}", lang) for name in ("name", "role", "state", "last")]
    return data_table(columns, rows, caption=t("admin.users", lang))


def keys_table(admin: Administration, lang: str) -> dbc.Table:
    rows = [
        [
            info.name,
            ", ".join(scope for scope in SCOPES if scope in info.scopes),
            t(f"admin.status_{info.status()}", lang),
            info.expires_at or "-",
        ]
        for info in admin.keys.list()
    ]
    columns = [t(f"admin.col_{name}", lang) for name in ("name", "scopes", "status", "expires")]
    return data_table(columns, rows, caption=t("admin.keys", lang))


def _options(names: list[str], lang: str) -> list[dict[str, str]]:
    return [{"label": t("admin.choose", lang), "value": ""}] + [
        {"label": name, "value": name} for name in names
    ]


def _done(text: str, secret: str | None = None) -> dbc.Alert:
    parts: list[Any] = [text]
    if secret:
        parts += [" ", html.Code(secret, className="user-select-all")]
    return dbc.Alert(parts, color="success")


def _refused(message: str, lang: str) -> dbc.Alert:
    return dbc.Alert(t("admin.refused", lang, message=message), color="danger")


def user_form(
    admin: Administration, who: Administrator, trigger: str | None, values: dict[str, Any], lang: str
) -> dbc.Alert | None:
    """Carry out the user form that was submitted (``trigger``); the answer to show, or None."""
    try:
        if trigger == "admin-add-form":
            user, password = admin.add_user(
                who, str(values.get("new_name") or ""), str(values.get("new_role"))
            )
            role = t(f"role.{user.role}", lang)
            return _done(t("admin.added", lang, name=user.name, role=role), password)
        if trigger == "admin-change-form":
            change = str(values.get("change") or "")
            if not values.get("user") or not change:
                raise ValueError(t("admin.choose_both", lang))
            kind, _, role = change.partition(":")
            user, password = admin.change_user(
                who, str(values["user"]), kind, check_role(role) if role else None
            )
            if password:
                return _done(t("admin.password_reset", lang, name=user.name), password)
            state = t("admin.disabled" if user.disabled else "admin.enabled", lang)
            return _done(
                t("admin.changed", lang, name=user.name, state=state, role=t(f"role.{user.role}", lang))
            )
    except (ValueError, AuditUnavailable) as error:
        return _refused(str(error), lang)
    return None


def key_form(
    admin: Administration, who: Administrator, trigger: str | None, values: dict[str, Any], lang: str
) -> dbc.Alert | None:
    """Carry out the key form that was submitted (``trigger``); the answer to show, or None."""
    try:
        if trigger == "admin-key-form":
            expires = values.get("expires")
            expiry = through_day(date.fromisoformat(str(expires))) if expires else None
            name = str(values.get("name") or "")
            key = admin.create_key(who, name, list(values.get("scopes") or []), expiry)
            return _done(t("admin.key_created", lang, name=name.strip()), key)
        if trigger == "admin-revoke-form":
            if not values.get("key"):
                raise ValueError(t("admin.choose_key", lang))
            admin.revoke_key(who, str(values["key"]))
            return _done(t("admin.key_revoked", lang, name=values["key"]))
    except (ValueError, AuditUnavailable) as error:
        return _refused(str(error), lang)
    return None


def register(app: Dash) -> None:
    @app.callback(
        Output("admin-users", "children"),
        Output("admin-user", "options"),
        Output("admin-user-feedback", "children"),
        Input("admin-request", "data"),
        Input("admin-add-form", "n_submit"),
        Input("admin-change-form", "n_submit"),
        State("admin-new-name", "value"),
        State("admin-new-role", "value"),
        State("admin-user", "value"),
        State("admin-change", "value"),
    )
    def users_panel(request, _added, _changed, new_name, new_role, user, change):
        lang = normalise_language((request or {}).get("lang"))
        admin = current_access().administration
        values = {"new_name": new_name, "new_role": new_role, "user": user, "change": change}
        feedback = user_form(admin, acting_administrator(), ctx.triggered_id, values, lang)
        names = [item.name for item in admin.users.list()]
        return users_table(admin, lang), _options(names, lang), feedback

    @app.callback(
        Output("admin-keys", "children"),
        Output("admin-key", "options"),
        Output("admin-key-feedback", "children"),
        Input("admin-request", "data"),
        Input("admin-key-form", "n_submit"),
        Input("admin-revoke-form", "n_submit"),
        State("admin-key-name", "value"),
        State("admin-key-scopes", "value"),
        State("admin-key-expires", "value"),
        State("admin-key", "value"),
    )
    def keys_panel(request, _created, _revoked, name, scopes, expires, key):
        lang = normalise_language((request or {}).get("lang"))
        admin = current_access().administration
        values = {"name": name, "scopes": scopes, "expires": expires, "key": key}
        feedback = key_form(admin, acting_administrator(), ctx.triggered_id, values, lang)
        names = [info.name for info in admin.keys.list() if info.status() == "active"]
        return keys_table(admin, lang), _options(names, lang), feedback
