"""The post record every stage shares, and its validation.

A post is decoded once, at the edge, into an immutable :class:`Post`.  Fields
outside the schema (including the ground-truth ``event`` and ``label``) never
reach the detectors: evaluation strips them here so the pipeline cannot peek.

>>> p = parse_post({"id": 7, "ts": "2013-04-15T18:50:00Z", "text": "Explosion!",
...                 "event": "truth", "hashtags": ["#Boston"]})
>>> p.id, p.ts, p.hashtags
('7', 1366051800.0, ('#Boston',))
>>> parse_post({"id": "1", "text": "no time"})
Traceback (most recent call last):
...
detectors.post.PostError: field 'ts': missing required field
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

#: Fields a post may carry; anything else is dropped on decode.
SCHEMA_FIELDS = (
    "id", "ts", "text", "author", "lang", "reply_to", "repost_of", "quote_of",
    "mentions", "hashtags", "url", "source", "followers",
)
#: Ground-truth fields used only by evaluation.
TRUTH_FIELDS = ("event", "label")


class PostError(ValueError):
    """A record that cannot be decoded into a :class:`Post`; names the field."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"field {field!r}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Post:
    id: str
    ts: float  # event time, epoch seconds (UTC)
    text: str
    author: str | None = None
    lang: str | None = None
    reply_to: str | None = None
    repost_of: str | None = None
    quote_of: str | None = None
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    url: str | None = None
    source: str | None = None
    followers: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "ts": self.ts, "text": self.text}
        for name in SCHEMA_FIELDS[3:]:
            value = getattr(self, name)
            if value not in (None, ()):
                out[name] = list(value) if isinstance(value, tuple) else value
        return out


def parse_ts(value: Any) -> float:
    """ISO-8601 (``Z`` or offset; naive means UTC) or epoch seconds -> epoch seconds."""
    if isinstance(value, bool):
        raise PostError("ts", "expected ISO-8601 text or epoch seconds, got a boolean")
    if isinstance(value, (int, float)):
        ts = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            ts = float(text)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise PostError("ts", f"not ISO-8601 or epoch seconds: {value!r}") from None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.utc)
            ts = parsed.timestamp()
    else:
        raise PostError("ts", f"expected ISO-8601 text or epoch seconds, got {value!r}")
    if not math.isfinite(ts):
        raise PostError("ts", f"not a finite time: {value!r}")
    return ts


def _opt_str(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise PostError(name, f"expected text, got {type(value).__name__}")


def _str_list(record: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = record.get(name)
    if value is None or value == "":
        return ()
    if isinstance(value, str):  # CSV cells: space or comma separated
        value = value.replace(",", " ").split()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise PostError(name, "expected a list of text")
    return tuple(value)


def parse_post(record: Any) -> Post:
    """Validate one decoded record; raise :class:`PostError` naming the bad field."""
    if type(record) is not dict and not isinstance(record, Mapping):  # the common case without the ABC check
        raise PostError("<record>", f"expected a JSON object, got {type(record).__name__}")
    post_id = record.get("id")
    if post_id is None or post_id == "" or isinstance(post_id, (bool, float, list, dict)):
        raise PostError("id", "missing required field" if post_id in (None, "") else "expected text or integer")
    if "ts" not in record or record["ts"] in (None, ""):
        raise PostError("ts", "missing required field")
    ts = parse_ts(record["ts"])
    text = record.get("text")
    if text is None:
        raise PostError("text", "missing required field")
    if not isinstance(text, str):
        raise PostError("text", f"expected text, got {type(text).__name__}")
    followers = record.get("followers")
    if followers in (None, ""):
        followers = None
    else:
        if isinstance(followers, bool) or (isinstance(followers, float) and not followers.is_integer()):
            raise PostError("followers", f"expected an integer, got {followers!r}")
        try:
            followers = int(followers)
        except (TypeError, ValueError, OverflowError):
            raise PostError("followers", f"expected an integer, got {followers!r}") from None
        if followers < 0:
            raise PostError("followers", "must not be negative")
    lang = _opt_str(record, "lang")
    return Post(
        id=str(post_id),
        ts=ts,
        text=text,
        author=_opt_str(record, "author"),
        lang=lang.lower() if lang else None,
        reply_to=_opt_str(record, "reply_to"),
        repost_of=_opt_str(record, "repost_of"),
        quote_of=_opt_str(record, "quote_of"),
        mentions=_str_list(record, "mentions"),
        hashtags=_str_list(record, "hashtags"),
        url=_opt_str(record, "url"),
        source=_opt_str(record, "source"),
        followers=followers,
    )
