"""Helpers of the serving tests (a module with a unique name, not conftest, so test modules can import it)."""

from __future__ import annotations

import pandas as pd


def batch_row(frame: pd.DataFrame, client: int) -> pd.DataFrame:
    """The client's model-input row without TARGET (what the online builders return)."""
    return (
        frame[frame["SK_ID_CURR"] == client].drop(columns=["TARGET"], errors="ignore").reset_index(drop=True)
    )


def application_fields(raw_tables: dict[str, pd.DataFrame], table: str, client: int) -> dict:
    """The client's raw application fields (the request an API would receive)."""
    frame = raw_tables[table]
    return frame[frame["SK_ID_CURR"] == client].drop(columns=["TARGET"], errors="ignore").iloc[0].to_dict()


def clients_by_history(raw_tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """A production client with rows in every history table, one with none, one with some."""
    test_ids = raw_tables["application_test"]["SK_ID_CURR"]
    counts = {
        t: raw_tables[t]["SK_ID_CURR"].value_counts()
        for t in raw_tables
        if not t.startswith("application") and "SK_ID_CURR" in raw_tables[t]
    }
    with_all = [c for c in test_ids if all(c in counts[t].index for t in counts)]
    with_none = [c for c in test_ids if not any(c in counts[t].index for t in counts)]
    with_some = [c for c in test_ids if c not in with_all and c not in with_none]
    return {"all tables": with_all[0], "no history": with_none[0], "some tables": with_some[0]}
