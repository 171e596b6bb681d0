"""Benchmark of the dashboard in headless Chromium against the served app; prints JSON.

The app is served like ``make serve`` (API blueprint and dashboard on one gunicorn server, 1 worker, 8
threads) over a tiny project (tiny LightGBM in a throw-away MLflow registry), or, with ``--url``, an app
already running (e.g. ``make serve`` on the demo data: ``--url http://127.0.0.1:8050``).

Measurements (medians over ``--repeats``, wall clock in the test driver):

- ``page_load_ms``: from ``driver.get("/")`` to the client list rendered (first page of results).
- ``select_to_score_ms``: from clicking a client in the list to the score sentence rendered (the target is
  under 1 s).
- references measured in the same process: ``api_score_ms`` (the API's ``/clients/{id}/score`` over HTTP,
  what the dashboard itself waits for) and ``blank_page_ms`` (the browser loading an empty page), with ratios.

The browser signs in once through ``/login`` (the tiny project's adviser, or ``--user NAME:PASSWORD``).

Usage (from the project root):
``python benchmarks/bench_dashboard.py [--repeats 7] [--url URL --key KEY --user NAME:PASSWORD]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
JSON_OUT = sys.stdout
sys.stdout = sys.stderr  # stdout carries the JSON result alone
PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

import requests  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

from tests.e2e.browser import browser_missing, chromium, sign_in_with_form, wait_for  # noqa: E402

TARGET_MS = 1000.0


def median_ms(samples: list[float]) -> dict[str, float | list[float]]:
    return {"median": round(statistics.median(samples), 1), "runs": [round(value, 1) for value in samples]}


def measure(base_url: str, api_key: str, repeats: int, user: tuple[str, str]) -> dict:
    headers = {"X-API-Key": api_key}
    clients = requests.get(
        f"{base_url}/api/v1/clients", params={"page_size": 20}, headers=headers, timeout=30
    )
    clients.raise_for_status()
    ids = [item["client_id"] for item in clients.json()["items"]]
    page_load, select_to_score, api_score, blank = [], [], [], []
    with chromium() as driver:
        sign_in_with_form(driver, base_url, *user)  # through the form, once: the session cookie stays
        driver.get(base_url + "/")  # warm-up: browser cache, server first-request setup
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#search-results table"), 60)
        for run in range(repeats):
            client_id = ids[run % len(ids)]
            started = time.perf_counter()
            driver.get("about:blank")
            blank.append(1000 * (time.perf_counter() - started))

            started = time.perf_counter()
            driver.get(base_url + "/")
            wait_for(
                lambda: driver.find_elements(By.CSS_SELECTOR, "#search-results table"), 60, interval=0.005
            )
            page_load.append(1000 * (time.perf_counter() - started))

            link = driver.find_element(By.LINK_TEXT, f"Open client {client_id}")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
            started = time.perf_counter()
            driver.execute_script("arguments[0].click();", link)
            wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".score-sentence"), 60, interval=0.005)
            select_to_score.append(1000 * (time.perf_counter() - started))

            started = time.perf_counter()
            requests.get(
                f"{base_url}/api/v1/clients/{client_id}/score", headers=headers, timeout=30
            ).raise_for_status()
            api_score.append(1000 * (time.perf_counter() - started))
    result = {
        "page_load_ms": median_ms(page_load),
        "select_to_score_ms": median_ms(select_to_score),
        "api_score_ms": median_ms(api_score),
        "blank_page_ms": median_ms(blank),
    }
    result["ratio_select_to_score_vs_api"] = round(
        result["select_to_score_ms"]["median"] / max(result["api_score_ms"]["median"], 1e-3), 1
    )
    result["select_to_score_target_ms"] = TARGET_MS
    result["select_to_score_meets_target"] = result["select_to_score_ms"]["median"] < TARGET_MS
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--url", help="an app already served (default: serve a tiny project here)")
    parser.add_argument("--key", default=os.environ.get("DASHBOARD_API_KEY", ""), help="API key for --url")
    parser.add_argument(
        "--user",
        default=os.environ.get("DASHBOARD_USER", ""),
        help="NAME:PASSWORD of an adviser of the app at --url ($DASHBOARD_USER)",
    )
    args = parser.parse_args()
    missing = browser_missing()
    if missing:
        raise SystemExit(missing)
    with ExitStack() as stack:
        if args.url:
            if ":" not in args.user:
                raise SystemExit(
                    "--url needs --user NAME:PASSWORD (or $DASHBOARD_USER): the dashboard signs in"
                )
            base_url, key, source = args.url.rstrip("/"), args.key, "running app"
            user = tuple(args.user.split(":", 1))
        else:
            from tests.e2e.served import PASSWORD, USERS, served_app  # noqa: PLC0415 - builds a tiny model

            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-dashboard-")))
            served = stack.enter_context(served_app(root))
            base_url, key, source = served.base_url, served.api_key, "tiny project"
            user = (USERS["adviser"], PASSWORD)
        result = measure(base_url, key, args.repeats, user)
    result.update(
        {"source": source, "repeats": args.repeats, "load_average": [round(v, 2) for v in os.getloadavg()]}
    )
    JSON_OUT.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
