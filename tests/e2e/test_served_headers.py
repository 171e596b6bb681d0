"""The served app's security headers (dashboard and API): a Content-Security-Policy with no 'unsafe-eval' and
no inline script but Dash's own by hash, no framing, no cross-site referrer; the Evidently report sandboxed;
and, in a real browser, every page works under that policy (no violation reported on the console)."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.browser import wait_for, wait_until_idle
from tests.e2e.test_dashboard_accessibility import PAGES

SERVED_PATHS = ("/", "/model", "/api/v1/health", "/api/v1/docs", "/_dash-layout", "/no-such-page")


def test_every_answer_has_the_security_headers(served_server) -> None:
    for path in SERVED_PATHS:
        response = requests.get(served_server.base_url + path, timeout=30)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self' 'sha256-" in policy and "unsafe-eval" not in policy, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "same-origin", path
        assert "Strict-Transport-Security" not in response.headers, path  # plain HTTP here
    report = requests.get(served_server.base_url + "/reports/drift", timeout=30)
    assert report.headers["Content-Security-Policy"].startswith("sandbox allow-scripts;")


def test_the_api_documentation_page_has_no_inline_script(served_server) -> None:
    page = requests.get(served_server.base_url + "/api/v1/docs", timeout=30).text
    assert "<script>" not in page and "/api/v1/docs/start.js" in page
    start = requests.get(served_server.base_url + "/api/v1/docs/start.js", timeout=30)
    assert start.status_code == 200 and "SwaggerUIBundle" in start.text


def policy_violations(driver) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


@pytest.mark.browser
def test_every_page_runs_under_the_policy(page, served) -> None:
    client = served.api("clients", page_size=1)["items"][0]["client_id"]
    page.get_log("browser")  # forget what came before
    for path in PAGES:
        page.get(served.base_url + path.format(client=client))
        wait_until_idle(page)
        assert not policy_violations(page), path
    page.get(served.base_url + f"/client?client={client}")
    wait_until_idle(page)
    assert page.find_elements("css selector", ".js-plotly-plot"), "Plotly drew no figure under the policy"
    page.get(served.base_url + "/api/v1/docs")
    wait_for(lambda: page.find_elements("css selector", ".swagger-ui .info"))  # its script ran
    assert not policy_violations(page), "/api/v1/docs"
