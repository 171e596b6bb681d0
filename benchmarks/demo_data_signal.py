"""How much default signal the raw files carry: ROC AUC of a plain LightGBM on the application table alone and
with simple per-client aggregates of the history tables (computed here with DuckDB, independently of the
project's feature engineering). Real Home Credit data gives about 0.74-0.76 and 0.78-0.80.

    python benchmarks/demo_data_signal.py [DATA_DIR] [--folds 5] [--trees 200] [--n-jobs 2]

Prints JSON: the two cross-validated AUCs (mean and per fold), the number of clients and features.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

LATE = "('1','2','3','4','5')"
AGGREGATES = {
    "bureau": """
        SELECT SK_ID_CURR, COUNT(*) AS BUREAU_COUNT, AVG(DAYS_CREDIT) AS BUREAU_DAYS_CREDIT_MEAN,
               SUM(CASE WHEN CREDIT_ACTIVE = 'Active' THEN 1 ELSE 0 END) AS BUREAU_ACTIVE_COUNT,
               SUM(AMT_CREDIT_SUM_DEBT) AS BUREAU_DEBT_SUM, SUM(AMT_CREDIT_SUM) AS BUREAU_CREDIT_SUM,
               SUM(AMT_CREDIT_SUM_DEBT) / NULLIF(SUM(AMT_CREDIT_SUM), 0) AS BUREAU_DEBT_RATIO,
               SUM(AMT_CREDIT_SUM_OVERDUE) AS BUREAU_OVERDUE_SUM,
               MAX(CREDIT_DAY_OVERDUE) AS BUREAU_DAY_OVERDUE_MAX,
               AVG(AMT_CREDIT_MAX_OVERDUE) AS BUREAU_MAX_OVERDUE_MEAN,
               MAX(DAYS_CREDIT) AS BUREAU_LAST_DAYS_CREDIT, SUM(CNT_CREDIT_PROLONG) AS BUREAU_PROLONG_SUM
        FROM bureau GROUP BY SK_ID_CURR""",
    "bureau_balance": f"""
        SELECT b.SK_ID_CURR, AVG(CASE WHEN bb.STATUS IN {LATE} THEN 1.0 ELSE 0.0 END) AS BB_LATE_SHARE,
               MAX(CASE WHEN bb.STATUS IN {LATE} THEN CAST(bb.STATUS AS INTEGER) ELSE 0 END)
                   AS BB_WORST_STATUS,
               COUNT(*) AS BB_MONTHS
        FROM bureau_balance bb JOIN bureau b USING (SK_ID_BUREAU) GROUP BY b.SK_ID_CURR""",
    "previous_application": """
        SELECT SK_ID_CURR, COUNT(*) AS PREV_COUNT,
               AVG(CASE WHEN NAME_CONTRACT_STATUS = 'Refused' THEN 1.0 ELSE 0.0 END) AS PREV_REFUSED_SHARE,
               SUM(CASE WHEN NAME_CONTRACT_STATUS = 'Refused' THEN 1 ELSE 0 END) AS PREV_REFUSED_COUNT,
               AVG(CASE WHEN NAME_CONTRACT_STATUS = 'Approved' THEN 1.0 ELSE 0.0 END) AS PREV_APPROVED_SHARE,
               AVG(AMT_APPLICATION / NULLIF(AMT_CREDIT, 0)) AS PREV_APP_CREDIT_RATIO,
               MAX(DAYS_DECISION) AS PREV_LAST_DECISION, AVG(CNT_PAYMENT) AS PREV_CNT_PAYMENT_MEAN
        FROM previous_application GROUP BY SK_ID_CURR""",
    "POS_CASH_balance": """
        SELECT SK_ID_CURR, MAX(SK_DPD) AS POS_DPD_MAX, AVG(SK_DPD) AS POS_DPD_MEAN,
               AVG(CASE WHEN SK_DPD > 0 THEN 1.0 ELSE 0.0 END) AS POS_LATE_SHARE,
               MAX(SK_DPD_DEF) AS POS_DPD_DEF_MAX, COUNT(*) AS POS_MONTHS
        FROM POS_CASH_balance GROUP BY SK_ID_CURR""",
    "installments_payments": """
        SELECT SK_ID_CURR, COUNT(*) AS INSTAL_COUNT,
               AVG(GREATEST(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0)) AS INSTAL_DAYS_LATE_MEAN,
               MAX(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT) AS INSTAL_DAYS_LATE_MAX,
               AVG(CASE WHEN DAYS_ENTRY_PAYMENT > DAYS_INSTALMENT THEN 1.0 ELSE 0.0 END) AS INSTAL_LATE_SHARE,
               AVG(CASE WHEN AMT_PAYMENT < AMT_INSTALMENT THEN 1.0 ELSE 0.0 END) AS INSTAL_SHORT_SHARE,
               SUM(AMT_INSTALMENT - COALESCE(AMT_PAYMENT, 0)) AS INSTAL_UNPAID_SUM,
               AVG(CASE WHEN AMT_PAYMENT IS NULL THEN 1.0 ELSE 0.0 END) AS INSTAL_MISSING_SHARE
        FROM installments_payments GROUP BY SK_ID_CURR""",
    "credit_card_balance": """
        SELECT SK_ID_CURR, AVG(AMT_BALANCE / NULLIF(AMT_CREDIT_LIMIT_ACTUAL, 0)) AS CC_UTILISATION_MEAN,
               MAX(AMT_BALANCE / NULLIF(AMT_CREDIT_LIMIT_ACTUAL, 0)) AS CC_UTILISATION_MAX,
               MAX(SK_DPD) AS CC_DPD_MAX, AVG(AMT_DRAWINGS_CURRENT) AS CC_DRAWINGS_MEAN,
               AVG(AMT_PAYMENT_TOTAL_CURRENT / NULLIF(AMT_INST_MIN_REGULARITY, 0)) AS CC_PAYMENT_MIN_RATIO,
               COUNT(*) AS CC_MONTHS
        FROM credit_card_balance GROUP BY SK_ID_CURR""",
}


def csv_tables(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per history CSV file of ``data_dir``."""
    con = duckdb.connect()
    for table in AGGREGATES:
        path = data_dir / f"{table}.csv"
        if path.exists():
            types = ", types={'STATUS': 'VARCHAR'}" if table == "bureau_balance" else ""
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_csv_auto('{path.as_posix()}'{types})")
    return con


