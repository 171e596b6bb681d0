"""Benchmark of the reasons by family (issue 26); prints JSON.

What it measures, over the refused clients of the holdout and the scoring table together:

- ``refused_with_all_refusal_reasons_share``: the share whose reasons for refusal are ``refusal_reasons`` (3)
  distinct families, as the lender's policy asks (target 1.0), and ``refusal_reasons_per_client``, how many
  reasons each gets (a client with fewer has fewer raising families the policy allows), and
  ``refusal_reasons_distinct_share``: the share whose reasons for refusal are all different families (1.0);
- ``feature_reasons_*``: what the old single-feature reasons said to the same clients: the share whose three
  strongest raising features repeat one family (at least two of three) / are all one family (counted over the
  refused clients with three raising features; the issue saw 86 % / 51 % on real rows);
- ``families``: per family, its share of the total mean |contribution| on the holdout (the family importance)
  and the share of refused clients whose first reason for refusal it is (``leads_refusals_share``);
- ``client_explanations_s`` and ``client_explanations_rows_per_s``: the wall time of the node that writes
  every client's reasons (both tables, English and French) and the clients it explains per second;
- ``without_housing``: the same refusal shares, and the families leading a refusal (those that lead any), with
  the policy that withholds ``housing`` (the building statistics) from refusals, the lender's alternative in
  ``parameters_reasons.yml``.

The nodes run as the pipeline runs them (``shap_values_table`` for the holdout and the scoring table,
``client_explanations``, ``reason_family_summary``), with the project's ``parameters_explainability.yml``
and ``parameters_reasons.yml``. The model and tables are either made here (``--raw-dir DIR``: data_processing
then modelling on DIR's raw CSVs in a temporary folder, as ``bench_modelling.py run --raw-dir`` does; the
project's ``data/`` is not touched) or, without ``--raw-dir``, the last run's ``data/05_model_input`` tables
and ``data/06_models/model_bundle.pkl``.

Usage (from the project root):
    python benchmarks/bench_reason_families.py                                       # the last run's outputs
    python benchmarks/bench_reason_families.py --raw-dir ../shared/homecredit/real_dev
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import yaml

# stdout carries the JSON result alone: logging and progress go to stderr
JSON_OUT = sys.stdout
sys.stdout = sys.stderr
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from bench_modelling import (  # noqa: E402
    MODEL_INPUT,
    PROJECT_ROOT,
    peak_rss_mb,
    processed_raw_dir,
    project_params,
    run_modelling,
)

from credit_scoring.features.families import REASON_POLICY, ReasonPolicy  # noqa: E402
from credit_scoring.pipelines.explainability.nodes import (  # noqa: E402
    client_explanations,
    reason_family_summary,
    shap_values_table,
)
from credit_scoring.serving.model import CreditScoringModel  # noqa: E402

WITHHELD = "housing"
SHARES = (  # the last two, of the feature reasons, do not depend on the policy
    "refused_with_all_refusal_reasons_share",
    "refusal_reasons_distinct_share",
    "feature_reasons_repeating_a_family_share",
    "feature_reasons_all_one_family_share",
)


def conf(name: str) -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "conf/base" / name).read_text())


def inputs(raw_dir: Path | None) -> tuple[CreditScoringModel, pd.DataFrame, pd.DataFrame, str]:
    """The model, the holdout table and the scoring table: made from ``raw_dir``, else the last run's."""
    if raw_dir is None:
        bundle = PROJECT_ROOT / "data/06_models/model_bundle.pkl"
        if not bundle.exists():
            raise SystemExit(f"No {bundle}: run `kedro run --pipelines modelling` or pass --raw-dir")
        with bundle.open("rb") as handle:
            model = pickle.load(handle)
        holdout = pd.read_parquet(MODEL_INPUT / "modelling_holdout_table.parquet")
        return model, holdout, pd.read_parquet(MODEL_INPUT / "scoring_input_table.parquet"), str(MODEL_INPUT)
    train, scoring, source = processed_raw_dir(raw_dir)
    catalog, _, seconds = run_modelling(train, scoring, project_params())
    print(f"modelling: {seconds:.1f} s", file=sys.stderr)
    return catalog.load("model_bundle"), catalog.load("modelling_holdout_table"), scoring, source


