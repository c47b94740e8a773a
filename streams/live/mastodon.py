"""Mastodon through its streaming API (server-sent events) and REST timelines -> posts.

``GET /api/v1/streaming/public`` (or ``.../public/local``, ``.../hashtag?tag=X``)
sends ``update`` events whose data is a Status, ``status.update`` (an edit),
``delete`` (a status id) and ``:thump`` heartbeats (docs.joinmastodon.org/methods/streaming).
Updates become posts; the rest is counted as skipped.

Resume: the id of the newest status seen is the position.  Each connection
first opens the stream, then backfills what was posted since that id over REST
(``GET /api/v1/timelines/public?min_id=<id>&limit=40``, or ``/timelines/tag/:tag``),
page after page oldest first (following the ``Link: rel="prev"`` URL), and only
then reads the stream -- whose first events overlap the backfill and are
dropped by id.  Opening the stream first leaves no gap between the two.

>>> status = {"id": "1100", "created_at": "2024-10-30T09:00:00.000Z", "language": "es",
...           "content": "<p>DANA en <a href='x'>#<span>Valencia</span></a></p>",
...           "url": "https://m.example/@ana/1100", "in_reply_to_id": "1099",
...           "account": {"acct": "ana", "followers_count": 12},
...           "tags": [{"name": "valencia"}], "mentions": [{"acct": "luis@other.example"}]}
>>> post, _ = map_status(status, "m.example")
>>> post["id"], post["text"], post["author"], post["reply_to"], post["mentions"], post["hashtags"]
('mastodon:m.example:1100', 'DANA en #Valencia', 'ana@m.example', 'mastodon:m.example:1099', ['luis@other.example'], ['#valencia'])
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from streams.live import sse
from streams.live.base import LiveSource, SourceError
from streams.live.html_text import html_to_text

log = logging.getLogger("streams.live.mastodon")


def id_key(status_id: str) -> tuple:
    """Order of status ids: numeric ones (Mastodon's snowflakes) by value."""
    return (0, int(status_id), "") if status_id.isdigit() else (1, 0, status_id)


def _acct(account: Any, host: str) -> str | None:
    """``user@host`` (local accounts' ``acct`` lacks the host)."""
    acct = account.get("acct") if isinstance(account, dict) else None
    if not isinstance(acct, str) or not acct:
        return None
    return acct if "@" in acct else f"{acct}@{host}"


def map_status(status: Any, host: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(post, None)``, or ``(None, "malformed")`` for a status that cannot be one."""
    if not isinstance(status, dict) or not isinstance(status.get("id"), str) or not status.get("created_at"):
        return None, "malformed"
    reblog = status.get("reblog")
    inner = reblog if isinstance(reblog, dict) else status  # a boost carries the boosted status's words
    content = inner.get("content")
    text = html_to_text(content) if isinstance(content, str) else ""
    spoiler = inner.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        text = f"{spoiler.strip()}\n\n{text}" if text else spoiler.strip()
    post: dict[str, Any] = {"id": f"mastodon:{host}:{status['id']}", "ts": status["created_at"], "text": text}
    account = status.get("account")
    author = _acct(account, host)
    if author:
        post["author"] = author
    lang = inner.get("language")
    if isinstance(lang, str) and lang:
        post["lang"] = lang
    if status.get("in_reply_to_id"):
        post["reply_to"] = f"mastodon:{host}:{status['in_reply_to_id']}"
    if isinstance(reblog, dict) and reblog.get("id"):
        post["repost_of"] = f"mastodon:{host}:{reblog['id']}"
    quote_ = inner.get("quote")  # Mastodon 4.4+: {"state", "quoted_status"}
    quoted = quote_.get("quoted_status") if isinstance(quote_, dict) else None
    if isinstance(quoted, dict) and quoted.get("id"):
        post["quote_of"] = f"mastodon:{host}:{quoted['id']}"
    mentions = [_acct(m, host) for m in inner.get("mentions") or ()]
    if any(mentions):
        post["mentions"] = list(dict.fromkeys(m for m in mentions if m))
    tags = [t.get("name") for t in inner.get("tags") or () if isinstance(t, dict)]
    if any(tags):
        post["hashtags"] = list(dict.fromkeys(f"#{t}" for t in tags if isinstance(t, str) and t))
    url = status.get("url") or status.get("uri")
    if isinstance(url, str) and url:
        post["url"] = url
    post["source"] = "mastodon"
    followers = account.get("followers_count") if isinstance(account, dict) else None
    if isinstance(followers, int) and not isinstance(followers, bool) and followers >= 0:
        post["followers"] = followers
    return post, None


class MastodonSource(LiveSource):
    """Posts from one Mastodon instance's public (or hashtag) timeline; see the module docstring."""

    name = "mastodon"

    def __init__(self, sink, *, instance: str, hashtag: str | None = None, local: bool = False,
                 token: str | None = None, streaming_url: str | None = None, page_limit: int = 40,
                 backfill_max: int = 10_000, read_timeout: float = 90.0, connect_timeout: float = 10.0,
                 **kwargs: Any):
        super().__init__(sink, **kwargs)
        parts = urlsplit(instance)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceError(f"{instance}: not an http:// or https:// instance URL")
        self.instance = instance.rstrip("/")
        self.host = parts.hostname
        self.hashtag = hashtag.lstrip("#") if hashtag else None
        self.local = local
        self.token = token
        self.streaming_url = streaming_url.rstrip("/") if streaming_url else None
        self.page_limit = page_limit
        self.backfill_max = backfill_max
        self.timeout = httpx.Timeout(connect_timeout, read=read_timeout)
        self.last_id: str | None = None
        self.backfilled: list[int] = []  # statuses fetched over REST, per connection

    @property
    def endpoint(self) -> str:
        return f"{self.streaming_url or self.instance}{self._stream_path()[0]}"

    # -- position --------------------------------------------------------------------------

    def position(self) -> dict[str, Any]:
        return {"status_id": self.last_id, "instance": self.instance, "hashtag": self.hashtag}

    def restore(self, position: dict[str, Any]) -> None:
        where = self.state.path if self.state else "state"
        if position.get("instance") not in (None, self.instance):
            raise SourceError(f"{where}: position of {position['instance']}, not {self.instance}")
        if position.get("hashtag") != self.hashtag:
            raise SourceError(f"{where}: position of the {position.get('hashtag') or 'public'} timeline, "
                              f"not {self.hashtag or 'public'}")
        status_id = position.get("status_id")
        if status_id is not None and not isinstance(status_id, str):
            raise SourceError(f"{where}: status_id is not a string")
        self.last_id = status_id

    def _see(self, status_id: str) -> None:
        if self.last_id is None or id_key(status_id) > id_key(self.last_id):
            self.last_id = status_id

    # -- endpoints -------------------------------------------------------------------------

    def _stream_path(self) -> tuple[str, dict[str, str]]:
        if self.hashtag:
            return "/api/v1/streaming/hashtag" + ("/local" if self.local else ""), {"tag": self.hashtag}
        return "/api/v1/streaming/public" + ("/local" if self.local else ""), {}

    def _timeline(self) -> tuple[str, dict[str, str]]:
        params = {"local": "true"} if self.local else {}
        if self.hashtag:
            return f"{self.instance}/api/v1/timelines/tag/{quote(self.hashtag, safe='')}", params
        return f"{self.instance}/api/v1/timelines/public", params

    async def _streaming_base(self, client: httpx.AsyncClient) -> str:
        """The streaming server's base URL: ``configuration.urls.streaming`` of
        ``/api/v2/instance``; the instance itself if that says nothing."""
        if self.streaming_url is None:
            url = f"{self.instance}/api/v2/instance"
            resp = await client.get(url)
            found = None
            if resp.status_code == 200:
                try:
                    found = resp.json()["configuration"]["urls"]["streaming"]
                except (ValueError, KeyError, TypeError):
                    found = None
            elif resp.status_code in (429,) or resp.status_code >= 500:
                resp.raise_for_status()
            if isinstance(found, str) and found.startswith(("ws://", "wss://", "http://", "https://")):
                self.streaming_url = found.replace("wss://", "https://", 1).replace("ws://", "http://", 1).rstrip("/")
            else:
                self.streaming_url = self.instance
        return self.streaming_url

    # -- the connection --------------------------------------------------------------------

    def transient(self, exc: BaseException) -> bool:
        if isinstance(exc, httpx.HTTPStatusError):
            status = exc.response.status_code
            return status == 429 or status >= 500
        return isinstance(exc, (httpx.TransportError, httpx.StreamError)) or super().transient(exc)

    def _check(self, resp: httpx.Response) -> None:
        status = resp.status_code
        if status == 200:
            return
        url = str(resp.request.url)
        if status in (401, 403):
            hint = "" if self.token else " (give an access token: --token-file)"
            raise SourceError(f"{url}: refused with HTTP {status}{hint}")
        if status == 429 or status >= 500:
            raise httpx.HTTPStatusError(f"{url}: HTTP {status}", request=resp.request, response=resp)
        raise SourceError(f"{url}: HTTP {status}")

    async def session(self) -> None:
        headers = {"User-Agent": "flashpoint-live/0.1"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        async with httpx.AsyncClient(headers=headers, timeout=self.timeout) as client:
            path, params = self._stream_path()
            url = await self._streaming_base(client) + path
            async with client.stream("GET", url, params=params, headers={"Accept": "text/event-stream"}) as resp:
                self._check(resp)
                self.connected()
                log.info("mastodon: streaming %s", resp.request.url)
                if self.last_id is not None:
                    await self.backfill(client)
                    if self.done:
                        return
                async for name, data in sse.events(resp.aiter_lines()):
                    self.handle(name, data)
                    if self.done:
                        return

    async def backfill(self, client: httpx.AsyncClient) -> int:
        """Fetch, oldest first, the statuses newer than :attr:`last_id`; returns how many."""
        url, params = self._timeline()
        query: dict[str, Any] | None = {**params, "min_id": self.last_id, "limit": self.page_limit}
        fetched = 0
        while not self.done:
            resp = await client.get(url, params=query)
            self._check(resp)
            try:
                page = resp.json()
            except ValueError:
                raise SourceError(f"{resp.request.url}: not JSON") from None
            if not isinstance(page, list):
                raise SourceError(f"{resp.request.url}: expected a list of statuses")
            statuses = sorted((s for s in page if isinstance(s, dict) and isinstance(s.get("id"), str)),
                              key=lambda s: id_key(s["id"]))
            if not statuses or id_key(statuses[-1]["id"]) <= id_key(self.last_id):
                break
            for status in statuses:
                self.handle_status(status)
                self.advance()
                if self.done:
                    break
            fetched += len(statuses)
            if fetched >= self.backfill_max:
                log.warning("mastodon: backfill stopped after %d statuses (backfill_max); older ones are skipped",
                            fetched)
                break
            prev = resp.links.get("prev", {}).get("url")
            if prev:  # the server's own "newer than this page" link
                url, query = prev, None
            else:
                query = {**params, "min_id": self.last_id, "limit": self.page_limit}
        self.backfilled.append(fetched)
        return fetched

    def handle(self, name: str, data: str) -> None:
        """Process one streaming event."""
        if name == "update":
            try:
                status = json.loads(data)
            except ValueError:
                self.skip("malformed")
            else:
                self.handle_status(status)
        elif name == "status.update":
            self.skip("update")
        elif name == "delete":
            self.skip("delete")
        else:
            self.skip("event")
        self.advance()

    def handle_status(self, status: Any) -> None:
        post, reason = map_status(status, self.host)
        if isinstance(status, dict) and isinstance(status.get("id"), str):
            self._see(status["id"])  # a status we cannot use is still behind us
        if post is None:
            self.skip(reason or "malformed")
        else:
            self.emit(post)
