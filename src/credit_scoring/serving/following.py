"""Follow a registry alias in a running server: check it every few seconds, load a new version beside the
one that serves, switch when it is ready, keep the old one when it is not. Knows no HTTP.

The server gives three functions: which version the alias names now, which one serves, and how to switch to
a version (load it, build what depends on it, then replace the served state in one assignment; raise when it
cannot). A failed switch is reported through ``on_failure`` and retried at the next check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


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
        self._thread: threading.Thread | None = None

    def check_once(self) -> str | None:
        """Switch when the alias names another version; returns the version switched to, else None."""
        try:
            wanted = self.alias_version()
        except Exception as error:
            logger.warning(
                "Could not read the model alias (still serving version %s): %s", self.serving_version(), error
            )
            return None
        serving = self.serving_version()
        if wanted is None or wanted == serving:
            return None
        logger.info("The alias moved to version %s (serving %s): loading it", wanted, serving)
        try:
            self.switch(wanted)
        except Exception as error:
            message = f"version {wanted} could not be served ({error}); still serving version {serving}"
            logger.error("Model switch failed: %s", message)
            self.on_failure(message)
            return None
        self.on_failure(None)
        logger.info("Switched from version %s to version %s", serving, wanted)
        return wanted

    def _run(self) -> None:
        while True:
            time.sleep(self.interval_seconds)
            self.check_once()

    def start(self) -> None:
        """Check in a daemon thread of this process (each server worker has its own)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="alias-follower", daemon=True)
            self._thread.start()
