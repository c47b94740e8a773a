"""A seeded generator of hostile post records: valid posts, mutated.

Each mutation is a record no decoder may accept as it is (a wrong type, a huge
or deeply nested value, broken UTF-8, a time that is no real instant or far
ahead of the stream, an id already sent), with the field a rejection must name.
``tests/test_hostile.py`` runs a few hundred of them through replay and a real
worker; ``python -m bench.fuzz`` runs 100,000.

>>> rows = hostile_records([{"id": "1", "ts": "2026-03-02T00:00:00Z", "text": "hi"}], 5, seed=1)
>>> [(kind, field) for kind, field, _ in rows][:2]
[('deep', '<json>'), ('ts_type', 'ts')]
"""

from __future__ import annotations

import json
import random
from typing import Callable

Mutation = Callable[[dict, random.Random], tuple[str, bytes]]  # -> (field named, raw line)


def _line(record) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _with(post: dict, **fields) -> dict:
    return {**post, "id": f"hostile-{post['id']}", **fields}


def _ts_type(p, r):
    return "ts", _line(_with(p, ts=r.choice([True, [1, 2], {"s": 1}, "yesterday", "", "2026-13-45T99:00Z"])))


def _ts_epoch_zero(p, r):
    return "ts", _line(_with(p, ts=r.choice([0, -1, 1e5, "1900-01-01T00:00:00Z", "1970-01-01", "0001-01-01T00:00Z",
                                             "2005-12-31T23:59:59Z"])))


def _ts_far_future(p, r):
    return "ts", _line(_with(p, ts=r.choice(["9999-12-31T23:59Z", 1e300, 10 ** 400, -10 ** 400, 1e18 * 9, "2100-01-01",
                                             253402300800, "1e309"])))


def _ts_number_text(p, r):
    return "ts", b'{"id": "hostile-n%d", "ts": %s, "text": "x"}' % (r.randrange(10 ** 9), b"9" * r.randint(25, 4000))


def _ahead(p, r):
    from detectors.post import parse_ts

    return "ts", _line(_with(p, ts=parse_ts(p["ts"]) + r.choice([2, 30, 200]) * 86400.0))


def _id(p, r):
    return "id", _line(_with(p, id=r.choice([None, "", True, 1.5, [1], {"a": 1}, "x" * 5000])))


def _text(p, r):
    return "text", _line(_with(p, text=r.choice([None, 5, ["a"], {"t": "x"}, True])))


def _followers(p, r):
    return "followers", _line(_with(p, followers=r.choice([-5, "many", 1.5, [3], "9" * 5000, True])))


def _lists(p, r):
    field = r.choice(["mentions", "hashtags"])
    return field, _line(_with(p, **{field: r.choice([5, [1, 2], [None], {"a": "b"}])}))


def _author(p, r):
    return "author", _line(_with(p, author=r.choice([[1], {"n": "x"}, 1.5, "a" * 10_000])))


def _deep(p, r):
    depth = r.choice([1_100, 3_000, 20_000, 200_000]) if r.random() < 0.05 else 1_100
    return "<json>", b'{"id": "hostile-deep", "ts": 1772409600, "text": ' + b"[" * depth + b"]" * depth + b"}"


def _huge(p, r):
    return "<json>", _line(_with(p, text="love " * r.randint(210_000, 400_000)))


def _bad_utf8(p, r):
    raw = bytearray(_line(_with(p)))
    at = r.randrange(1, len(raw) - 1)
    raw[at:at] = r.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])
    return "<json>", bytes(raw)


def _not_object(p, r):
    return "<record>", r.choice([b"[]", b"5", b'"post"', b"null", b"[{\"id\": 1}]"])


def _not_json(p, r):
    return "<json>", r.choice([b"{", b"{'id': 1}", b'{"id": 1, "ts": NaN, "text": "x"}', b"\x00\x01", b"}{"])


MUTATIONS: dict[str, Mutation] = {
    "deep": _deep, "ts_type": _ts_type, "ts_epoch_zero": _ts_epoch_zero, "ts_far_future": _ts_far_future,
    "ts_number_text": _ts_number_text, "ahead": _ahead, "id": _id, "text": _text, "followers": _followers, "lists": _lists,
    "author": _author, "huge": _huge, "bad_utf8": _bad_utf8, "not_object": _not_object, "not_json": _not_json,
}


def hostile_records(posts: list[dict], n: int, seed: int = 0,
                    kinds: tuple[str, ...] = tuple(MUTATIONS)) -> list[tuple[str, str, bytes]]:
    """``n`` hostile records made from ``posts``: ``(kind, field a rejection names, raw line)``.
    The first ``len(kinds)`` cover every kind once; ``huge`` (a megabyte or two) is drawn
    rarely (one in a thousand records), so that 100,000 records stay a few hundred megabytes."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = kinds[i] if i < len(kinds) else rng.choice(kinds)
        if kind == "huge" and i >= len(kinds) and rng.random() < 0.985:
            kind = "not_json"
        field, raw = MUTATIONS[kind](rng.choice(posts), rng)
        out.append((kind, field, raw))
    return out


def interleave(lines: list[bytes], hostile: list[bytes], seed: int = 0) -> tuple[list[bytes], list[int]]:
    """``lines`` with ``hostile`` inserted at random places; the 1-based line numbers of the hostile ones."""
    rng = random.Random(seed)
    at = sorted(rng.sample(range(len(lines) + len(hostile)), len(hostile)))
    out, numbers, it_good, it_bad = [], [], iter(lines), iter(hostile)
    marks = set(at)
    for i in range(len(lines) + len(hostile)):
        if i in marks:
            out.append(next(it_bad))
            numbers.append(i + 1)
        else:
            out.append(next(it_good))
    return out, numbers
