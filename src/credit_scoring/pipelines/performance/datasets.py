"""The outcome feed as a Kedro dataset: a folder of CSV drops and, optionally, a database table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from kedro.io import AbstractDataset, DatasetError

from credit_scoring.monitoring.outcomes import (
    TABLE_NAME,
    RawOutcomes,
    read_outcome_csvs,
    read_outcome_table,
)


class OutcomeFeedDataset(AbstractDataset[RawOutcomes, RawOutcomes]):
    """Loads the raw outcome rows (not yet validated) of every ``*.csv`` in ``folder`` (a missing or empty
    folder holds none) and of the ``table`` of the database at ``url`` when one is given (the table must
    exist then). Read-only: outcomes come from the lender's systems, never from a pipeline."""

    def __init__(
        self,
        folder: str,
        url: str | None = None,
        table: str = TABLE_NAME,
        credentials: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._folder = Path(folder)
        self.metadata = metadata  # ignored by Kedro; Kedro-Viz reads its layer
        self._url = (credentials or {}).get("url") or url
        self._table = table

    def load(self) -> RawOutcomes:
        raw = read_outcome_csvs(self._folder) if self._folder.is_dir() else RawOutcomes()
        if self._url:
            engine = sa.create_engine(self._url)
            try:
                raw += read_outcome_table(engine, self._table)
            finally:
                engine.dispose()
        return raw

    def save(self, data: RawOutcomes) -> None:
        raise DatasetError("The outcome feed is read-only: outcomes come from the lender's systems")

    def _describe(self) -> dict[str, Any]:
        url = sa.make_url(self._url).render_as_string(hide_password=True) if self._url else None
        return {"folder": str(self._folder), "url": url, "table": self._table}
