"""The outcome feed: whether a granted loan defaulted within its observation window, validated against the
decision log, and the label status of every decision (label delay).

A row of the feed: ``SK_ID_CURR`` (the client), ``request_id`` (the decision's, optional), ``observed_at``
(when the outcome was observed: ISO date or time, naive = UTC; a date alone stands for the end of that day)
and ``defaulted`` (0 or 1: did the loan default within the observation window). It comes as a drop of CSV
files (``data/01_raw/outcomes/*.csv``) or as a database table (``loan_outcomes``, any SQLAlchemy URL).

Bad rows are never dropped silently: `validate_outcomes` keeps the good rows and returns every refused one
as a `RefusedOutcome` naming the source (file or table), the line (a CSV's physical line, the header being 1;
a table's row number in key order) and the reason. A row without a request id is matched to the client's
latest granted decision made before the outcome was observed.

Label delay: a granted loan is *labelled* only once its observation window (``observation_months`` after the
decision) has ended and its outcome has arrived; before that it is *open*, and a loan whose window ended
without an outcome is *awaiting* one. A refused applicant gets no loan, hence no outcome: its status is
``refused``, never a guess.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel, Field

from credit_scoring.monitoring.prediction_log import (
    PredictionLogError,
    TimeWindow,
    iso_utc,
    parse_utc,
    read_prediction_log,
)

CLIENT = "SK_ID_CURR"
REQUIRED_COLUMNS = (CLIENT, "observed_at", "defaulted")
OPTIONAL_COLUMNS = ("request_id",)
TABLE_NAME = "loan_outcomes"
GRANTED, REFUSED = "granted", "refused"

#: The outcome table as the feed expects it (a loader may write it with `metadata.create_all`).
metadata = sa.MetaData()
loan_outcomes = sa.Table(
    TABLE_NAME,
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(CLIENT, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("request_id", sa.Text, nullable=True),
    sa.Column("observed_at", sa.Text, nullable=False),
    sa.Column("defaulted", sa.Integer, nullable=False),
)

RefusalReason = Literal[
    "missing_column",
    "missing_value",
    "malformed_client",
    "malformed_date",
    "invalid_label",
    "unknown_client",
    "unknown_request",
    "refused_decision",
    "before_decision",
    "duplicate",
]
LabelStatus = Literal["labelled", "open", "awaiting", "refused"]


class OutcomeError(ValueError):
    """The feed cannot be read at all (no such folder or table)."""


class OutcomeSettings(BaseModel):
    """How outcomes are read and when a loan counts as labelled."""

    observation_months: int = Field(default=12, ge=1, description="The loan's observation window")
    table: str = Field(default=TABLE_NAME, description="The database table of the outcome feed")


class RefusedOutcome(BaseModel):
    """A row of the feed that was not accepted, and why."""

    source: str = Field(description="The CSV file, or 'table <name>'")
    line: int = Field(description="CSV: physical line (header = 1); table: row number in key order")
    reason: RefusalReason
    detail: str
    client_id: str | None = None
    request_id: str | None = None

    def describe(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}: {self.detail}"


@dataclass(frozen=True)
class RawOutcomeRow:
    source: str
    line: int
    values: Mapping[str, str | None]


@dataclass
class RawOutcomes:
    """The rows read from a drop or a table, before validation, and the sources refused as a whole."""

    rows: list[RawOutcomeRow] = field(default_factory=list)
    refused: list[RefusedOutcome] = field(default_factory=list)

    def __add__(self, other: RawOutcomes) -> RawOutcomes:
        return RawOutcomes(self.rows + other.rows, self.refused + other.refused)


@dataclass(frozen=True)
class OutcomeFeed:
    """The accepted outcomes (one per decision; columns `OUTCOME_FRAME_COLUMNS`) and the refused rows."""

    outcomes: pd.DataFrame
    refused: list[RefusedOutcome]
    rows_read: int

    def refused_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(r.reason for r in self.refused).items()))


OUTCOME_FRAME_COLUMNS = ("request_id", CLIENT, "observed_at", "defaulted", "source", "line")


# --- reading ----------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A cell as text (None for empty); database values are rendered as a CSV would hold them."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _missing_columns(source: str, present: Iterable[str], rows: int) -> list[RefusedOutcome]:
    missing = [column for column in REQUIRED_COLUMNS if column not in set(present)]
    if not missing:
        return []
    return [
        RefusedOutcome(
            source=source,
            line=1,
            reason="missing_column",
            detail=f"column(s) {missing} missing; the source's {rows} row(s) were not read",
        )
    ]


def read_outcome_csvs(folder: str | Path) -> RawOutcomes:
    """Every ``*.csv`` of ``folder`` (or the one file given), in name order. A file without a required column
    is refused as a whole (one `RefusedOutcome` at its header line)."""
    path = Path(folder)
    if not path.exists():
        raise OutcomeError(f"No outcome drop at {path}")
    files = [path] if path.is_file() else sorted(path.glob("*.csv"))
    raw = RawOutcomes()
    for file in files:
        with open(file, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            reader.fieldnames = header
            rows = [
                RawOutcomeRow(str(file), reader.line_num, {k: _text(v) for k, v in row.items() if k})
                for row in reader
            ]
        refused = _missing_columns(str(file), header, len(rows))
        raw += RawOutcomes([], refused) if refused else RawOutcomes(rows, [])
    return raw


def read_outcome_table(engine: sa.Engine, table: str = TABLE_NAME) -> RawOutcomes:
    """The rows of the outcome ``table``, in primary-key order (else by time, client and request)."""
    inspector = sa.inspect(engine)
    if not inspector.has_table(table):
        raise OutcomeError(f"The database {engine.url!r} has no outcome table {table!r}")
    reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
    source = f"table {table}"
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(reflected)).scalar_one()
        refused = _missing_columns(source, reflected.c.keys(), int(count))
        if refused:
            return RawOutcomes([], refused)
        order = list(reflected.primary_key.columns) or [
            reflected.c[name] for name in ("observed_at", CLIENT, "request_id") if name in reflected.c
        ]
        result = connection.execute(sa.select(reflected).order_by(*order)).mappings().all()
    columns = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in reflected.c]
    return RawOutcomes(
        [RawOutcomeRow(source, n, {c: _text(row[c]) for c in columns}) for n, row in enumerate(result, 1)]
    )


def read_decisions(engine: sa.Engine, until: datetime) -> pd.DataFrame:
    """Every decision of the log made before ``until``, the ones reduced by retention included (their
    client id is gone, but a request id still finds them)."""
    window = TimeWindow(datetime(1970, 1, 1, tzinfo=UTC), until)
    return read_prediction_log(engine, window, include_reduced=True)


# --- validation -------------------------------------------------------------------------------------------


def _parse_observed(text: str) -> datetime:
    moment = parse_utc(text, "observed_at")
    if "T" not in text and " " not in text.strip():  # a date alone: known by the end of that day
        moment += timedelta(days=1) - timedelta(milliseconds=1)
    return moment


def _parse_client(text: str) -> int:
    number = float(text)
    if not number.is_integer():
        raise ValueError(text)
    return int(number)


def validate_outcomes(raw: RawOutcomes, decisions: pd.DataFrame) -> OutcomeFeed:
    """The good rows of ``raw`` matched to their decision in ``decisions`` (the decision log's columns), and
    every refused row with its reason (see `RefusalReason`). The first row for a decision wins; a later one is
    a duplicate naming the first's place."""
    refused = list(raw.refused)
    log = decisions.assign(decided_at=[parse_utc(t, "created_at") for t in decisions["created_at"]])
    by_request = {rid: row for rid, row in zip(log["request_id"], log.itertuples(index=False), strict=True)}
    by_client: dict[int, list[Any]] = {}
    for row in log.sort_values("decided_at").itertuples(index=False):
        if pd.notna(row.client_id):
            by_client.setdefault(int(row.client_id), []).append(row)
    accepted: dict[str, dict[str, Any]] = {}

    for item in raw.rows:
        values = item.values
        request = values.get("request_id")

        def refuse(reason: RefusalReason, detail: str, item: RawOutcomeRow = item) -> None:
            refused.append(
                RefusedOutcome(
                    source=item.source,
                    line=item.line,
                    reason=reason,
                    detail=detail,
                    client_id=item.values.get(CLIENT),
                    request_id=item.values.get("request_id"),
                )
            )

        empty = [column for column in REQUIRED_COLUMNS if values.get(column) is None]
        if empty:
            refuse("missing_value", f"no value for {empty}")
            continue
        try:
            client = _parse_client(values[CLIENT])
        except ValueError:
            refuse("malformed_client", f"{CLIENT} {values[CLIENT]!r} is not an integer")
            continue
        try:
            observed = _parse_observed(values["observed_at"])
        except PredictionLogError:
            refuse("malformed_date", f"observed_at {values['observed_at']!r} is not an ISO-8601 date or time")
            continue
        label = values["defaulted"]
        if label not in ("0", "1", "0.0", "1.0"):
            refuse("invalid_label", f"defaulted must be 0 or 1, got {label!r}")
            continue

        if request is not None:
            decision = by_request.get(request)
            if decision is None:
                refuse("unknown_request", f"no decision with request id {request!r} in the decision log")
                continue
            if pd.notna(decision.client_id) and int(decision.client_id) != client:
                refuse(
                    "unknown_client",
                    f"request {request!r} decided for client {int(decision.client_id)}, not {client}",
                )
                continue
            candidates = [decision]
        else:
            candidates = by_client.get(client, [])
            if not candidates:
                refuse("unknown_client", f"no decision for client {client} in the decision log")
                continue
        before = [d for d in candidates if d.decided_at <= observed]
        if not before:
            refuse(
                "before_decision",
                f"observed at {iso_utc(observed)}, before the decision of {candidates[0].created_at}",
            )
            continue
        granted = [d for d in before if d.decision == GRANTED]
        if not granted:
            refuse(
                "refused_decision",
                f"the decision {before[-1].request_id!r} refused the loan: a refused applicant has no "
                "outcome",
            )
            continue
        decision = granted[-1]
        first = accepted.get(decision.request_id)
        if first is not None:
            place = f"{first['source']}:{first['line']}"
            refuse("duplicate", f"decision {decision.request_id!r} already has an outcome ({place})")
            continue
        accepted[decision.request_id] = {
            "request_id": decision.request_id,
            CLIENT: client,
            "observed_at": observed,
            "defaulted": int(float(label)),
            "source": item.source,
            "line": item.line,
        }
    outcomes = pd.DataFrame(list(accepted.values()), columns=list(OUTCOME_FRAME_COLUMNS))
    outcomes["observed_at"] = pd.to_datetime(outcomes["observed_at"], utc=True)
    outcomes["defaulted"] = outcomes["defaulted"].astype(np.int64)
    return OutcomeFeed(outcomes=outcomes, refused=refused, rows_read=len(raw.rows))


# --- label delay ------------------------------------------------------------------------------------------


def label_decisions(
    decisions: pd.DataFrame, outcomes: pd.DataFrame, as_of: datetime, observation_months: int
) -> pd.DataFrame:
    """``decisions`` with ``decided_at``, ``window_end``, ``observed_at``, ``defaulted`` (nullable; set only
    when labelled) and ``label_status`` as known at ``as_of`` (see the module docstring). Outcomes observed
    after ``as_of`` are not known yet."""
    frame = decisions.copy()
    frame["decided_at"] = pd.to_datetime([parse_utc(t, "created_at") for t in frame["created_at"]], utc=True)
    frame["window_end"] = frame["decided_at"] + pd.DateOffset(months=observation_months)
    as_of_ts = pd.Timestamp(as_of)
    as_of_ts = as_of_ts.tz_convert(UTC) if as_of_ts.tzinfo else as_of_ts.tz_localize(UTC)
    known = outcomes[outcomes["observed_at"] <= as_of_ts][["request_id", "observed_at", "defaulted"]]
    frame = frame.merge(known, on="request_id", how="left")
    granted = frame["decision"] == GRANTED
    ended = frame["window_end"] <= as_of_ts
    has_outcome = frame["defaulted"].notna()
    frame["label_status"] = np.select(
        [~granted, ended & has_outcome, ended], ["refused", "labelled", "awaiting"], default="open"
    )
    frame["defaulted"] = frame["defaulted"].where(frame["label_status"] == "labelled").astype("Int64")
    return frame


class OutcomeFeedReport(BaseModel):
    """What the feed held and what it means for the labels, as of a date."""

    as_of: str = Field(description="ISO-8601 UTC")
    observation_months: int
    rows_read: int
    accepted: int
    refused: int
    refused_by_reason: dict[str, int]
    refused_rows: list[RefusedOutcome]
    labelled: int = Field(description="Granted loans whose window ended and whose outcome arrived")
    open: int = Field(description="Granted loans whose observation window has not ended")
    awaiting: int = Field(description="Granted loans whose window ended without an outcome yet")
    refused_decisions: int = Field(description="Refused applicants: no loan, so no outcome")


def summarize_feed(
    feed: OutcomeFeed, labelled: pd.DataFrame, as_of: datetime, months: int
) -> OutcomeFeedReport:
    """The report of ``feed`` given the decisions labelled by `label_decisions`."""
    status = Counter(labelled["label_status"])
    return OutcomeFeedReport(
        as_of=iso_utc(as_of),
        observation_months=months,
        rows_read=feed.rows_read,
        accepted=len(feed.outcomes),
        refused=len(feed.refused),
        refused_by_reason=feed.refused_by_reason(),
        refused_rows=feed.refused,
        labelled=status["labelled"],
        open=status["open"],
        awaiting=status["awaiting"],
        refused_decisions=status["refused"],
    )
