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
from streams.term_shard import forward_record, restrict
from streams.wire import encode_close

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

    def __init__(self, posts: list[dict], shards: int, rng: random.Random):
        self.cfg = DetectorConfig()
        self.rng = rng
        self.shards = shards
        self.prep = Pipeline(self.cfg).prepare
        self.sources = {f"posts:{p}": [(i, parse_post(post)) for i, post in enumerate(posts)
                                       if (i % PARTITIONS if not post["id"].startswith("end-")
                                           else int(post["id"][4:])) == p]
                        for p in range(PARTITIONS)}
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
        batch = self.sources[source][start:start + self.rng.randint(1, 60)]
        self.cursor[source] += len(batch)
        rows = [(offset, 0, self.prep(post)) for offset, post in batch]
        partials, record = forward_record(source, rows, config=self.cfg, shards=self.shards)
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
            self.cursor[source] = max(0, self.cursor[source] - self.rng.randint(1, 80))
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


@pytest.mark.parametrize("shards,seed", [(1, 1), (3, 2), (4, 3)])
def test_sharded_term_statistics_equal_in_process_replay(stream, shards, seed):
    posts, expected = stream
    cluster = Cluster(posts, shards, random.Random(seed))
    while cluster.step():
        pass
    assert cluster.records == expected
    assert all(stage.shard.missing == 0 for stage in cluster.stages)


@pytest.mark.parametrize("seed", [4, 5])
def test_crashes_and_redeliveries_change_nothing(stream, seed):
    posts, expected = stream
    rng = random.Random(seed)
    cluster = Cluster(posts, 3, rng)
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
