"""Agent unit tests with Faust's ``test_context``: no broker; the agents' outputs go
to in-memory Faust channels (``create_app(local=True)``), tables to the memory store."""

from __future__ import annotations

import asyncio
import gc
import json
import random
import uuid

import pytest
from prometheus_client import CollectorRegistry

from detectors.pipeline import CloseRequest, DetectorConfig, Pipeline
from detectors.post import Post
from detectors.termstats import shard_of
from streams.faust_app import create_app, tune_gc
from streams.settings import Settings
from streams.term_shard import forward_records, record_id, restrict
from streams.wire import decode_answer, decode_prepared, decode_shard_message, encode_close, encode_prepared


def _app(partitions: int = 1, term_shards: int = 2):
    registry = CollectorRegistry()
    app = create_app(Settings(store="memory://", app_id=f"t-{uuid.uuid4().hex[:8]}", partitions=partitions,
                              term_shards=term_shards), registry=registry, local=True)
    app.finalize()
    return app, registry


async def _take(it, n: int, timeout: float = 10.0) -> list:
    return [await asyncio.wait_for(it.__anext__(), timeout) for _ in range(n)]


def _value(registry, name: str, **labels) -> float:
    return registry.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize("agent_name, value, good, bad_fields", [
    ("ingest", b'{"id": 1, "ts": 1772409600, "text": "Pozar w Krakowie, strazacy na miejscu"}', 1, []),
    ("ingest", b'{"id": 1, "text": "no time"}', 0, ["ts"]),
    ("ingest", b"\xff\xfe not even text", 0, ["<json>"]),
    ("ingest-batch", b'{"id": 1, "ts": 1772409600, "text": "Brand i Stockholm, r\\u00e4ddningstj\\u00e4nsten \\u00e4r p\\u00e5 plats"}\n{"id": 2, "ts": "x", "text": "b"}\n'
                     b'{"id": 3, "ts": 1772409602, "text": "\xe5\x8c\x97\xe4\xba\xac\xe5\x8f\x91\xe7\x94\x9f\xe5\x9c\xb0\xe9\x9c\x87"}',
     2, ["ts"]),
    ("ingest-batch", b'[{"id": 1, "ts": 1772409600, "text": "Incendie a Paris ce soir"}, {"id": 2, "ts": 1772409601}]', 1, ["text"]),
])
def test_ingest_forwards_good_posts_and_dead_letters_the_rest(agent_name, value, good, bad_fields):
    app, registry = _app()
    out = app.flashpoint_outputs

    async def run():
        prepared, dlq = out["prepared"].__aiter__(), out["dlq"].__aiter__()
        term_counts = out["term_counts"].__aiter__()
        async with app.agents[agent_name].test_context() as agent:
            await agent.put(value=value, partition=0)
            source, rows, partials = None, [], []
            if good:
                partials = [decode_shard_message(m.value) for m in await _take(term_counts, 2)]
                source, rows = decode_prepared((await _take(prepared, 1))[0].value)
                assert source.endswith(":0")
            letters = await _take(dlq, len(bad_fields))
            return source, rows, partials, letters

    source, rows, partials, letters = asyncio.run(run())
    assert len(rows) == good
    if good:  # one partial count per term shard, each with the record's posts and its own terms
        assert {tuple(m[1]) for m in partials} == {record_id(source, rows)}
        assert all(sum(part[0] for part in m[2].values()) == good for m in partials)
        terms = {t for _, _, p in rows for t in p.terms}
        assert set().union(*(part[1] for m in partials for part in m[2].values())) == terms
    assert all(p.terms and p.lang for _, _, p in rows)  # tokenized, language identified
    assert [dict(m.headers)["flashpoint-field"].decode() for m in letters] == bad_fields
    for field in bad_fields:
        assert _value(registry, "flashpoint_posts_rejected_total", reason=field.strip("<>")) >= 1


def _burst_stream() -> list[Post]:
    rng = random.Random(3)
    chatter = [a + b for a in ("ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "pe", "zu")
               for b in ("ber", "don", "fix", "gal", "hum", "jet", "lin", "mor", "pax", "sul")]
    posts = [Post(str(i), 30.0 * i, " ".join(rng.sample(chatter, 3)), author=f"u{rng.randrange(400)}")
             for i in range(3000)]  # as in the Pipeline doctest: chatter, then a story
    posts += [Post(f"q{i}", 90_000 + 6.0 * i, "earthquake Lisbon " + " ".join(rng.sample(chatter, 3)),
                   author=f"w{i}") for i in range(200)]
    return posts


def test_term_shard_agent_answers_a_close_request_with_its_terms():
    app, _ = _app(term_shards=2)
    prep = Pipeline().prepare
    rows = [(i, 0, prep(Post(str(i), 10.0 * i, "flood in the valley"))) for i in range(20)]
    [(partials, _)] = forward_records("posts:0", rows, config=DetectorConfig(), shards=2)
    request = CloseRequest(0, [record_id("posts:0", rows)], {}, 0.0, [])

    async def run():
        prepared = app.flashpoint_outputs["prepared"].__aiter__()
        async with app.agents["terms"].test_context() as agent:
            await agent.put(value=partials[1], partition=1)
            await agent.put(value=encode_close(restrict(request, 1, 2)), partition=1)
            return decode_answer((await _take(prepared, 1))[0].value)

    header, stats = asyncio.run(run())
    assert (header["shard"], header["bucket"], stats.steps) == (1, 0, 1)
    mine = {t for _, _, p in rows for t in p.terms if shard_of(t, 2) == 1}
    assert mine and set(stats.bursting) <= mine  # only its own terms
    assert len(stats.slots) == len(mine)  # and a baseline slot for each


@pytest.mark.parametrize("partitions", [1, 2])
def test_assemble_emits_events_once_every_partition_has_moved_on(partitions):
    """With two input partitions, nothing closes while one of them is silent
    (term statistics inside the assembly: no shard agent to answer here)."""
    app, registry = _app(partitions, term_shards=0)
    prep = Pipeline().prepare
    posts = _burst_stream()

    async def run():
        events = app.flashpoint_outputs["events"].__aiter__()
        async with app.agents["assemble"].test_context() as agent:
            for k in range(0, len(posts), 100):
                rows = [(i, 0, prep(p)) for i, p in enumerate(posts[k:k + 100], k)]
                await agent.put(value=encode_prepared("posts:0", rows), partition=0)
            if partitions == 2:
                await asyncio.sleep(0.2)
                assert _value(registry, "flashpoint_buckets_closed_total") == 0
                late = [(0, 0, prep(Post("last", posts[-1].ts + 3600, "quiet evening", author="x")))]
                await agent.put(value=encode_prepared("posts:1", late), partition=0)
            first = (await _take(events, 1))[0]
            return first.key.decode(), json.loads(first.value)

    key, record = asyncio.run(run())
    assert record["type"] == "created" and key == record["id"]
    assert {"earthquake", "lisbon"} <= set(record["keywords"])
    assert _value(registry, "flashpoint_buckets_closed_total") > 0


@pytest.mark.parametrize("threshold, frozen", [(0, False), (50_000, True)])
def test_worker_gc_tuning_sets_the_young_threshold_and_freezes_start_up_objects(threshold, frozen):
    before = gc.get_threshold()
    gc.unfreeze()
    try:
        tune_gc(threshold)
        assert gc.get_threshold()[0] == (threshold or before[0])
        assert (gc.get_freeze_count() > 0) is frozen
        assert gc.isenabled()  # cycles are still collected
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
