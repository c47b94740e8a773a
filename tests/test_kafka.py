"""The pipeline on Kafka: real Faust workers (subprocesses) against the tansu broker.

Every test has its own app id, topics and data directories (see kafka_support).
Each compares the events topic with the in-process pipeline run on the same
posts: same ids, versions, keywords, states.
"""

from __future__ import annotations

import json
import time

import pytest

from detectors.pipeline import Pipeline
from detectors.post import parse_post
from streams.synth import generate
from streams.faust_app import term_counts_topic_name
from tests.kafka_support import Deployment, comparable, post_json, wait_for

pytestmark = pytest.mark.kafka

PARTITIONS = 4


def _stream(seed: int) -> tuple[list[dict], list]:
    """A short synthetic stream, plus one far-future post per partition that moves
    every partition's event time past the stream (so all its buckets close)."""
    stream = generate(seed, hours=3, background_per_min=20)
    posts = list(stream.posts)
    end = max(parse_post(p).ts for p in posts) + 86400
    posts += [{"id": f"end-{p}", "ts": end + p, "text": "end of test stream"} for p in range(PARTITIONS)]
    return posts, stream.events


def _expected(posts: list[dict]) -> list[dict]:
    pipe = Pipeline(collect_assignments=False)
    records = []
    for p in posts:
        records += pipe.process(parse_post(p))
    return records


def _round_robin(i: int) -> int:
    return i % PARTITIONS


def _settled(dep: Deployment, expected: dict, timeout: float) -> list[dict]:
    """Wait until the events topic holds every expected (id, version); return it."""
    got: list[dict] = []

    def done() -> bool:
        got[:] = dep.events()
        return set(expected) <= set(comparable(got))

    wait_for(done, timeout, f"{len(expected)} event records", dep.workers[-1] if dep.workers else None)
    return got


def _assert_same(expected_records: list[dict], got: list[dict]) -> None:
    expected = comparable(expected_records)
    # a redelivered transition must be byte-for-byte the same transition
    seen: dict = {}
    for r in got:
        key = (r["id"], r["version"])
        assert seen.setdefault(key, comparable([r])[key]) == comparable([r])[key], key
    assert comparable(got) == expected


@pytest.fixture
def deployment(broker, tmp_path):
    dep = Deployment(broker, tmp_path, partitions=PARTITIONS)
    dep.create_topics()
    yield dep
    dep.stop()


@pytest.mark.parametrize("roles", [("all",), ("ingest", "assemble")], ids=["one-process", "split-roles"])
def test_end_to_end_matches_in_process_replay(deployment, roles):
    posts, injected = _stream(seed=2)
    expected = _expected(posts)
    assert sum(r["type"] == "created" for r in expected) >= len(injected)
    workers = {role: deployment.start_worker(f"w-{role}", role=role) for role in roles}
    worker = workers.get("all") or workers["ingest"]
    deployment.produce([post_json(p) for p in posts], partition_of=_round_robin)
    got = _settled(deployment, comparable(expected), timeout=180)
    _assert_same(expected, got)
    created = [r for r in got if r["type"] == "created"]
    for ev in injected:  # the injected events are there, under their own words
        words = {k.lower() for k in ev.keywords}
        assert any(words & {k.lower() for k in r["keywords"]} for r in created), (ev.id, ev.keywords)
    assert worker.metric("flashpoint_posts_ingested_total") == len(posts)
    assert worker.metric("flashpoint_posts_late_total") == 0


def test_batched_records_give_the_same_events(deployment):
    posts, _ = _stream(seed=3)
    expected = _expected(posts)
    deployment.start_worker("w1")
    # 50 posts a record, as JSON lines, each partition holding a time-ordered share
    topic = deployment.settings.topic_posts_batch
    body = posts[:-PARTITIONS]  # (the end markers are sent apart: a copy in a chunk would be a duplicate)
    chunks = [body[i:i + 50] for i in range(0, len(body), 50)]
    values = [b"\n".join(post_json(p) for p in chunk) for chunk in chunks]
    values += [post_json(p) for p in posts[-PARTITIONS:]]  # one end marker per partition
    deployment.produce(values, topic=topic,
                       partition_of=lambda i: i % PARTITIONS if i < len(chunks) else i - len(chunks))
    _assert_same(expected, _settled(deployment, comparable(expected), timeout=180))


def test_two_workers_share_partitions_and_agree(deployment):
    posts, _ = _stream(seed=2)
    expected = _expected(posts)
    workers = [deployment.start_worker("w1"), deployment.start_worker("w2")]
    # both hold input partitions and term shards: both share the per-post and per-term work
    for topic, count in ((deployment.settings.topic_posts, PARTITIONS),
                         (term_counts_topic_name(deployment.settings), deployment.settings.term_shards)):
        wait_for(lambda: all(w.metric("flashpoint_partitions_assigned", topic=topic) > 0 for w in workers)
                 and sum(w.metric("flashpoint_partitions_assigned", topic=topic) for w in workers) == count,
                 120, f"both workers to hold partitions of {topic}", workers[-1])
    deployment.produce([post_json(p) for p in posts], partition_of=_round_robin)
    _assert_same(expected, _settled(deployment, comparable(expected), timeout=240))
    shares = [w.metric("flashpoint_posts_ingested_total") for w in workers]
    assert all(s > 0 for s in shares) and sum(shares) == len(posts), shares


