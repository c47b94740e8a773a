"""Live source connectors (streams/live) against local stand-ins of Jetstream and
Mastodon (tests/live_support.py) on 127.0.0.1, and the Kafka sink against the test broker."""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from collections import Counter

import pytest
from prometheus_client import CollectorRegistry

from detectors.post import parse_post
from streams.live.backoff import Backoff
from streams.live.base import SourceError
from streams.live.jetstream import JetstreamSource, map_event
from streams.live.mastodon import MastodonSource, map_status
from streams.metrics import SourceMetrics
from streams.live.sinks import JsonlSink, KafkaSink, ListSink
from streams.live.state import StateError, StateFile
from tests.live_support import (POST, T0, JetstreamServer, MastodonServer, account, commit, identity, in_thread,
                                run_for)

ALICE, BOB, CAROL = "did:plc:alice0000000000000000000", "did:plc:bob00000000000000000000", "did:web:carol.example"
LIKE = "app.bsky.feed.like"
REWIND_S = 2.5


def fast(**kw) -> dict:
    """Settings that keep a test to milliseconds: tiny backoff, frequent checkpoints."""
    return {"backoff": Backoff(initial=0.01, cap=0.05), "checkpoint_seconds": 0.05, **kw}


def uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST}/{rkey}"


def facet(text: str, part: str, feature: dict) -> dict:
    start = text.encode().index(part.encode())
    return {"index": {"byteStart": start, "byteEnd": start + len(part.encode())}, "features": [feature]}


P2_TEXT = "Cheias em #Lisboa, @carol.example diz para ficar em casa https://ipma.pt"

#: (frame, skip reason or None for a post) in the order Jetstream sends them, 1 s apart
FRAMES: list[tuple[dict, str | None]] = [
    (commit(1, ALICE, "create", "p1", {"text": "Explosion heard downtown", "createdAt": "2024-09-09T19:46:01.000Z",
                                       "langs": ["en"]}), None),
    (identity(2, BOB), "identity"),
    (commit(3, BOB, "create", "l1", {"subject": {"uri": uri(ALICE, "p1"), "cid": "bafy"},
                                     "createdAt": "2024-09-09T19:46:03.000Z"}, collection=LIKE), "collection"),
    (commit(4, BOB, "create", "p2", {
        "text": P2_TEXT, "createdAt": "2024-09-09T19:46:04.000Z", "langs": ["pt", "en"],
        "facets": [facet(P2_TEXT, "#Lisboa", {"$type": "app.bsky.richtext.facet#tag", "tag": "Lisboa"}),
                   facet(P2_TEXT, "@carol.example", {"$type": "app.bsky.richtext.facet#mention", "did": CAROL}),
                   facet(P2_TEXT, "https://ipma.pt", {"$type": "app.bsky.richtext.facet#link",
                                                      "uri": "https://ipma.pt"})]}), None),
    (commit(5, CAROL, "delete", "p0"), "delete"),
    (account(6, CAROL), "account"),
    (commit(7, CAROL, "create", "p3", {"text": "Where exactly?", "createdAt": "2024-09-09T19:46:07.000Z",
                                       "langs": ["en"],
                                       "reply": {"root": {"uri": uri(ALICE, "p1"), "cid": "bafy1"},
                                                 "parent": {"uri": uri(ALICE, "p1"), "cid": "bafy1"}}}), None),
    (commit(8, ALICE, "update", "p1", {"text": "Explosion heard downtown (edited)",
                                       "createdAt": "2024-09-09T19:46:01.000Z"}), "update"),
    (commit(9, ALICE, "create", "p4", {"text": "Confirmed by the fire brigade", "createdAt": "2024-09-09T19:46:09Z",
                                       "langs": ["en"],
                                       "embed": {"$type": "app.bsky.embed.record",
                                                 "record": {"uri": uri(BOB, "p2"), "cid": "bafy2"}}}), None),
    (commit(10, BOB, "create", "p5", {"text": "Photos from the scene",
                                      "embed": {"$type": "app.bsky.embed.recordWithMedia",
                                                "record": {"record": {"uri": uri(ALICE, "p4"), "cid": "bafy4"}},
                                                "media": {"$type": "app.bsky.embed.images", "images": []}}}), None),
    (commit(11, CAROL, "create", "p6", {"text": "Stay away from the area", "createdAt": "2024-09-09T19:46:11Z",
                                        "langs": ["en"]}), None),
    (commit(12, ALICE, "create", "p7", {"text": "Roads reopened", "createdAt": "2024-09-09T19:46:12Z"}), None),
]


