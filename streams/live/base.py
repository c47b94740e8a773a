"""The run loop every live connector shares: connect, read, checkpoint, reconnect.

A connector subclasses :class:`LiveSource` and implements :meth:`~LiveSource.session`
(one connection: open it, call :meth:`~LiveSource.connected`, feed each message
to :meth:`~LiveSource.emit` / :meth:`~LiveSource.skip` / :meth:`~LiveSource.advance`,
return when it closes or :attr:`~LiveSource.done`), plus :meth:`~LiveSource.position`
and :meth:`~LiveSource.restore` for its resume state.  Errors it classes as
transient (:meth:`~LiveSource.transient`) cause a reconnect after a backoff;
anything else (a :class:`SourceError`: bad URL, refused credentials; a sink or
state-file failure) ends :meth:`~LiveSource.run`.

>>> ids = RecentIds(2)
>>> ids.add("a"), ids.add("b"), ids.add("a"), ids.add("c"), "a" in ids
(True, True, False, True, False)
"""

from __future__ import annotations

import abc
import asyncio
import logging
import os
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from detectors.post import PostError, parse_post
from streams.live.backoff import Backoff
from streams.metrics import SourceMetrics
from streams.live.sinks import PostSink
from streams.live.state import StateFile

log = logging.getLogger("streams.live")


class SourceError(Exception):
    """A failure that retrying will not fix; the message names the URL or file."""


class RecentIds:
    """The last ``size`` ids seen, for dropping duplicates in O(1)."""

    def __init__(self, size: int = 100_000):
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, post_id: str) -> bool:
        """True if ``post_id`` is new (and remember it)."""
        if post_id in self._ids:
            return False
        self._ids[post_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True

    def __contains__(self, post_id: str) -> bool:
        return post_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)


@dataclass
class Stats:
    posts: int = 0
    skipped: Counter = field(default_factory=Counter)
    reconnects: int = 0
    connections: int = 0
    checkpoints: int = 0

    def summary(self, name: str) -> str:
        skipped = ", ".join(f"{k}: {v}" for k, v in sorted(self.skipped.items()))
        return (f"{name}: {self.posts} posts, {sum(self.skipped.values())} skipped"
                f"{f' ({skipped})' if skipped else ''}, {self.reconnects} reconnects")


class LiveSource(abc.ABC):
    """Shared plumbing; see the module docstring."""

    #: label of the source: ``source`` field of its posts, metrics label, state-file owner
    name = "live"

    def __init__(self, sink: PostSink, *, state: StateFile | str | os.PathLike | None = None,
                 metrics: SourceMetrics | None = None, backoff: Backoff | None = None,
                 max_posts: int | None = None, recent_ids: int = 100_000, checkpoint_every: int = 1000,
                 checkpoint_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self.sink = sink
        self.state = StateFile(state, source=self.name) if isinstance(state, (str, os.PathLike)) else state
        self.metrics = metrics
        self.backoff = backoff or Backoff()
        self.max_posts = max_posts
        self.recent = RecentIds(recent_ids)
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self.clock = clock
        self.stats = Stats()
        self.done = False
        self._since_checkpoint = 0
        self._last_checkpoint = clock()

    # -- what a connector implements -------------------------------------------------------

    @property
    @abc.abstractmethod
    def endpoint(self) -> str:
        """What it connects to, for messages."""

    @abc.abstractmethod
    async def session(self) -> None:
        """One connection, until it closes or :attr:`done`."""

    @abc.abstractmethod
    def position(self) -> dict[str, Any]:
        """The resume position to persist (JSON-able)."""

    @abc.abstractmethod
    def restore(self, position: dict[str, Any]) -> None:
        """Take a position read back from the state file."""

    def transient(self, exc: BaseException) -> bool:
        """Whether ``exc`` means "reconnect and go on"."""
        return isinstance(exc, (OSError, asyncio.TimeoutError, EOFError))

    # -- what a connector calls ------------------------------------------------------------

    def connected(self) -> None:
        self.stats.connections += 1
        self.backoff.connected(self.clock())

    def emit(self, post: dict[str, Any]) -> bool:
        """Validate ``post`` and hand it to the sink unless its id was seen; True if sent."""
        try:
            parsed = parse_post(post)
        except PostError as exc:
            log.debug("%s: dropped a post that does not fit the schema: %s", self.name, exc)
            self.skip("malformed")
            return False
        if not self.recent.add(post["id"]):
            self.skip("duplicate")
            return False
        # what the decoder made of it (text cut, lone surrogates replaced), in the
        # source's own spelling of the time
        self.sink.emit({**post, **parsed.to_dict(), "ts": post["ts"]})
        self.stats.posts += 1
        if self.metrics:
            self.metrics.post()
        if self.max_posts is not None and self.stats.posts >= self.max_posts:
            self.done = True
        return True

    def skip(self, reason: str) -> None:
        self.stats.skipped[reason] += 1
        if self.metrics:
            self.metrics.skipped(reason)

    def advance(self) -> None:
        """A message was processed: checkpoint when ``checkpoint_every`` messages or
        ``checkpoint_seconds`` have gone by since the last one."""
        self._since_checkpoint += 1
        if (self._since_checkpoint >= self.checkpoint_every
                or self.clock() - self._last_checkpoint >= self.checkpoint_seconds):
            self.checkpoint()

    def checkpoint(self) -> None:
        """Flush the sink, then persist the position (never ahead of the sink)."""
        self.sink.flush()
        if self.state is not None:
            self.state.save(self.position())
        self.stats.checkpoints += 1
        self._since_checkpoint = 0
        self._last_checkpoint = self.clock()

    def stop(self) -> None:
        """Finish after the message at hand (a blocked read ends by cancelling :meth:`run`)."""
        self.done = True

    # -- the loop --------------------------------------------------------------------------

    async def run(self) -> Stats:
        """Read until ``max_posts`` or :meth:`stop`; reconnect on transient errors.
        The position is saved on the way out, however it ends (cancellation included)."""
        if self.state is not None:
            saved = self.state.load()
            if saved is not None:
                self.restore(saved)
                log.info("%s: resuming from %s (%s)", self.name, saved_summary(saved), self.state.path)
        try:
            await self._loop()
        except BaseException:
            try:  # keep what was taken; a failing sink refuses here too, so the position never runs ahead
                self.checkpoint()
            except Exception as exc:
                log.error("%s: final checkpoint failed: %s", self.name, exc)
            raise
        self.checkpoint()
        return self.stats

    async def _loop(self) -> None:
        while not self.done:
            try:
                await self.session()
                reason = "connection closed by the server"
            except SourceError:
                raise
            except Exception as exc:
                if not self.transient(exc):
                    raise
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            self.backoff.disconnected(self.clock())
            if self.done:
                break
            self.stats.reconnects += 1
            if self.metrics:
                self.metrics.reconnect()
            delay = self.backoff.next_delay()
            log.warning("%s: %s: %s; reconnecting in %.2f s", self.name, self.endpoint, reason, delay)
            await asyncio.sleep(delay)


def saved_summary(position: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in position.items() if not isinstance(v, (list, dict)))
