"""The dashboard's HTTP client answered by a WSGI app in the calling thread: no socket, no second request
waiting for a free server thread.

When the API is mounted on the dashboard's own server (``make serve``), a callback that called the API over
the loopback interface held one of the server's threads while its API request waited for another: sixteen
advisers at once took every thread and the server stalled (callbacks timed out, a service calling
``/api/v1/predict`` waited seconds). Through this adapter the same `ApiClient` requests, with the same URLs,
headers, key check, JSON errors, request log and decision log, run through the API's WSGI app directly.
`tests/dash_app/test_dashboard_in_process.py` proves both transports give the same answers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client

IN_PROCESS_ORIGIN = "http://in-process"
"""The origin of API URLs answered in process (never resolved: the adapter answers before any socket)."""


class WsgiAdapter(BaseAdapter):
    """A `requests` transport that answers every request with ``app`` (any WSGI application)."""

    def __init__(self, app: Any) -> None:
        super().__init__()
        self.client = Client(app, use_cookies=False)  # no shared cookie jar: callbacks run in many threads

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        parts = urlsplit(request.url)
        answer = self.client.open(
            parts.path,
            method=request.method,
            query_string=parts.query,
            headers=[item for item in request.headers.items() if item[0].lower() != "content-length"],
            data=request.body or b"",
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers.items())
        response._content = answer.get_data()
        response.encoding = answer.mimetype_params.get("charset", "utf-8")
        response.url = request.url
        response.request = request
        response.reason = answer.status.partition(" ")[2]
        return response

    def close(self) -> None:
        pass


def in_process_session(app: Any) -> requests.Session:
    """A session whose requests to `IN_PROCESS_ORIGIN` are answered by ``app``."""
    session = requests.Session()
    session.mount(IN_PROCESS_ORIGIN + "/", WsgiAdapter(app))
    return session
