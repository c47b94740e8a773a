"""The resume position of a connector, kept in a small JSON file written atomically.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "bsky.json")
>>> state = StateFile(path, source="bluesky")
>>> state.load() is None
True
>>> state.save({"cursor": 1725911162329308})
>>> state.load()
{'cursor': 1725911162329308}
>>> StateFile(path, source="mastodon").load()
Traceback (most recent call last):
...
streams.live.state.StateError: ...bsky.json: state of source 'bluesky', not 'mastodon'
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

VERSION = 1


class StateError(Exception):
    """A state file that cannot be read or written; the message names it."""


class StateFile:
    """``{"version", "source", "saved_at", "position": {...}}`` at ``path``.

    :meth:`save` writes a temporary file beside it, fsyncs it and renames it over
    the old one, so a crash leaves either the old state or the new, never half.
    """

    def __init__(self, path: str | os.PathLike, *, source: str):
        self.path = Path(path)
        self.source = source

    def load(self) -> dict[str, Any] | None:
        """The saved position, or None when there is no file yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StateError(f"{self.path}: not a state file (bad JSON: {exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("position"), dict):
            raise StateError(f"{self.path}: not a state file (no 'position' object)")
        if data.get("source") != self.source:
            raise StateError(f"{self.path}: state of source {data.get('source')!r}, not {self.source!r}")
        return data["position"]

    def save(self, position: dict[str, Any]) -> None:
        record = {"version": VERSION, "source": self.source, "saved_at": time.time(), "position": position}
        directory = self.path.parent
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise StateError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(record, out, separators=(",", ":"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise StateError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        try:  # make the rename itself durable
            dir_fd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)
