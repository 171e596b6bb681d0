"""Benchmark of the new-application page in headless Chromium against the served app; prints JSON.

What is served (``scripts/serve``, as ``make serve``: API blueprint and dashboard on one gunicorn server):

- the demo project when ``data/`` holds a trained one (``credit-scoring@champion`` in ``sqlite:///mlflow.db``
  and the batch outputs), with a throw-away application database, host cache and spool (a temporary
  administrator signs in);
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
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
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

TARGET_MS = 1000.0
DEMO_TRACKING_URI = f"sqlite:///{PROJECT_ROOT / 'mlflow.db'}"
BENCH_KEY = "bench-new-application-key-0123456789"
BENCH_PASSWORD = "a benchmark administrator password"


def median_ms(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"median": None, "runs": []}
    return {"median": round(statistics.median(samples), 1), "runs": [round(value, 1) for value in samples]}


def demo_project_ready() -> bool:
    """Whether ``data/`` holds a trained demo project: a champion in the project's registry."""
    if not (PROJECT_ROOT / "mlflow.db").exists():
        return False
    from mlflow.tracking import MlflowClient  # noqa: PLC0415

    try:
        MlflowClient(DEMO_TRACKING_URI).get_model_version_by_alias("credit-scoring", "champion")
    except Exception:  # no registry, no model, no alias: not a trained demo project
        return False
    return True


@contextmanager
def served_demo(folder: Path):
    """``scripts/serve`` on the demo project, with a throw-away application database, cache and spool."""
    from tests.e2e.served import free_port  # noqa: PLC0415

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CREDIT_SCORING_ROOT": str(PROJECT_ROOT),
        "CREDIT_SCORING_CACHE_DIR": str(folder / "cache"),
        "CREDIT_SCORING_SPOOL_DIR": str(folder / "spool"),
        "CREDIT_SCORING_API_KEYS": BENCH_KEY,
        "CREDIT_SCORING_PREDICTION_LOG_URL": f"sqlite:///{folder / 'app.db'}",
        "CREDIT_SCORING_SECRET_KEY": "a benchmark secret key, long enough to sign sessions",
        "CREDIT_SCORING_ADMIN_PASSWORD": BENCH_PASSWORD,
        "DASHBOARD_API_KEY": BENCH_KEY,
        "MLFLOW_TRACKING_URI": DEMO_TRACKING_URI,
        "PYTHON": sys.executable,
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    log = folder / "server.log"
    with log.open("a") as output:
        process = subprocess.Popen(
            [str(PROJECT_ROOT / "scripts" / "serve")], env=env, stdout=output, stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_ready(base_url, process, log, 900)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_ready(base_url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode}):\n{log.read_text()[-4000:]}")
        try:
            ready = requests.get(f"{base_url}/api/v1/ready", headers={"X-API-Key": BENCH_KEY}, timeout=2)
            if ready.status_code == 200 and requests.get(f"{base_url}/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the server was not ready within {timeout} s:\n{log.read_text()[-4000:]}")


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
        elif not args.tiny and demo_project_ready():
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-new-application-")))
            base_url, key, source = stack.enter_context(served_demo(folder)), BENCH_KEY, "demo project"
            user = ("admin", BENCH_PASSWORD)
        else:
            from tests.e2e.served import PASSWORD, USERS, served_app  # noqa: PLC0415 - builds a tiny model

            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-new-application-")))
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
