"""Capped exponential backoff with jitter, reset after a healthy connection.

>>> b = Backoff(initial=1.0, cap=8.0, rng=lambda: 1.0)   # rng=1: the top of each range
>>> [b.next_delay() for _ in range(6)]
[1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
>>> b = Backoff(initial=1.0, cap=8.0, rng=lambda: 0.0)   # rng=0: half of it ("equal jitter")
>>> [b.next_delay() for _ in range(3)]
[0.5, 1.0, 2.0]
>>> b.connected(now=100.0); b.disconnected(now=130.0)    # up for healthy_after (30 s): start over
>>> b.next_delay()
0.5
"""

from __future__ import annotations

import random
from typing import Callable


class Backoff:
    """Delay before the next reconnect: ``base = min(cap, initial * factor**attempt)``,
    drawn from ``[base/2, base]`` so that many clients dropped together do not
    return together, yet never wait next to nothing."""

    def __init__(self, initial: float = 0.5, cap: float = 60.0, factor: float = 2.0,
                 healthy_after: float = 30.0, rng: Callable[[], float] = random.random):
        if initial <= 0 or cap < initial or factor < 1:
            raise ValueError("backoff needs 0 < initial <= cap and factor >= 1")
        self.initial, self.cap, self.factor, self.healthy_after = initial, cap, factor, healthy_after
        self.rng = rng
        self.attempt = 0
        self._up_since: float | None = None

    def next_delay(self) -> float:
        base = min(self.cap, self.initial * self.factor ** min(self.attempt, 64))
        self.attempt += 1
        return base / 2 + self.rng() * base / 2

    def connected(self, now: float) -> None:
        """The connection works (it delivered data or opened cleanly)."""
        if self._up_since is None:
            self._up_since = now

    def disconnected(self, now: float) -> None:
        """The connection ended; a long enough healthy spell resets the backoff."""
        if self._up_since is not None and now - self._up_since >= self.healthy_after:
            self.reset()
        self._up_since = None

    def reset(self) -> None:
        self.attempt = 0
