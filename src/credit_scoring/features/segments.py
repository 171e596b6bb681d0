"""The client segments a risk committee reads the model on, defined once on the model input's own columns.

A **thin-file** client has no credit-bureau record and no previous application at Home Credit: the history
aggregates count 0 rows in ``bureau`` (BUREAU_LOAN_COUNT) and in ``previous_application``
(PREV_APPLICATION_COUNT). `credit_scoring.features.model_input.assemble_model_input` fills these counts with 0
for a client without rows, so the definition holds for header-only history tables too (everybody is then
thin-file). Read by the modelling pipeline's segment report (`model_metrics.segments`) and its tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

BUREAU_COUNT = "BUREAU_LOAN_COUNT"
PREVIOUS_COUNT = "PREV_APPLICATION_COUNT"
CONTRACT_TYPE = "NAME_CONTRACT_TYPE"
#: The label of a client whose contract type is missing.
UNKNOWN_LEVEL = "unknown"


def has_no_record(counts: pd.Series) -> pd.Series:
    """True where a history table has no row for the client (a missing count is read as no row)."""
    return counts.fillna(0.0).eq(0.0)


def is_thin_file(frame: pd.DataFrame) -> pd.Series:
    """True for the clients with no credit-bureau record and no previous application at Home Credit."""
    return has_no_record(frame[BUREAU_COUNT]) & has_no_record(frame[PREVIOUS_COUNT])


@dataclass(frozen=True)
class Segmentation:
    """One way of cutting the clients into segments: the columns it reads, its rule, each client's segment."""

    name: str
    columns: tuple[str, ...]
    definition: str
    assign: Callable[[pd.DataFrame], np.ndarray]
    """The segment of each row of a frame that has ``columns``."""
    fixed_levels: tuple[str, ...] | None = None
    """The segments in the order shown; None: the levels found in the data, sorted."""

    def levels(self, frames: Iterable[pd.DataFrame]) -> tuple[str, ...]:
        """The segments to report: the fixed ones, or every level found in ``frames`` (so that a level seen in
        training but absent from the holdout is reported with no client)."""
        if self.fixed_levels is not None:
            return self.fixed_levels
        found = set()
        for frame in frames:
            found.update(self.assign(frame).tolist())
        return tuple(sorted(found))


def _two_way(
    selected: Callable[[pd.DataFrame], pd.Series], name: str
) -> Callable[[pd.DataFrame], np.ndarray]:
    def assign(frame: pd.DataFrame) -> np.ndarray:
        return np.where(selected(frame).to_numpy(dtype=bool), name, "others").astype(object)

    return assign


def _contract_type(frame: pd.DataFrame) -> np.ndarray:
    values = frame[CONTRACT_TYPE].astype(object)
    return values.where(values.notna(), UNKNOWN_LEVEL).astype(str).to_numpy(dtype=object)


THIN_FILE = Segmentation(
    name="thin_file",
    columns=(BUREAU_COUNT, PREVIOUS_COUNT),
    definition=f"thin_file: no credit-bureau record ({BUREAU_COUNT} = 0) and no previous application at Home "
    f"Credit ({PREVIOUS_COUNT} = 0); others: every other client",
    assign=_two_way(is_thin_file, "thin_file"),
    fixed_levels=("thin_file", "others"),
)
NO_BUREAU_RECORD = Segmentation(
    name="no_bureau_record",
    columns=(BUREAU_COUNT,),
    definition=f"no_bureau_record: no credit-bureau record ({BUREAU_COUNT} = 0), whatever the previous "
    "applications; others: every other client",
    assign=_two_way(lambda frame: has_no_record(frame[BUREAU_COUNT]), "no_bureau_record"),
    fixed_levels=("no_bureau_record", "others"),
)
CONTRACT_TYPE_SEGMENTS = Segmentation(
    name="contract_type",
    columns=(CONTRACT_TYPE,),
    definition=f"one segment per level of {CONTRACT_TYPE} (the loan applied for); '{UNKNOWN_LEVEL}' when "
    "missing",
    assign=_contract_type,
)

#: The segmentations of ``model_metrics.segments``, by key.
SEGMENTATIONS: tuple[Segmentation, ...] = (THIN_FILE, NO_BUREAU_RECORD, CONTRACT_TYPE_SEGMENTS)