def _bsky(did: str, rkey: str, ts, text: str, **extra) -> dict:
    return {"id": uri(did, rkey), "ts": ts, "text": text, "author": did, **extra,
            "url": f"https://bsky.app/profile/{did}/post/{rkey}", "source": "bluesky"}


EXPECTED = [
    _bsky(ALICE, "p1", "2024-09-09T19:46:01.000Z", "Explosion heard downtown", lang="en"),
    _bsky(BOB, "p2", "2024-09-09T19:46:04.000Z", P2_TEXT, lang="pt", mentions=[CAROL], hashtags=["#Lisboa"]),
    _bsky(CAROL, "p3", "2024-09-09T19:46:07.000Z", "Where exactly?", lang="en", reply_to=uri(ALICE, "p1")),
    _bsky(ALICE, "p4", "2024-09-09T19:46:09Z", "Confirmed by the fire brigade", lang="en", quote_of=uri(BOB, "p2")),
    _bsky(BOB, "p5", T0 / 1e6 + 10, "Photos from the scene", quote_of=uri(ALICE, "p4")),  # no createdAt: time_us
    _bsky(CAROL, "p6", "2024-09-09T19:46:11Z", "Stay away from the area", lang="en"),
    _bsky(ALICE, "p7", "2024-09-09T19:46:12Z", "Roads reopened"),
]


def _frames() -> list[dict]:
    return [f for f, _ in FRAMES]


def _time(n: int) -> int:
    return T0 + n * 1_000_000


# -- Jetstream -----------------------------------------------------------------------------


