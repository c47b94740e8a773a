"""Streaming readers for post files: JSON Lines, gzip JSON Lines, CSV, stdin.

Every reader streams line by line and never stops on a bad record: the record
becomes a :class:`Rejected` (file, line, field, reason, raw text) handed to an
optional ``on_reject`` callback, and reading goes on.

Formats are chosen by name: ``.jsonl``/``.json`` and ``.jsonl.gz``/``.gz`` are
JSON Lines, ``.csv``/``.csv.gz`` are CSV with a header row, ``-`` is JSON Lines
on stdin.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable, Iterator

from detectors.post import DEFAULT_POLICY, DecodePolicy, Post, PostError, parse_post

STDIN = "-"
#: A record (line) longer than this is rejected before it is parsed.
MAX_RECORD_CHARS = 1_000_000
_REQUIRED = ("id", "ts", "text")

OnReject = Callable[["Rejected"], None] | None


@dataclass(frozen=True)
class Rejected:
    """A record that could not be decoded, with enough context to dead-letter it."""

    path: str  # the file name as given ('<stdin>' for '-')
    line: int  # 1-based physical line where the record starts
    field: str  # offending field, or '<json>' / '<csv>' / '<record>'
    reason: str
    raw: str  # original line text (CSV: all lines of the row), no trailing newline

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: field {self.field!r}: {self.reason}"


@dataclass(frozen=True)
class LabeledPost:
    post: Post  # what the pipeline may see: schema fields only
    event: str | None  # ground truth, kept apart so detectors cannot peek
    label: str | None


# -- lines -----------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    number: int
    text: str  # decoded; undecodable bytes shown as \\xNN escapes
    error: str | None  # set when the bytes were not valid UTF-8


def _format(path: str) -> tuple[str, bool]:
    """(kind, gzipped) from the file name; raise early on an unknown type."""
    if path == STDIN:
        return "jsonl", False
    name = path.lower()
    for suffix, fmt in ((".csv.gz", ("csv", True)), (".csv", ("csv", False)),
                        (".gz", ("jsonl", True)), (".jsonl", ("jsonl", False)),
                        (".json", ("jsonl", False))):
        if name.endswith(suffix):
            return fmt
    raise ValueError(f"{path}: unsupported file type (want .jsonl, .json, .gz, .csv, .csv.gz or -)")


def _display(path: str) -> str:
    return "<stdin>" if path == STDIN else path


def _open(path: str, gzipped: bool) -> Any:
    if path == STDIN:
        # Bytes when we can get them, so bad UTF-8 is caught per line below.
        return nullcontext(getattr(sys.stdin, "buffer", sys.stdin))
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _decode(number: int, raw: bytes | str) -> _Line:
    if isinstance(raw, str):
        text, error = raw, None
    else:
        # Decoding per line turns one bad byte into one rejected record, not a crash.
        try:
            text, error = raw.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            text = raw.decode("utf-8", "backslashreplace")
            error = f"invalid UTF-8 at byte {exc.start}"
    if number == 1:
        text = text.removeprefix("\ufeff")  # tolerate a byte-order mark
    return _Line(number, text, error)


def _lines(stream: Iterable[bytes | str]) -> Iterator[_Line]:
    for number, raw in enumerate(stream, 1):
        yield _decode(number, raw)


# -- records ---------------------------------------------------------------


def reject_constant(name: str) -> Any:
    """``json.loads(parse_constant=...)``: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def _json_records(path: str, lines: Iterator[_Line]) -> Iterator[tuple[int, str, dict | Rejected]]:
    for line in lines:
        raw = line.text.rstrip("\r\n")
        if not raw.strip():
            continue
        if line.error:
            yield line.number, raw, Rejected(path, line.number, "<json>", line.error, raw)
            continue
        if len(raw) > MAX_RECORD_CHARS:
            reason = f"record of {len(raw):,} characters (at most {MAX_RECORD_CHARS:,})"
            yield line.number, raw[:1000], Rejected(path, line.number, "<json>", reason, raw[:1000])
            continue
        try:
            record = json.loads(raw, parse_constant=reject_constant)
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
            yield line.number, raw, Rejected(path, line.number, "<json>", f"bad JSON: {str(exc)[:200]}", raw)
            continue
        if not isinstance(record, dict):
            reason = f"expected a JSON object, got {type(record).__name__}"
            record = Rejected(path, line.number, "<record>", reason, raw)
        yield line.number, raw, record


