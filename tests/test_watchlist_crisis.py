"""The watchlist issue's "done when": a PR team defines a watchlist for its brand,
sees the brand's crisis on the newsroom wall within 60 s of stream time after the
crisis' onset in a replayed stream, at any replay speed, and gets an alert that
Alertmanager routes to the team's own receiver.

Real parts: the in-process pipeline with the watchlist tracker and the negativity
scorer, the wall served over HTTP, the alert sink, Debian's Alertmanager with a
team route, and a webhook per receiver served by the test."""

from __future__ import annotations

import random
import time

import httpx
import pytest
from prometheus_client import CollectorRegistry

from detectors.negativity import NegativityScorer
from detectors.pipeline import Pipeline
from detectors.post import parse_post
from detectors.watchlists import load_watchlists
from streams.alerting import AlertBook, AlertSink
from streams.metrics import AlertSinkMetrics
from streams.synth import generate
from streams.wall.serve import serve_in_thread
from streams.wall.store import EventStore
from streams.wall.web import create_wall_app
from tests.alertmanager_support import Alertmanager

WATCHLISTS = """
teams:
  - name: acme-pr
    watchlists:
      - name: acme
        queries:
          - terms: ["acme"]
          - hashtags: ["#acmefail"]
          - terms: ["艾克美"]
"""

#: Alertmanager with a route per team before the newsroom's: the team's webhook path tells.
ROUTED = """\
route:
  receiver: newsroom
  group_by: [alertname, event_id]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['team="acme-pr"']
      receiver: acme-pr
receivers:
  - name: newsroom
    webhook_configs: [{url: "{url}/newsroom", send_resolved: true}]
  - name: acme-pr
    webhook_configs: [{url: "{url}/acme-pr", send_resolved: true}]
"""

CRISIS = ["Acme heater caught fire in my kitchen, this is dangerous #acmefail",
          "Avoid Acme, their heaters are a fire hazard and support ignores us",
          "Mój grzejnik Acme się zapalił, skandal! #acmefail",
          "艾克美 取暖器 起火 了，太 危险 了",
          "Acme recall now!!! my kid got burned, terrible company",
          "Min Acme-element började brinna, fruktansvärt #acmefail"]
CALM = ["Bought a new Acme kettle today", "Acme store downtown has a sale", "Acme support answered quickly, thanks"]


def _stream(seed: int = 7) -> tuple[list[dict], float]:
    """Two hours of background chatter with a calm brand mentioned now and then, then
    a sharp crisis: ~25 posts a minute from many accounts.  Returns posts and onset."""
    rng = random.Random(seed)
    posts = [p for p in generate(seed, hours=2, background_per_min=10).posts]
    start = min(parse_post(p).ts for p in posts)
    for i in range(40):  # one calm mention every ~3 minutes
        posts.append({"id": f"calm-{i}", "ts": start + 180 * i + rng.uniform(0, 60), "author": f"fan{rng.randrange(500)}",
                      "text": rng.choice(CALM), "lang": "en"})
    onset = start + 100 * 60
    for i in range(250):  # 10 minutes of crisis
        posts.append({"id": f"crisis-{i}", "ts": onset + i * 2.4, "author": f"angry{rng.randrange(400)}",
                      "text": rng.choice(CRISIS), "followers": rng.randrange(10, 50_000)})
    posts.sort(key=lambda p: parse_post(p).ts)
    return posts, onset


@pytest.fixture
def alertmanager(tmp_path, webhook):
    am = Alertmanager(tmp_path, webhook.url.rpartition("/")[0], ROUTED).start()
    yield am
    am.stop()


