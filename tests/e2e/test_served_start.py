"""The first page loads after every start: `scripts/serve` (2 workers, 4 threads each, as `make serve`) is
started several times, and as soon as it accepts connections the first page and every script it names are
fetched in parallel, many at once, so that requests reach both workers and several threads of each before
anything else has warmed them. No answer may be a 5xx (Dash's lazy set-up used to answer 500 for scripts
requested while it ran, leaving the page on "Loading...").

The first page is the dashboard's ``/`` of a signed-in adviser (the sign-in page names no script): the
session cookie, made by signing in on the first start (which then gets its burst), opens it on every later
start (same secret key, same users), so that nothing but the burst itself reaches those. The scripts need no
session."""

from __future__ import annotations

import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.e2e.served import USERS, prepare_project, serving, sign_in

pytestmark = pytest.mark.slow
STARTS = 2
COPIES = 4


def wait_for_connections(base_url: str, process, timeout: float = 300) -> None:
    """Until the port accepts a TCP connection (no HTTP request: it would warm a worker up)."""
    address = urlparse(base_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped"
        with socket.socket() as probe:
            if probe.connect_ex((address.hostname, address.port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{base_url} did not accept connections")


def page_resources(html: str) -> list[str]:
    """The scripts and style sheets the first page asks the browser for (this server's own paths)."""
    return sorted(set(re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css)[^"]*)"', html)))


def fetch_all(base_url: str, paths: list[str], cookies: dict[str, str]) -> list[tuple[str, int]]:
    """(path, status) of each path, all requested at once by as many clients sending ``cookies``; a
    redirect is not followed (it is an answer: a page sent to /login would not load the dashboard)."""

    def status(path: str) -> tuple[str, int]:
        answer = requests.get(base_url + path, cookies=cookies, allow_redirects=False, timeout=120)
        return path, answer.status_code

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(status, paths))


def test_every_script_of_the_first_page_loads_right_after_each_start(tmp_path: Path) -> None:
    """As a browser after a deployment: the page on one worker, its scripts on the other, which has served
    nothing yet and gets them all at once (here each start gets the page and its scripts together, several
    times over). The first start has only served the sign-in before its burst; the later ones nothing."""
    project = prepare_project(tmp_path)
    failures, pages = [], []
    cookies: dict[str, str] = {}
    for start in range(STARTS):
        with serving(tmp_path, project) as (process, base_url):
            wait_for_connections(base_url, process)
            if not cookies:
                adviser = sign_in(base_url, USERS["adviser"])
                cookies = adviser.cookies.get_dict()
                first_page = adviser.get(base_url + "/", allow_redirects=False, timeout=120)
                assert first_page.status_code == 200, first_page.status_code
                resources = page_resources(first_page.text)
                assert any("react" in path for path in resources), "the first page names Dash's scripts"
            answers = fetch_all(base_url, ["/", *resources] * COPIES, cookies)
            failures += [(start, path, status) for path, status in answers if status >= 500]
            pages += [status for path, status in answers if path == "/"]
    assert not failures, f"5xx answers right after a start: {failures[:10]}"
    assert set(pages) == {200}, "the signed-in session opens the dashboard after every start"
