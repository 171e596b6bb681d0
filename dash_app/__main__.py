"""``python -m dash_app``: the dashboard alone (development server), reading the API at DASHBOARD_API_URL."""

from __future__ import annotations

import os

from dash_app.wsgi import dashboard

if __name__ == "__main__":
    host = os.environ.get("DASHBOARD_HOST", "127.0.0.1")
    port = int(os.environ.get("DASHBOARD_PORT", "8050"))
    dashboard().run(host=host, port=port, debug=False)
