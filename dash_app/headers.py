"""Security headers on every answer of the served app (dashboard and API): a Content-Security-Policy that
lets the browser run only the app's own scripts, no framing, no referrer across sites, no type sniffing, and
HSTS when the request came over HTTPS (behind a proxy: gunicorn's ``--forwarded-allow-ips`` makes the
proxy's ``X-Forwarded-Proto`` count).

Scripts: the app's own files ('self'; Dash serves its scripts locally) and Dash's inline start-up scripts,
allowed by their hashes (`Dash.csp_hashes`), never 'unsafe-inline' or 'unsafe-eval'. Styles keep
'unsafe-inline': React and Plotly set style attributes, which CSP cannot allow by hash. The drift report is
Evidently's self-contained page (inline scripts): it is served sandboxed, as an opaque origin that can run its
own scripts but reads no cookie and calls nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import flask

SANDBOXED_PATHS = ("/reports/drift", "/api/v1/drift/report")
HSTS = "max-age=31536000; includeSubDomains"


@functools.lru_cache(maxsize=8)
def content_security_policy(script_hashes: tuple[str, ...]) -> str:
    """The app's policy, with the inline scripts of ``script_hashes`` (``'sha256-...'``) allowed."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


SANDBOXED_POLICY = (
    "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; frame-ancestors 'none'"
)


def install(server: flask.Flask, script_hashes: Callable[[], Iterable[str]]) -> None:
    """Add the headers to every answer of ``server``; ``script_hashes`` gives the inline scripts' hashes at
    the time of the answer (Dash adds one while it sets itself up)."""

    @server.after_request
    def _security_headers(response: flask.Response) -> flask.Response:
        sandboxed = flask.request.path in SANDBOXED_PATHS
        policy = SANDBOXED_POLICY if sandboxed else content_security_policy(tuple(script_hashes()))
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if flask.request.is_secure:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
