"""The newsroom wall: an aiohttp application over an :class:`EventStore`.

Pages (HTML, no token needed to load them; their data comes from the API)::

    GET /                  the live wall of emerging/active events
    GET /events/{id}       one event: keywords, volume, samples, history, actions
    GET /watchlists        each team's watchlists, their queries and current events
    GET /static/...        wall.js, wall.css (served from this package, no CDN)

API (JSON; described by ``GET /openapi.json``)::

    GET  /api/events?q=&since=&team=&watchlist=&state=&severity=&limit=&offset=
    GET  /api/events/{id}            the latest record + status, history, actions
    POST /api/events/{id}/actions    {"action": "acknowledge"|"mute"|"unmute"|"false_alarm",
                                      "by": "...", "note": "..."}
    GET  /api/watchlists
    GET  /api/stream                 server-sent events: ``event: event`` (a record),
                                     ``event: action``, a ``: ping`` comment every 15 s
    GET  /openapi.json, GET /healthz

Token: with ``token`` set, every ``/api/`` route needs ``Authorization: Bearer
<token>`` (401 otherwise).  ``/api/stream`` also takes ``?access_token=<token>``
because a browser's ``EventSource`` cannot send headers.  The pages, static files,
``/openapi.json`` and ``/healthz`` stay open.  The page takes the token from its
own URL (``/?token=...``), keeps it in ``localStorage`` and removes it from the
address bar; ``?token=`` (empty) forgets it.

Errors are JSON: ``{"error": {"status": 400, "message": "...", "field": "limit"}}``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from aiohttp import web

from detectors.post import clean_text
from streams.wall.openapi import openapi_document
from streams.wall.store import ACTIONS, SEVERITIES, STATES, EventStore, FieldError

log = logging.getLogger(__name__)

STORE = web.AppKey("wall_store", EventStore)
WATCHLISTS = web.AppKey("wall_watchlists", object)
TOKEN = web.AppKey("wall_token", object)
ALLOWED_HOSTS = web.AppKey("allowed_hosts", object)
#: Host names a wall answers to unless told otherwise (plus the address it is bound to).
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
ON_ACTION = web.AppKey("wall_on_action", object)
HEARTBEAT = web.AppKey("wall_heartbeat", float)
STREAMS = web.AppKey("wall_streams", set)

HERE = Path(str(resources.files("streams.wall")))
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
MAX_LIMIT = 500
MAX_Q = 200
LIVE = ("emerging", "active", "fading")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the token may be in a page's URL
    "X-Frame-Options": "DENY",
}


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _json(obj: Any, status: int = 200) -> web.Response:
    return web.json_response(obj, status=status, dumps=_dumps)


def error_response(status: int, message: str, field: str | None = None) -> web.Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if field:
        body["field"] = field
    resp = _json({"error": body}, status=status)
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="flashpoint-wall"'
    return resp


def _bytes(text: str) -> bytes:
    # headers and queries that were not UTF-8 arrive with surrogate escapes
    return text.encode("utf-8", "surrogateescape")


def _authorized(request: web.Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    try:
        if scheme.lower() == "bearer" and given.strip():
            return hmac.compare_digest(_bytes(given.strip()), token.encode())
        if request.path == "/api/stream":
            given = request.query.get("access_token", "")
            return bool(given) and hmac.compare_digest(_bytes(given), token.encode())
    except UnicodeEncodeError:  # a lone surrogate: no token has one
        return False
    return False


def _bad_query(request: web.Request) -> str | None:
    """The first query parameter no handler can take (NUL, broken Unicode), if any."""
    for name, value in request.query.items():
        if "\x00" in value or "\x00" in name:
            return name
        try:
            value.encode("utf-8")
            name.encode("utf-8")
        except UnicodeEncodeError:
            return name
    return None


def _host_allowed(request: web.Request, allowed: frozenset[str] | None) -> bool:
    if allowed is None:
        return True
    host = (request.host or "").lower()
    name = host[: host.find("]") + 1] if host.startswith("[") else host.split(":")[0]
    return name in allowed


@web.middleware
async def _middleware(request: web.Request, handler):
    token = request.app[TOKEN]
    is_api = request.path.startswith("/api/")
    if not _host_allowed(request, request.app[ALLOWED_HOSTS]):
        # a page of another site pointing its own name at this address (DNS rebinding)
        return error_response(421, f"this wall does not answer to the host {request.host[:100]!r} "
                                   "(FLASHPOINT_WALL_ALLOWED_HOSTS)", "Host")
    if token and is_api and not _authorized(request, token):
        return error_response(401, "missing or wrong bearer token (Authorization: Bearer <token>)")
    bad = _bad_query(request)
    if bad is not None:
        return error_response(400, "a query parameter holds NUL or text that is not Unicode", bad[:100])
    try:
        resp = await handler(request)
    except ApiError as exc:
        resp = error_response(exc.status, exc.message, exc.field)
    except web.HTTPException as exc:
        if not (is_api or request.path.startswith("/events/")) or exc.status < 400:
            raise
        resp = error_response(exc.status, exc.reason)
    if not resp.prepared:
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)
        if is_api:
            resp.headers.setdefault("Cache-Control", "no-store")
    return resp


# -- parameters ------------------------------------------------------------------------------

def _int(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, not {raw!r}", name) from None
    if not lo <= value <= hi:
        raise ApiError(400, f"{name} must be between {lo} and {hi}", name)
    return value


def _choices(request: web.Request, name: str, allowed: tuple[str, ...]) -> list[str] | None:
    raw = request.query.get(name)
    if not raw:
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ApiError(400, f"{name} must be one or more of {', '.join(allowed)} (comma-separated), "
                            f"not {', '.join(bad)}", name)
    return values


def search_params(request: web.Request, store: EventStore) -> dict:
    q = request.query.get("q", "").strip()
    if len(q) > MAX_Q:
        raise ApiError(400, f"q is longer than {MAX_Q} characters", "q")
    since = request.query.get("since", "").strip() or None
    if since is not None:
        try:
            store.parse_since(since)
        except (ValueError, OverflowError):
            raise ApiError(400, "since must be an ISO 8601 time, epoch seconds or a duration like 30m, 2h, 1d",
                           "since") from None
    return {
        "q": q or None,
        "since": since,
        "team": request.query.get("team") or None,
        "watchlist": request.query.get("watchlist") or None,
        "state": _choices(request, "state", STATES),
        "severity": _choices(request, "severity", SEVERITIES),
        "limit": _int(request, "limit", 50, 1, MAX_LIMIT),
        "offset": _int(request, "offset", 0, 0, 10**9),
    }


# -- handlers ----------------------------------------------------------------------------------

def _page(name: str) -> Callable:
    async def handler(request: web.Request) -> web.Response:
        html = (TEMPLATES / name).read_text(encoding="utf-8")
        return web.Response(text=html, content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-cache"})
    return handler


async def _event_page(request: web.Request) -> web.Response:
    return await _page("event.html")(request)


async def list_events(request: web.Request) -> web.Response:
    store = request.app[STORE]
    params = search_params(request, store)
    events, total = store.search(**params, with_total=True)
    return _json({"events": events, "count": len(events), "total": total,
                  "limit": params["limit"], "offset": params["offset"], "newest_ts": _iso(store.newest_ts())})


def _iso(ts: float | None) -> str | None:
    if ts is None or not math.isfinite(ts):
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _history_item(rec: dict) -> dict:
    keep = ("type", "version", "ts", "state", "severity", "score", "posts", "voices", "communities",
            "keywords", "languages", "received_at")
    return {k: rec[k] for k in keep if k in rec}


async def get_event(request: web.Request) -> web.Response:
    store = request.app[STORE]
    event_id = request.match_info["id"]
    event = store.get(event_id)
    if event is None:
        raise ApiError(404, f"no event {event_id!r}", "id")
    return _json({"event": event, "history": [_history_item(r) for r in store.history(event_id)],
                  "actions": store.actions(event_id)})


async def post_action(request: web.Request) -> web.Response:
    store = request.app[STORE]
    event_id = request.match_info["id"]
    if request.content_type != "application/json":
        raise ApiError(415, "send the action as application/json", "Content-Type")
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "the body is not valid JSON", "body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object", "body")
    unknown = sorted(set(body) - {"action", "by", "note"})
    if unknown:
        raise ApiError(400, f"unknown field {unknown[0]!r}", unknown[0])
    if "action" not in body:
        raise ApiError(400, f"action is required: one of {', '.join(ACTIONS)}", "action")
    for name in ("by", "note"):  # a lone surrogate would not survive the database
        if isinstance(body.get(name), str):
            body[name] = clean_text(body[name]).replace("\x00", "")
    try:
        action = store.act(event_id, body["action"], by=body.get("by"), note=body.get("note"))
    except FieldError as exc:
        raise ApiError(400, str(exc), exc.field) from None
    except KeyError:
        raise ApiError(404, f"no event {event_id!r}", "id") from None
    callback = request.app[ON_ACTION]
    if callback is not None:
        try:
            await asyncio.get_running_loop().run_in_executor(None, callback, dict(action))
        except Exception:  # stored either way; the publisher logs and retries on its side
            log.exception("on_action failed for %s on %s", action["action"], event_id)
    return _json({"action": action, "status": action["status"]}, status=201)


def _watchlist_name(w: dict) -> str | None:
    for key in ("name", "watchlist", "id"):
        if w.get(key):
            return str(w[key])
    return None


def watchlist_view(store: EventStore, watchlists: list[dict], events_per_list: int = 50) -> list[dict]:
    out = []
    for w in watchlists:
        item = dict(w)
        name, team = _watchlist_name(w), w.get("team")
        item.setdefault("name", name)
        queries = w.get("queries", w.get("query", w.get("terms", w.get("keywords"))))
        item["queries"] = [queries] if isinstance(queries, (str, dict)) else list(queries or [])
        if name or team:
            item["events"] = store.search(team=team, watchlist=name, state=LIVE, limit=events_per_list)
        else:
            item["events"] = []
        out.append(item)
    return out


async def get_watchlists(request: web.Request) -> web.Response:
    store = request.app[STORE]
    try:
        lists = list(request.app[WATCHLISTS]() or [])
    except Exception as exc:
        log.exception("watchlists() failed")
        raise ApiError(500, f"watchlists unavailable: {exc}") from None
    lists = [w for w in lists if isinstance(w, dict)]
    teams = sorted({str(w["team"]) for w in lists if w.get("team")} | set(store.teams()))
    return _json({"watchlists": watchlist_view(store, lists), "teams": teams})


async def stream(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE]
    resp = web.StreamResponse(headers={
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
        **SECURITY_HEADERS,
    })
    queue = store.subscribe()
    streams = request.app[STREAMS]
    streams.add(queue)
    heartbeat = request.app[HEARTBEAT]
    try:
        await resp.prepare(request)
        await resp.write(b"retry: 3000\n: connected\n\n")
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), timeout=heartbeat)
            except asyncio.TimeoutError:
                await resp.write(b": ping\n\n")
                continue
            if item is None:  # the server is shutting down
                break
            kind, payload = item
            await resp.write(f"event: {kind}\ndata: {_dumps(payload)}\n\n".encode())
    except ConnectionError:  # the client went away (noticed at the next write: a heartbeat at the latest)
        pass
    finally:
        store.unsubscribe(queue)
        streams.discard(queue)
    return resp


async def healthz(request: web.Request) -> web.Response:
    store = request.app[STORE]
    return _json({"status": "ok", "events": len(store), "subscribers": store.subscribers, "fts": store.fts})


async def openapi(request: web.Request) -> web.Response:
    return _json(openapi_document(token=bool(request.app[TOKEN])))


async def _close_streams(app: web.Application) -> None:
    for queue in list(app[STREAMS]):
        if queue.full():  # make room for the sentinel
            queue.get_nowait()
        queue.put_nowait(None)


def create_wall_app(store: EventStore, *, watchlists: Callable[[], list[dict]] = lambda: [],
                    token: str | None = None, on_action: Callable[[dict], None] | None = None,
                    heartbeat: float = 15.0, allowed_hosts=LOCAL_HOSTS) -> web.Application:
    """The wall as an aiohttp application (see the module doc for routes and the token).

    ``watchlists()`` is called on every watchlist request and returns dicts with at
    least ``team`` and ``name`` (``queries``: a list or a string).  ``on_action`` gets
    every stored action (``store.act``'s dict), in a worker thread, after it is stored.
    ``allowed_hosts``: the ``Host`` names it answers to (None: any), against DNS rebinding.
    """
    app = web.Application(middlewares=[_middleware], client_max_size=64 * 1024)
    app[STORE] = store
    app[WATCHLISTS] = watchlists
    app[TOKEN] = token or None
    app[ALLOWED_HOSTS] = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)
    app[ON_ACTION] = on_action
    app[HEARTBEAT] = float(heartbeat)
    app[STREAMS] = set()
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/", _page("index.html"), name="wall")
    app.router.add_get("/events/{id}", _event_page, name="event")
    app.router.add_get("/watchlists", _page("watchlists.html"), name="watchlists")
    app.router.add_get("/api/events", list_events, name="api_events")
    app.router.add_get("/api/events/{id}", get_event, name="api_event")
    app.router.add_post("/api/events/{id}/actions", post_action, name="api_actions")
    app.router.add_get("/api/watchlists", get_watchlists, name="api_watchlists")
    app.router.add_get("/api/stream", stream, name="api_stream")
    app.router.add_get("/openapi.json", openapi, name="openapi")
    app.router.add_get("/healthz", healthz, name="healthz")
    app.router.add_static("/static/", STATIC, name="static", append_version=False)
    return app
