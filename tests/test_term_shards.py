"""Term statistics sharded by term, without a broker: the ingest, term-shard and
assembly stages of the Kafka pipeline (the same classes the Faust agents call)
run over in-memory logs, in random interleavings, with crashes and
redeliveries, and must emit exactly what in-process replay emits."""

from __future__ import annotations

import asyncio
import random

import pytest

from detectors.pipeline import DetectorConfig, Pipeline
from detectors.post import parse_post
from streams.assembly import Assembler, TermShardStage
from streams.synth import generate
from streams import term_shard
from streams.term_shard import forward_records, restrict
from streams.wire import decode_prepared, decode_shard_message, encode_close

PARTITIONS = 4


def _stream(seed: int) -> list[dict]:
    posts = list(generate(seed, hours=3, background_per_min=20).posts)
    end = max(parse_post(p).ts for p in posts) + 86400
    return posts + [{"id": f"end-{p}", "ts": end + p, "text": "end of stream"} for p in range(PARTITIONS)]


def _replay(posts: list[dict]) -> list[dict]:
    pipe = Pipeline(collect_assignments=False)
    return [r for p in posts for r in pipe.process(parse_post(p))]


class Cluster:
    """Three stages over in-memory logs; ``step`` runs one random stage one message."""

    def __init__(self, posts: list[dict], shards: int, rng: random.Random, per_record: int = 1):
        self.cfg = DetectorConfig()
        self.rng = rng
        self.shards = shards
        self.per_record = per_record  # posts per input record (1: the posts topic; more: posts.batch)
        self.prep = Pipeline(self.cfg).prepare
        mine = {p: [parse_post(post) for i, post in enumerate(posts)
                    if (i % PARTITIONS if not post["id"].startswith("end-") else int(post["id"][4:])) == p]
                for p in range(PARTITIONS)}
        # (input offset, index in the record, post)
        self.sources = {f"posts:{p}": [(j // per_record, j % per_record, post) for j, post in enumerate(ps)]
                        for p, ps in mine.items()}
        self.cursor = {s: 0 for s in self.sources}  # next post to ingest, per source
        self.term_counts: list[list[bytes]] = [[] for _ in range(shards)]
        self.prepared: list[bytes] = []
        self.records: list[dict] = []
        self.asm_store: dict = {}
        self.shard_stores = [{} for _ in range(shards)]
        self.asm_pos = 0
        self.shard_pos = [0] * shards
        self.assembler = self._assembler()
        self.stages = [self._stage(k) for k in range(shards)]

    def _assembler(self) -> Assembler:
        async def emit(records):
            self.records.extend(records)

        async def request(req):
            for k in range(self.shards):
                self.term_counts[k].append(encode_close(restrict(req, k, self.shards)))

        return Assembler(self.asm_store, emit, config=self.cfg, partitions=PARTITIONS, request=request,
                         shards=self.shards)

    def _stage(self, k: int) -> TermShardStage:
        async def answer(records):
            self.prepared.extend(records)

        return TermShardStage(self.shard_stores[k], answer, shard=k, shards=self.shards, config=self.cfg)

    def ingest(self, source: str) -> None:
        start = self.cursor[source]
        batch = self.sources[source][start:start + self.per_record * self.rng.randint(1, 60 // self.per_record)]
        self.cursor[source] += len(batch)
        rows = [(offset, index, self.prep(post)) for offset, index, post in batch]
        for partials, record in forward_records(source, rows, config=self.cfg, shards=self.shards):
            for k, message in enumerate(partials):
                self.term_counts[k].append(message)
            self.prepared.append(record)

    def step(self) -> bool:
        """One message somewhere; False when everything is ingested and consumed."""
        moves = [("ingest", s) for s, c in self.cursor.items() if c < len(self.sources[s])]
        moves += [("shard", k) for k in range(self.shards) if self.shard_pos[k] < len(self.term_counts[k])]
        if self.asm_pos < len(self.prepared):
            moves.append(("assemble", None))
        if not moves:
            return False
        kind, arg = self.rng.choice(moves)
        if kind == "ingest":
            self.ingest(arg)
        elif kind == "shard":
            offset = self.shard_pos[arg]
            self.shard_pos[arg] += 1
            asyncio.run(self.stages[arg].apply(offset, self.term_counts[arg][offset]))
        else:
            offset = self.asm_pos
            self.asm_pos += 1
            asyncio.run(self.assembler.apply(offset, self.prepared[offset]))
        return True

    def crash(self) -> None:
        """Kill a random stage; it restarts from its store and Kafka redelivers from
        an earlier offset (the last commit) on."""
        what = self.rng.choice(["ingest", "assemble", "shard"])
        if what == "ingest":  # posts sent but not committed are sent again, in other batches
            source = self.rng.choice(list(self.cursor))
            back = max(0, self.cursor[source] - self.rng.randint(1, 80))
            self.cursor[source] = back - back % self.per_record  # Kafka redelivers whole input records
        elif what == "assemble":
            self.assembler = self._assembler()
            self.asm_pos = max(0, self.asm_pos - self.rng.randint(0, 20))
        else:
            k = self.rng.randrange(self.shards)
            self.stages[k] = self._stage(k)
            self.shard_pos[k] = max(0, self.shard_pos[k] - self.rng.randint(0, 20))


@pytest.fixture(scope="module")
def stream():
    posts = _stream(seed=2)
    expected = _replay(posts)
    assert len({r["id"] for r in expected}) >= 2  # the stream holds events to find
    return posts, expected


@pytest.mark.parametrize("shards, seed, per_record", [(1, 1, 1), (3, 2, 1), (4, 3, 1), (4, 7, 10)])
def test_sharded_term_statistics_equal_in_process_replay(stream, shards, seed, per_record):
    posts, expected = stream
    cluster = Cluster(posts, shards, random.Random(seed), per_record)
    while cluster.step():
        pass
    assert cluster.records == expected
    assert all(stage.shard.missing == 0 for stage in cluster.stages)


@pytest.mark.parametrize("seed, per_record, max_posts", [(4, 1, 2000), (5, 1, 2000), (6, 5, 7)])
def test_crashes_and_redeliveries_change_nothing(stream, seed, per_record, max_posts, monkeypatch):
    """``max_posts`` < ``per_record``: internal records also split batch records."""
    monkeypatch.setattr(term_shard, "MAX_RECORD_POSTS", max_posts)
    posts, expected = stream
    rng = random.Random(seed)
    cluster = Cluster(posts, 3, rng, per_record)
    steps = 0
    while cluster.step():
        steps += 1
        if steps % 150 == 0:
            cluster.crash()
    # redelivered transitions are the same transitions; after dropping them, the same stream
    seen, deduplicated = set(), []
    for r in cluster.records:
        key = (r["id"], r["version"], r["type"])
        if key not in seen:
            seen.add(key)
            deduplicated.append(r)
    assert deduplicated == expected


@pytest.mark.parametrize("posts, max_bytes, least", [(10, 900_000, 1), (10, 2_000, 5), (5000, 900_000, 3)])
def test_internal_records_stay_under_the_size_and_post_limits(posts, max_bytes, least, monkeypatch):
    monkeypatch.setattr(term_shard, "MAX_RECORD_BYTES", max_bytes)
    prep = Pipeline().prepare
    rows = [(i // 4, i % 4, prep(parse_post({"id": i, "ts": 1_700_000_000 + i, "text": f"word{i} " + "flood " * 150})))
            for i in range(posts)]
    out = forward_records("posts:0", rows, config=DetectorConfig(), shards=2)
    assert len(out) >= least  # a post is ~1 kB: 2 a record at 2,000 bytes; 2,000 posts a record at most
    assert all(len(record) <= max_bytes and len(decode_prepared(record)[1]) <= 2000 for _, record in out)
    ids = [decode_shard_message(partials[0])[1] for partials, _ in out]
    assert [i[1] for i in ids] == sorted(i[1] for i in ids)  # in order, no overlap
    assert all(a[2] < b[1] for a, b in zip(ids, ids[1:]))
    assert sum(len(decode_prepared(record)[1]) for _, record in out) == posts


@pytest.mark.parametrize("shards", [1, 3, 4])
def test_a_close_request_splits_into_each_shards_own_terms(shards):
    from detectors.pipeline import CloseRequest
    from detectors.termstats import shard_of

    delta = {f"term{i}": i - 20 for i in range(40)} | {"西安": 2, "pożar": -1}
    request = CloseRequest(7, [("posts:0", 0, 5)], delta, -3, ("a",))
    parts = term_shard.split_request(request, shards)
    assert len(parts) == shards
    for k, part in enumerate(parts):
        assert part.delta_counts == {t: c for t, c in delta.items() if shard_of(t, shards) == k}
        assert (part.bucket, part.accepted, part.delta_total, part.explained) == (7, [("posts:0", 0, 5)], -3, ("a",))
        assert restrict(request, k, shards) == part
