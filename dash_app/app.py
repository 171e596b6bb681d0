"""The Dash app factory: pages, the shell (header, language switch, navigation) and the callbacks.

``create_app(access=...)`` builds a dashboard that reads the API named by the environment
(:mod:`dash_app.config`) and lets in the people who sign in (:mod:`dash_app.sign_in`); gunicorn
``dash_app.wsgi:combined()`` or ``dash_app.wsgi:dashboard()`` serves it. Everything is served locally: the
Bootstrap CSS from ``assets/``, Dash's and Plotly's scripts from the installed packages (``serve_locally``).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import flask
from dash import Dash, Input, State

from dash_app import api_client, callbacks, guards, headers, sign_in
from dash_app.api_client import ApiClient, ApiError
from dash_app.permissions import REPORT_PATH, callback_roles
from dash_app.shell import shell_layout
from dash_app.sign_in import SignIn

HERE = Path(__file__).parent

INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""


def create_app(client: ApiClient | None = None, server: flask.Flask | bool = True, *, access: SignIn) -> Dash:
    """A dashboard served by ``server`` (a new Flask app by default) that reads data through ``client`` and
    lets in the people ``access`` knows (`dash_app.sign_in`)."""
    if client is not None:
        api_client.set_client(client)
    app = Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title="Credit scoring",
        update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        routing_callback_inputs={
            "lang": Input("language", "value"),
            "selected": State("selected-client", "data"),
        },
        on_error=guards.refuse_bad_input,
    )
    # No call to Plotly's version server from the browser: the dashboard works offline.
    app.enable_dev_tools(debug=False, dev_tools_disable_version_check=True)
    app.index_string = INDEX_STRING
    app.layout = shell_layout
    registered = callbacks.register_all(app)
    sign_in.install(app, access, callback_roles(app.callback_map, registered), api_client.get_client())
    settings = api_client.get_client().settings
    guards.install(app, settings.max_callbacks, settings.callback_wait_seconds)
    _add_report_route(app.server)
    headers.install(app.server, app.csp_hashes)
    _set_up_now(app)
    return app


def _set_up_now(app: Dash) -> None:
    """Run Dash's lazy set-up (pages, callbacks, the table of servable script paths) now, in the factory that
    each gunicorn worker calls before it accepts a request.

    Left to the first request, it races: Dash marks the set-up done before filling the table, so a script
    request served meanwhile by another thread of the worker answers 500 ("dash" is registered but the path
    requested is not valid) and the adviser's page stays on "Loading...". `tests/e2e/test_served_start.py`
    fetches every script of the first page in parallel right after real starts.
    """
    with app.server.test_client() as client:
        response = client.get(app.config.requests_pathname_prefix, environ_overrides={sign_in.WARM_UP: True})
    if response.status_code != 200:
        raise RuntimeError(f"the dashboard's index answered {response.status_code} while starting")


def _add_report_route(server: flask.Flask) -> None:
    """The full Evidently report, fetched through the API client (the browser never holds the API key)."""

    @server.get(REPORT_PATH)
    def drift_report() -> flask.Response:
        try:
            html = api_client.get_client().drift_report_html()
        except ApiError as error:
            return flask.Response(
                f"<!DOCTYPE html><html lang='en'><head><title>Drift report</title></head><body><main>"
                f"<h1>Drift report</h1><p>{escape(error.message)}</p></main></body></html>",
                status=error.status if error.status and error.status < 600 else 502,
                mimetype="text/html",
            )
        return flask.Response(html, mimetype="text/html")
