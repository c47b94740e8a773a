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
from itertools import chain
from typing import Iterable, Mapping

import numpy as np
import xxhash

from detectors.bursts import TermBurstDetector, TermScore, term_hashes


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


def term_hash(term: str) -> int:
    """A term's 64-bit hash, stable across processes: its identity in merged
    counts, and (its low bits) its table slot."""
    return xxhash.xxh3_64_intdigest(term.encode())


def slot_of(term: str, table_bits: int = 21) -> int:
    """The term's slot in a table of ``2**table_bits`` (as :func:`~detectors.bursts.term_slot`)."""
    return term_hash(term) & ((1 << table_bits) - 1)


def shard_of(term: str, shards: int, table_bits: int = 21) -> int:
    """The shard that owns ``term``: by its table slot, so colliding terms meet."""
    return slot_of(term, table_bits) % shards


def merge_counts(term_lists: list[list[str]], hash_arrays: list[np.ndarray],
                 count_arrays: list[np.ndarray]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Sum counts given in parts (terms, their hashes, counts) per distinct term:
    ``(terms, hashes, counts)``.  Sums run in the order given, so counts that are
    whole numbers, then a fractional correction last, add up as one dict would."""
    if not term_lists:
        return [], np.empty(0, np.uint64), np.empty(0, np.float64)
    hashes = np.concatenate(hash_arrays)
    unique, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.concatenate(count_arrays).astype(np.float64),
                         minlength=len(unique))
    names = np.asarray(list(chain.from_iterable(term_lists)), dtype=object)[first].tolist()
    return names, unique, counts


_NO_SLOTS = np.empty(0, np.int64)


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

    def update(self, counts: Mapping[str, float], total: float, explained: Iterable[str] = (),
               replica: bool = True) -> BucketStats:
        """Score, threshold and learn one closed bucket.  ``counts``: weighted posts
        carrying each of this shard's terms; ``total``: the bucket's weighted volume
        (all shards); ``explained``: terms a live event explains (frozen).
        ``replica=False``: leave the baseline slots out of the result (empty arrays),
        for a caller that reads the baseline in place rather than copying it."""
        terms = list(counts)
        return self.update_terms(terms, term_hashes(terms), np.fromiter(counts.values(), np.float64, len(terms)),
                                 total, explained, replica)

    def update_terms(self, terms: list[str], hashes: np.ndarray, counts: np.ndarray, total: float,
                     explained: Iterable[str] = (), replica: bool = True) -> BucketStats:
        """:meth:`update` with the counts as parallel arrays, one entry per distinct
        term (as :func:`merge_counts` gives them)."""
        terms, hashes, slots, counts = self._canonical(terms, hashes, counts)
        bursts = self.bursts
        scored = bursts.score_terms(terms, slots, counts, total)
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
        frozen = set(bursting) | explained | self._held
        # by name: a term's name and its 64-bit hash are one identity here
        hold = np.fromiter(map(frozen.__contains__, scored.terms), bool, len(scored.terms)) if frozen else None
        bursts.learn_bucket(scored.terms, scored.slots, scored.counts, total, hold=hold)
        if not replica:
            slots = _NO_SLOTS
        elif absorbed:
            slots = np.unique(np.concatenate([scored.slots, bursts.slots_of(absorbed)]))
        else:
            slots = np.unique(scored.slots)
        return BucketStats(bursting, slots, *bursts.stored_baseline(slots), bursts.steps,
                           bursts.mean_total, bursts.recent_total)

    def _canonical(self, terms: list[str], hashes: np.ndarray, counts: np.ndarray):
        """``(terms, hashes, slots, counts)`` with the terms that share a slot last
        and by term: such terms update their slot in turn, so the same order on
        every shard layout and in every arrival order gives the same state.
        (Sorting only those few, not every term of the bucket.)"""
        slots = (hashes & np.uint64((1 << self.bursts.table_bits) - 1)).astype(np.int64)
        listed = slots.tolist()
        if len(set(listed)) == len(listed):  # the usual case, found without numpy's fixed cost
            return terms, hashes, slots, counts
        _, inverse, seen = np.unique(slots, return_inverse=True, return_counts=True)
        shared = seen[inverse.ravel()] > 1
        if not shared.any():
            return terms, hashes, slots, counts
        order = np.concatenate([np.flatnonzero(~shared),
                                np.array(sorted(np.flatnonzero(shared).tolist(), key=terms.__getitem__), np.int64)])
        names = np.asarray(terms, dtype=object)[order].tolist()
        return names, hashes[order], slots[order], counts[order]

    # River-style names for the contract tests: scoring does not learn.
    def score_one(self, counts: Mapping[str, float], total: float) -> dict[str, TermScore]:
        terms = list(counts)
        terms, _, slots, c = self._canonical(terms, term_hashes(terms),
                                             np.fromiter(counts.values(), np.float64, len(terms)))
        return self.bursts.score_terms(terms, slots, c, total).select(slice(None))

    def learn_one(self, counts: Mapping[str, float], total: float) -> None:
        self.update(counts, total)
