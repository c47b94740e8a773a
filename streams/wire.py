"""Kafka record payloads: posts in, dead letters out.

A ``posts`` record holds one JSON post; a ``posts.batch`` record holds many,
as a JSON array or as JSON lines.  A record (or one post inside a batch) that
cannot be decoded becomes a :class:`DeadLetter`: the original bytes, untouched,
with the reason in Kafka headers, so nothing is lost and it can be replayed
once fixed.

>>> posts, dead = decode_batch(b'{"id": 1, "ts": 0, "text": "a"}\\n{"id": 2, "text": "b"}')
>>> [p.id for _, p in posts], [(d.index, d.field, d.reason) for d in dead]
(['1'], [(1, 'ts', 'missing required field')])
>>> decode_single(b"not json")[1].field
'<json>'
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from detectors.post import Post, PostError, parse_post
from detectors.pipeline import Prepared

REASON_HEADER = "flashpoint-reason"
FIELD_HEADER = "flashpoint-field"
SOURCE_HEADER = "flashpoint-source"


@dataclass(frozen=True)
class DeadLetter:
    index: int  # position inside a batch record (0 for a single post)
    field: str  # offending schema field, or '<json>' / '<record>'
    reason: str
    raw: bytes  # the original bytes: the whole record, or the post's own line or JSON text

    def headers(self, source: str) -> list[tuple[str, bytes]]:
        return [(REASON_HEADER, f"field {self.field!r}: {self.reason}".encode()),
                (FIELD_HEADER, self.field.encode()), (SOURCE_HEADER, source.encode())]


def _post(index: int, value, raw: bytes) -> tuple[Post | None, DeadLetter | None]:
    try:
        return parse_post(value), None
    except PostError as exc:
        return None, DeadLetter(index, exc.field, str(exc).split(": ", 1)[-1], raw)


def decode_single(raw: bytes) -> tuple[Post | None, DeadLetter | None]:
    """One post per record."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, DeadLetter(0, "<json>", f"not JSON: {exc}", raw)
    return _post(0, value, raw)


def decode_batch(raw: bytes) -> tuple[list[tuple[int, Post]], list[DeadLetter]]:
    """Many posts per record: a JSON array, or one JSON object per line."""
    posts: list[tuple[int, Post]] = []
    dead: list[DeadLetter] = []
    items: list[tuple[object, bytes]]
    try:
        value = json.loads(raw)
        items = [(v, json.dumps(v, ensure_ascii=False).encode()) for v in value] \
            if isinstance(value, list) else [(value, raw)]
    except (UnicodeDecodeError, json.JSONDecodeError):
        items = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                items.append((json.loads(line), line))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                items.append((DeadLetter(len(items), "<json>", f"not JSON: {exc}", line), line))
    for index, (value, item_raw) in enumerate(items):
        if isinstance(value, DeadLetter):
            dead.append(DeadLetter(index, value.field, value.reason, value.raw))
            continue
        post, letter = _post(index, value, item_raw)
        if post is not None:
            posts.append((index, post))
        else:
            dead.append(letter)
    return posts, dead


def encode_prepared(source: str, rows: list[tuple[int, int, Prepared]]) -> bytes:
    """One internal record: prepared posts of one source partition, in its order.
    ``rows``: (source offset, index in the record, prepared post)."""
    return json.dumps({"src": source, "posts": [[o, i, p.to_wire()] for o, i, p in rows]},
                      ensure_ascii=False, separators=(",", ":")).encode()


def decode_prepared(raw: bytes) -> tuple[str, list[tuple[int, int, Prepared]]]:
    value = json.loads(raw)
    return value["src"], [(o, i, Prepared.from_wire(w)) for o, i, w in value["posts"]]
