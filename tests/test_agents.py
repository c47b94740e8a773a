"""Agent unit tests with Faust's ``test_context``: no broker; the agents' outputs go
to in-memory Faust channels (``create_app(local=True)``), tables to the memory store."""

from __future__ import annotations

import asyncio
import json
import random
import uuid

import pytest
from prometheus_client import CollectorRegistry

from detectors.pipeline import Pipeline
from detectors.post import Post
from streams.faust_app import create_app
from streams.settings import Settings
from streams.wire import decode_prepared, encode_prepared


def _app(partitions: int = 1):
    registry = CollectorRegistry()
    app = create_app(Settings(store="memory://", app_id=f"t-{uuid.uuid4().hex[:8]}", partitions=partitions),
                     registry=registry, local=True)
    app.finalize()
    return app, registry


async def _take(it, n: int, timeout: float = 10.0) -> list:
    return [await asyncio.wait_for(it.__anext__(), timeout) for _ in range(n)]


def _value(registry, name: str, **labels) -> float:
    return registry.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize("agent_name, value, good, bad_fields", [
    ("ingest", b'{"id": 1, "ts": 0, "text": "Pozar w Krakowie, strazacy na miejscu"}', 1, []),
    ("ingest", b'{"id": 1, "text": "no time"}', 0, ["ts"]),
    ("ingest", b"\xff\xfe not even text", 0, ["<json>"]),
    ("ingest-batch", b'{"id": 1, "ts": 0, "text": "Brand i Stockholm, r\\u00e4ddningstj\\u00e4nsten \\u00e4r p\\u00e5 plats"}\n{"id": 2, "ts": "x", "text": "b"}\n'
                     b'{"id": 3, "ts": 2, "text": "\xe5\x8c\x97\xe4\xba\xac\xe5\x8f\x91\xe7\x94\x9f\xe5\x9c\xb0\xe9\x9c\x87"}',
     2, ["ts"]),
    ("ingest-batch", b'[{"id": 1, "ts": 0, "text": "Incendie a Paris ce soir"}, {"id": 2, "ts": 1}]', 1, ["text"]),
])
def test_ingest_forwards_good_posts_and_dead_letters_the_rest(agent_name, value, good, bad_fields):
    app, registry = _app()
    out = app.flashpoint_outputs

    async def run():
        prepared, dlq = out["prepared"].__aiter__(), out["dlq"].__aiter__()
        async with app.agents[agent_name].test_context() as agent:
            await agent.put(value=value, partition=0)
            rows = []
            if good:
                source, rows = decode_prepared((await _take(prepared, 1))[0].value)
                assert source.endswith(":0")
            letters = await _take(dlq, len(bad_fields))
            return rows, letters

    rows, letters = asyncio.run(run())
    assert len(rows) == good
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


@pytest.mark.parametrize("partitions", [1, 2])
def test_assemble_emits_events_once_every_partition_has_moved_on(partitions):
    """With two input partitions, nothing closes while one of them is silent."""
    app, registry = _app(partitions)
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
