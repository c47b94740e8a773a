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
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

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


#: 2006-01-01T00:00:00Z: no social-media post is older; a ``ts`` of 0 or 1900 is a missing clock.
EARLIEST_TS = 1136073600.0
#: Text longer than this is cut by default (counted by the readers); ids, authors and the like longer
#: than :data:`MAX_NAME_CHARS` are rejected, and lists keep their first :data:`MAX_LIST_ITEMS`.
MAX_TEXT_CHARS = 10_000
MAX_NAME_CHARS = 512
MAX_LIST_ITEMS = 100
MAX_FOLLOWERS = 10 ** 12
_SURROGATE = re.compile("[\ud800-\udfff]")
# epoch numbers by magnitude: seconds reach 1e11 only in the year 5138
_UNITS = ((1e17, 1e9, "nanoseconds"), (1e14, 1e6, "microseconds"), (1e11, 1e3, "milliseconds"))


@dataclass(frozen=True)
class DecodePolicy:
    """Which event times are real instants, and how long a text may be.

    A ``ts`` is ISO-8601 (``Z`` or an offset; naive means UTC) or an epoch
    number; epoch numbers are read as seconds, or as milliseconds, microseconds
    or nanoseconds when they are that large (>= 1e11, 1e14, 1e17: seconds that
    large would be after the year 5138).  A time before ``earliest`` or more
    than ``max_future_seconds`` ahead of ``clock()`` (the machine's clock; None:
    no such bound) is rejected.  Texts longer than ``max_text_chars`` are cut.

    >>> policy = DecodePolicy(clock=lambda: 1772409600.0)       # 2026-03-02
    >>> policy.parse(1772409600000), policy.parse("2026-03-01T23:00:00Z")
    (1772409600.0, 1772406000.0)
    >>> policy.parse(0)
    Traceback (most recent call last):
    ...
    detectors.post.PostError: field 'ts': 1970-01-01T00:00:00Z is before 2006-01-01T00:00:00Z, the earliest accepted time
    """

    earliest: float = EARLIEST_TS
    max_future_seconds: float = 600.0
    clock: Callable[[], float] | None = time.time
    max_text_chars: int = MAX_TEXT_CHARS

    def parse(self, value: Any) -> float:
        ts = _epoch_seconds(value)
        if ts < self.earliest:
            raise PostError("ts", f"{_iso(ts)} is before {_iso(self.earliest)}, the earliest accepted time")
        if self.clock is not None:
            now = self.clock()
            if ts > now + self.max_future_seconds:
                raise PostError("ts", f"{_iso(ts)} is {ts - now:.3g} s ahead of this machine's clock "
                                      f"(at most {self.max_future_seconds:.0f} s are accepted)")
        return ts


def _iso(ts: float) -> str:
    try:
        return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{ts:.6g} s"


def _epoch_seconds(value: Any) -> float:
    if isinstance(value, bool):
        raise PostError("ts", "expected ISO-8601 text or epoch seconds, got a boolean")
    if isinstance(value, int):
        if abs(value) >= 10 ** 21:  # before float(), which fails on 400 digits
            raise PostError("ts", f"a number of {len(str(abs(value)))} digits is no time")
        ts = _scaled(float(value))
    elif isinstance(value, float):
        ts = _scaled(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if len(text) > 64:
            raise PostError("ts", f"not ISO-8601 or epoch seconds: {text[:40]!r}... ({len(text)} characters)")
        try:
            ts = _scaled(float(text))
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=timezone.utc)
                ts = parsed.timestamp()
            except (ValueError, OverflowError):
                raise PostError("ts", f"not ISO-8601 or epoch seconds: {_shown(value)}") from None
    else:
        shown = repr(value) if not isinstance(value, (list, dict)) else type(value).__name__
        raise PostError("ts", f"expected ISO-8601 text or epoch seconds, got {shown[:80]}")
    if not math.isfinite(ts):
        raise PostError("ts", f"not a finite time: {str(value)[:80]!r}")
    return ts


def _shown(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut: a reason must stay one readable line."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _scaled(number: float) -> float:
    for at_least, per_second, _unit in _UNITS:
        if abs(number) >= at_least:
            return number / per_second
    return number


#: The policy readers use unless given one (``streams.settings`` builds the configured one).
DEFAULT_POLICY = DecodePolicy()


def parse_ts(value: Any, policy: DecodePolicy | None = None) -> float:
    """Event time in epoch seconds, under ``policy`` (default :data:`DEFAULT_POLICY`)."""
    return (policy or DEFAULT_POLICY).parse(value)


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (which no encoder writes) replaced by U+FFFD."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _name(value: Any, name: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10 ** 40:
        return str(value)
    if not isinstance(value, str):
        raise PostError(name, f"expected text, got {type(value).__name__}")
    if len(value) > MAX_NAME_CHARS:
        raise PostError(name, f"{len(value):,} characters (at most {MAX_NAME_CHARS})")
    return clean_text(value)


def _opt_str(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None or value == "":
        return None
    return _name(value, name)


def _str_list(record: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = record.get(name)
    if value is None or value == "":
        return ()
    if isinstance(value, str):  # CSV cells: space or comma separated
        value = value.replace(",", " ").split()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise PostError(name, "expected a list of text")
    return tuple(clean_text(v[:MAX_NAME_CHARS]) for v in value[:MAX_LIST_ITEMS])


def parse_post(record: Any, policy: DecodePolicy | None = None) -> Post:
    """Validate one decoded record; raise :class:`PostError` naming the bad field.
    Texts longer than ``policy.max_text_chars`` are cut; lone surrogates become U+FFFD."""
    if type(record) is not dict and not isinstance(record, Mapping):  # the common case without the ABC check
        raise PostError("<record>", f"expected a JSON object, got {type(record).__name__}")
    post_id = record.get("id")
    if post_id is None or post_id == "":
        raise PostError("id", "missing required field")
    if not isinstance(post_id, (str, int)) or isinstance(post_id, bool):
        raise PostError("id", "expected text or integer")
    post_id = _name(post_id, "id")
    ts = record.get("ts")
    if ts is None or ts == "":
        raise PostError("ts", "missing required field")
    policy = policy or DEFAULT_POLICY
    ts = policy.parse(ts)
    text = record.get("text")
    if text is None:
        raise PostError("text", "missing required field")
    if not isinstance(text, str):
        raise PostError("text", f"expected text, got {type(text).__name__}")
    text = clean_text(text[:policy.max_text_chars])
    followers = record.get("followers")
    if followers in (None, ""):
        followers = None
    else:
        if isinstance(followers, bool) or (isinstance(followers, float) and not followers.is_integer()):
            raise PostError("followers", f"expected an integer, got {_shown(followers)}")
        try:
            followers = int(followers)
        except (TypeError, ValueError, OverflowError):
            raise PostError("followers", f"expected an integer, got {_shown(followers)}") from None
        if followers < 0:
            raise PostError("followers", "must not be negative")
        if followers > MAX_FOLLOWERS:
            raise PostError("followers", f"more than {MAX_FOLLOWERS:,} (no account has that many)")
    lang = _opt_str(record, "lang")
    return Post(
        id=post_id,
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