def history_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per client with the aggregates of every history table (view or registered frame) in ``con``."""
    present = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    merged: pd.DataFrame | None = None
    for table, sql in AGGREGATES.items():
        needed = {"bureau", "bureau_balance"} if table == "bureau_balance" else {table}
        if not needed <= present:
            continue
        frame = con.execute(sql).df()
        merged = frame if merged is None else merged.merge(frame, on="SK_ID_CURR", how="outer")
    return merged if merged is not None else pd.DataFrame({"SK_ID_CURR": []})


def cross_validated_auc(
    features: pd.DataFrame, target: pd.Series, *, folds: int, trees: int, n_jobs: int, seed: int
) -> list[float]:
    """ROC AUC of a default LightGBM on each fold of a stratified K-fold."""
    scores = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, valid_idx in splitter.split(features, target):
        model = lgb.LGBMClassifier(n_estimators=trees, n_jobs=n_jobs, random_state=seed, verbose=-1)
        model.fit(features.iloc[train_idx], target.iloc[train_idx])
        predicted = model.predict_proba(features.iloc[valid_idx])[:, 1]
        scores.append(float(roc_auc_score(target.iloc[valid_idx], predicted)))
    return scores


def measure_tables(
    train: pd.DataFrame, con: duckdb.DuckDBPyConnection, *, folds: int = 5, trees: int = 200, n_jobs: int = 2,
    seed: int = 42,
) -> dict:  # fmt: skip
    """AUCs of an application_train frame and the history tables reachable through ``con``."""
    train = train.copy()
    target = train.pop("TARGET")
    application = train.drop(columns="SK_ID_CURR")
    for column in application.columns:
        if not pd.api.types.is_numeric_dtype(application[column]):
            application[column] = application[column].astype("category")
    history = train[["SK_ID_CURR"]].merge(history_features(con), on="SK_ID_CURR", how="left")
    with_history = pd.concat([application, history.drop(columns="SK_ID_CURR")], axis=1)
    settings = {"folds": folds, "trees": trees, "n_jobs": n_jobs, "seed": seed}
    app_scores = cross_validated_auc(application, target, **settings)
    all_scores = cross_validated_auc(with_history, target, **settings)
    return {
        "clients": len(train),
        "target_rate": round(float(target.mean()), 4),
        "auc_application_only": round(float(np.mean(app_scores)), 4),
        "auc_with_history": round(float(np.mean(all_scores)), 4),
        "auc_application_only_folds": [round(s, 4) for s in app_scores],
        "auc_with_history_folds": [round(s, 4) for s in all_scores],
        "features": {"application": application.shape[1], "with_history": with_history.shape[1]},
        "model": f"LGBMClassifier(n_estimators={trees}) default parameters, {folds}-fold stratified CV",
    }


def measure(data_dir: Path, *, folds: int = 5, trees: int = 200, n_jobs: int = 2, seed: int = 42) -> dict:
    """AUCs of the CSV files in ``data_dir``."""
    start = time.perf_counter()
    train = pd.read_csv(data_dir / "application_train.csv")
    result = measure_tables(train, csv_tables(data_dir), folds=folds, trees=trees, n_jobs=n_jobs, seed=seed)
    return {"data_dir": str(data_dir), **result, "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", nargs="?", type=Path, default=Path("data/01_raw"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    print(
        json.dumps(measure(args.data_dir, folds=args.folds, trees=args.trees, n_jobs=args.n_jobs), indent=2)
    )


if __name__ == "__main__":
    main()