@pytest.mark.parametrize("frame, reason", [(f, r) for f, r in FRAMES if r] + [
    ({"did": ALICE, "time_us": 5, "kind": "commit"}, "malformed"),
    ({"did": ALICE, "time_us": 5, "kind": "commit",
      "commit": {"operation": "create", "collection": POST, "rkey": "x", "record": {"createdAt": "2024-01-01"}}},
     "malformed"),  # no text
    ({"did": ALICE, "time_us": 5, "kind": "sync"}, "event"),
    ([1, 2], "malformed"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_jetstream_messages_that_are_not_posts_are_skipped_by_reason(frame, reason):
    assert map_event(frame) == (None, reason)


@pytest.mark.parametrize("created, expected", [
    ("2024-09-09T19:46:01.000Z", "2024-09-09T19:46:01.000Z"),
    ("2024-09-09T20:46:01Z", T0 / 1e6 + 1),  # an hour ahead of the relay: not believed
    ("yesterday-ish", T0 / 1e6 + 1),
])
def test_jetstream_event_time_is_created_at_unless_unusable(created, expected):
    frame = commit(1, ALICE, "create", "p", {"text": "t", "createdAt": created})
    frame["time_us"] = T0 + 1_000_000  # 2024-09-09T19:46:01Z
    assert map_event(frame)[0]["ts"] == expected


def test_jetstream_posts_are_valid_posts():
    posts = [map_event(f)[0] for f, r in FRAMES if r is None]
    assert posts == EXPECTED
    assert [parse_post(p).id for p in posts] == [p["id"] for p in EXPECTED]


@pytest.mark.parametrize("drop_after", [1, 4, 9, 11])
def test_jetstream_reconnects_from_the_rewound_cursor_without_gaps_or_duplicates(drop_after):
    """The first connection dies after ``drop_after`` frames; the connector comes back
    with cursor = last time_us - rewind, and the replayed posts are dropped by id."""
    registry = CollectorRegistry()

    async def scenario():
        async with JetstreamServer(_frames(), drop_after=drop_after) as server:
            sink = ListSink()
            source = JetstreamSource(sink, url=server.url, collections=(POST, LIKE), rewind_s=REWIND_S,
                                     max_posts=len(EXPECTED), metrics=SourceMetrics(registry, "bluesky"), **fast())
            stats = await run_for(source)
            return server, source, sink, stats

    server, source, sink, stats = asyncio.run(scenario())
    cursor = _time(drop_after) - int(REWIND_S * 1e6)
    assert server.cursors == [None, cursor] == source.cursors
    assert [q["wantedCollections"] for q in server.requests] == [[POST, LIKE]] * 2
    assert sink.posts == EXPECTED  # in order, none lost, none twice

    served = _frames()[:drop_after] + [f for f in _frames() if f["time_us"] > cursor]
    reasons = {json.dumps(f): r for f, r in FRAMES}
    want = Counter(reasons[json.dumps(f)] for f in served if reasons[json.dumps(f)])
    want["duplicate"] = sum(1 for f in _frames()[:drop_after] if f["time_us"] > cursor and reasons[json.dumps(f)] is None)
    assert stats.skipped == +want
    assert stats.reconnects == 1 and stats.posts == len(EXPECTED)

    sample = registry.get_sample_value
    assert sample("flashpoint_source_posts_total", {"source": "bluesky"}) == len(EXPECTED)
    assert sample("flashpoint_source_reconnects_total", {"source": "bluesky"}) == 1
    assert sample("flashpoint_source_skipped_total", {"source": "bluesky", "reason": "duplicate"}) == (
        want["duplicate"] or None)


def test_jetstream_resumes_from_its_state_file_after_a_restart(tmp_path):
    state = tmp_path / "bluesky.json"

    async def scenario():
        async with JetstreamServer(_frames()) as server:
            first, second = ListSink(), ListSink()
            await run_for(JetstreamSource(first, url=server.url, state=str(state), rewind_s=REWIND_S,
                                          max_posts=3, **fast()))
            saved = json.loads(state.read_text())
            again = JetstreamSource(second, url=server.url, state=str(state), rewind_s=REWIND_S,
                                    max_posts=len(EXPECTED) - 3, **fast())
            stats = await run_for(again)
            return server, first, second, saved, stats

    server, first, second, saved, stats = asyncio.run(scenario())
    # the third post (frame 7) ends the first run; the posts inside the rewind window are kept
    assert saved["source"] == "bluesky"
    assert saved["position"] == {"time_us": _time(7), "recent": [uri(CAROL, "p3")]}
    assert server.cursors == [None, _time(7) - int(REWIND_S * 1e6)]
    assert first.posts + second.posts == EXPECTED
    assert stats.skipped["duplicate"] == 1  # p3, replayed by the rewind, known from the state file
    assert json.loads(state.read_text())["position"]["time_us"] == _time(12)


def test_jetstream_refused_handshake_is_an_error_naming_the_url():
    async def scenario():
        async with MastodonServer() as http:  # any HTTP server: no websocket upgrade at this path
            source = JetstreamSource(ListSink(), url=f"ws://127.0.0.1:{http.port}/subscribe", **fast())
            with pytest.raises(SourceError, match=rf"ws://127.0.0.1:{http.port}/subscribe.*HTTP 404"):
                await run_for(source)

    asyncio.run(scenario())


# -- Mastodon ------------------------------------------------------------------------------


def _toot(status: dict, text: str, **extra) -> dict:
    post = {"id": f"mastodon:127.0.0.1:{status['id']}", "ts": status["created_at"], "text": text,
            "author": "ana@127.0.0.1", "lang": "en", **extra, "url": status["url"], "source": "mastodon",
            "followers": 42}
    return post


@pytest.mark.parametrize("status, expected", [
    ({"id": "7", "created_at": "2024-10-30T09:00:00Z", "content": "<p>boosted words</p>", "reblog": {
        "id": "5", "created_at": "2024-10-30T08:00:00Z", "content": "<p>original words</p>", "language": "fr",
        "account": {"acct": "luis@other.example"}}, "account": {"acct": "ana", "followers_count": 3},
      "url": None, "uri": "https://m.example/users/ana/statuses/7/activity"},
     {"id": "mastodon:m.example:7", "ts": "2024-10-30T09:00:00Z", "text": "original words", "author": "ana@m.example",
      "lang": "fr", "repost_of": "mastodon:m.example:5", "url": "https://m.example/users/ana/statuses/7/activity",
      "source": "mastodon", "followers": 3}),
    ({"id": "8", "created_at": "2024-10-30T09:00:00Z", "content": "<p>spoiled &lt;3</p>", "spoiler_text": "CW: fire",
      "account": {"acct": "ana"}, "quote": {"state": "accepted", "quoted_status": {"id": "6"}},
      "mentions": [{"acct": "bo"}, {"acct": "bo"}], "tags": [{"name": "Fire"}]},
     {"id": "mastodon:m.example:8", "ts": "2024-10-30T09:00:00Z", "text": "CW: fire\n\nspoiled <3",
      "author": "ana@m.example", "quote_of": "mastodon:m.example:6", "mentions": ["bo@m.example"],
      "hashtags": ["#Fire"], "source": "mastodon"}),
    ({"id": 9, "created_at": "2024-10-30T09:00:00Z"}, None),
    ({"id": "9"}, None),
], ids=["reblog", "spoiler-quote-mentions", "numeric-id", "no-time"])
def test_mastodon_status_mapping(status, expected):
    post, reason = map_status(status, "m.example")
    assert post == expected
    assert reason == (None if expected else "malformed")


@pytest.mark.parametrize("overlap", [False, True], ids=["posted-after-backfill", "posted-as-stream-reopens"])
def test_mastodon_backfills_what_was_posted_while_the_stream_was_down(overlap):
    """Stream 1 delivers two statuses (with heartbeats, a delete and an edit) and dies;
    three statuses are posted while nobody listens.  On reconnect the connector opens
    the stream, pages the REST timeline from the last id (2 a page, ids crossing 99 ->
    100), then reads the stream: the result has every status once, in order."""

    async def scenario():
        async with MastodonServer(first_id=95) as srv:
            old = [srv.new_status(f"before we listened {i}") for i in range(3)]
            live: list[dict] = []
            missed: list[dict] = []

            def first_connection(srv, stream):
                stream.heartbeat()
                live.append(srv.post("Bridge closed", tag="Valencia"))
                stream.event("delete", old[0]["id"])
                stream.heartbeat()
                stream.event("status.update", {**live[0], "content": "<p>Bridge closed (edited)</p>"})
                live.append(srv.post("Second bridge closed", in_reply_to_id=live[0]["id"]))
                stream.drop()
                missed.extend(srv.new_status(f"missed {i}") for i in range(3))

            srv.scripts.append(first_connection)
            if overlap:
                srv.scripts.append(lambda srv, stream: live.append(srv.post("as the stream reopens")))
            else:
                srv.scripts.append(lambda srv, stream: None)

            def caught_up(srv):
                if not overlap:
                    live.append(srv.post("as the stream reopens"))
                live.append(srv.post("live again"))

            srv.on_caught_up = caught_up
            sink = ListSink()
            source = MastodonSource(sink, instance=srv.url, page_limit=2, max_posts=7, **fast())
            stats = await run_for(source)
            return srv, sink, source, stats, live, missed

    srv, sink, source, stats, live, missed = asyncio.run(scenario())
    s4, s5, s9, s10 = live
    assert [s["id"] for s in (s4, s5, *missed, s9, s10)] == [str(i) for i in range(98, 105)]
    assert sink.posts == [
        _toot(s4, "Bridge closed #Valencia", hashtags=["#Valencia"]),
        _toot(s5, "Second bridge closed", reply_to=f"mastodon:127.0.0.1:{s4['id']}"),
        *[_toot(s, f"missed {i}") for i, s in enumerate(missed)],
        _toot(s9, "as the stream reopens"),
        _toot(s10, "live again"),
    ]
    backfilled = [s["id"] for s in missed] + ([s9["id"]] if overlap else [])
    assert sorted(srv.served, key=int) == backfilled  # the REST backfill fetched exactly the missed ones
    assert srv.timeline_requests[0] == {"min_id": s5["id"], "limit": "2"}
    assert source.backfilled == [len(backfilled)]
    assert stats.reconnects == 1
    assert stats.skipped == Counter({"delete": 1, "update": 1, **({"duplicate": 1} if overlap else {})})
    assert source.last_id == s10["id"]


def test_mastodon_resumes_from_its_state_file_after_a_restart(tmp_path):
    state = tmp_path / "mastodon.json"

    async def scenario():
        async with MastodonServer(first_id=99) as srv:
            srv.scripts.append(lambda srv, stream: [srv.post(f"first run {i}", tag="news") for i in range(2)])
            first = ListSink()
            await run_for(MastodonSource(first, instance=srv.url, hashtag="news", state=str(state),
                                         max_posts=2, **fast()))
            saved = json.loads(state.read_text())["position"]
            missed = [srv.new_status(f"while stopped {i}", tag="news") for i in range(3)]
            srv.new_status("another topic", tag="sports")
            broken = srv.new_status("no time", tag="news", created_at=None)  # the newest of the backfill
            srv.scripts.append(lambda srv, stream: None)
            srv.on_caught_up = lambda srv: srv.post("second run", tag="news")
            second = ListSink()
            stats = await run_for(MastodonSource(second, instance=srv.url, hashtag="#news", state=str(state),
                                                 page_limit=2, max_posts=4, **fast()))
            return srv, first, second, saved, missed + [broken], stats

    srv, first, second, saved, missed, stats = asyncio.run(scenario())
    assert stats.skipped == {"malformed": 1}
    assert saved == {"status_id": "100", "instance": srv.url, "hashtag": "news"}
    assert srv.timeline_requests[0] == {"min_id": "100", "limit": "2"}
    assert [p["text"] for p in first.posts + second.posts] == [
        "first run 0 #news", "first run 1 #news", *[f"while stopped {i} #news" for i in range(3)],
        "second run #news"]
    assert sorted(srv.served, key=int) == [s["id"] for s in missed]


def test_mastodon_state_of_another_timeline_is_refused(tmp_path):
    state = StateFile(tmp_path / "m.json", source="mastodon")
    state.save({"status_id": "5", "instance": "https://a.example", "hashtag": None})
    source = MastodonSource(ListSink(), instance="https://a.example", hashtag="news", state=state)
    with pytest.raises(SourceError, match=r"m\.json: position of the public timeline, not news"):
        asyncio.run(source.run())


@pytest.mark.parametrize("token", ["s3cret", None], ids=["with-token", "without-token"])
def test_mastodon_access_token(token):
    async def scenario():
        async with MastodonServer(token="s3cret") as srv:
            srv.scripts.append(lambda srv, stream: srv.post("members only"))
            source = MastodonSource(ListSink(), instance=srv.url, token=token, max_posts=1, **fast())
            if token is None:
                with pytest.raises(SourceError, match=rf"{srv.url}/api/v1/streaming/public: refused with HTTP 401 "
                                                      r"\(give an access token: --token-file\)"):
                    await run_for(source)
            else:
                assert (await run_for(source)).posts == 1
                assert set(srv.auth_headers) == {"Bearer s3cret"}

    asyncio.run(scenario())


# -- state, sinks, CLI ---------------------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    ("{not json", "bad JSON"),
    ('{"source": "bluesky"}', "no 'position' object"),
    ('{"source": "mastodon", "position": {}}', "state of source 'mastodon', not 'bluesky'"),
])
def test_bad_state_files_are_named(tmp_path, content, message):
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(StateError, match=rf"state\.json: .*{message}"):
        StateFile(path, source="bluesky").load()


def test_state_is_replaced_atomically(tmp_path):
    state = StateFile(tmp_path / "s.json", source="bluesky")
    for i in range(3):
        state.save({"time_us": i})
    assert state.load() == {"time_us": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temporary files left


def _cli(argv: list[str]) -> int:
    from streams.live.cli import add_parsers

    parser = argparse.ArgumentParser(prog="flashpoint")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_bluesky_to_a_file_resumes_with_its_state(tmp_path):
    out, state = tmp_path / "posts.jsonl", tmp_path / "state.json"
    with in_thread(JetstreamServer(_frames())) as server:
        common = ["source", "bluesky", "--url", server.url, "--out", str(out), "--state", str(state),
                  "--rewind", str(REWIND_S), "-q"]
        assert _cli([*common, "--max", "3"]) == 0
        assert _cli([*common, "--max", "4"]) == 0
    assert [json.loads(line) for line in out.read_text().splitlines()] == EXPECTED
    assert server.cursors == [None, _time(7) - int(REWIND_S * 1e6)]


@pytest.mark.parametrize("argv, message", [
    (["source", "bluesky", "--url", "http://127.0.0.1:1/subscribe", "--max", "1"],
     "http://127.0.0.1:1/subscribe: not a ws:// or wss:// URL"),
    (["source", "mastodon", "--instance", "http://127.0.0.1:1", "--token-file", "{tmp}/nope.txt"],
     "{tmp}/nope.txt: no such file"),
    (["source", "mastodon", "--instance", "127.0.0.1", "--out", "{tmp}/o.jsonl"],
     "127.0.0.1: not an http:// or https:// instance URL"),
    (["source", "bluesky", "--out", "{tmp}/missing/o.jsonl"], "{tmp}/missing/o.jsonl: directory"),
    (["source", "bluesky", "--state", "{tmp}/bad.json", "--out", "{tmp}/o.jsonl"], "{tmp}/bad.json: not a state file"),
], ids=["ws-url", "token-file", "instance-url", "out-dir", "state-file"])
def test_cli_errors_name_what_failed(tmp_path, argv, message):
    from streams.cli import CliError

    (tmp_path / "bad.json").write_text("[]")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if "--out" not in argv:  # never dial a broker here
        argv += ["--out", str(tmp_path / "o.jsonl")]
    with pytest.raises(CliError, match=message.replace("{tmp}", str(tmp_path)).replace(".", r"\.")):
        _cli(argv)


def test_jsonl_sink_appends(tmp_path):
    path = tmp_path / "p.jsonl"
    for batch in (EXPECTED[:2], EXPECTED[2:]):
        sink = JsonlSink(path)
        for post in batch:
            sink.emit(post)
        sink.close()
    assert [json.loads(line) for line in path.read_text().splitlines()] == EXPECTED


@pytest.mark.kafka
def test_kafka_sink_delivers_posts_keyed_by_author(broker):
    from kafka import KafkaConsumer
    from kafka.admin import KafkaAdminClient, NewTopic

    from streams.settings import Settings

    topic = f"posts-live-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=[broker])
    try:
        admin.create_topics([NewTopic(topic, 2, 1)])
    finally:
        admin.close()
    settings = Settings(broker_url=f"kafka://{broker}", topic_posts=topic)

    async def scenario():
        async with JetstreamServer(_frames()) as server:
            sink = KafkaSink(settings)
            try:
                await run_for(JetstreamSource(sink, url=server.url, max_posts=len(EXPECTED), **fast()), 30)
            finally:
                sink.close()

    asyncio.run(scenario())
    consumer = KafkaConsumer(topic, bootstrap_servers=[broker], group_id=None, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=3000)
    try:
        records = list(consumer)
    finally:
        consumer.close()
    got = sorted(records, key=lambda r: EXPECTED.index(json.loads(r.value)))
    assert [json.loads(r.value) for r in got] == EXPECTED
    assert [r.key.decode() for r in got] == [p["author"] for p in EXPECTED]
    for author in {p["author"] for p in EXPECTED}:  # one author's posts: one partition, in order
        mine = [r for r in records if r.key.decode() == author]
        assert len({r.partition for r in mine}) == 1
        assert [json.loads(r.value)["id"] for r in mine] == [p["id"] for p in EXPECTED if p["author"] == author]
