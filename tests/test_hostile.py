"""Nothing a record carries stops the pipeline: hostile input through every decoder and replay."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.hostile_corpus import MUTATIONS, hostile_records, interleave
from detectors.negativity import NegativityScorer
from detectors.pipeline import DetectorConfig, Pipeline
from detectors.post import Post, PostError, DecodePolicy, parse_post, parse_ts
from streams.cli import main
from streams.synth import generate
from streams.wire import decode_batch, decode_single

WATCHLISTS = str(Path(__file__).resolve().parent.parent / "watchlists.example.yaml")
NOW = 1772409600.0  # 2026-03-02T00:00:00Z, the synth streams' start
POLICY = DecodePolicy(clock=lambda: NOW + 30 * 86400.0)
ANY_TIME = DecodePolicy(clock=None)  # no wall-clock bound: posts a year ahead decode

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)
schema_keys = st.sampled_from(["id", "ts", "text", "author", "lang", "reply_to", "mentions", "hashtags",
                               "followers", "url", "quote_of", "repost_of", "source", "other"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(schema_keys, json_values, max_size=8))
def test_any_record_is_a_post_or_names_its_bad_field(record):
    try:
        post = parse_post(record, POLICY)
    except PostError as exc:
        assert exc.field in record or exc.field in ("id", "ts", "text")
        return
    assert isinstance(post, Post) and math.isfinite(post.ts)
    post.text.encode("utf-8")  # no lone surrogate survives: every sink can write it
    assert POLICY.earliest <= post.ts <= NOW + 30 * 86400.0 + POLICY.max_future_seconds


@settings(max_examples=400, deadline=None)
@given(st.integers() | st.floats() | st.text(max_size=80) | st.booleans() | st.none())
def test_any_ts_is_an_instant_in_range_or_a_ts_rejection(value):
    try:
        ts = parse_ts(value, POLICY)
    except PostError as exc:
        assert exc.field == "ts"
    else:
        assert POLICY.earliest <= ts <= NOW + 30 * 86400.0 + POLICY.max_future_seconds


@pytest.mark.parametrize("value, seconds", [
    (1772409600, 1772409600.0), (1772409600000, 1772409600.0), (1772409600000000, 1772409600.0),
    (1772409600000000000, 1772409600.0), ("1772409600000", 1772409600.0), (1772409600.5, 1772409600.5),
    ("2026-03-02T01:00:00+01:00", 1772409600.0), ("2026-03-02T00:00:00", 1772409600.0),
])
def test_epoch_units_are_recognised_by_magnitude(value, seconds):
    assert parse_ts(value, POLICY) == pytest.approx(seconds)


@pytest.mark.parametrize("value, says", [
    (0, "before 2006"), ("1900-01-01T00:00:00Z", "before 2006"), (-1e15, "before 2006"),
    ("9999-12-31T23:59Z", "ahead of this machine's clock"), (1e300, "ahead of this machine's clock"),
    (10 ** 400, "digits"), ("0000-01-01T00:00:00Z", "not ISO-8601"), (float("nan"), "not a finite time"),
])
def test_times_that_are_no_real_instant_are_rejected_with_the_reason(value, says):
    with pytest.raises(PostError, match=says) as err:
        parse_ts(value, POLICY)
    assert err.value.field == "ts"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_kafka_decoders_never_raise(raw):
    post, letter = decode_single(raw, POLICY)
    assert (post is None) != (letter is None)
    posts, dead = decode_batch(raw, POLICY)
    assert all(isinstance(p, Post) for _, p in posts) and all(d.reason for d in dead)


@pytest.mark.parametrize("raw, field", [
    (b'{"id": "d", "ts": 1772409600, "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "<json>"),
    (b'{"id": "d", "ts": ' + b"9" * 400 + b', "text": "x"}', "ts"),
])
def test_poison_records_become_dead_letters(raw, field):
    post, letter = decode_single(raw, POLICY)
    assert post is None and letter.field == field


def test_a_lone_surrogate_becomes_a_replacement_character():
    post, letter = decode_single(b'{"id": "s", "ts": 1772409600, "text": "bad \\ud800 text"}', POLICY)
    assert letter is None and post.text == "bad \ufffd text"
    Pipeline().process(post)  # language identification and the tokenizer take it


def test_negativity_cannot_overflow():
    scorer = NegativityScorer()
    for text in ("love " * 401, "love! " * 3000, "hate " * 3000):
        assert 0.0 <= scorer.score_one(text, "en") <= 1.0


# -- through replay ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    """The synth stream of seed 3 as JSON lines, and its events from a clean replay."""
    root = tmp_path_factory.mktemp("hostile")
    lines = [json.dumps(p, ensure_ascii=False).encode() for p in generate(3).posts]
    clean = root / "clean.jsonl"
    clean.write_bytes(b"\n".join(lines) + b"\n")
    out = root / "clean.events.jsonl"
    assert main(["replay", str(clean), "--out", str(out), "--watchlists", WATCHLISTS]) == 0
    return root, lines, out.read_text().splitlines()


def _replay(root, name, lines, *extra) -> tuple[int, list[str], list[dict]]:
    path, out, errors = root / f"{name}.jsonl", root / f"{name}.events.jsonl", root / f"{name}.errors.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code = main(["replay", str(path), "--out", str(out), "--errors", str(errors), *extra])
    return code, out.read_text().splitlines(), [json.loads(line) for line in errors.read_text().splitlines()]


def test_a_hostile_corpus_is_rejected_line_by_line_and_changes_no_event(stream):
    root, lines, clean_events = stream
    originals = [json.loads(line) for line in lines]
    hostile = hostile_records(originals, 300, seed=7)
    assert {kind for kind, _, _ in hostile} == set(MUTATIONS)
    mixed, numbers = interleave(lines, [raw for _, _, raw in hostile], seed=7)
    # a post sent twice: the copy is rejected, the first one counted
    good = numbers[-1]  # 0-based index of the line after the last hostile one
    mixed.insert(good + 1, mixed[good])
    code, events, errors = _replay(root, "hostile", mixed, "--watchlists", WATCHLISTS)
    assert code == 0
    assert events == clean_events
    rejected = {e["line"]: e["field"] for e in errors}
    assert {n: rejected.get(n) for n in numbers} == {n: field for n, (_, field, _) in zip(numbers, hostile)}
    assert rejected.get(good + 2) == "id"
    assert len(rejected) == len(hostile) + 1


@pytest.mark.parametrize("kind, record, position", [
    ("epoch milliseconds", {"ts": 1772409600000}, 9000),
    ("year 9999", {"ts": "9999-12-31T23:59Z"}, 9000),
    ("1e300", {"ts": 1e300}, 9000),
    ("400 digits", {"ts": 10 ** 400}, 9000),
    ("a post dated months ahead", {"ts": "2026-09-01T00:00:00Z"}, 9000),
    ("a post dated months ahead, early", {"ts": "2026-09-01T00:00:00Z"}, 100),
    ("ts 0, early", {"ts": 0}, 5),
    ("year 1900, early", {"ts": "1900-01-01T00:00:00Z"}, 5),
    ("a lone surrogate", {"text": "bad \ud800 text"}, 9000),
    ("2,005 characters of love for a watched brand", {"text": "acme " + "love " * 400}, 9000),
    ("a clock a day behind", {"ts": "2026-03-01T01:00:00Z"}, 9000),
])
def test_one_poisonous_post_changes_no_event(stream, kind, record, position):
    root, lines, clean_events = stream
    base = json.loads(lines[position])
    poison = json.dumps({**base, "id": "poison", **record}, ensure_ascii=False).encode("utf-8", "surrogatepass")
    code, events, _ = _replay(root, "poison", lines[:position] + [poison] + lines[position:],
                              "--watchlists", "watchlists.example.yaml")
    assert code == 0
    watched = [json.loads(e) for e in clean_events]
    got = [json.loads(e) for e in events]
    key = lambda r: (r["id"], r["type"], r.get("first_seen"))  # noqa: E731
    assert [key(r) for r in got if r["type"] == "created"] == [key(r) for r in watched if r["type"] == "created"]


def test_exit_codes_say_when_nothing_valid_was_read(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "ts": 0, "text": "x"}\n{"id": 2}\n')
    assert main(["replay", str(bad), "--out", str(tmp_path / "e.jsonl")]) == 1
    assert "no valid post among 2 records" in capsys.readouterr().err.splitlines()[-1]
    mostly = tmp_path / "mostly.jsonl"
    mostly.write_text('{"id": 1, "ts": 1772409600, "text": "x"}\n{"id": 2}\n{"id": 3}\n')
    assert main(["replay", str(mostly), "--out", str(tmp_path / "e.jsonl")]) == 1
    assert "--max-reject-share 0.5" in capsys.readouterr().err.splitlines()[-1]
    assert main(["replay", str(mostly), "--out", str(tmp_path / "e.jsonl"), "--max-reject-share", "0.9"]) == 0


def test_csv_headers_match_whatever_their_case(tmp_path, capsys):
    path = tmp_path / "posts.csv"
    path.write_text("ID,TS,Text\n1,2026-03-02T00:00:00Z,hello\n")
    assert main(["replay", str(path), "--out", str(tmp_path / "e.jsonl")]) == 0
    other = tmp_path / "other.csv"
    other.write_text("id,time,text\n1,2026-03-02T00:00:00Z,hello\n")
    assert main(["replay", str(other), "--out", str(tmp_path / "e.jsonl")]) == 1
    assert "the header has no 'ts' column (it has 'id', 'time', 'text'" in capsys.readouterr().err


# -- secrets --------------------------------------------------------------------------------


def test_no_log_line_or_repr_shows_a_configured_secret(caplog):
    import logging
    import socket

    from prometheus_client import CollectorRegistry

    from streams.alerting import AlertBook, AlertSink
    from streams.metrics import AlertSinkMetrics
    from streams.settings import Settings

    with socket.socket() as s:  # a loopback port nobody listens on: every attempt fails
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    secrets = ("wall-tok-4f9a", "sasl-pw-77c1", "am-pw-2b8e")
    settings = Settings(wall_token=secrets[0], sasl_password=secrets[1],
                        alertmanager_url=f"http://flash:{secrets[2]}@127.0.0.1:{port}")
    shown = [repr(settings), str(settings)]
    assert settings.secret("wall_token") == secrets[0]
    sink = AlertSink(AlertBook(), settings.alertmanager_url, AlertSinkMetrics(CollectorRegistry()), timeout_s=2)
    sink.offer({"id": "ev1", "type": "created", "state": "emerging", "severity": "warning", "keywords": ["x"],
                "languages": {"en": 3}, "posts": 30, "voices": 20, "communities": 2, "score": 5.0})
    with caplog.at_level(logging.DEBUG):
        assert sink.pump() is False
    assert "retrying" in caplog.text and "flash:***@127.0.0.1" in caplog.text
    shown.append(caplog.text)
    assert not [s for s in secrets for text in shown if s in text]


# -- the wall -------------------------------------------------------------------------------


@pytest.fixture()
def wall():
    import httpx

    from streams.wall.serve import serve_in_thread
    from streams.wall.store import EventStore
    from streams.wall.web import create_wall_app

    store = EventStore()
    store.apply({"id": "ev-1", "version": 1, "type": "created", "state": "emerging", "severity": "warning",
                 "keywords": ["x"], "languages": {"en": 3}, "posts": 30, "voices": 20, "score": 5.0,
                 "ts": "2026-03-02T01:00:00Z", "first_seen": "2026-03-02T00:55:00Z"})
    port, stop = serve_in_thread(lambda: create_wall_app(store, token="tok"))
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": "Bearer tok"}) as client:
        yield client
    stop()
    store.close()


@pytest.mark.parametrize("probe, status", [
    (dict(method="GET", url="/api/events?q=a%00b"), 400),
    (dict(method="GET", url="/api/events?q=%ED%A0%80"), 200),  # decoded with replacement characters
    (dict(method="POST", url="/api/events/ev-1/actions", content=b'{"action": "acknowledge", "by": "x\\ud800y"}',
          headers={"Content-Type": "application/json"}), 201),
    (dict(method="GET", url="/api/events", headers={"Authorization": b"Bearer \xff\xfe"}), 401),
    (dict(method="GET", url="/api/events", headers={"Host": "evil.example:80"}), 421),
])
def test_the_wall_answers_every_probe_without_a_server_error(wall, probe, status):
    assert wall.request(**probe).status_code == status
    assert wall.get("/api/events").status_code == 200  # and goes on


@pytest.mark.parametrize("host", ["0", "0.0", "0x0", "0.0.0.0", "::", "[::]", "000.000.000.000", "", "::ffff:0.0.0.0"])
def test_every_spelling_of_a_wildcard_address_is_refused(host):
    from streams.wall.serve import check_host

    with pytest.raises(ValueError, match="wildcard"):
        check_host(host)


def test_a_long_text_is_cut_and_the_cut_is_counted(tmp_path, capsys, monkeypatch):
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"id": 1, "ts": 1772409600, "text": "słowo " * 3000}) + "\n"
                    + json.dumps({"id": 2, "ts": 1772409601, "text": "short"}) + "\n")
    assert len(parse_post(json.loads(path.read_text().splitlines()[0]), POLICY).text) == 10_000
    monkeypatch.setenv("FLASHPOINT_MAX_TEXT_CHARS", "500")
    assert main(["replay", str(path), "--out", str(tmp_path / "e.jsonl")]) == 0
    assert "1 text was cut to 500 characters (FLASHPOINT_MAX_TEXT_CHARS)" in capsys.readouterr().err


def test_a_post_whose_processing_raises_is_rejected_and_the_stream_goes_on(monkeypatch):
    pipe = Pipeline()
    real = pipe.tracker.update
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # a bug that strikes once, at one bucket's close
        calls["n"] += 1
        if calls["n"] == 3:
            raise ZeroDivisionError("a bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipe.tracker, "update", flaky)
    posts = [parse_post({"id": i, "ts": NOW + 60 * i, "text": f"ordinary words {i}"}, POLICY) for i in range(40)]
    for post in posts:
        pipe.process(post)
    rejected = pipe.take_rejected()
    assert [(field, reason.split(":")[0]) for _, field, reason, _ in rejected] == [("<post>", "could not be processed")]
    assert pipe.stats["posts"] == 40 and calls["n"] > 3  # later buckets still closed


@pytest.mark.parametrize("allow", [False, True])
def test_a_wildcard_bind_needs_the_explicit_setting(allow):
    from streams.wall.serve import check_host

    if allow:
        check_host("0.0.0.0", allow_wildcard=True)
    else:
        with pytest.raises(ValueError, match="wildcard"):
            check_host("0x0", allow_wildcard=False)


def test_wrong_clocks_spread_over_a_stream_do_not_move_it():
    """Three posts a year ahead, far apart among normal ones, are not a stream that moved on:
    each is held, then rejected; the clock and every bucket close go on as without them."""
    config = DetectorConfig(ahead_patience_posts=50)
    pipe = Pipeline(config)
    normal = [parse_post({"id": i, "ts": NOW + 30 * i, "text": f"ordinary words {i}"}, POLICY) for i in range(400)]
    for i, post in enumerate(normal):
        if i in (100, 200, 300):
            pipe.process(parse_post({"id": f"wrong-{i}", "ts": NOW + 365 * 86400, "text": "x"}, ANY_TIME))
        pipe.process(post)
    rejected = pipe.take_rejected()
    assert sorted(r[0] for r in rejected) == ["wrong-100", "wrong-200", "wrong-300"]
    assert {r[1] for r in rejected} == {"ts"}
    assert pipe.newest == normal[-1].ts and pipe.stats["late"] == 0


def test_followers_beyond_any_account_are_rejected():
    with pytest.raises(PostError, match="followers"):
        parse_post({"id": 1, "ts": NOW, "text": "x", "followers": 10 ** 13}, POLICY)
    with pytest.raises(PostError, match="followers"):
        parse_post({"id": 1, "ts": NOW, "text": "x", "followers": "9" * 4000}, POLICY)
