"""The pages the server writes itself, outside Dash: the sign-in form and the access-refused page.

Plain HTML on the dashboard's own stylesheets (no script, so the Content-Security-Policy holds without a
hash), in English or French, with the landmarks, labels and live message that WCAG 2.1 AA expects; the
browser tests run axe-core on both languages.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from dash_app.i18n import LANGUAGES, t

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
PROVIDER_PATH = "/login/provider"
PROVIDER_CALLBACK_PATH = "/login/provider/callback"
CSRF_FIELD = "csrf_token"
MESSAGE_ID = "sign-in-message"
STYLESHEETS = ("/assets/00-bootstrap.min.css", "/assets/10-app.css")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def _document(lang: str, title: str, body: str) -> str:
    links = "".join(f'<link rel="stylesheet" href="{href}">' for href in STYLESHEETS)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{links}</head><body>{body}</body></html>"
    )


def _header(lang: str, switch_query: dict[str, str] | None = None) -> str:
    """The app's name and, on the sign-in page (``switch_query``), the language switch (links to itself)."""
    if switch_query is None:
        return (
            '<header class="border-bottom app-navbar"><div class="container-lg py-2">'
            f'<span class="navbar-brand">{escape(t("app.name", lang))}</span></div></header>'
        )
    links = []
    for code in LANGUAGES:
        current = ' aria-current="true"' if code == lang else ""
        href = f"{LOGIN_PATH}?{urlencode({**switch_query, 'lang': code})}"
        links.append(
            f'<a class="nav-link d-inline px-2" href="{escape(href)}" lang="{code}" '
            f'hreflang="{code}"{current}>{LANGUAGE_NAMES[code]}</a>'
        )
    return (
        '<header class="border-bottom app-navbar"><div class="container-lg py-2 d-flex flex-wrap '
        f'align-items-center"><span class="navbar-brand">{escape(t("app.name", lang))}</span>'
        f'<nav class="ms-auto" aria-label="{escape(t("app.language", lang))}">{"".join(links)}</nav>'
        "</div></header>"
    )


def sign_in_page(
    lang: str,
    csrf_token: str,
    next_path: str,
    *,
    message: str | None = None,
    error: bool = True,
    username: str = "",
    provider: str | None = None,
) -> str:
    """The sign-in form; ``message`` above it: an error tied to the fields, or a notice (not ``error``)."""
    described = f' aria-describedby="{MESSAGE_ID}"' if message and error else ""
    invalid = ' aria-invalid="true"' if message and error else ""
    notice = ""
    if message:
        kind, role = ("alert-danger", "alert") if error else ("alert-info", "status")
        notice = f'<div id="{MESSAGE_ID}" class="alert {kind}" role="{role}">{escape(message)}</div>'
    query = {"next": next_path} if next_path != "/" else {}
    action = f"{LOGIN_PATH}?{urlencode(query)}" if query else LOGIN_PATH
    body = (
        _header(lang, query) + '<main id="main-content" class="container-lg py-4"><div class="sign-in">'
        f"<h1>{escape(t('signin.heading', lang))}</h1>"
        f"<p>{escape(t('signin.intro', lang))}</p>{notice}"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="lang" value="{lang}">'
        '<div class="mb-3">'
        f'<label class="form-label" for="username">{escape(t("signin.username", lang))}</label>'
        '<input class="form-control" id="username" name="username" type="text" autocomplete="username" '
        f'autocapitalize="none" spellcheck="false" required maxlength="64" value="{escape(username)}"'
        f"{described}{invalid}></div>"
        '<div class="mb-3">'
        f'<label class="form-label" for="password">{escape(t("signin.password", lang))}</label>'
        '<input class="form-control" id="password" name="password" type="password" '
        f'autocomplete="current-password" required{described}{invalid}></div>'
        f'<button type="submit" class="btn btn-primary">{escape(t("signin.submit", lang))}</button>'
        "</form>" + _provider_link(lang, provider, query) + "</div></main>"
    )
    return _document(lang, t("signin.title", lang), body)


def _provider_link(lang: str, provider: str | None, query: dict[str, str]) -> str:
    """The way to sign in through the identity provider, when there is one."""
    if not provider:
        return ""
    href = f"{PROVIDER_PATH}?{urlencode({**query, 'lang': lang})}"
    return (
        f'<p class="mt-4">{escape(t("signin.or", lang))}</p>'
        f'<p><a class="btn btn-outline-secondary" id="sign-in-provider" href="{escape(href)}">'
        f"{escape(t('signin.provider', lang, provider=provider))}</a></p>"
    )


def forbidden_page(lang: str, role: str, name: str, csrf_token: str) -> str:
    """The page of a path the signed-in person's role does not open: who they are, the way back, and a way
    to sign out (to sign in as someone else)."""
    role_text = t(f"role.{role}", lang)
    body = (
        _header(lang) + '<main id="main-content" class="container-lg py-4">'
        f"<h1>{escape(t('forbidden.heading', lang))}</h1>"
        f"<p>{escape(t('forbidden.text', lang, role=role_text))}</p>"
        f'<p><a href="/">{escape(t("notfound.back", lang))}</a></p>'
        f'<form method="post" action="{LOGOUT_PATH}" class="d-flex align-items-center gap-2">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token)}">'
        f'<span class="small">{escape(t("app.signed_in_as", lang, name=name, role=role_text))}</span>'
        '<button type="submit" class="btn btn-outline-secondary btn-sm">'
        f"{escape(t('app.sign_out', lang))}</button></form></main>"
    )
    return _document(lang, t("forbidden.title", lang), body)
