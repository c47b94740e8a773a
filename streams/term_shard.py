"""Term statistics sharded by term: partial counts, then merge.

Two-stage aggregation of the per-bucket term counts:

1. the ingest stage counts, per record it forwards and per event-time bucket,
   how many posts carry each term (:func:`partial_counts`), and sends each shard
   its terms' part (every shard gets every record's post counts);
2. a shard (:class:`TermShard`) keeps those partials until the assembly stage
   closes a bucket.  The close request names the records the assembly took
   whole, so the shard merges exactly the posts the assembly holds, whatever
   was redelivered after a crash, plus a correction for what the partials cannot
   know (near-duplicates found by the global filter, late posts); then it runs
   :class:`~detectors.termstats.TermStatistics` on its terms and answers with
   its bursting terms and its changed baseline slots.

Ordering makes this exact: the ingest stage waits until a record's partials are
delivered before it forwards the record to the assembly, and the assembly
sends a close request only after reading the records it names, so a shard reads
every partial a request names before the request.

>>> from detectors.pipeline import CloseRequest, Pipeline
>>> from detectors.post import Post
>>> preps = [Pipeline().prepare(Post(str(i), 60.0 * i, "quake hits town")) for i in range(3)]
>>> parts = partial_counts(preps, bucket_seconds=300.0, shards=2)
>>> [sorted(p[0][1]) for p in parts], parts[0][0][0]     # each shard its own terms; every shard the post count
([['hits', 'hits town'], ['quake', 'quake hits', 'town']], 3)
>>> shard = TermShard(0, 2)
>>> shard.partial(("posts:0", 0, 2), parts[0])
>>> stats = shard.close(CloseRequest(0, [("posts:0", 0, 2)], {}, 0.0, []))
>>> stats.steps, shard.closed_through
(1, 0)
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Iterable

import xxhash

from detectors.pipeline import CloseRequest, DetectorConfig, Prepared, term_statistics
from detectors.termstats import BucketStats, shard_of, slot_memo

# per shard: {bucket: (posts, {term: posts carrying it})}
Partial = dict[int, tuple[int, dict[str, int]]]


def partial_counts(preps: Iterable[Prepared], *, bucket_seconds: float, shards: int,
                   table_bits: int = 21) -> list[Partial]:
    """Stage 1, per forwarded record: each shard's part of the record's counts."""
    by_bucket: dict[int, tuple[list[int], Counter]] = {}
    for prep in preps:
        entry = by_bucket.get(bucket := int(prep.ts // bucket_seconds))
        if entry is None:
            entry = by_bucket[bucket] = ([0], Counter())
        entry[0][0] += 1
        entry[1].update(prep.terms)
    memo = slot_memo(table_bits)
    if len(memo) >= 500_000:  # bounded: start over rather than grow with the long tail
        memo.clear()
    digest, mask = xxhash.xxh3_64_intdigest, (1 << table_bits) - 1  # as term_slot, inlined: the hot loop
    out: list[Partial] = [{} for _ in range(shards)]
    for bucket, (n, counts) in by_bucket.items():
        split: list[dict[str, int]] = [{} for _ in range(shards)]
        for term, c in counts.items():
            slot = memo.get(term)
            if slot is None:
                slot = memo[term] = digest(term.encode()) & mask
            split[slot % shards][term] = c
        for k in range(shards):
            out[k][bucket] = (n[0], split[k])
    return out


def forward_record(source: str, rows: list[tuple[int, int, Prepared]], *, config: DetectorConfig,
                   shards: int) -> tuple[list[bytes], bytes]:
    """What the ingest stage sends for one source's rows (offset, index, prepared):
    a partial-count message per shard (to be delivered first), then the record
    for the assembly stage.  The record's id is (source, first offset, last offset)."""
    from streams.wire import encode_partial, encode_prepared

    record = (source, rows[0][0], rows[-1][0])
    parts = partial_counts((p for _, _, p in rows), bucket_seconds=config.bucket_seconds, shards=shards,
                           table_bits=config.table_bits)
    return [encode_partial(record, part) for part in parts], encode_prepared(source, rows)


def restrict(request: CloseRequest, shard: int, shards: int, table_bits: int = 21) -> CloseRequest:
    """The part of a close request that concerns one shard's terms."""
    delta = {t: c for t, c in request.delta_counts.items() if shard_of(t, shards, table_bits) == shard}
    return CloseRequest(request.bucket, request.accepted, delta, request.delta_total, request.explained)


class TermShard:
    """Stage 2: one shard's partial counts and term statistics."""

    def __init__(self, shard: int, shards: int, config: DetectorConfig | None = None, *, keep_answers: int = 4):
        self.shard, self.shards = shard, shards
        self.config = config or DetectorConfig()
        self.stats = term_statistics(self.config)
        self.closed_through: int | None = None
        self.late = 0  # posts in partials for buckets already closed (the assembly counts them anew)
        self.missing = 0  # accepted records with no partial here (should stay 0)
        self._partials: dict[tuple, Partial] = {}
        self._pending: dict[int, tuple[list[int], Counter]] = {}  # merged, for buckets still open
        self._merged_to: dict[str, int] = {}  # per source: highest offset of a merged record
        self._answers: OrderedDict[int, BucketStats] = OrderedDict()
        self._keep_answers = keep_answers

    def partial(self, record: tuple, counts: Partial) -> None:
        """Hold a record's partial counts (a redelivered copy is the same counts)."""
        self._partials.setdefault(tuple(record), counts)

    def close(self, request: CloseRequest) -> BucketStats | None:
        """Merge the accepted records, close the bucket, answer.  A request for a
        bucket closed already is a redelivery: the same answer again (or None when
        it is too old to be awaited by anyone)."""
        if self.closed_through is not None and request.bucket <= self.closed_through:
            return self._answers.get(request.bucket)
        for record in request.accepted:
            parts = self._partials.pop(tuple(record), None)
            if parts is None:
                self.missing += 1
                continue
            source, _, hi = record
            self._merged_to[source] = max(hi, self._merged_to.get(source, -1))
            for bucket, (n, counts) in parts.items():
                if self.closed_through is not None and bucket <= self.closed_through:
                    self.late += n
                    continue
                entry = self._pending.get(bucket)
                if entry is None:
                    entry = self._pending[bucket] = ([0], Counter())
                entry[0][0] += n
                entry[1].update(counts)
        n, counts = self._pending.pop(request.bucket, ([0], Counter()))
        for term, c in request.delta_counts.items():
            counts[term] += c
        answer = self.stats.update(counts, n[0] + request.delta_total, request.explained)
        self.closed_through = request.bucket
        self._answers[request.bucket] = answer
        while len(self._answers) > self._keep_answers:
            self._answers.popitem(last=False)
        # partials that no request will name: superseded by records redelivered after a crash
        for record in [r for r in self._partials if r[2] <= self._merged_to.get(r[0], -1)]:
            del self._partials[record]
        return answer
