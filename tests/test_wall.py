"""The newsroom wall (streams/wall): its store, its HTTP API, its live stream."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time

import httpx
import pytest

from streams.wall import EventStore, create_wall_app, run_wall, serve_in_thread
from streams.wall.openapi import openapi_document
from streams.wall.serve import check_host
from streams.wall.store import FieldError, jaccard, load_jsonl

T0 = "2026-03-02T01:50:00Z"


def rec(event_id: str, version: int = 1, *, ts: str = T0, keywords=("fire", "harbour", "smoke"),
        texts=("Big fire at the harbour, smoke everywhere",), state: str = "emerging", severity: str = "warning",
        lang: str = "en", **extra) -> dict:
    return {
        "type": "created" if version == 1 else "updated",
        "id": event_id, "version": version, "ts": ts, "state": state, "severity": severity,
        "score": 10.0 + version, "keywords": list(keywords), "languages": {lang: 10 * version},
        "posts": 10 * version, "voices": 5 * version, "communities": 3,
        "volume": [["2026-03-02T01:45:00Z", 4], ["2026-03-02T01:50:00Z", 6 * version]],
        "samples": [{"id": f"{event_id}-{i}", "author": f"u{i}", "lang": lang, "ts": ts, "text": t}
                    for i, t in enumerate(texts)],
        "first_seen": "2026-03-02T01:45:00Z", **extra,
    }


MULTILINGUAL = [
    rec("ev-en", keywords=("flood", "river", "#riverflood"), texts=("The river burst its banks downtown",)),
    rec("ev-pl", keywords=("pożar", "szczecinie", "#pożarszczecin"), lang="pl",
        texts=("Pożar w Szczecinie! drogi zamknięte w okolicy",)),
    rec("ev-ar", keywords=("طرابلس", "قطار", "خروج قطار"), lang="ar",
        texts=("خروج قطار عن السكة في طرابلس",), state="active", severity="critical"),
    rec("ev-zh", keywords=("西安", "#西安停电", "停电"), lang="zh", texts=("西安大面积停电，地铁停运",),
        state="fading", severity="info", team="asia-desk", watchlist="china-power"),
]


@pytest.fixture(params=["fts5-trigram", "like"])
def store(request):
    s = EventStore()
    if request.param == "like":
        s.fts = False  # the fallback for an SQLite without the trigram tokenizer
    elif not s.fts:
        pytest.skip("this SQLite has no FTS5 trigram tokenizer")
    yield s
    s.close()


@pytest.fixture
def filled(store):
    for r in MULTILINGUAL:
        store.apply(r)
    return store


class Wall:
    """The wall served on a loopback port in a thread, with an httpx client."""

    def __init__(self, store: EventStore, **kwargs):
        self.store = store
        self.port, self._stop = serve_in_thread(lambda: create_wall_app(store, **kwargs))
        self.base = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.base, timeout=10)

    def close(self):
        self.http.close()
        self._stop()


@pytest.fixture
def wall_factory():
    walls = []

    def make(store, **kwargs):
        walls.append(Wall(store, **kwargs))
        return walls[-1]
    yield make
    for w in walls:
        w.close()


# -- store --------------------------------------------------------------------------------------

@pytest.mark.parametrize("versions, applied, latest", [
    ([1, 2, 3], [True, True, True], 3),
    ([1, 1], [True, False], 1),  # a redelivery
    ([2, 1], [True, False], 2),  # late, older
    ([3, 1, 2, 3], [True, False, False, False], 3),
    ([1, 3, 2, 4], [True, True, False, True], 4),
])
def test_apply_keeps_the_latest_version_and_every_version_in_history(versions, applied, latest):
    s = EventStore()
    assert [s.apply(rec("ev-1", v)) for v in versions] == applied
    got = s.get("ev-1")
    assert got["version"] == latest and got["posts"] == 10 * latest
    assert [h["version"] for h in s.history("ev-1")] == sorted(set(versions))
    assert len(s) == 1


def test_apply_rejects_records_without_id_or_version():
    s = EventStore()
    with pytest.raises(ValueError):
        s.apply({"version": 1})
    with pytest.raises(ValueError):
        s.apply({"id": "ev-x", "version": "1"})
    assert s.get("nope") is None


def test_file_store_uses_wal_and_persists(tmp_path):
    path = str(tmp_path / "wall.sqlite")
    s = EventStore(path)
    s.apply(rec("ev-1", 2))
    s.act("ev-1", "acknowledge", by="ana")
    s.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = EventStore(path)
    assert again.get("ev-1")["version"] == 2
    assert again.get("ev-1")["status"]["acknowledged"]["by"] == "ana"
    assert not again.apply(rec("ev-1", 1))
    assert again.search(q="harbour")[0]["id"] == "ev-1"


@pytest.mark.parametrize("q, expected", [
    ("river", {"ev-en"}),                  # English keyword
    ("BANKS downtown", {"ev-en"}),         # sample text, two terms, any case
    ("pożar", {"ev-pl"}),                  # Polish
    ("POŻAR", {"ev-pl"}),                  # case-folded beyond ASCII
    ("zamknięte", {"ev-pl"}),              # a word of a Polish sample
    ("طرابلس", {"ev-ar"}),                 # Arabic keyword
    ("السكة", {"ev-ar"}),                  # Arabic sample text
    ("停电", {"ev-zh"}),                   # a 2-character substring of the Chinese keyword #西安停电
    ("西安停", {"ev-zh"}),                 # 3 characters: the trigram index
    ("地铁停运", {"ev-zh"}),               # Chinese sample text
    ("ev-ar", {"ev-ar"}),                  # id
    ("china-power", {"ev-zh"}),            # watchlist
    ("nothing-like-this", set()),
    ("50%", set()),                        # LIKE wildcards are literal
])
def test_search_by_text_in_any_language(filled, q, expected):
    assert {e["id"] for e in filled.search(q=q)} == expected


def test_search_filters(filled):
    s = filled
    s.apply(rec("ev-late", ts="2026-03-02T05:00:00Z", severity="critical", team="asia-desk"))
    assert {e["id"] for e in s.search(since="2026-03-02T04:00:00Z")} == {"ev-late"}
    assert {e["id"] for e in s.search(since="1h")} == {"ev-late"}  # back from the newest event time
    assert len(s.search(since="2026-03-02T00:00:00Z")) == 5
    assert {e["id"] for e in s.search(team="asia-desk")} == {"ev-zh", "ev-late"}
    assert {e["id"] for e in s.search(team="asia-desk", watchlist="china-power")} == {"ev-zh"}
    assert {e["id"] for e in s.search(state="active")} == {"ev-ar"}
    assert {e["id"] for e in s.search(state="active,fading")} == {"ev-ar", "ev-zh"}
    assert {e["id"] for e in s.search(severity=["critical"])} == {"ev-ar", "ev-late"}
    assert {e["id"] for e in s.search(q="pożar", state="active")} == set()
    assert s.search(limit=1)[0]["id"] == "ev-late"  # most recently updated first
    events, total = s.search(limit=2, offset=1, with_total=True)
    assert len(events) == 2 and total == 5


def test_actions_are_stored_with_time_and_change_the_status(filled):
    s = filled
    a = s.act("ev-en", "acknowledge", by="ana", note="on it")
    assert a["action"] == "acknowledge" and a["by"] == "ana" and a["at"].endswith("Z")
    s.act("ev-en", "mute")
    st = s.status("ev-en")
    assert st["acknowledged"]["by"] == "ana" and st["muted"] and st["suppressed"]
    s.act("ev-en", "unmute", by="ben")
    assert not s.status("ev-en")["muted"]
    assert [x["action"] for x in s.actions("ev-en")] == ["acknowledge", "mute", "unmute"]
    with pytest.raises(KeyError):
        s.act("ev-nope", "mute")
    with pytest.raises(FieldError) as err:
        s.act("ev-en", "delete")
    assert err.value.field == "action"
    assert s.actions("ev-nope") == []


def test_suppressed_muted_false_alarm_and_recurrences():
    s = EventStore()
    fire = rec("ev-fire", keywords=("pożar", "szczecin", "szczecinie", "#pożarszczecin", "brand"))
    hoax = rec("ev-hoax", keywords=("velmora", "#boycottvelmora", "#velmoragate"))
    other = rec("ev-other", keywords=("köln", "hochwasser", "cologne"))
    for r in (fire, hoax, other):
        s.apply(r)
    assert not any(s.suppressed(r) for r in (fire, hoax, other))
    s.act("ev-fire", "mute", by="desk")
    s.act("ev-hoax", "false_alarm", by="desk")
    assert s.suppressed(fire) and s.suppressed(hoax) and not s.suppressed(other)
    assert s.suppressed(rec("ev-fire", 7))  # a later version of a muted event

    # the same story coming back under a new id: top-5 keywords overlap (Jaccard 4/6 >= 0.5)
    again = rec("ev-fire-2", ts="2026-03-09T10:00:00Z",
                keywords=("Pożar", "szczecin", "szczecinie", "#pożarszczecin", "dym", "straż"))
    assert jaccard({k.casefold() for k in again["keywords"][:5]}, set(fire["keywords"])) >= 0.5
    assert s.suppressed(again) and s.recurrence_of(again) == "ev-fire"
    hoax_again = rec("ev-hoax-2", keywords=("#velmoragate", "velmora", "recall"))
    assert s.suppressed(hoax_again)
    # unrelated, too little overlap, or outside the 14-day window: not suppressed
    assert not s.suppressed(rec("ev-new", keywords=("earthquake", "tokyo", "地震")))
    assert not s.suppressed(rec("ev-weak", keywords=("szczecin", "port", "ferry", "strike", "dockers")))
    assert not s.suppressed({**again, "id": "ev-fire-3", "ts": "2026-04-01T00:00:00Z"})
    # a stored recurrence shows in its status; unmuting the original lifts it
    s.apply(again)
    assert s.get("ev-fire-2")["status"]["recurrence_of"] == "ev-fire"
    s.act("ev-fire", "unmute")
    assert not s.suppressed(fire) and not s.suppressed(again)
    s.act("ev-hoax", "unmute")
    assert not s.suppressed(hoax)


def test_subscribers_get_records_applied_from_another_thread():
    s = EventStore()

    async def main():
        queue = s.subscribe()
        worker = threading.Thread(target=lambda: (s.apply(rec("ev-1")), s.apply(rec("ev-1")),
                                                  s.act("ev-1", "acknowledge")))
        worker.start()
        first = await asyncio.wait_for(queue.get(), 5)
        second = await asyncio.wait_for(queue.get(), 5)
        worker.join()
        s.unsubscribe(queue)
        return first, second

    (k1, p1), (k2, p2) = asyncio.run(main())
    assert (k1, p1["id"], p1["version"]) == ("event", "ev-1", 1)  # the redelivery is not published
    assert (k2, p2["action"]) == ("action", "acknowledge")
    assert s.subscribers == 0


def test_load_jsonl(tmp_path):
    path = tmp_path / "ev.jsonl"
    path.write_text("\n".join(json.dumps(rec("ev-1", v)) for v in (1, 2, 2, 1)) + "\n", encoding="utf-8")
    s = EventStore()
    assert load_jsonl(s, str(path)) == 2


# -- HTTP API -----------------------------------------------------------------------------------

@pytest.mark.parametrize("q, expected", [("river", "ev-en"), ("Pożar", "ev-pl"), ("قطار", "ev-ar"), ("停电", "ev-zh")])
def test_api_search(filled, wall_factory, q, expected):
    w = wall_factory(filled)
    r = w.http.get("/api/events", params={"q": q})
    assert r.status_code == 200
    body = r.json()
    assert [e["id"] for e in body["events"]] == [expected] and body["total"] == 1
    assert body["events"][0]["status"]["muted"] is False


def test_api_filters_and_bad_parameters(filled, wall_factory):
    w = wall_factory(filled)
    ids = lambda **p: {e["id"] for e in w.http.get("/api/events", params=p).json()["events"]}  # noqa: E731
    assert ids(state="active,fading") == {"ev-ar", "ev-zh"}
    assert ids(team="asia-desk") == {"ev-zh"}
    assert ids(severity="critical") == {"ev-ar"}
    assert ids(since="2026-03-02T01:50:00Z") == {"ev-en", "ev-pl", "ev-ar", "ev-zh"}
    assert ids(since="2030-01-01T00:00:00Z") == set()
    assert len(w.http.get("/api/events", params={"limit": 2}).json()["events"]) == 2
    for params, field in [({"limit": "many"}, "limit"), ({"limit": 0}, "limit"), ({"limit": 100000}, "limit"),
                          ({"offset": -1}, "offset"), ({"state": "burning"}, "state"),
                          ({"severity": "high"}, "severity"), ({"since": "yesterday-ish"}, "since"),
                          ({"q": "x" * 500}, "q")]:
        r = w.http.get("/api/events", params=params)
        assert r.status_code == 400, params
        assert r.json()["error"]["field"] == field


def test_api_event_actions_and_errors(filled, wall_factory):
    published = []
    w = wall_factory(filled, on_action=published.append)
    r = w.http.post("/api/events/ev-pl/actions", json={"action": "acknowledge", "by": "ola", "note": "dzwonię"})
    assert r.status_code == 201
    assert r.json()["status"]["acknowledged"]["by"] == "ola"
    assert w.http.post("/api/events/ev-pl/actions", json={"action": "false_alarm"}).status_code == 201
    body = w.http.get("/api/events/ev-pl").json()
    assert body["event"]["id"] == "ev-pl" and body["event"]["status"]["false_alarm"]
    assert [a["action"] for a in body["actions"]] == ["acknowledge", "false_alarm"]
    assert body["actions"][0]["note"] == "dzwonię"
    assert [h["version"] for h in body["history"]] == [1]
    assert [a["action"] for a in published] == ["acknowledge", "false_alarm"]
    assert published[0]["event_id"] == "ev-pl" and published[0]["by"] == "ola"
    assert [a["action"] for a in filled.actions("ev-pl")] == ["acknowledge", "false_alarm"]

    r = w.http.get("/api/events/ev-unknown")
    assert r.status_code == 404 and r.json()["error"]["field"] == "id"
    assert w.http.post("/api/events/ev-unknown/actions", json={"action": "mute"}).status_code == 404
    for body, field in [({"action": "explode"}, "action"), ({}, "action"), ({"action": "mute", "by": 7}, "by"),
                        ({"action": "mute", "note": "n" * 5000}, "note"), ({"action": "mute", "who": "x"}, "who"),
                        ([1, 2], "body")]:
        r = w.http.post("/api/events/ev-pl/actions", json=body)
        assert r.status_code == 400, body
        assert r.json()["error"]["field"] == field
    r = w.http.post("/api/events/ev-pl/actions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "body"
    r = w.http.post("/api/events/ev-pl/actions", content=b"action=mute",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert len(filled.actions("ev-pl")) == 2


def test_token_required_when_set(filled, wall_factory):
    w = wall_factory(filled, token="s3cret")
    for method, path in [("GET", "/api/events"), ("GET", "/api/events/ev-en"), ("GET", "/api/watchlists"),
                         ("POST", "/api/events/ev-en/actions"), ("GET", "/api/stream")]:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic czNjcmV0"}):
            r = w.http.request(method, path, headers=headers, json={"action": "mute"} if method == "POST" else None)
            assert r.status_code == 401, (method, path, headers)
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
    ok = {"Authorization": "Bearer s3cret"}
    assert w.http.get("/api/events", headers=ok).json()["total"] == 4
    assert w.http.post("/api/events/ev-en/actions", headers=ok, json={"action": "mute"}).status_code == 201
    assert w.http.get("/api/events?access_token=s3cret").status_code == 401  # the query token is for the stream only
    with w.http.stream("GET", "/api/stream", params={"access_token": "s3cret"}) as r:
        assert r.status_code == 200
    for path in ("/", "/events/ev-en", "/watchlists", "/static/wall.js", "/healthz", "/openapi.json"):
        assert w.http.get(path).status_code == 200, path


def test_pages_and_static_files(filled, wall_factory):
    w = wall_factory(filled)
    for path, page in [("/", "wall"), ("/events/ev-ar", "event"), ("/watchlists", "watchlists")]:
        r = w.http.get(path)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
        assert f'data-page="{page}"' in r.text and "/static/wall.js" in r.text
        assert "http://" not in r.text and "https://" not in r.text  # everything is served locally
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    js = w.http.get("/static/wall.js")
    assert js.status_code == 200 and "EventSource" in js.text and "innerHTML" not in js.text
    assert w.http.get("/static/wall.css").status_code == 200
    assert w.http.get("/healthz").json()["events"] == 4


def test_watchlists_api(filled, wall_factory):
    lists = [{"team": "asia-desk", "name": "china-power", "queries": [{"terms": ["停电"]}, {"hashtags": ["#blackout"]}]},
             {"team": "brand", "name": "acme", "query": "acme OR #acme"}]
    w = wall_factory(filled, watchlists=lambda: lists)
    body = w.http.get("/api/watchlists").json()
    assert body["teams"] == ["asia-desk", "brand"]
    by_name = {x["name"]: x for x in body["watchlists"]}
    assert [e["id"] for e in by_name["china-power"]["events"]] == ["ev-zh"]
    assert by_name["china-power"]["queries"] == [{"terms": ["停电"]}, {"hashtags": ["#blackout"]}]
    assert by_name["acme"]["queries"] == ["acme OR #acme"] and by_name["acme"]["events"] == []


def test_sse_delivers_records_applied_after_connecting(wall_factory):
    s = EventStore()
    s.apply(rec("ev-old"))
    w = wall_factory(s, heartbeat=0.5)
    seen: list[tuple[str, dict]] = []
    with httpx.Client(base_url=w.base, timeout=httpx.Timeout(10, read=5)) as client:
        with client.stream("GET", "/api/stream") as r:
            assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/event-stream")
            lines = r.iter_lines()
            assert next(lines).startswith("retry:")
            assert next(lines) == ": connected"
            deadline = time.time() + 5
            while s.subscribers == 0 and time.time() < deadline:
                time.sleep(0.01)
            # as the pipeline would: from another thread
            threading.Thread(target=lambda: (s.apply(rec("ev-new", keywords=("زلزال", "地震"))),
                                             s.act("ev-new", "acknowledge", by="ana"))).start()
            kind, pings = None, 0
            for line in lines:
                if line == ": ping":
                    pings += 1
                elif line.startswith("event: "):
                    kind = line[len("event: "):]
                elif line.startswith("data: "):
                    seen.append((kind, json.loads(line[len("data: "):])))
                    if len(seen) == 2:
                        break
    assert seen[0][0] == "event" and seen[0][1]["id"] == "ev-new" and seen[0][1]["keywords"] == ["زلزال", "地震"]
    assert seen[1][0] == "action" and seen[1][1]["action"] == "acknowledge"
    deadline = time.time() + 5
    while s.subscribers and time.time() < deadline:  # the disconnect unsubscribed it
        time.sleep(0.05)
    assert s.subscribers == 0


def test_sse_heartbeat(wall_factory):
    w = wall_factory(EventStore(), heartbeat=0.2)
    with w.http.stream("GET", "/api/stream") as r:
        lines = r.iter_lines()
        got = [next(lines) for _ in range(4)]
    assert ": ping" in got


def test_openapi_document_is_valid_and_lists_every_route(wall_factory):
    from openapi_spec_validator import validate

    doc = openapi_document()
    validate(doc)
    validate(openapi_document(token=False))
    app = create_wall_app(EventStore())
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical
        if path.startswith("/static") or route.method == "HEAD":
            continue
        routes.add((route.method.lower(), path))
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert routes == documented
    w = wall_factory(EventStore())
    assert w.http.get("/openapi.json").json()["openapi"] == "3.1.0"


def test_serving_refuses_wildcard_addresses():
    for host in ("0.0.0.0", "::", "", "[::]", None):
        with pytest.raises(ValueError):
            check_host(host)
    check_host("127.0.0.1")
    check_host("::1")
    with pytest.raises(ValueError):
        serve_in_thread(create_wall_app(EventStore()), host="0.0.0.0")
    with pytest.raises(ValueError):
        run_wall(EventStore(), host="::", port=0)


def test_stop_ends_open_streams_quickly():
    s = EventStore()
    port, stop = serve_in_thread(lambda: create_wall_app(s))
    with httpx.Client(timeout=5) as client, client.stream("GET", f"http://127.0.0.1:{port}/api/stream") as r:
        next(r.iter_lines())
        started = time.time()
        stop()
        assert time.time() - started < 5
    stop()  # idempotent


def test_takes_the_pipelines_records():
    from detectors.events import Event

    ev = Event(id="ev-real", created=1772416200.0, keywords={"pożar": 1.0, "szczecin": 0.8}, state="emerging",
               version=1, posts=3, volume={1772416200.0: 3})
    s = EventStore()
    assert s.apply(ev.record("created", 1772416500.0))
    ev.version, ev.state = 2, "active"
    assert s.apply(ev.record("updated", 1772416800.0))
    assert s.get("ev-real")["state"] == "active" and s.search(q="szczecin", state="active")[0]["id"] == "ev-real"
