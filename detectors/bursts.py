"""Term bursts against a learned baseline, in bounded memory.

Each closed event-time bucket brings the count of posts carrying each term and
the bucket's total volume.  Per term the detector keeps, in hashed arrays:

* a *recent* level: an exponentially weighted sum of counts (half-life
  ``fast_half_life`` buckets), the "now";
* a *baseline*: exponentially weighted mean and variance of the term's share of
  volume (half-life ``baseline_half_life`` buckets), the recurrence of River's
  ``stats.EWMean``/``stats.EWVar`` applied to whole arrays at once.

Expected recent count = baseline share x recent total volume, so a term does not
"burst" just because the whole stream got busier.  The score is a z-like value::

    expected = max(baseline share, min_share) * recent total volume
    z = (recent - expected) / sqrt(expected + var(recent) + prior)

Only buckets that hold posts advance the clock, so months-long gaps in a crawl
neither erase nor age the baseline.  Decay is applied lazily, when a term shows
up again, so a bucket costs time proportional to its distinct terms, not to the
table.

Memory is fixed by ``table_bits``: 5 float32/int32 arrays of ``2**table_bits``
slots, 40 MiB at the default 21 bits, whatever the number of distinct terms.
Terms that collide share a slot; a collision can only raise a term's baseline,
which makes it *less* likely to burst (never a false burst from a collision).

>>> import random
>>> rng = random.Random(7)
>>> det = TermBurstDetector()
>>> flagged = []
>>> for step in range(60):
...     counts = {"weather": rng.randint(8, 12), "coffee": rng.randint(3, 6)}
...     if step >= 40:
...         counts["earthquake"] = 4 * (step - 39)   # new and accelerating
...     total = 100 + sum(counts.values())
...     scores = det.score_one(counts, total)
...     bursting = [t for t, s in scores.items() if s.z >= 5 and s.ratio >= 5]
...     if bursting:
...         flagged.append(step)
...     det.learn_one(counts, total, frozen=bursting)  # not learned while bursting
>>> flagged[0], len(flagged)   # two buckets into the burst, and every bucket after
(42, 18)
>>> round(scores["weather"].z, 1) < 3
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import xxhash


@dataclass(frozen=True, slots=True)
class TermScore:
    recent: float  # weighted count over the recent window, this bucket included
    expected: float  # what the baseline predicts for that window
    z: float
    ratio: float  # (recent + 1) / (expected + 1)
    share: float  # baseline share of posts carrying the term


def term_slot(term: str, mask: int) -> int:
    """Stable across processes (Python's own ``hash`` of str is salted)."""
    return xxhash.xxh3_64_intdigest(term.encode()) & mask


def term_hashes(terms: list[str]) -> np.ndarray:
    """The 64-bit hash of each term (whose low bits are :func:`term_slot`), as uint64.
    (``map`` over C functions, no memo: a memo cost more than hashing anew on a
    stream with a long tail.)"""
    return np.fromiter(map(xxhash.xxh3_64_intdigest, map(str.encode, terms)), np.uint64, len(terms))


class TermBurstDetector:
    """Per-term burst scores for each event-time bucket.

    Parameters
    ----------
    table_bits
        log2 of the number of hashed slots (memory bound, see module doc).
    fast_half_life
        Half-life of the recent level, in buckets.
    baseline_half_life
        Half-life of the baseline share, in buckets.
    prior
        Pseudo-variance that keeps a handful of mentions of a new term from
        looking significant.
    min_share
        Floor on any term's baseline share: a term never seen before is
        expected at this share of volume (also covers the stream's start,
        when nothing has a baseline yet).
    """

    def __init__(
        self,
        table_bits: int = 21,
        fast_half_life: float = 3.0,
        baseline_half_life: float = 288.0,
        prior: float = 4.0,
        min_share: float = 0.002,
    ):
        self.table_bits = table_bits
        self.fast_half_life = fast_half_life
        self.baseline_half_life = baseline_half_life
        self.prior = prior
        self.min_share = min_share
        size = 1 << table_bits
        self._mask = size - 1
        self._fast_decay = 0.5 ** (1.0 / fast_half_life)
        self._alpha = 1.0 - 0.5 ** (1.0 / baseline_half_life)
        d = self._fast_decay
        self._sum_var_factor = (1.0 - d) / (1.0 + d)
        self._recent = np.zeros(size, np.float32)
        self._recent_step = np.zeros(size, np.int32)
        self._mean = np.zeros(size, np.float32)
        self._var = np.zeros(size, np.float32)
        self._base_step = np.zeros(size, np.int32)
        self._recent_total = 0.0
        self._mean_total = 0.0  # EW mean of a bucket's volume, baseline half-life
        self.steps = 0  # buckets learned so far

    # -- pickling (state goes into changelogs) --------------------------------------
    _TABLES = ("_recent", "_recent_step", "_mean", "_var", "_base_step")

    def __getstate__(self) -> dict:
        """Only the table slots in use: a checkpoint is a fraction of the 40 MiB tables."""
        state = self.__dict__.copy()
        used = np.zeros(self._mask + 1, bool)
        for name in self._TABLES:
            used |= state[name] != 0
        live = np.flatnonzero(used).astype(np.int32)
        state["_live"] = live
        for name in self._TABLES:
            state[name] = state[name][live]
        return state

    def __setstate__(self, state: dict) -> None:
        live = state.pop("_live")
        size = 1 << state["table_bits"]
        for name in self._TABLES:
            full = np.zeros(size, state[name].dtype)
            full[live] = state[name]
            state[name] = full
        self.__dict__.update(state)

    # -- helpers -----------------------------------------------------------------
    def _slots(self, terms: Iterable[str]) -> np.ndarray:
        terms = list(terms)
        return (term_hashes(terms) & np.uint64(self._mask)).astype(np.int64)

    def _recent_now(self, slots: np.ndarray) -> np.ndarray:
        age = self.steps - self._recent_step[slots]
        return self._recent[slots] * np.power(self._fast_decay, age, dtype=np.float64)

    def _baseline_now(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Buckets in which a term was absent were observations of share 0.
        keep = np.power(1.0 - self._alpha, self.steps - self._base_step[slots], dtype=np.float64)
        return self._mean[slots] * keep, self._var[slots] * keep

    @property
    def typical_volume(self) -> float:
        """A bucket's usual volume over the baseline half-life (busy and quiet hours alike)."""
        if not self.steps:
            return 0.0
        return self._mean_total / (1.0 - (1.0 - self._alpha) ** self.steps)

    def recent_total_after(self, total: float) -> float:
        """The recent volume once a bucket of ``total`` posts is in."""
        return self._recent_total * self._fast_decay + total

    def baseline_share(self, terms: list[str]) -> list[float]:
        """Current baseline share of posts carrying each term."""
        if not terms:
            return []
        mean, _ = self._baseline_now(self._slots(terms))
        if self.steps:
            mean = mean / (1.0 - (1.0 - self._alpha) ** self.steps)
        return mean.tolist()

    def absorb(self, terms: Iterable[str]) -> None:
        """Take ``terms``' recent share as their baseline (terms held out of the
        baseline for a while that turned out to be ordinary)."""
        terms = list(terms)
        if not terms or self._recent_total <= 0:
            return
        slots = self._slots(terms)
        share = self._recent_now(slots) / self._recent_total
        if self.steps:  # stored means are biased low early on (see score_one)
            share *= 1.0 - (1.0 - self._alpha) ** self.steps
        self._mean[slots] = share
        self._base_step[slots] = self.steps

    # -- baseline replicas (term statistics sharded over processes) ---------------------
    @property
    def mean_total(self) -> float:
        return self._mean_total

    @property
    def recent_total(self) -> float:
        return self._recent_total

    def slots_of(self, terms: Iterable[str]) -> np.ndarray:
        return self._slots(terms)

    def stored_baseline(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The stored baseline mean and its step for ``slots`` (see :meth:`set_baseline`)."""
        return self._mean[slots].copy(), self._base_step[slots].copy()

    def set_baseline(self, slots: np.ndarray, means: np.ndarray, base_steps: np.ndarray, steps: int,
                     mean_total: float, recent_total: float) -> None:
        """Copy in another detector's baseline for ``slots``: a replica that only
        answers :meth:`baseline_share` and :attr:`typical_volume` (the term shards own
        the scoring)."""
        self._mean[slots] = means
        self._base_step[slots] = base_steps
        self.steps, self._mean_total, self._recent_total = steps, mean_total, recent_total

    # -- River-style API ---------------------------------------------------------------
    def score_bucket(self, counts: Mapping[str, float], total: float,
                     slots: np.ndarray | None = None) -> "BucketScores":
        """Scores of a bucket's terms as arrays (state unchanged); the pipeline
        thresholds these without building an object per term.  ``slots``: the
        terms' slots, when the caller has them already."""
        terms = list(counts)
        if slots is None:
            slots = self._slots(terms)
        return self.score_terms(terms, slots, np.fromiter(counts.values(), np.float64, len(terms)), total)

    def score_terms(self, terms: list[str], slots: np.ndarray, c: np.ndarray, total: float) -> "BucketScores":
        """:meth:`score_bucket` with the counts as parallel arrays."""
        recent = self._recent_now(slots) * self._fast_decay + c
        recent_total = self._recent_total * self._fast_decay + total
        mean, var = self._baseline_now(slots)
        if self.steps:  # the arrays start at 0: correct that start-up bias (as Adam does)
            unbias = 1.0 / (1.0 - (1.0 - self._alpha) ** self.steps)
            mean, var = mean * unbias, var * unbias
        expected = np.maximum(mean, self.min_share) * recent_total
        # Variance of a decayed sum of per-bucket shares, scaled to counts.
        spread = var * recent_total**2 * self._sum_var_factor
        z = (recent - expected) / np.sqrt(expected + spread + self.prior)
        ratio = (recent + 1.0) / (expected + 1.0)
        return BucketScores(terms, slots, c, total, recent, expected, z, ratio, mean)

    def score_one(self, counts: Mapping[str, float], total: float) -> dict[str, TermScore]:
        """Scores for the terms of a bucket about to be learned (state unchanged)."""
        return self.score_bucket(counts, total).select(slice(None))

    def learn_one(self, counts: Mapping[str, float], total: float, frozen: Iterable[str] = ()) -> None:
        """Fold one closed bucket in.  ``frozen`` terms (bursting now) keep their
        baseline as it is, so a burst is not learned as the new normal while it lasts."""
        terms = list(counts)
        c = np.fromiter(counts.values(), np.float64, len(terms))
        self.learn_bucket(terms, self._slots(terms), c, total, frozen)

    def learn_bucket(self, terms: list[str], slots: np.ndarray, c: np.ndarray, total: float,
                     frozen: Iterable[str] = (), hold: np.ndarray | None = None) -> None:
        """:meth:`learn_one` with the terms' slots already hashed (by :meth:`score_bucket`).
        ``hold``: which terms are frozen, as a bool array (instead of ``frozen``)."""
        if total <= 0:
            return
        recent = self._recent_now(slots) * self._fast_decay
        mean, var = self._baseline_now(slots)
        self.steps += 1
        self._recent_total = self._recent_total * self._fast_decay + total
        self._mean_total += self._alpha * (total - self._mean_total)
        if not terms:
            return
        np.add.at(recent, np.arange(len(slots)), c)
        self._recent[slots] = recent
        self._recent_step[slots] = self.steps

        # River's EWMean/EWVar recurrence, for all of this bucket's terms at once.
        diff = c / total - mean
        new_mean = mean + self._alpha * diff
        new_var = (1.0 - self._alpha) * (var + self._alpha * diff * diff)
        frozen = set(frozen)
        if frozen and hold is None:
            hold = np.fromiter((t in frozen for t in terms), bool, len(terms))
        if hold is not None and hold.any():  # held as they were: neither learned nor decayed
            new_mean[hold] = mean[hold]
            new_var[hold] = var[hold]
        self._mean[slots] = new_mean
        self._var[slots] = new_var
        self._base_step[slots] = self.steps


@dataclass(frozen=True)
class BucketScores:
    """One bucket's terms with their scores, as parallel arrays."""

    terms: list[str]
    slots: np.ndarray
    counts: np.ndarray
    total: float
    recent: np.ndarray
    expected: np.ndarray
    z: np.ndarray
    ratio: np.ndarray
    share: np.ndarray

    def select(self, mask) -> dict[str, TermScore]:
        """:class:`TermScore` objects for the terms picked by ``mask`` (bool array or slice)."""
        idx = np.arange(len(self.terms))[mask]
        terms = self.terms
        return {
            terms[i]: TermScore(float(r), float(e), float(z), float(q), float(m))
            for i, r, e, z, q, m in zip(idx.tolist(), self.recent[idx], self.expected[idx], self.z[idx],
                                         self.ratio[idx], self.share[idx])
        }