def _csv_records(path: str, lines: Iterator[_Line]) -> Iterator[tuple[int, str, dict | Rejected]]:
    consumed: list[_Line] = []  # the physical lines behind the current row

    def feed() -> Iterator[str]:
        for line in lines:
            consumed.append(line)
            yield line.text

    reader = csv.reader(feed())
    header: list[str] | None = None
    missing: list[str] = []
    while True:
        consumed.clear()
        try:
            row = next(reader)
            error = next((ln.error for ln in consumed if ln.error), None)
        except StopIteration:
            return
        except csv.Error as exc:
            row, error = [], f"bad CSV: {exc}"
        if not consumed:
            return
        start = consumed[0].number
        raw = "".join(ln.text for ln in consumed).rstrip("\r\n")
        if not raw.strip():
            continue
        if header is None:
            # column names match the schema whatever their case: ID,TS,Text works
            header = [name.strip().lower() for name in row]
            missing = [name for name in _REQUIRED if name not in header]
            continue
        if not error and len(row) > len(header):
            error = f"row has {len(row)} cells, header has {len(header)}"
        if error:
            yield start, raw, Rejected(path, start, "<csv>", error, raw)
            continue
        if missing:
            reason = (f"missing required field: the header has no {missing[0]!r} column "
                      f"(it has {', '.join(repr(n) for n in header)}; needed: id, ts, text)")
            yield start, raw, Rejected(path, start, missing[0], reason, raw)
            continue
        # Empty cells mean missing, so CSV and JSON agree on optional fields.
        yield start, raw, {name: cell for name, cell in zip(header, row) if cell != ""}


def _records(path: str) -> Iterator[tuple[int, str, dict | Rejected]]:
    kind, gzipped = _format(path)
    return _records_of(path, kind, gzipped)


def _records_of(path: str, kind: str, gzipped: bool) -> Iterator[tuple[int, str, dict | Rejected]]:
    with _open(path, gzipped) as stream:
        yield from _decode_records(path, kind, stream)


def _decode_records(path: str, kind: str, stream: Iterable[bytes | str]) -> Iterator[tuple[int, str, dict | Rejected]]:
    decode = _csv_records if kind == "csv" else _json_records
    return decode(_display(path), _lines(stream))


# -- public API ------------------------------------------------------------


def iter_records(path: str) -> Iterator[tuple[int, dict | Rejected]]:
    """Yield (line number, decoded object) per non-blank record; undecodable ones as Rejected."""
    records = _records(path)  # checks the file type now, not on first next()
    return ((number, record) for number, _raw, record in records)


def _parsed(path: str, on_reject: OnReject, policy: DecodePolicy | None) -> Iterator[tuple[int, dict, Post]]:
    """Valid (record, Post) pairs; everything else goes to on_reject."""
    return _parse_each(path, _records(path), on_reject, policy)  # file type checked now


def _parse_each(path: str, records: Iterator[tuple[int, str, dict | Rejected]],
                on_reject: OnReject, policy: DecodePolicy | None = None) -> Iterator[tuple[int, dict, Post]]:
    noted = getattr(on_reject, "note_cut", None)
    cap = (policy or DEFAULT_POLICY).max_text_chars
    for number, raw, record in records:
        if isinstance(record, dict):
            try:
                post = parse_post(record, policy)
            except PostError as exc:
                record = Rejected(_display(path), number, exc.field, exc.reason, raw)
            else:
                if noted is not None and len(record.get("text", "")) > cap:
                    noted(cap)
                yield number, record, post
                continue
        if on_reject is not None:
            on_reject(record)


