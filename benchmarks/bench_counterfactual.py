"""Benchmark: what would change the decision, on the demo champion. Prints JSON.

The champion of the project's registry (``sqlite:///mlflow.db``, ``credit-scoring@champion``) and the row
builder over data_processing's history store (``data/04_feature/client_history_features.parquet``); the
first applications of the production file the champion refuses (as a JSON request carries them, with their
SK_ID_CURR: the known client's history is used). Per application: the wall-clock time of
`find_counterfactuals` and of one `Scorer.score` of the same application (the reference, same run), the
number of applications scored, the alternatives found.

    python benchmarks/bench_counterfactual.py                  # 20 refused applications
    python benchmarks/bench_counterfactual.py --n 50 --co-borrower
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

from credit_scoring.api.services import batch_validation  # noqa: E402
from credit_scoring.serving.counterfactual import CounterfactualPolicy, find_counterfactuals  # noqa: E402
from credit_scoring.serving.loading import load_row_builder, load_served_model  # noqa: E402
from credit_scoring.serving.model import REFUSED  # noqa: E402
from credit_scoring.serving.scoring import Scorer  # noqa: E402


class _CountingScorer(Scorer):
    """The scorer, counting the applications it scores."""

    scored = 0

    def score(self, applications, **kwargs):  # type: ignore[no-untyped-def, override]
        self.scored += len(applications)
        return super().score(applications, **kwargs)


def _refused(scorer: Scorer, data: Path, n: int, read: int) -> list[dict[str, Any]]:
    frame = pd.read_csv(data / "01_raw" / "application_test.csv", nrows=read)
    applications = [{k: v for k, v in row.items() if not pd.isna(v)} for row in frame.to_dict("records")]
    scores = scorer.score(applications)
    return [a for a, s in zip(applications, scores, strict=True) if s.decision == REFUSED][:n]


def _ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(1e3 * s for s in seconds)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="refused applications to search")
    parser.add_argument("--read", type=int, default=2000, help="production rows read to find them")
    parser.add_argument("--co-borrower", action="store_true", help="allow a co-borrower's income")
    parser.add_argument("--tracking-uri", default="sqlite:///mlflow.db")
    args = parser.parse_args()
    os.chdir(PROJECT_ROOT)
    served = load_served_model(args.tracking_uri, "credit-scoring", "champion")
    rows = load_row_builder(
        PROJECT_ROOT / "data" / "04_feature" / "client_history_features.parquet",
        batch_validation(PROJECT_ROOT),
    )
    scorer = _CountingScorer(served, rows)
    applications = _refused(scorer, PROJECT_ROOT / "data", args.n, args.read)
    policy = CounterfactualPolicy(co_borrower_income=args.co_borrower)
    find_counterfactuals(scorer, applications[0], policy)  # warm-up
    searched, scored_once, scored, levers, empty = [], [], [], Counter(), Counter()
    example = None
    for application in applications:
        start = time.perf_counter()
        scorer.score([application])
        scored_once.append(time.perf_counter() - start)
        before = scorer.scored
        start = time.perf_counter()
        result = find_counterfactuals(scorer, application, policy)
        searched.append(time.perf_counter() - start)
        scored.append(scorer.scored - before)
        levers.update(a.lever for a in result.alternatives)
        if result.reason:
            empty[result.reason] += 1
        if example is None and result.alternatives:
            example = {
                "probability": round(result.probability, 4),
                "threshold": round(result.threshold, 4),
                "alternatives": [
                    {"lever": a.lever, "change": round(a.change, 4), "probability": round(a.probability, 4),
                     **a.sentences}
                    for a in result.alternatives
                ],
            }  # fmt: skip
    print(
        json.dumps(
            {
                "model": {"name": served.name, "version": served.version, "threshold": served.threshold},
                "refused_applications": len(applications),
                "counterfactual": _ms(searched),
                "score_one_application": _ms(scored_once),
                "ratio_median": round(statistics.median(searched) / statistics.median(scored_once), 1),
                "applications_scored_median": statistics.median(scored),
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
