"""Replay a finite stream through the in-process pipeline, in event time."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable

from detectors.pipeline import DetectorConfig, Pipeline
from detectors.post import Post


@dataclass
class ReplayResult:
    records: list[dict] = field(default_factory=list)
    assignments: list[dict] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    elapsed_s: float = 0.0


def replay(
    posts: Iterable[Post],
    config: DetectorConfig | None = None,
    *,
    on_record: Callable[[dict], None] | None = None,
    watchlists=None,
    on_reject: Callable[[str, str, str], None] | None = None,
) -> ReplayResult:
    """Run ``posts`` (in arrival order) through a fresh pipeline; collect its output.
    ``watchlists`` (a :class:`detectors.watchlists.WatchlistSet`): also track them.
    ``on_reject(post id, field, reason)``: a post the pipeline turned down (its id
    seen before, its time far ahead of the stream's)."""
    negativity = None
    if watchlists is not None:
        from detectors.negativity import NegativityScorer

        negativity = NegativityScorer()
    pipe = Pipeline(config, watchlists=watchlists, negativity=negativity)
    result = ReplayResult()
    started = time.perf_counter()
    for post in posts:
        for rec in pipe.process(post):
            result.records.append(rec)
            if on_record:
                on_record(rec)
        if pipe.rejected:
            _rejected(pipe, on_reject)
    for rec in pipe.flush():
        result.records.append(rec)
        if on_record:
            on_record(rec)
    _rejected(pipe, on_reject)
    result.elapsed_s = time.perf_counter() - started
    result.assignments = pipe.assignments()
    result.stats = dict(pipe.stats)
    return result


def _rejected(pipe: Pipeline, on_reject) -> None:
    for post_id, field_name, reason, _prep in pipe.take_rejected():
        if on_reject is not None:
            on_reject(post_id, field_name, reason)


def write_jsonl(rows: Iterable[dict], out: IO[str]) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
