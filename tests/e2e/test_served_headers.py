"""The served app's security headers (dashboard and API): a Content-Security-Policy with no 'unsafe-eval' and
no inline script but Dash's own by hash, no framing, no cross-site referrer, on every answer (signed in or
not); the Evidently report sandboxed (for the risk role); and, in a real browser, every page works under that
policy (no violation reported on the console), the sign-in page included."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.browser import wait_for, wait_until_idle
from tests.e2e.test_dashboard_accessibility import PAGES

SERVED_PATHS = ("/", "/model", "/api/v1/health", "/api/v1/docs", "/_dash-layout", "/no-such-page")
SIGNED_OUT_PATHS = ("/login", "/", "/_dash-layout")
"""Without a session: the sign-in page, the redirect to it, the 401 of a Dash request."""


def assert_security_headers(response: requests.Response, path: str) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "unsafe-eval" not in policy, path
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, path
    assert response.headers["X-Frame-Options"] == "DENY", path
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert response.headers["Referrer-Policy"] == "same-origin", path
    assert "Strict-Transport-Security" not in response.headers, path  # plain HTTP here


def test_every_answer_has_the_security_headers(served_server) -> None:
    adviser = served_server.signed_in("adviser")
    for path in SERVED_PATHS:
        response = adviser.get(served_server.base_url + path, allow_redirects=False, timeout=30)
        assert response.status_code in {200, 404}, path  # answered, not sent to /login
        assert_security_headers(response, path)
    for path in SIGNED_OUT_PATHS:
        response = requests.get(served_server.base_url + path, allow_redirects=False, timeout=30)
        assert response.status_code in {200, 302, 401}, path
        assert_security_headers(response, f"{path} (signed out)")


def test_the_drift_report_is_sandboxed_and_for_the_risk_role(served_server) -> None:
    url = served_server.base_url + "/reports/drift"
    report = served_server.signed_in("risk").get(url, allow_redirects=False, timeout=30)
    assert report.status_code == 200 and "Data drift report" in report.text
    assert report.headers["Content-Security-Policy"].startswith("sandbox allow-scripts;")
    refused = served_server.signed_in("adviser").get(url, allow_redirects=False, timeout=30)
    assert refused.status_code == 403 and "Access refused" in refused.text


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
def test_every_page_runs_under_the_policy(admin_page, browser, served) -> None:
    """Every page, as the administrator (who opens them all), then the sign-in page signed out."""
    page = admin_page
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
    signed_out = browser.signed_in_as(None)
    signed_out.get(served.base_url + "/login")
    assert signed_out.find_element("id", "username").is_displayed()
    assert not policy_violations(signed_out), "/login"
