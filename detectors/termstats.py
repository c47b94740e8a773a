"""Term statistics of a closed bucket: burst scores -> threshold -> baseline update.

One stage of the bucket close (see :mod:`detectors.pipeline`), kept apart so
that it can run sharded by term: every term belongs to one shard (by its table
slot, so terms that share a slot share a shard), and a shard sees only its
terms' counts.  In one process there is one shard holding every term.

Scoring, thresholding and learning are separate steps: terms over the
thresholds are *bursting*; bursting terms, and the terms a live event explains,
are frozen so a burst is not learned as the new normal while it lasts.

>>> import random
>>> rng = random.Random(5)
>>> stats, flagged = TermStatistics(), []
>>> for step in range(40):
...     counts = {"weather": rng.randint(8, 12), "coffee": rng.randint(3, 6)}
...     if step >= 30:
...         counts["earthquake"] = 5 * (step - 29)          # new and accelerating
...     result = stats.update(counts, 100 + sum(counts.values()))
...     if "earthquake" in result.bursting:
...         flagged.append(step)
>>> flagged[0], len(flagged)   # one bucket into the burst, and every bucket after
(31, 9)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np

from detectors.bursts import TermBurstDetector, TermScore, term_slot


@dataclass(frozen=True)
class BucketStats:
    """What a shard learned from one bucket: its bursting terms, and the baseline
    of every slot it changed (for read-only replicas of the baseline)."""

    bursting: dict[str, TermScore]
    slots: np.ndarray  # int64, sorted: slots whose baseline changed
    means: np.ndarray  # float32: their stored baseline mean
    base_steps: np.ndarray  # int32: the step it was stored at
    steps: int
    mean_total: float
    recent_total: float


_SLOTS: dict[int, dict[str, int]] = {}  # memo per table size: common terms come back in every batch


def slot_memo(table_bits: int = 21) -> dict[str, int]:
    """The memo of term slots for a table size (read it directly in hot loops;
    :func:`slot_of` fills it)."""
    memo = _SLOTS.get(table_bits)
    if memo is None:
        memo = _SLOTS[table_bits] = {}
    return memo


def slot_of(term: str, table_bits: int = 21) -> int:
    memo = slot_memo(table_bits)
    slot = memo.get(term)
    if slot is None:
        if len(memo) >= 500_000:  # bounded: start over rather than grow with the long tail
            memo.clear()
        slot = memo[term] = term_slot(term, (1 << table_bits) - 1)
    return slot


def shard_of(term: str, shards: int, table_bits: int = 21) -> int:
    """The shard that owns ``term``: by its table slot, so colliding terms meet."""
    return slot_of(term, table_bits) % shards


class TermStatistics:
    """Per-bucket term statistics for one shard of the vocabulary.

    Parameters (thresholds a term must pass to be *bursting*)
    ----------------------------------------------------------
    min_recent, min_z, min_ratio
        Recent weighted count, z-score and ratio to the expected count.
    max_baseline_share
        Terms carried by more of the stream than this are never news.
    warmup_buckets, warmup_min_share
        With no history yet, only a term carried by this share of recent posts
        bursts (a stream may start in the middle of a crisis), and such terms are
        held out of the baseline until the warm-up ends.
    table_bits, fast_half_life, baseline_half_life, prior, min_share
        Of the underlying :class:`~detectors.bursts.TermBurstDetector`.
    """

    def __init__(
        self,
        min_recent: float = 2.0,
        min_z: float = 1.0,
        min_ratio: float = 3.0,
        max_baseline_share: float = 0.15,
        warmup_buckets: int = 12,
        warmup_min_share: float = 0.15,
        table_bits: int = 21,
        fast_half_life: float = 3.0,
        baseline_half_life: float = 288.0,
        prior: float = 4.0,
        min_share: float = 0.002,
    ):
        self.min_recent, self.min_z, self.min_ratio = min_recent, min_z, min_ratio
        self.max_baseline_share = max_baseline_share
        self.warmup_buckets, self.warmup_min_share = warmup_buckets, warmup_min_share
        self.bursts = TermBurstDetector(table_bits=table_bits, fast_half_life=fast_half_life,
                                        baseline_half_life=baseline_half_life, prior=prior, min_share=min_share)
        self._held: set[str] = set()  # terms kept out of the baseline during warm-up

    def update(self, counts: Mapping[str, float], total: float, explained: Iterable[str] = ()) -> BucketStats:
        """Score, threshold and learn one closed bucket.  ``counts``: weighted posts
        carrying each of this shard's terms; ``total``: the bucket's weighted volume
        (all shards); ``explained``: terms a live event explains (frozen)."""
        counts, slots = self._canonical(counts)
        bursts = self.bursts
        scored = bursts.score_bucket(counts, total, slots)
        loose = ((scored.recent >= self.min_recent) & (scored.z >= self.min_z) & (scored.ratio >= self.min_ratio)
                 & (scored.share <= self.max_baseline_share))
        explained = set(explained)
        absorbed: list[str] = []
        if bursts.steps < self.warmup_buckets:
            floor = self.warmup_min_share * bursts.recent_total_after(total)
            held = (scored.recent >= floor) & (scored.share <= self.max_baseline_share)
            self._held |= set(scored.select(held))
            loose &= held
        elif self._held:  # warm-up over: what no story claimed becomes baseline
            absorbed = sorted(self._held - explained)
            bursts.absorb(absorbed)
            self._held = set()
        bursting = dict(sorted(scored.select(loose).items()))
        frozen = (set(bursting) | explained | self._held) & counts.keys()
        bursts.learn_bucket(scored.terms, scored.slots, scored.counts, total, frozen)
        slots = np.unique(np.concatenate([scored.slots, bursts.slots_of(absorbed)]))
        return BucketStats(bursting, slots, *bursts.stored_baseline(slots), bursts.steps,
                           bursts.mean_total, bursts.recent_total)

    def _canonical(self, counts: Mapping[str, float]) -> tuple[Mapping[str, float], np.ndarray]:
        """The terms and their slots, terms that share a slot last and by term:
        such terms update their slot in turn, so the same order on every shard
        layout and in every arrival order gives the same state.  (Sorting only
        those few, not every term of the bucket.)"""
        terms = list(counts)
        memo, bits = slot_memo(self.bursts.table_bits), self.bursts.table_bits
        slots = np.fromiter((memo.get(t) or slot_of(t, bits) for t in terms), np.int64, len(terms))
        _, inverse, seen = np.unique(slots, return_inverse=True, return_counts=True)
        shared = seen[inverse] > 1
        if not shared.any():
            return counts, slots
        alone = np.flatnonzero(~shared).tolist()
        order = alone + sorted(np.flatnonzero(shared).tolist(), key=terms.__getitem__)
        return {terms[i]: counts[terms[i]] for i in order}, slots[order]

    # River-style names for the contract tests: scoring does not learn.
    def score_one(self, counts: Mapping[str, float], total: float) -> dict[str, TermScore]:
        counts, slots = self._canonical(counts)
        return self.bursts.score_bucket(counts, total, slots).select(slice(None))

    def learn_one(self, counts: Mapping[str, float], total: float) -> None:
        self.update(counts, total)