@pytest.mark.parametrize("kill_after_records", [3, 9])  # early, and late in the first half (11 records)
def test_killed_worker_restarts_to_the_same_events(deployment, kill_after_records):
    """SIGKILL mid-stream, then a new process on the same disk (its RocksDB tables).
    (A fresh disk restores the tables from their changelogs, which depends on the
    broker's ListOffsets(latest): right on Apache Kafka, not reliable on tansu.)"""
    posts, _ = _stream(seed=2)
    expected = _expected(posts)
    worker = deployment.start_worker("w1")
    half = len(posts) // 2
    deployment.produce([post_json(p) for p in posts[:half]], partition_of=_round_robin)
    wait_for(lambda: len(deployment.events()) >= kill_after_records, 120, "first event records", worker)
    worker.kill()
    before = comparable(deployment.events())
    assert before and set(before) < set(comparable(expected)), "killed mid-stream"
    deployment.produce([post_json(p) for p in posts[half:]], partition_of=lambda i: (half + i) % PARTITIONS)
    again = deployment.start_worker("w2", data_dir="w1")
    _assert_same(expected, _settled(deployment, comparable(expected), timeout=240))
    # it resumed: the second half, and at most a redelivered batch of the first
    assert again.metric("flashpoint_posts_ingested_total") < len(posts) - half + 2 * 500


def test_malformed_records_go_to_the_dead_letter_topic(deployment):
    worker = deployment.start_worker("w1")
    good = [{"id": f"g{i}", "ts": 1_700_000_000 + i, "text": f"ordinary words number {i}"} for i in range(20)]
    bad = [b"{not json", post_json({"id": "b1", "text": "no time"}),
           post_json({"id": "b2", "ts": "yesterday", "text": "x"}), post_json({"id": "b3", "ts": 1_700_000_003, "text": 5})]
    values = [post_json(g) for g in good[:10]] + bad + [post_json(g) for g in good[10:]]
    deployment.produce(values, partition_of=lambda i: 0)
    batch = b"\n".join([post_json({"id": "c1", "ts": 1_700_000_100, "text": "fine"}), b"[broken",
                        post_json({"id": "c2", "ts": 1_700_000_101, "text": "fine too", "followers": -3})])
    deployment.produce([batch], topic=deployment.settings.topic_posts_batch, partition_of=lambda i: 1)
    dlq = deployment.settings.topic_dlq
    wait_for(lambda: len(deployment.read(dlq, idle_s=0.5)) >= 6, 120, "dead letters", worker)
    letters = deployment.read(dlq)
    reasons = {m.value: dict(m.headers)["flashpoint-field"].decode() for m in letters}
    assert reasons == {b"{not json": "<json>", bad[1]: "ts", bad[2]: "ts", bad[3]: "text", b"[broken": "<json>",
                       post_json({"id": "c2", "ts": 1_700_000_101, "text": "fine too", "followers": -3}): "followers"}
    assert all(dict(m.headers)["flashpoint-reason"] for m in letters)
    # the worker kept going: every good post was ingested after the bad ones
    wait_for(lambda: worker.metric("flashpoint_posts_ingested_total") == len(good) + 1, 60, "good posts", worker)
    assert worker.metric("flashpoint_posts_rejected_total") == 6
    assert worker.metric("flashpoint_posts_rejected_total", reason="ts") == 2


def test_a_hostile_corpus_goes_to_the_dead_letter_topic_and_the_worker_goes_on(deployment):
    """Generated hostile records (every kind but the megabyte ones, over Kafka's default
    record limit) and a post sent twice, among good posts: each bad one is dead-lettered
    with the field its mutation names, every good post is taken, the worker never restarts."""
    from bench.hostile_corpus import MUTATIONS, hostile_records

    good = [{"id": f"g{i}", "ts": 1_700_000_000 + 7 * i, "text": f"ordinary words number {i}", "author": f"u{i}"}
            for i in range(120)]
    kinds = tuple(k for k in MUTATIONS if k not in ("huge", "ahead"))
    hostile = hostile_records(good, 60, seed=11, kinds=kinds)
    values = [post_json(g) for g in good[:60]] + [raw for _, _, raw in hostile] + [post_json(good[30])] \
        + [post_json(g) for g in good[60:]]
    worker = deployment.start_worker("w1")
    deployment.produce(values, partition_of=lambda i: i % PARTITIONS)
    dlq = deployment.settings.topic_dlq
    wait_for(lambda: len(deployment.read(dlq, idle_s=0.5)) >= len(hostile) + 1, 180, "dead letters", worker)
    letters = deployment.read(dlq)
    fields = sorted(dict(m.headers)["flashpoint-field"].decode() for m in letters)
    assert fields == sorted([field for _, field, _ in hostile] + ["id"])
    assert all(dict(m.headers)["flashpoint-reason"] for m in letters)
    wait_for(lambda: worker.metric("flashpoint_posts_ingested_total") == len(good) + 1, 60, "good posts", worker)
    assert worker.proc.poll() is None  # never restarted: the same process took them all


