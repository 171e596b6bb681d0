"""Shell callbacks: translated header and footer, document language and title, the collapsible menu."""

from __future__ import annotations

from dash import Dash, Input, Output, State

from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.i18n import normalise_language, t
from dash_app.shell import current_role, nav_links, signed_in_text


def footer_text(client: ApiClient, lang: str) -> str:
    try:
        version = client.model_info().get("version", "?")
    except ApiError:
        return ""
    return t("app.footer", lang, version=version)


def register(app: Dash) -> None:
    @app.callback(
        Output("main-nav", "children"),
        Output("app-name", "children"),
        Output("skip-link", "children"),
        Output("language-legend", "children"),
        Output("main-nav-region", "aria-label"),
        Output("nav-toggler", "aria-label"),
        Output("signed-in-as", "children"),
        Output("sign-out", "children"),
        Input("language", "value"),
        Input("selected-client", "data"),
        Input("_pages_location", "pathname"),
    )
    def update_shell(lang, selected, pathname):
        lang = normalise_language(lang)
        navigation = t("app.navigation", lang)
        return (
            nav_links(pathname, selected, lang, current_role()),
            t("app.name", lang),
            t("app.skip", lang),
            t("app.language", lang),
            navigation,
            navigation,
            signed_in_text(lang),
            t("app.sign_out", lang),
        )

    @app.callback(Output("app-footer", "children"), Input("language", "value"))
    def update_footer(lang):
        return footer_text(get_client(), normalise_language(lang))

    @app.callback(
        Output("nav-collapse", "is_open"),
        Output("nav-toggler", "aria-expanded"),
        Input("nav-toggler", "n_clicks"),
        State("nav-collapse", "is_open"),
        prevent_initial_call=True,
    )
    def toggle_menu(_clicks, is_open):
        return not is_open, "false" if is_open else "true"

    app.clientside_callback(
        "function(lang) { document.documentElement.lang = lang || 'en';"
        " return window.dash_clientside.no_update; }",
        Output("document-sink", "children"),
        Input("language", "value"),
    )
