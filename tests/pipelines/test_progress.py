"""Progress of long loops: readable durations and a time left extrapolated from the steps done."""

from __future__ import annotations

import logging

import pytest

from credit_scoring.pipelines import progress
from credit_scoring.pipelines.progress import Progress, duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-1, "0 s"),
        (0.4, "0 s"),
        (42.2, "42 s"),
        (65, "1 min 05 s"),
        (3599, "59 min 59 s"),
        (3725, "1 h 02 min"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_the_time_left_is_the_mean_step_times_the_steps_to_go(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = iter([100.0, 130.0, 160.0])
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    logger = logging.getLogger("test_progress")
    loop = Progress(logger, "SHAP values", 40_000, "clients")
    with caplog.at_level(logging.INFO, logger="test_progress"):
        loop.step(10_000)
        loop.step(40_000, "done")
    assert caplog.messages == [
        "SHAP values: 10,000 of 40,000 clients, 30 s elapsed, about 1 min 30 s left",
        "SHAP values: 40,000 of 40,000 clients (done), 1 min 00 s elapsed, about 0 s left",
    ]
