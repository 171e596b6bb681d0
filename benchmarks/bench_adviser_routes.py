"""Benchmark: the adviser's routes through the API (Flask test client, in process), on the demo champion.
Prints JSON.

The app of the project (``conf/base/app.yml``: the registry's ``credit-scoring@champion``, data_processing's
history store and client tables); the first production applications the champion refuses, as a JSON request
carries them (with their SK_ID_CURR). Per application, in the same run: ``POST /predict?simulation=true``
(the reference), ``POST /counterfactual``, ``GET /clients/{id}/letter`` (HTML) and ``format=pdf`` (the same
page rendered by WeasyPrint; the first render, which loads the fonts, is reported apart).

    python benchmarks/bench_adviser_routes.py            # 20 refused applications
    python benchmarks/bench_adviser_routes.py --n 50
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "src"))

from credit_scoring.api import create_app  # noqa: E402

KEY = "bench-key-0123456789"
PREFIX = "/api/v1"


def _ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(1e3 * s for s in seconds)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def _timed(call: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    response = call()
    return time.perf_counter() - start, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="refused applications")
    parser.add_argument("--read", type=int, default=2000, help="production rows read to find them")
    args = parser.parse_args()
    os.chdir(PROJECT_ROOT)
    started = time.perf_counter()
    app = create_app(
        {"auth": {"api_keys": [KEY]}, "model": {"check_interval_s": 0},
         "decision_log": {"url": "sqlite:///:memory:"}},
        json_logs=False,
    )  # fmt: skip
    load_s = time.perf_counter() - started
    client = app.test_client()
    headers = {"X-API-Key": KEY}
    frame = pd.read_csv(PROJECT_ROOT / "data" / "01_raw" / "application_test.csv", nrows=args.read)
    refused = []
    for row in frame.to_dict("records"):
        application = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items() if not pd.isna(v)}
        answer = client.post(
            f"{PREFIX}/predict?simulation=true&reasons=false", json=application, headers=headers
        )
        if answer.get_json()["decision"] == "refused":
            refused.append(application)
        if len(refused) == args.n:
            break
    first_pdf, _ = _timed(
        lambda: client.get(f"{PREFIX}/clients/{refused[0]['SK_ID_CURR']}/letter?format=pdf", headers=headers)
    )
    timings: dict[str, list[float]] = {
        "predict": [],
        "counterfactual": [],
        "letter_html": [],
        "letter_pdf": [],
    }
    levers, empty, example = Counter(), Counter(), None
    for application in refused:
        client_id = application["SK_ID_CURR"]
        calls = {
            "predict": lambda a=application: client.post(
                f"{PREFIX}/predict?simulation=true", json=a, headers=headers
            ),
            "counterfactual": lambda a=application: client.post(
                f"{PREFIX}/counterfactual", json=a, headers=headers
            ),
            "letter_html": lambda c=client_id: client.get(f"{PREFIX}/clients/{c}/letter", headers=headers),
            "letter_pdf": lambda c=client_id: client.get(
                f"{PREFIX}/clients/{c}/letter?format=pdf", headers=headers
            ),
        }
        for name, call in calls.items():
            seconds, response = _timed(call)
            assert response.status_code == 200, (name, response.get_data(as_text=True)[:300])
            timings[name].append(seconds)
            if name == "counterfactual":
                body = response.get_json()
                levers.update(a["lever"] for a in body["alternatives"])
                if body["none_reason"]:
                    empty[body["none_reason"]["code"]] += 1
                if example is None and body["alternatives"]:
                    example = [a["sentence"] for a in body["alternatives"]]
    print(
        json.dumps(
            {
                "app_load_s": round(load_s, 1),
                "refused_applications": len(refused),
                **{name: _ms(values) for name, values in timings.items()},
                "counterfactual_over_predict": round(
                    statistics.median(timings["counterfactual"]) / statistics.median(timings["predict"]), 1
                ),
                "first_pdf_ms": round(1e3 * first_pdf, 1),
                "alternatives_by_lever": dict(levers),
                "no_alternative": dict(empty),
                "example": example,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