def test_demo_through_kafka_detects_the_injected_events(broker, tmp_path):
    """`flashpoint demo --kafka`: its own tansu broker and worker, end to end."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "streams.cli", "demo", "--kafka", "--no-live", "--duration", "10",
                           "--hours", "3"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "MISSED" not in done.stdout and "ALERTED" not in done.stdout
    assert "detected 5/5 injected events through Kafka" in done.stdout


@pytest.mark.parametrize("batch", [1, 3])
def test_produce_and_tail_commands(deployment, tmp_path, batch):
    """`flashpoint produce` (one post a record, or `--batch`) and `flashpoint tail`."""
    import subprocess
    import sys

    posts = [{"id": f"p{i}", "ts": 1_700_000_000 + i, "text": f"words {i}"} for i in range(7)]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in posts) + "\n{broken\n")
    env = {**__import__("os").environ, **deployment.env}
    cli = [sys.executable, "-m", "streams.cli"]
    done = subprocess.run(cli + ["produce", str(path), "--batch", str(batch), "--rate", "1000", "--quiet"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    topic = deployment.settings.topic_posts if batch == 1 else deployment.settings.topic_posts_batch
    assert f"sent 8 posts to {topic}" in done.stderr
    tail = subprocess.run(cli + ["tail", topic], env=env, capture_output=True, text=True, timeout=60)
    rows = [json.loads(line) for line in tail.stdout.splitlines()]
    # the bad line goes too: the worker dead-letters it.  A batch is sent early when
    # pacing makes the producer wait, so batched records hold up to 3 posts.
    lines = [r["value"] if isinstance(r["value"], str) else json.dumps(r["value"]) for r in rows]
    assert sum(len(v.splitlines()) for v in lines) == 8
    assert all(len(v.splitlines()) <= batch for v in lines)
    if batch == 1:
        assert sorted(r["key"] for r in rows if r["key"]) == sorted(p["id"] for p in posts)
        assert "{broken" in [r["value"] for r in rows]


def test_kafka_commands_name_the_broker_when_it_is_unreachable(tmp_path):
    import subprocess
    import sys

    from streams.local_broker import free_port

    env = {**__import__("os").environ, "FLASHPOINT_BROKER_URL": f"kafka://127.0.0.1:{free_port()}"}
    done = subprocess.run([sys.executable, "-m", "streams.cli", "topics", "create"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "broker kafka://127.0.0.1:" in done.stderr and "Traceback" not in done.stderr


def test_a_worker_tracks_watchlists_serves_the_wall_and_publishes_actions(deployment, tmp_path):
    import httpx

    from tests.test_watchlist_crisis import WATCHLISTS, _stream as crisis_stream

    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(WATCHLISTS)
    worker = deployment.start_worker("w1", extra_env={"FLASHPOINT_WATCHLISTS": str(watchlists),
                                                      "FLASHPOINT_WATCHLISTS_RELOAD_S": "0.5"})
    posts, onset = crisis_stream()
    deployment.produce([post_json(p) for p in posts], partition_of=_round_robin)
    wall = httpx.Client(base_url=f"http://127.0.0.1:{worker.wall_port}", timeout=5)

    def listed():
        try:
            return wall.get("/api/events", params={"team": "acme-pr"}).json()["events"]
        except httpx.TransportError:  # the wall starts a moment after the worker's web server
            return []

    wait_for(listed, 180, "the brand's crisis on the worker's wall", worker)
    event = listed()[0]
    assert (event["team"], event["watchlist"], event["kind"]) == ("acme-pr", "acme", "watchlist")
    assert wall.get("/api/watchlists").json()["watchlists"][0]["team"] == "acme-pr"

    answer = wall.post(f"/api/events/{event['id']}/actions", json={"action": "mute", "by": "pr-desk"})
    assert answer.status_code == 201
    actions = [json.loads(m.value) for m in deployment.read(deployment.settings.topic_actions)]
    assert [(a["event_id"], a["action"], a["by"]) for a in actions] == [(event["id"], "mute", "pr-desk")]

    # the file changes while the worker runs: removing the watchlist resolves its live event
    watchlists.write_text("teams: []\n")
    wait_for(lambda: any(r["id"] == event["id"] and r["type"] == "resolved" for r in deployment.events()), 60,
             "the removed watchlist's event to resolve", worker)
    wall.close()
