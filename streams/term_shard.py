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

Partials travel as arrays: each term with its 64-bit hash and its count, so a
shard merges them with numpy (:func:`~detectors.termstats.merge_counts`) rather
than a dict update per term.  The hash is the term's identity in the merge: two
distinct terms of one bucket with the same 64-bit hash (odds about 10^-9 with
100,000 terms) would be counted as one.

>>> from detectors.pipeline import CloseRequest, Pipeline
>>> from detectors.post import Post
>>> preps = [Pipeline().prepare(Post(str(i), 60.0 * i, "quake hits town")) for i in range(3)]
>>> parts = partial_counts(preps, bucket_seconds=300.0, shards=2)
>>> [sorted(p[0][1]) for p in parts], parts[0][0][0]     # each shard its own terms; every shard the post count
([['hits', 'hits town'], ['quake', 'quake hits', 'town']], 3)
>>> shard = TermShard(0, 2)
>>> record = ("posts:0", position(0, 0), position(2, 0))     # its first and last post
>>> shard.partial(record, parts[0])
>>> stats = shard.close(CloseRequest(0, [record], {}, 0.0, []))
>>> stats.steps, shard.closed_through
(1, 0)
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Iterable

import numpy as np

from detectors.pipeline import CloseRequest, DetectorConfig, Prepared, term_statistics
from detectors.termstats import BucketStats, merge_counts, term_hashes

# per shard: {bucket: (posts, terms, their hashes (uint64), posts carrying each (uint32))}
Partial = dict[int, tuple[int, list[str], np.ndarray, np.ndarray]]


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
    out: list[Partial] = [{} for _ in range(shards)]
    for bucket, (n, counts) in by_bucket.items():
        terms = list(counts)
        hashes = term_hashes(terms)
        c = np.fromiter(counts.values(), np.uint32, len(terms))
        owner = (hashes & np.uint64((1 << table_bits) - 1)) % np.uint64(shards)
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(shards + 1, dtype=np.uint64)).tolist()
        names, hashes, c = np.asarray(terms, dtype=object)[order], hashes[order], c[order]
        for k in range(shards):
            cut = slice(bounds[k], bounds[k + 1])
            out[k][bucket] = (n[0], names[cut].tolist(), hashes[cut], c[cut])
    return out


def position(offset: int, index: int) -> int:
    """A post's place in its source partition as one integer, ordered as
    ``(offset, index)``: a batch record holds far fewer than 2**20 posts."""
    return (offset << 20) | index


def record_id(source: str, rows: list[tuple[int, int, Prepared]]) -> tuple[str, int, int]:
    """An internal record's id: its source, and its first and last post's :func:`position`."""
    return source, position(*rows[0][:2]), position(*rows[-1][:2])


#: Largest internal record, bytes: under Apache Kafka's default 1 MB limit.
MAX_RECORD_BYTES = 900_000
#: Posts per internal record at most (a prepared post is ~0.3 kB here).
MAX_RECORD_POSTS = 2000


def forward_records(source: str, rows: list[tuple[int, int, Prepared]], *, config: DetectorConfig,
                    shards: int) -> list[tuple[list[bytes], bytes]]:
    """What the ingest stage sends for one source's rows (offset, index, prepared):
    per internal record, a partial-count message per shard (to be delivered first)
    and the record for the assembly stage.  Rows are cut into records of at most
    :data:`MAX_RECORD_POSTS` posts and :data:`MAX_RECORD_BYTES` bytes (halved until
    they fit; partial counts are smaller than the record they count).  ``shards=0``:
    no partial counts (term statistics in the assembly stage)."""
    from streams.wire import encode_partial, encode_prepared

    out: list[tuple[list[bytes], bytes]] = []
    chunks = [rows[i:i + MAX_RECORD_POSTS] for i in range(0, len(rows), MAX_RECORD_POSTS)]
    while chunks:
        chunk = chunks.pop(0)
        record = encode_prepared(source, chunk)
        if len(record) > MAX_RECORD_BYTES and len(chunk) > 1:
            half = len(chunk) // 2
            chunks[:0] = [chunk[:half], chunk[half:]]
            continue
        parts = partial_counts((p for _, _, p in chunk), bucket_seconds=config.bucket_seconds, shards=shards,
                               table_bits=config.table_bits) if shards else []
        rid = record_id(source, chunk)
        out.append(([encode_partial(rid, part) for part in parts], record))
    return out


def split_request(request: CloseRequest, shards: int, table_bits: int = 21) -> list[CloseRequest]:
    """A close request cut into each shard's part (its terms' corrections), hashing
    every term once."""
    deltas: list[dict[str, int]] = [{} for _ in range(shards)]
    if request.delta_counts:
        owners = (term_hashes(list(request.delta_counts)) & np.uint64((1 << table_bits) - 1)) % np.uint64(shards)
        for (term, count), k in zip(request.delta_counts.items(), owners.tolist()):
            deltas[k][term] = count
    return [CloseRequest(request.bucket, request.accepted, delta, request.delta_total, request.explained)
            for delta in deltas]


def restrict(request: CloseRequest, shard: int, shards: int, table_bits: int = 21) -> CloseRequest:
    """The part of a close request that concerns one shard's terms."""
    return split_request(request, shards, table_bits)[shard]


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
        # merged, for buckets still open: [posts, term lists, hash arrays, count arrays]
        self._pending: dict[int, list] = {}
        self._merged_to: dict[str, int] = {}  # per source: last position of a merged record
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
            for bucket, (n, terms, hashes, counts) in parts.items():
                if self.closed_through is not None and bucket <= self.closed_through:
                    self.late += n
                    continue
                entry = self._pending.get(bucket)
                if entry is None:
                    entry = self._pending[bucket] = [0, [], [], []]
                entry[0] += n
                entry[1].append(terms)
                entry[2].append(hashes)
                entry[3].append(counts)
        n, term_lists, hash_arrays, count_arrays = self._pending.pop(request.bucket, (0, [], [], []))
        if request.delta_counts:  # added last (see merge_counts)
            terms = list(request.delta_counts)
            term_lists.append(terms)
            hash_arrays.append(term_hashes(terms))
            count_arrays.append(np.fromiter(request.delta_counts.values(), np.float64, len(terms)))
        answer = self.stats.update_terms(*merge_counts(term_lists, hash_arrays, count_arrays),
                                         n + request.delta_total, request.explained)
        self.closed_through = request.bucket
        self._answers[request.bucket] = answer
        while len(self._answers) > self._keep_answers:
            self._answers.popitem(last=False)
        # partials that no request will name: superseded by records redelivered after a crash
        for record in [r for r in self._partials if r[2] <= self._merged_to.get(r[0], -1)]:
            del self._partials[record]
        return answer