def explained(
    model: CreditScoringModel, tables: dict[str, pd.DataFrame], shap: dict[str, pd.DataFrame], policy: dict
) -> dict[str, Any]:
    """client_explanations (timed) then reason_family_summary under ``policy``: the figures of one policy."""
    params = conf("parameters_explainability.yml")["explainability"]
    started, started_cpu = time.perf_counter(), time.process_time()
    reasons = client_explanations(
        model, tables["scoring"], shap["scoring"], tables["holdout"], shap["holdout"], params, policy
    )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    summary = reason_family_summary(model, shap["holdout"], shap["scoring"], reasons, params, policy)
    clients = sum(len(table) for table in tables.values())
    print(f"client_explanations: {seconds:.1f} s for {clients} clients", file=sys.stderr)
    return {
        "refusal_reason_families": summary["policy"]["refusal_reason_families"],
        "refused_clients": summary["refused_clients"],
        "refusal_reasons_per_client": summary["refusal_reasons_per_client"],
        **{name: _round(summary[name]) for name in SHARES},
        "families": [
            {
                "family": row["family"],
                "label_en": row["label_en"],
                "features": row["features"],
                "refusal_reason_allowed": row["refusal_reason_allowed"],
                "share_of_total_mean_abs_contribution": round(row["share_of_total"], 4),
                "leads_refusals_share": round(row["leads_refusals_share"], 4),
            }
            for row in summary["families"]
        ],
        "client_explanations_s": round(seconds, 2),
        "client_explanations_cpu_s": round(cpu_seconds, 2),  # this process's CPU: less noisy when shared
        "client_explanations_rows_per_s": round(clients / seconds, 1),
        "client_explanations_output_rows": len(reasons),
    }


def policy_variant(figures: dict[str, Any]) -> dict[str, Any]:
    """A variant's figures without what the policy does not change (the feature reasons, the importance):
    the refusal shares, and the families that lead a refusal."""
    kept = {key: value for key, value in figures.items() if key != "families" and key not in SHARES[1:]}
    leads = {row["family"]: row["leads_refusals_share"] for row in figures["families"]}
    return {**kept, "leads_refusals_share": {code: share for code, share in leads.items() if share > 0}}


def _round(share: float | None) -> float | None:
    return None if share is None else round(share, 4)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, force=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--raw-dir", type=Path, default=None, help="run data_processing and modelling on it")
    args = parser.parse_args(argv)
    load_average = [round(value, 2) for value in os.getloadavg()]
    model, holdout, scoring, source = inputs(args.raw_dir)
    tables = {"holdout": holdout, "scoring": scoring}
    params = conf("parameters_explainability.yml")["explainability"]
    started = time.perf_counter()
    shap = {name: shap_values_table(model, table, params) for name, table in tables.items()}
    shap_seconds = time.perf_counter() - started
    policy = ReasonPolicy.model_validate(conf("parameters_reasons.yml")[REASON_POLICY])
    without = [code for code in policy.refusal_reason_families if code != WITHHELD]
    variant = ReasonPolicy.model_validate({**policy.model_dump(), "refusal_reason_families": without})
    project = explained(model, tables, shap, policy.model_dump(mode="json"))
    alternative = explained(model, tables, shap, variant.model_dump(mode="json"))
    result = {
        "benchmark": "reason_families",
        "source": source,
        "model": model.model_name,
        "threshold": round(model.threshold, 4),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load_average,
        "rows": {"holdout": len(holdout), "scoring": len(scoring)},
        "features": len(model.features),
        "shap_values_s": round(shap_seconds, 2),
        **project,
        f"without_{WITHHELD}": policy_variant(alternative),
        "peak_rss_mb": peak_rss_mb(),
    }
    json.dump(result, JSON_OUT, indent=2)
    print(file=JSON_OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