def _run(posts, onset: float, speed: float | None, alertmanager_url: str):
    """Replay ``posts`` (``speed`` stream seconds per wall second from 5 minutes before
    the onset; as fast as possible before, or throughout with None) through the
    pipeline into the wall and the sink; poll the wall's API meanwhile.  Returns the
    watchlist records and the stream time at which the wall first listed the crisis."""
    store = EventStore()
    port, stop_wall = serve_in_thread(lambda: create_wall_app(store), "127.0.0.1", 0)
    sink = AlertSink(AlertBook(suppressed=store.suppressed), alertmanager_url, AlertSinkMetrics(CollectorRegistry()),
                     retry_max_s=0.5)
    pipe = Pipeline(watchlists=load_watchlists(WATCHLISTS), negativity=NegativityScorer(), collect_assignments=False)
    seen_at, records = None, []
    paced_from = onset - 300
    wall0, client = None, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)
    last_poll = 0.0
    try:
        for raw in posts:
            post = parse_post(raw)
            if speed is not None and post.ts >= paced_from:
                wall0 = wall0 or time.monotonic()
                time.sleep(max(0.0, (post.ts - paced_from) / speed - (time.monotonic() - wall0)))
            fresh = pipe.process(post)
            for record in fresh:
                records.append(record)
                store.apply(record)
                sink.offer(record)
            sink.pump()
            # poll every 50 ms of wall time, and at once when a record came (unpaced, 50 ms
            # is many minutes of stream time)
            if seen_at is None and (fresh or time.monotonic() - last_poll > 0.05):
                last_poll = time.monotonic()
                listed = client.get("/api/events", params={"team": "acme-pr"}).json()["events"]
                if listed:
                    seen_at = post.ts  # the stream's clock when the wall first listed it
        return [r for r in records if r.get("kind") == "watchlist"], seen_at, sink
    finally:
        client.close()
        stop_wall()


@pytest.mark.parametrize("speed", [None, 60.0])
def test_a_brands_crisis_is_on_the_wall_within_a_minute_and_pages_its_team(alertmanager, webhook, speed):
    posts, onset = _stream()
    watched, seen_at, sink = _run(posts, onset, speed, alertmanager.url)
    created = [r for r in watched if r["type"] == "created"]
    assert len(created) == 1, "one crisis, one event, no alarm during the calm hours"
    first = created[0]
    emitted = parse_post({"id": "x", "ts": first["ts"], "text": "x"}).ts
    assert onset <= emitted <= onset + 60, f"emitted {emitted - onset:.0f} s after the onset"
    assert seen_at is not None and seen_at <= onset + 60 + (15 if speed else 5)
    assert (first["team"], first["watchlist"], first["kind"]) == ("acme-pr", "acme", "watchlist")
    assert first["crisis"]["negativity"] > 0.5 and first["crisis"]["reach"] is not None
    assert {"acme"} <= set(first["keywords"])

    deadline = time.monotonic() + 30
    while sink.book.pending() and time.monotonic() < deadline:
        sink.pump()
        time.sleep(0.1)
    webhook.wait_for(lambda h: any(a["labels"].get("event_id") == first["id"]
                                   for b in h.bodies if b["receiver_path"] == "/acme-pr" for a in b["alerts"]),
                     what="the crisis alert at the team's receiver")
    team_alerts = [a for b in webhook.bodies if b["receiver_path"] == "/acme-pr" for a in b["alerts"]]
    assert team_alerts[0]["labels"]["team"] == "acme-pr" and team_alerts[0]["labels"]["watchlist"] == "acme"
    assert not [b for b in webhook.bodies if b["receiver_path"] == "/newsroom"
                and any(a["labels"].get("team") == "acme-pr" for a in b["alerts"])]


def test_the_replay_speed_changes_nothing_but_wall_time():
    posts, onset = _stream()
    pipe_runs = []
    for batch in (1, 500):  # posts one at a time, or in big lumps: event time decides
        pipe = Pipeline(watchlists=load_watchlists(WATCHLISTS), negativity=NegativityScorer(),
                        collect_assignments=False)
        out = []
        for i in range(0, len(posts), batch):
            for raw in posts[i:i + batch]:
                out += pipe.process(parse_post(raw))
        pipe_runs.append([(r["id"], r["version"], r["ts"], r["state"]) for r in out if r.get("kind") == "watchlist"])
    assert pipe_runs[0] == pipe_runs[1] and pipe_runs[0]


def test_a_muted_crisis_does_not_page_again():
    posts, onset = _stream()
    store = EventStore()
    book = AlertBook(suppressed=store.suppressed)
    pipe = Pipeline(watchlists=load_watchlists(WATCHLISTS), negativity=NegativityScorer(), collect_assignments=False)
    muted = None
    for raw in posts:
        for record in pipe.process(parse_post(raw)):
            store.apply(record)
            if record.get("kind") == "watchlist" and muted is None:
                muted = record["id"]
                store.act(muted, "mute", by="pr-desk")
                book.silence(muted, 0.0)
            book.apply(record, emitted_at=0.0)
    assert muted is not None
    firing = [p for p in book.payloads(book.due(now=1.0), now=1.0) if p["labels"]["event_id"] == muted
              and p["endsAt"] > "1970-01-01T00:00:01"]
    assert not firing
