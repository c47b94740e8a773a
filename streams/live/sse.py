"""A server-sent events parser (the WHATWG "event stream" format) over text lines.

Small enough to keep here rather than add a dependency: ``event:`` names the
event, ``data:`` lines are joined with newlines, a blank line dispatches, lines
starting with ``:`` are comments (Mastodon's ``:thump`` heartbeats).

>>> import asyncio
>>> async def lines():
...     for line in [":thump", "event: update", 'data: {"id": "1"}', "", "event: delete", "data: 1", "",
...                  "data: a", "data:b", "", "event: half"]:
...         yield line
>>> async def collect():
...     return [e async for e in events(lines())]
>>> asyncio.run(collect())
[('update', '{"id": "1"}'), ('delete', '1'), ('message', 'a\\nb')]
"""

from __future__ import annotations

from typing import AsyncIterator, Callable


async def events(lines: AsyncIterator[str], on_comment: Callable[[str], None] | None = None
                 ) -> AsyncIterator[tuple[str, str]]:
    """Yield ``(event name, data)``; an event cut off by the end of the stream is dropped."""
    name, data = "", []
    async for line in lines:
        line = line.rstrip("\r\n")
        if not line:
            if data:
                yield name or "message", "\n".join(data)
            name, data = "", []
            continue
        if line.startswith(":"):
            if on_comment is not None:
                on_comment(line[1:].strip())
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
        # "id" and "retry" do not matter here: resuming goes by status id over REST
