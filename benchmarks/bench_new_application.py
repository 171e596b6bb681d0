"""Benchmark of the new-application page in headless Chromium against the served app; prints JSON.

What is served (``scripts/serve``, as ``make serve``: API blueprint and dashboard on one gunicorn server):

- the demo project when ``data/`` holds a trained one (``credit-scoring@champion`` in ``sqlite:///mlflow.db``
  and the batch outputs), with a throw-away application database, host cache and spool (a temporary
  adviser signs in: `tests.e2e.served.served_demo`);
- otherwise (or with ``--tiny``) the browser tests' tiny project;
- or, with ``--url``, an app already running (``--user NAME:PASSWORD``, ``--key KEY``).

The applications are production clients' as a new applicant's (the form's fields only, no SK_ID_CURR, so no
history), typed into the form in readable units. Measurements (medians over ``--repeats``, wall clock in the
test driver, the form filled beforehand):

- ``submit_to_score_ms``: from clicking "Score this application" to the score sentence rendered (the target
  is under 1 s);
- ``submit_to_alternatives_ms``: for the refused ones, from the click to the alternatives (or the reason
  there are none) rendered;
- references measured in the same run: ``api_predict_ms`` (``POST /predict`` of the same application over
  HTTP: what the page itself waits for) and ``api_counterfactual_ms``, with the ratio.

Usage (from the project root): ``python benchmarks/bench_new_application.py [--repeats 7] [--tiny]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
JSON_OUT = sys.stdout
sys.stdout = sys.stderr  # stdout carries the JSON result alone
PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

import requests  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402

from dash_app.new_application_fields import (  # noqa: E402
    CATEGORY,
    FORM_FIELDS,
    NOT_GIVEN,
    REQUIRED,
    application_from_form,
    form_values,
)
from tests.e2e.browser import browser_missing, chromium, sign_in_with_form, wait_for  # noqa: E402
from tests.e2e.served import (  # noqa: E402
    PASSWORD,
    USERS,
    demo_project_missing,
    served_app,
    served_demo,
)

TARGET_MS = 1000.0


def median_ms(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"median": None, "runs": []}
    return {"median": round(statistics.median(samples), 1), "runs": [round(value, 1) for value in samples]}


def applicants(base_url: str, headers: dict[str, str], n: int) -> list[tuple[dict, dict]]:
    """(form values, sent application) of the first production clients, refused and granted in turn (as
    the batch scored them with their history: as new applicants, the model may decide otherwise)."""
    by_decision: list[list[tuple[dict, dict]]] = []
    for decision in ("refused", "granted"):
        chosen: list[tuple[dict, dict]] = []
        by_decision.append(chosen)
        answer = requests.get(
            f"{base_url}/api/v1/clients",
            params={"page_size": n, "decision": decision},
            headers=headers,
            timeout=60,
        )
        answer.raise_for_status()
        for item in answer.json()["items"]:
            info = requests.get(f"{base_url}/api/v1/clients/{item['client_id']}", headers=headers, timeout=60)
            values = form_values(info.json()["application"])
            sent, errors, _ = application_from_form(values, "en")
            if not errors and all(sent.get(column) is not None for column in REQUIRED):
                chosen.append((values, sent))
    turns = itertools.zip_longest(*by_decision)
    return [person for pair in turns for person in pair if person is not None]


def fill(driver, values: dict[str, Any]) -> None:
    for field in FORM_FIELDS:
        element = driver.find_element(By.ID, field.id)
        value = values.get(field.column)
        if field.kind == CATEGORY:
            Select(element).select_by_value(value or NOT_GIVEN)
        else:
            element.clear()
            if value is not None:
                element.send_keys(str(value))


def measure(base_url: str, api_key: str, repeats: int, user: tuple[str, str]) -> dict[str, Any]:
    headers = {"X-API-Key": api_key}
    people = applicants(base_url, headers, max(repeats, 4))
    if not people:
        raise SystemExit("no production client gives a complete form application")
    to_score, to_alternatives, api_predict, api_counterfactual = [], [], [], []
    decisions = []
    with chromium() as driver:
        sign_in_with_form(driver, base_url, *user)
        driver.get(base_url + "/new-application")  # warm-up: browser cache, server first-request setup
        wait_for(lambda: driver.find_element(By.ID, "newapp-submit"), 60)
        for run in range(repeats):
            values, sent = people[run % len(people)]
            driver.get(base_url + "/new-application")
            wait_for(lambda: driver.find_element(By.ID, "newapp-submit"), 60)
            fill(driver, values)
            button = driver.find_element(By.ID, "newapp-submit")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
            started = time.perf_counter()
            driver.execute_script("arguments[0].click();", button)
            wait_for(
                lambda: driver.find_elements(By.CSS_SELECTOR, "#newapp-result .score-sentence"),
                60,
                interval=0.005,
            )
            to_score.append(1000 * (time.perf_counter() - started))
            decision = driver.find_element(By.ID, "newapp-gauge-decision").text
            decisions.append(decision)
            if "✖" in decision:
                wait_for(
                    lambda: driver.find_elements(
                        By.CSS_SELECTOR, "#newapp-alternatives-list, #newapp-alternatives .alert"
                    ),
                    60,
                    interval=0.005,
                )
                to_alternatives.append(1000 * (time.perf_counter() - started))
                started = time.perf_counter()
                requests.post(
                    f"{base_url}/api/v1/counterfactual", json=sent, headers=headers, timeout=60
                ).raise_for_status()
                api_counterfactual.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            requests.post(
                f"{base_url}/api/v1/predict",
                json=sent,
                params={"simulation": "true"},
                headers=headers,
                timeout=60,
            ).raise_for_status()
            api_predict.append(1000 * (time.perf_counter() - started))
    result: dict[str, Any] = {
        "submit_to_score_ms": median_ms(to_score),
        "submit_to_alternatives_ms": median_ms(to_alternatives),
        "api_predict_ms": median_ms(api_predict),
        "api_counterfactual_ms": median_ms(api_counterfactual),
        "decisions": decisions,
    }
    result["ratio_submit_to_score_vs_api"] = round(
        result["submit_to_score_ms"]["median"] / max(result["api_predict_ms"]["median"], 1e-3), 1
    )
    result["submit_to_score_target_ms"] = TARGET_MS
    result["submit_to_score_meets_target"] = result["submit_to_score_ms"]["median"] < TARGET_MS
    return result


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still stop the server it started
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--tiny", action="store_true", help="serve the tests' tiny project, not the demo")
    parser.add_argument("--url", help="an app already served")
    parser.add_argument("--key", default=os.environ.get("DASHBOARD_API_KEY", ""), help="API key for --url")
    parser.add_argument(
        "--user", default=os.environ.get("DASHBOARD_USER", ""), help="NAME:PASSWORD for --url"
    )
    args = parser.parse_args()
    missing = browser_missing()
    if missing:
        raise SystemExit(missing)
    with ExitStack() as stack:
        if args.url:
            if ":" not in args.user:
                raise SystemExit("--url needs --user NAME:PASSWORD (or $DASHBOARD_USER)")
            base_url, key, source = args.url.rstrip("/"), args.key, "running app"
            user = tuple(args.user.split(":", 1))
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-new-application-")))
            if not args.tiny and demo_project_missing() is None:
                served, source = stack.enter_context(served_demo(root)), "demo project"
            else:
                served, source = stack.enter_context(served_app(root)), "tiny project"  # builds a tiny model
            base_url, key, user = served.base_url, served.api_key, (USERS["adviser"], PASSWORD)
        result = measure(base_url, key, args.repeats, user)
    result.update(
        {"source": source, "repeats": args.repeats, "load_average": [round(v, 2) for v in os.getloadavg()]}
    )
    JSON_OUT.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
