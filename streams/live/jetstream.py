"""Bluesky through Jetstream: JSON commits over a websocket -> posts.

Jetstream (github.com/bluesky-social/jetstream) sends one JSON object per
message: ``{"did", "time_us", "kind": "commit"|"identity"|"account", "commit":
{"operation": "create"|"update"|"delete", "collection", "rkey", "record", "cid"}}``.
A create in ``app.bsky.feed.post`` becomes a post; every other message is
counted as skipped, by reason.

Resume: ``time_us`` of the last message processed is the position.  Reconnects
ask for ``cursor = time_us - rewind`` (Jetstream replays from a cursor; the
rewind of a few seconds makes playback gapless), and the posts replayed twice
are dropped by id -- across a restart too, since the ids inside the rewind
window are saved with the position.

>>> event = {"did": "did:plc:a", "time_us": 1725911162329308, "kind": "commit",
...          "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "3l3",
...                     "record": {"text": "Quake! #breaking", "createdAt": "2024-09-09T19:46:02.102Z",
...                                "langs": ["en"]}}}
>>> post, reason = map_event(event)
>>> post["id"], post["ts"], post["lang"], post["source"]
('at://did:plc:a/app.bsky.feed.post/3l3', '2024-09-09T19:46:02.102Z', 'en', 'bluesky')
>>> map_event({"did": "did:plc:a", "time_us": 1, "kind": "identity", "identity": {}})
(None, 'identity')
"""

from __future__ import annotations

import json
import logging
from collections import deque
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus, InvalidURI, WebSocketException

from detectors.post import PostError, parse_ts
from streams.live.base import LiveSource, SourceError

log = logging.getLogger("streams.live.jetstream")

DEFAULT_URL = "wss://jetstream2.us-east.bsky.network/subscribe"
POST = "app.bsky.feed.post"
#: a client clock this far ahead of the relay's time_us is not believed: time_us is used instead
MAX_FUTURE_SKEW_S = 300.0


def _uniq(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if isinstance(i, str) and i))


def _facets(record: dict) -> tuple[list[str], list[str]]:
    """(hashtags, mentioned DIDs) from the record's rich-text facets."""
    tags, mentions = [], []
    for facet in record.get("facets") or ():
        for feature in (facet.get("features") or ()) if isinstance(facet, dict) else ():
            if not isinstance(feature, dict):
                continue
            kind = feature.get("$type", "")
            if kind == "app.bsky.richtext.facet#tag" and feature.get("tag"):
                tags.append("#" + str(feature["tag"]).lstrip("#"))
            elif kind == "app.bsky.richtext.facet#mention":
                mentions.append(feature.get("did"))
    tags.extend("#" + t.lstrip("#") for t in record.get("tags") or () if isinstance(t, str) and t)
    return _uniq(tags), _uniq(mentions)


def _quoted(embed: Any) -> str | None:
    """URI of the quoted post: ``app.bsky.embed.record`` or ``...#recordWithMedia``."""
    if not isinstance(embed, dict):
        return None
    ref = embed.get("record")
    if isinstance(ref, dict) and isinstance(ref.get("record"), dict):  # recordWithMedia nests it once more
        ref = ref["record"]
    uri = ref.get("uri") if isinstance(ref, dict) else None
    return uri if isinstance(uri, str) and f"/{POST}/" in uri else None


def _event_time(record: dict, time_us: Any) -> str | float:
    """``createdAt`` unless missing, unparseable or far ahead of the relay's clock."""
    relay = time_us / 1e6 if isinstance(time_us, int) else None
    created = record.get("createdAt")
    try:
        ts = parse_ts(created)
    except PostError:
        ts = None
    if ts is not None and (relay is None or ts - relay <= MAX_FUTURE_SKEW_S):
        return created
    if relay is None:
        raise ValueError("no usable createdAt nor time_us")
    return relay


def map_event(event: Any) -> tuple[dict[str, Any] | None, str | None]:
    """``(post, None)`` for a post creation, else ``(None, skip reason)``."""
    if not isinstance(event, dict):
        return None, "malformed"
    kind = event.get("kind")
    if kind in ("identity", "account"):
        return None, kind
    if kind != "commit":
        return None, "event"
    commit = event.get("commit")
    did = event.get("did")
    if not isinstance(commit, dict) or not isinstance(did, str):
        return None, "malformed"
    if commit.get("collection") != POST:
        return None, "collection"
    operation = commit.get("operation")
    if operation in ("delete", "update"):
        return None, operation
    record = commit.get("record")
    rkey = commit.get("rkey")
    if operation != "create" or not isinstance(record, dict) or not isinstance(rkey, str):
        return None, "malformed"
    text = record.get("text")
    if not isinstance(text, str):
        return None, "malformed"
    try:
        ts = _event_time(record, event.get("time_us"))
    except ValueError:
        return None, "malformed"
    hashtags, mentions = _facets(record)
    post: dict[str, Any] = {"id": f"at://{did}/{POST}/{rkey}", "ts": ts, "text": text, "author": did}
    langs = record.get("langs")
    if isinstance(langs, list) and langs and isinstance(langs[0], str):
        post["lang"] = langs[0]
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    if isinstance(parent, dict) and isinstance(parent.get("uri"), str):
        post["reply_to"] = parent["uri"]
    quote = _quoted(record.get("embed"))
    if quote:
        post["quote_of"] = quote
    if mentions:
        post["mentions"] = mentions
    if hashtags:
        post["hashtags"] = hashtags
    post["url"] = f"https://bsky.app/profile/{did}/post/{rkey}"
    post["source"] = "bluesky"
    return post, None


