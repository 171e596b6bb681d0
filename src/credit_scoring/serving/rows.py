"""The row builder the API scores with (see `credit_scoring.serving.scoring.RowBuilder`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from credit_scoring.serving.history import ClientHistoryStore
from credit_scoring.serving.online import build_model_input_row

CLIENT_ID = "SK_ID_CURR"
NEW_APPLICANT_ID = 0
"""Stands for the identifier of an applicant unknown to the history tables (no history is looked up)."""


class _Paths(Protocol):
    history_dir: Path
    staged_application_test: Path
    staged_application_train: Path


class ReferenceRowBuilder:
    """The batch pipeline's definitions run on one client's raw history rows (exact, but about a second per
    application)."""

    def __init__(self, history: ClientHistoryStore, known_ids: set[int]) -> None:
        self.history = history
        self.known_ids = known_ids

    def is_known(self, client_id: int) -> bool:
        return int(client_id) in self.known_ids

    def build(self, application: Mapping[str, Any]) -> pd.DataFrame:
        client = application.get(CLIENT_ID)
        known = client is not None and self.is_known(int(client))
        fields = {**application, CLIENT_ID: NEW_APPLICANT_ID if client is None else client}
        return build_model_input_row(fields, self.history.history(int(client)) if known else None)

    def build_many(self, applications: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        return pd.concat([self.build(application) for application in applications], ignore_index=True)


def load_row_builder(paths: _Paths) -> ReferenceRowBuilder:
    known: set[int] = set()
    for table in (paths.staged_application_test, paths.staged_application_train):
        if table.is_file():
            known |= set(pd.read_parquet(table, columns=[CLIENT_ID])[CLIENT_ID].dropna().astype("int64"))
    return ReferenceRowBuilder(ClientHistoryStore.from_directory(paths.history_dir), known)
