"""Local stand-ins for the live services, on 127.0.0.1 free ports, for tests/test_live_sources.py.

* :class:`JetstreamServer` -- a websocket server (``websockets``) that serves the
  Jetstream frames a test writes, honours ``cursor`` (only frames with a later
  ``time_us``) and can drop a connection after so many frames.
* :class:`MastodonServer` -- an aiohttp server with the streaming API (SSE), the
  REST timelines (``min_id``/``since_id``/``max_id``/``limit``, ``Link`` headers)
  and ``/api/v2/instance``; a per-connection script decides what each stream
  connection sees, so a test can drop one and "post" while nobody listens.
* :func:`in_thread` runs either in a thread of its own, for code that calls
  ``asyncio.run`` itself (the CLI).
"""

from __future__ import annotations

import asyncio
import json
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from websockets.asyncio.server import ServerConnection, serve

POST = "app.bsky.feed.post"
T0 = 1_725_911_160_000_000  # time_us of the first frame; frames are a second apart


# -- Jetstream -----------------------------------------------------------------------------


def commit(n: int, did: str, op: str, rkey: str, record: dict | None = None,
           collection: str = POST) -> dict:
    """A Jetstream commit frame at ``T0 + n`` seconds."""
    body: dict[str, Any] = {"rev": f"3l{n:04d}", "operation": op, "collection": collection, "rkey": rkey}
    if op != "delete":
        body.update(record={"$type": collection, **(record or {})}, cid=f"bafyrei{n:04d}")
    return {"did": did, "time_us": T0 + n * 1_000_000, "kind": "commit", "commit": body}


def identity(n: int, did: str) -> dict:
    return {"did": did, "time_us": T0 + n * 1_000_000, "kind": "identity",
            "identity": {"did": did, "handle": "alice.example", "seq": 100 + n, "time": "2024-09-09T19:46:02Z"}}


def account(n: int, did: str) -> dict:
    return {"did": did, "time_us": T0 + n * 1_000_000, "kind": "account",
            "account": {"active": False, "did": did, "seq": 100 + n, "status": "deactivated",
                        "time": "2024-09-09T19:46:02Z"}}