class JetstreamSource(LiveSource):
    """Posts from a Jetstream instance; see the module docstring."""

    name = "bluesky"

    def __init__(self, sink, *, url: str = DEFAULT_URL, collections: Iterable[str] = (POST,),
                 rewind_s: float = 5.0, open_timeout: float = 10.0, ping_interval: float | None = 20.0,
                 **kwargs: Any):
        super().__init__(sink, **kwargs)
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise SourceError(f"{url}: not a ws:// or wss:// URL")
        self.url = url
        self.collections = tuple(collections)
        self.rewind_us = int(rewind_s * 1_000_000)
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.last_time_us: int | None = None
        self._tail: deque[tuple[int, str]] = deque()  # (time_us, id) of the posts inside the rewind window
        self.cursors: list[int | None] = []  # the cursor each connection asked for

    @property
    def endpoint(self) -> str:
        return self.url

    # -- position --------------------------------------------------------------------------

    def cursor(self) -> int | None:
        return None if self.last_time_us is None else max(0, self.last_time_us - self.rewind_us)

    def position(self) -> dict[str, Any]:
        return {"time_us": self.last_time_us, "recent": [i for _, i in self._tail]}

    def restore(self, position: dict[str, Any]) -> None:
        time_us = position.get("time_us")
        if time_us is not None and (not isinstance(time_us, int) or isinstance(time_us, bool)):
            raise SourceError(f"{self.state.path if self.state else 'state'}: time_us is not an integer")
        self.last_time_us = time_us
        for post_id in position.get("recent") or ():
            self.recent.add(post_id)
            self._tail.append((time_us or 0, post_id))

    def subscribe_url(self) -> str:
        """The URL with ``wantedCollections`` and, once there is a position, ``cursor``."""
        parts = urlsplit(self.url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("cursor", "wantedCollections")]
        query += [("wantedCollections", c) for c in self.collections]
        cursor = self.cursor()
        if cursor is not None:
            query.append(("cursor", str(cursor)))
        return urlunsplit(parts._replace(query=urlencode(query)))

    # -- the connection --------------------------------------------------------------------

    def transient(self, exc: BaseException) -> bool:
        if isinstance(exc, InvalidURI):
            return False
        if isinstance(exc, InvalidStatus):
            status = exc.response.status_code
            return status == 429 or status >= 500
        return isinstance(exc, WebSocketException) or super().transient(exc)

    async def session(self) -> None:
        url = self.subscribe_url()
        self.cursors.append(self.cursor())
        try:
            ws_cm = connect(url, open_timeout=self.open_timeout, ping_interval=self.ping_interval,
                            max_size=4 * 2**20)
            async with ws_cm as ws:
                self.connected()
                log.info("bluesky: connected to %s", url)
                async for message in ws:
                    self.handle(message)
                    if self.done:
                        return
        except InvalidURI as exc:
            raise SourceError(f"{self.url}: {exc}") from None
        except InvalidStatus as exc:
            if not self.transient(exc):
                raise SourceError(f"{url}: refused with HTTP {exc.response.status_code}") from None
            raise

    def handle(self, message: str | bytes) -> None:
        """Process one Jetstream message."""
        try:
            event = json.loads(message)
        except ValueError:
            self.skip("malformed")
            self.advance()
            return
        time_us = event.get("time_us") if isinstance(event, dict) else None
        post, reason = map_event(event)
        if post is not None:
            if self.emit(post) and isinstance(time_us, int):
                self._tail.append((time_us, post["id"]))
        else:
            self.skip(reason or "other")
        if isinstance(time_us, int) and not isinstance(time_us, bool):
            if self.last_time_us is None or time_us > self.last_time_us:
                self.last_time_us = time_us
            floor = self.last_time_us - self.rewind_us
            while self._tail and self._tail[0][0] < floor:
                self._tail.popleft()
        self.advance()