def read_posts(path: str, *, on_reject: OnReject = None, policy: DecodePolicy | None = None) -> Iterator[Post]:
    """Yield valid posts (schema fields only); bad records go to ``on_reject``;
    event times are checked by ``policy`` (default: :data:`detectors.post.DEFAULT_POLICY`)."""
    return (post for _number, _record, post in _parsed(path, on_reject, policy))


def read_numbered(path: str, *, on_reject: OnReject = None,
                  policy: DecodePolicy | None = None) -> Iterator[tuple[int, Post]]:
    """:func:`read_posts` with each post's line number (for a later rejection)."""
    return ((number, post) for number, _record, post in _parsed(path, on_reject, policy))


def raw_lines(path: str) -> list[bytes]:
    """All physical lines of a post file (decompressed, not decoded), for
    :func:`parse_lines`: a benchmark reads the file first, then times the decoding."""
    kind, gzipped = _format(path)
    with _open(path, gzipped) as stream:
        return list(stream)


def parse_lines(path: str, lines: Iterable[bytes | str], *, on_reject: OnReject = None,
                policy: DecodePolicy | None = None) -> Iterator[Post]:
    """:func:`read_posts` over ``lines`` already read from ``path`` (whose name
    picks the format, as for reading): the same decoding, rejects and Posts."""
    kind, _gzipped = _format(path)
    return (post for _n, _record, post in _parse_each(path, _decode_records(path, kind, lines), on_reject, policy))


def _truth(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def read_labeled(path: str, *, on_reject: OnReject = None, policy: DecodePolicy | None = None) -> Iterator[LabeledPost]:
    """Like :func:`read_posts`, with the ground-truth ``event``/``label`` alongside."""
    return (LabeledPost(post, _truth(record.get("event")), _truth(record.get("label")))
            for _number, record, post in _parsed(path, on_reject, policy))


@dataclass
class RejectCounter:
    """An ``on_reject`` callback that counts rejects by field, keeps the first
    few, writes every one to ``errors`` (a text file: one JSON line each, with
    file, line, field and reason) if given, and counts texts cut to the
    decode policy's ``max_text_chars``."""

    keep: int = 20
    total: int = 0
    by_field: dict[str, int] = field(default_factory=dict)
    examples: list[Rejected] = field(default_factory=list)
    errors: IO[str] | None = None
    cut: int = 0
    cut_to: int = 0

    def __call__(self, rejected: Rejected) -> None:
        self.total += 1
        self.by_field[rejected.field] = self.by_field.get(rejected.field, 0) + 1
        if len(self.examples) < self.keep:
            self.examples.append(rejected)
        if self.errors is not None:
            self.errors.write(json.dumps({"file": rejected.path, "line": rejected.line, "field": rejected.field,
                                          "reason": rejected.reason}, ensure_ascii=False) + "\n")

    def note_cut(self, chars: int) -> None:
        self.cut += 1
        self.cut_to = chars

    def report(self, stream: IO[str] | None = None) -> None:
        """Print the kept examples and a one-line summary; silent when nothing was rejected or cut."""
        stream = sys.stderr if stream is None else stream  # resolved late so tests can capture it
        if self.cut:
            noun = "text was" if self.cut == 1 else "texts were"
            print(f"{self.cut} {noun} cut to {self.cut_to:,} characters (FLASHPOINT_MAX_TEXT_CHARS)", file=stream)
        if not self.total:
            return
        for rejected in self.examples:
            print(rejected, file=stream)
        if self.total > len(self.examples):
            more = "(all of them in the --errors file)" if self.errors is not None else "(--errors FILE lists every one)"
            print(f"... and {self.total - len(self.examples)} more {more}", file=stream)
        counts = ", ".join(f"{name}: {n}" for name, n in sorted(self.by_field.items()))
        noun = "record" if self.total == 1 else "records"
        print(f"{self.total} {noun} rejected ({counts})", file=stream)
