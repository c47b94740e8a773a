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

from detectors.post import Post, PostError, parse_post

STDIN = "-"

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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_records(path: str, lines: Iterator[_Line]) -> Iterator[tuple[int, str, dict | Rejected]]:
    for line in lines:
        raw = line.text.rstrip("\r\n")
        if not raw.strip():
            continue
        if line.error:
            yield line.number, raw, Rejected(path, line.number, "<json>", line.error, raw)
            continue
        try:
            record = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
            yield line.number, raw, Rejected(path, line.number, "<json>", f"bad JSON: {exc}", raw)
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
            header = [name.strip() for name in row]
            continue
        if not error and len(row) > len(header):
            error = f"row has {len(row)} cells, header has {len(header)}"
        if error:
            yield start, raw, Rejected(path, start, "<csv>", error, raw)
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


def _parsed(path: str, on_reject: OnReject) -> Iterator[tuple[dict, Post]]:
    """Valid (record, Post) pairs; everything else goes to on_reject."""
    return _parse_each(path, _records(path), on_reject)  # file type checked now


def _parse_each(path: str, records: Iterator[tuple[int, str, dict | Rejected]],
                on_reject: OnReject) -> Iterator[tuple[dict, Post]]:
    for number, raw, record in records:
        if isinstance(record, dict):
            try:
                yield record, parse_post(record)
                continue
            except PostError as exc:
                record = Rejected(_display(path), number, exc.field, exc.reason, raw)
        if on_reject is not None:
            on_reject(record)


def read_posts(path: str, *, on_reject: OnReject = None) -> Iterator[Post]:
    """Yield valid posts (schema fields only); bad records go to ``on_reject``."""
    return (post for _record, post in _parsed(path, on_reject))


def raw_lines(path: str) -> list[bytes]:
    """All physical lines of a post file (decompressed, not decoded), for
    :func:`parse_lines`: a benchmark reads the file first, then times the decoding."""
    kind, gzipped = _format(path)
    with _open(path, gzipped) as stream:
        return list(stream)


def parse_lines(path: str, lines: Iterable[bytes | str], *, on_reject: OnReject = None) -> Iterator[Post]:
    """:func:`read_posts` over ``lines`` already read from ``path`` (whose name
    picks the format, as for reading): the same decoding, rejects and Posts."""
    kind, _gzipped = _format(path)
    return (post for _record, post in _parse_each(path, _decode_records(path, kind, lines), on_reject))


def _truth(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def read_labeled(path: str, *, on_reject: OnReject = None) -> Iterator[LabeledPost]:
    """Like :func:`read_posts`, with the ground-truth ``event``/``label`` alongside."""
    return (LabeledPost(post, _truth(record.get("event")), _truth(record.get("label")))
            for record, post in _parsed(path, on_reject))


@dataclass
class RejectCounter:
    """An ``on_reject`` callback that counts rejects by field and keeps the first few."""

    keep: int = 20
    total: int = 0
    by_field: dict[str, int] = field(default_factory=dict)
    examples: list[Rejected] = field(default_factory=list)

    def __call__(self, rejected: Rejected) -> None:
        self.total += 1
        self.by_field[rejected.field] = self.by_field.get(rejected.field, 0) + 1
        if len(self.examples) < self.keep:
            self.examples.append(rejected)

    def report(self, stream: IO[str] | None = None) -> None:
        """Print the kept examples and a one-line summary; silent when nothing was rejected."""
        if not self.total:
            return
        stream = sys.stderr if stream is None else stream  # resolved late so tests can capture it
        for rejected in self.examples:
            print(rejected, file=stream)
        if self.total > len(self.examples):
            print(f"... and {self.total - len(self.examples)} more", file=stream)
        counts = ", ".join(f"{name}: {n}" for name, n in sorted(self.by_field.items()))
        noun = "record" if self.total == 1 else "records"
        print(f"{self.total} {noun} rejected ({counts})", file=stream)