class JetstreamServer:
    """``async with JetstreamServer(frames, drop_after=k) as srv: srv.url``.

    Each connection gets, in order, the frames whose ``time_us`` is greater than its
    ``cursor`` (all without one), then stays open.  The first connection is dropped
    (TCP closed, no close frame) after ``drop_after`` frames if that is set."""

    def __init__(self, frames: list[dict], drop_after: int | None = None):
        self.frames = frames
        self.drop_after = drop_after
        self.requests: list[dict[str, list[str]]] = []  # query of each connection
        self._server = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/subscribe"

    @property
    def cursors(self) -> list[int | None]:
        return [int(q["cursor"][0]) if "cursor" in q else None for q in self.requests]

    async def _handler(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path).query)
        self.requests.append(query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        wanted = set(query.get("wantedCollections", []))
        sent = 0
        for frame in self.frames:
            if cursor is not None and frame["time_us"] <= cursor:
                continue
            if wanted and frame["kind"] == "commit" and frame["commit"]["collection"] not in wanted:
                continue
            await ws.send(json.dumps(frame))
            sent += 1
            if len(self.requests) == 1 and self.drop_after is not None and sent >= self.drop_after:
                ws.transport.close()  # flushes what was sent, then the TCP connection ends mid-stream
                return
        await ws.wait_closed()

    async def __aenter__(self) -> "JetstreamServer":
        self._server = await serve(self._handler, "127.0.0.1", 0).__aenter__()
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._server.close()
        await self._server.wait_closed()


# -- Mastodon ------------------------------------------------------------------------------

DROP = object()


class Stream:
    """One open SSE connection: what is queued is written in order."""

    def __init__(self, request: web.Request):
        self.request = request
        self.queue: asyncio.Queue = asyncio.Queue()

    def event(self, name: str, data: Any) -> None:
        payload = data if isinstance(data, str) else json.dumps(data)
        self.queue.put_nowait(f"event: {name}\ndata: {payload}\n\n".encode())

    def heartbeat(self) -> None:
        self.queue.put_nowait(b":thump\n")

    def drop(self) -> None:
        self.queue.put_nowait(DROP)


class MastodonServer:
    """A tiny Mastodon: statuses with increasing numeric ids, the public and hashtag
    timelines, their streams.

    ``scripts[i](server, stream)`` runs when stream connection ``i`` opens (before
    anything is written to it); ``on_caught_up(server)`` runs once, on the first
    timeline page that comes back empty (the client's backfill is done)."""

    def __init__(self, *, first_id: int = 98, token: str | None = None):
        self.next_id = first_id
        self.token = token
        self.timeline: list[dict] = []
        self.streams: list[Stream] = []
        self.scripts: list[Callable[["MastodonServer", Stream], None]] = []
        self.on_caught_up: Callable[["MastodonServer"], None] | None = None
        self.timeline_requests: list[dict[str, str]] = []
        self.served: list[str] = []  # ids of the statuses the REST timeline returned
        self.auth_headers: list[str | None] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- content ---------------------------------------------------------------------------

    def new_status(self, text: str, *, tag: str | None = None, **extra: Any) -> dict:
        """A status in the timeline, not streamed (posted while nobody listens)."""
        sid = str(self.next_id)
        self.next_id += 1
        n = len(self.timeline)
        tags = [{"name": tag, "url": f"{self.url}/tags/{tag}"}] if tag else []
        html = f"<p>{text}" + (f' <a href="{self.url}/tags/{tag}" class="mention hashtag">#<span>{tag}</span></a>'
                               if tag else "") + "</p>"
        status = {
            "id": sid, "created_at": f"2024-10-30T09:{n // 60:02d}:{n % 60:02d}.000Z", "content": html,
            "language": "en", "visibility": "public", "spoiler_text": "", "in_reply_to_id": None, "reblog": None,
            "uri": f"{self.url}/users/ana/statuses/{sid}", "url": f"{self.url}/@ana/{sid}",
            "account": {"id": "1", "username": "ana", "acct": "ana", "followers_count": 42},
            "mentions": [], "tags": tags, **extra,
        }
        self.timeline.append(status)
        return status

    def post(self, text: str, **kw: Any) -> dict:
        """A status in the timeline, streamed to every open connection that wants it."""
        status = self.new_status(text, **kw)
        for stream in self.streams:
            if not stream.request.transport or stream.request.transport.is_closing():
                continue
            wanted = stream.request.query.get("tag")
            if wanted is None or any(t["name"] == wanted for t in status["tags"]):
                stream.event("update", status)
        return status

    # -- handlers --------------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        self.auth_headers.append(request.headers.get("Authorization"))
        return self.token is None or request.headers.get("Authorization") == f"Bearer {self.token}"

    async def _instance(self, request: web.Request) -> web.Response:
        return web.json_response({"domain": "127.0.0.1", "configuration": {"urls": {
            "streaming": f"ws://127.0.0.1:{self.port}"}}})

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return web.json_response({"error": "This method requires an authenticated user"}, status=401)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await resp.prepare(request)
        stream = Stream(request)
        index = len(self.streams)
        self.streams.append(stream)
        if index < len(self.scripts):
            self.scripts[index](self, stream)
        while True:
            item = await stream.queue.get()
            if item is DROP:
                if request.transport is not None:
                    request.transport.close()  # what was written goes out, then TCP ends mid-body
                return resp
            await resp.write(item)

    async def _timeline(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "This method requires an authenticated user"}, status=401)
        q = dict(request.query)
        self.timeline_requests.append(q)
        tag = request.match_info.get("tag")
        rows = [s for s in self.timeline if tag is None or any(t["name"] == tag for t in s["tags"])]
        limit = min(int(q.get("limit", 20)), 40)
        for name, keep in (("min_id", lambda s, v: int(s["id"]) > v), ("since_id", lambda s, v: int(s["id"]) > v),
                           ("max_id", lambda s, v: int(s["id"]) < v)):
            if name in q:
                rows = [s for s in rows if keep(s, int(q[name]))]
        rows.sort(key=lambda s: int(s["id"]))
        page = rows[:limit] if "min_id" in q else rows[-limit:]
        page.reverse()  # newest first, as Mastodon answers
        self.served.extend(s["id"] for s in page)
        headers = {}
        if page:
            base = f"{self.url}{request.path}"
            headers["Link"] = (f'<{base}?max_id={page[-1]["id"]}&limit={limit}>; rel="next", '
                               f'<{base}?min_id={page[0]["id"]}&limit={limit}>; rel="prev"')
        elif self.on_caught_up is not None:
            hook, self.on_caught_up = self.on_caught_up, None
            hook(self)
        return web.json_response(page, headers=headers)

    async def __aenter__(self) -> "MastodonServer":
        app = web.Application()
        app.router.add_get("/api/v2/instance", self._instance)
        app.router.add_get("/api/v1/streaming/public", self._stream)
        app.router.add_get("/api/v1/streaming/hashtag", self._stream)
        app.router.add_get("/api/v1/timelines/public", self._timeline)
        app.router.add_get("/api/v1/timelines/tag/{tag}", self._timeline)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for stream in self.streams:
            stream.drop()
        await self._runner.cleanup()


# -- threads -------------------------------------------------------------------------------


@contextmanager
def in_thread(server: Any) -> Iterator[Any]:
    """Run an async-context-manager server on an event loop in a thread of its own."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stopping: asyncio.Event | None = None
    failure: list[BaseException] = []

    async def main() -> None:
        nonlocal stopping
        stopping = asyncio.Event()
        try:
            async with server:
                started.set()
                await stopping.wait()
        except BaseException as exc:  # pragma: no cover - reported below
            failure.append(exc)
            started.set()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    started.wait(10)
    if failure:
        raise failure[0]
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(10)
        loop.close()


async def run_for(source: Any, timeout: float = 10.0) -> Any:
    """``source.run()``, failing the test instead of hanging."""
    return await asyncio.wait_for(source.run(), timeout)
