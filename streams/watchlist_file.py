"""The watchlist file (``FLASHPOINT_WATCHLISTS``), re-read when it changes.

A broken edit does not stop anything: the error (file, line, field) is logged and
the watchlists loaded before stay in force until the file is fixed.
"""

from __future__ import annotations

import logging
import os

from detectors.watchlists import WatchlistError, WatchlistSet, load_watchlists

log = logging.getLogger(__name__)


class WatchlistFile:
    def __init__(self, path: str):
        self.path = path
        self._stamp: tuple[float, int] | None = None
        self.current: WatchlistSet = self.load()

    def _stat(self) -> tuple[float, int]:
        st = os.stat(self.path)
        return st.st_mtime, st.st_size

    def load(self) -> WatchlistSet:
        """Read the file now (errors name the file, line and field)."""
        stamp = self._stat()
        watchlists = load_watchlists(self.path)
        self._stamp = stamp
        return watchlists

    def changed(self) -> WatchlistSet | None:
        """The new watchlists if the file changed since it was last read, else None."""
        try:
            if self._stat() == self._stamp:
                return None
            self.current = self.load()
        except (OSError, WatchlistError) as exc:
            log.error("watchlists not reloaded, the previous ones stay in force: %s", exc)
            try:
                self._stamp = self._stat()  # report a broken file once, not at every check
            except OSError:
                pass
            return None
        log.info("watchlists reloaded from %s", self.path)
        return self.current

    def describe(self) -> list[dict]:
        return self.current.describe()
