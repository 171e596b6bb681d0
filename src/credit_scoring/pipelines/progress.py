"""Progress of a long loop, as a Kedro user expects from a long node: what is done, the time spent, and the
time left, extrapolated from the steps so far (fits, folds, chunks of clients)."""

from __future__ import annotations

import logging
import time


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s`` or ``1 h 02 min``."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """Logs ``label: <done> of <total> <unit>[, detail], <elapsed> elapsed, about <left> left`` after each
    step; the time left is the mean time per unit so far times the units to go."""

    def __init__(self, logger: logging.Logger, label: str, total: int, unit: str = "") -> None:
        self._logger, self._label, self._total, self._unit = logger, label, total, unit
        self._started = time.perf_counter()

    def step(self, done: int, detail: str = "") -> None:
        elapsed = time.perf_counter() - self._started
        left = elapsed / done * max(0, self._total - done) if done else 0.0
        unit = f" {self._unit}" if self._unit else ""
        self._logger.info(
            "%s: %s of %s%s%s, %s elapsed, about %s left",
            self._label,
            f"{done:,}",
            f"{self._total:,}",
            unit,
            f" ({detail})" if detail else "",
            duration(elapsed),
            duration(left),
        )
