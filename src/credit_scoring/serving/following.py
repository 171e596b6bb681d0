"""Follow a registry alias in a running server: check it every few seconds, load a new version beside the
one that serves, switch when it is ready, keep the old one when it is not. Knows no HTTP.

The server gives three functions: which version the alias names now, which one serves, and how to switch to
a version (load it, build what depends on it, then replace the served state in one assignment; raise when it
cannot). A failed switch is reported through ``on_failure`` and retried at the next check. A registry that
does not answer is no failed switch: the follower keeps why in ``registry_problem`` (None once it answers
again), for the readiness route, and retries at the next check. A process that serves nothing yet (its first
load failed) checks every `UNSERVED_INTERVAL_S` at most, so that it serves soon after the registry is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

logger = logging.getLogger(__name__)

UNSERVED_INTERVAL_S = 5.0
"""The longest wait between two checks while no version serves."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AliasFollower:
    def __init__(
        self,
        *,
        alias_version: Callable[[], str | None],
        serving_version: Callable[[], str | None],
        switch: Callable[[str], None],
        on_failure: Callable[[str | None], None],
        interval_seconds: float,
    ) -> None:
        self.alias_version = alias_version
        self.serving_version = serving_version
        self.switch = switch
        self.on_failure = on_failure
        self.interval_seconds = interval_seconds
        self.registry_problem: str | None = None
        """Why the registry did not answer at the last check (one line), or None."""
        self.checked_at: str | None = None
        """When the alias was last checked (UTC, ISO 8601), whatever the outcome; None before the first."""
        self._thread: threading.Thread | None = None

    def check_once(self) -> str | None:
        """Switch when the alias names another version; returns the version switched to, else None."""
        serving = self.serving_version()
        try:
            wanted = self.alias_version()
        except Exception as error:
            problem = " ".join(str(error).split()) or type(error).__name__
            if problem != self.registry_problem:  # once per outage (and per new error), not at every check
                logger.warning("Could not read the model alias (%s): %s", _serving_text(serving), problem)
            self.registry_problem, self.checked_at = problem, _now()
            return None
        if self.registry_problem is not None:
            logger.info("The registry answers again (%s)", _serving_text(serving))
        self.registry_problem, self.checked_at = None, _now()
        if wanted is None or wanted == serving:
            return None
        logger.info("The alias moved to version %s (%s): loading it", wanted, _serving_text(serving))
        try:
            self.switch(wanted)
        except Exception as error:
            message = f"version {wanted} could not be served ({error}); {_serving_text(serving)}"
            logger.error("Model switch failed: %s", message)
            self.on_failure(message)
            return None
        self.on_failure(None)
        logger.info("Switched from version %s to version %s", serving, wanted)
        return wanted

    def next_wait(self) -> float:
        """Seconds until the next check: the interval, at most `UNSERVED_INTERVAL_S` while nothing serves."""
        if self.serving_version() is None:
            return min(self.interval_seconds, UNSERVED_INTERVAL_S)
        return self.interval_seconds

    def _run(self) -> None:
        while True:
            time.sleep(self.next_wait())
            try:
                self.check_once()
            except Exception:  # never let the thread die: the next check may succeed
                logger.exception("The alias check failed")

    def start(self) -> None:
        """Check in a daemon thread of this process (each server worker has its own)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="alias-follower", daemon=True)
            self._thread.start()


def _serving_text(serving: str | None) -> str:
    return f"still serving version {serving}" if serving is not None else "no version serves yet"
