"""Throughput and memory of the pipeline against a plain tokenize-and-count baseline.

The stream: real post texts (CrisisLexT26 and CrisisLexT6 from ``../shared/data``
when present, else synthetic ones) cycled with fresh ids, increasing event
times (about 100 posts per second of event time) and random authors.  Each post
gets one or two made-up rare words or hashtags drawn from a space of about 10^8,
so the vocabulary keeps growing like a real stream's long tail (more than a
million distinct terms over two million posts).

Both sides get the same JSON lines and are timed on the same work up to the
point where they differ:

* baseline: iterate the lines, ``json.loads`` + ``parse_post``, tokenize with the
  pipeline's own :class:`~detectors.text.Tokenizer`, count terms per event-time
  bucket in a ``Counter`` (no detection, no language identification);
* pipeline: the same decoding, then ``Pipeline.process`` per post and ``flush``.

Stream generation is excluded from both timings (it happens in chunks between
timed sections).  Each side runs in a fresh (spawned) process, so the peak RSS
it reports is its own.  ``lang=False`` drops ``lang`` from the posts, so the
pipeline identifies languages inside the timed part.

:func:`run_stream` (``flashpoint bench --stream FILE``) takes a real post file
as it is instead: its lines are read (and decompressed) into memory before
timing, then decoded inside the timed part on both sides by the project's
reader (:func:`streams.sources.parse_lines`, as ``flashpoint replay`` reads),
with the configuration replay uses (``Settings().detector_config()``).  Both
kinds of stream go through the same :func:`_measure`.
"""

from __future__ import annotations

import gzip
import itertools
import json
import multiprocessing
import random
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SOURCE_FILES = ("crisislext26.jsonl.gz", "crisislext6.jsonl.gz")
POSTS_PER_EVENT_SECOND = 100.0
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
AUTHORS = 500_000
CHUNK = 20_000
SEED = 20240601
REQUIRED_KEYS = ("posts", "posts_per_s", "baseline_posts_per_s", "ratio", "peak_rss_mb")

_ONSETS = "b c d f g h j k l m n p r s t v w z br kr st tr".split()
_VOWELS = "a e i o u y".split()
_CODAS = ["", "", "n", "r", "s", "l", "x", "k"]


# -- the stream ------------------------------------------------------------------------------


def load_texts(lang: bool, limit: int | None = None) -> tuple[list[str], list[str | None], str]:
    """Distinct source texts in a seeded random order (at most ``limit``), their
    language (when ``lang``: the file's, else identified once per text, else
    'en'), and where they came from."""
    texts: dict[str, str | None] = {}
    for name in SOURCE_FILES:
        path = DATA_DIR / name
        if not path.exists():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                text = rec.get("text")
                if isinstance(text, str) and text.strip():
                    texts.setdefault(text, rec.get("lang") or None)
    origin = "+".join(n.split(".")[0] for n in SOURCE_FILES if (DATA_DIR / n).exists())
    if not texts:
        texts = dict.fromkeys(_synthetic_texts())
        origin = "synthetic"
    items = list(texts.items())
    random.Random(SEED).shuffle(items)
    items = items[:limit]
    if not lang:
        return [t for t, _ in items], [None] * len(items), origin
    from detectors.language import LanguageIdentifier

    lid = LanguageIdentifier()
    return [t for t, _ in items], [lg or lid.identify(t) or "en" for t, lg in items], origin


def _synthetic_texts() -> list[str]:
    try:
        from streams.synth import generate

        posts = generate(SEED).posts
        texts = [p["text"] for p in posts if p.get("text")]
        if texts:
            return texts
    except Exception:  # the generator is optional here: fall back to made-up sentences
        pass
    rng = random.Random(SEED)
    vocab = [_made_up(rng) for _ in range(5000)]
    return [" ".join(rng.choices(vocab, k=rng.randint(5, 18))) for _ in range(20_000)]


def _made_up(rng: random.Random) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(rng.randint(3, 4)))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stream_chunks(n: int, texts: list[str], langs: list[str | None], *, seed: int = SEED,
                  chunk: int = CHUNK):
    """Yield lists of JSON-line bytes, ``chunk`` posts at a time, ``n`` in all
    (``texts`` cycled in order, each with fresh rare words appended)."""
    rng = random.Random(seed)
    dumps = json.dumps
    m = len(texts)
    for start in range(0, n, chunk):
        lines = []
        for i in range(start, min(n, start + chunk)):
            k = i % m
            rare = _made_up(rng)
            extra = ("#" + rare) if rng.random() < 0.25 else rare
            if rng.random() < 0.5:
                extra += " " + _made_up(rng)
            rec = {"id": f"b{i}", "ts": _iso(T0 + i / POSTS_PER_EVENT_SECOND + rng.random() * 0.01),
                   "text": f"{texts[k]} {extra}", "author": f"u{rng.randrange(AUTHORS)}"}
            if langs[k] is not None:
                rec["lang"] = langs[k]
            lines.append(dumps(rec, ensure_ascii=False).encode())
        yield lines


# -- the two measurements, each in its own process ---------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb() -> float:
    """Current RSS (Linux /proc), else the peak so far."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return _peak_rss_mb()


def _post_chunks(source: tuple):
    """(chunks of posts, reject counter) for a source (see :func:`_compare`).

    Iterating a chunk decodes its lines: that is the timed part, identical on
    both sides.  Making a chunk (generating its lines) is not timed, and a
    file's lines are read (and decompressed) into memory here, before timing.
    """
    from detectors.post import parse_post
    from streams.sources import RejectCounter, parse_lines, raw_lines

    rejects = RejectCounter(keep=0)
    if source[0] == "file":  # the project's reader, over lines already in memory
        _, path, limit = source
        lines = raw_lines(path)
        return iter([itertools.islice(parse_lines(path, lines, on_reject=rejects), limit)]), rejects
    _, n, texts, langs = source
    loads = json.loads
    return ((parse_post(loads(line)) for line in lines) for lines in stream_chunks(n, texts, langs)), rejects


def _measure(kind: str, source: tuple, config) -> dict:
    """One side ("pipeline" or "baseline") over ``source``'s posts with ``config``."""
    from collections import Counter

    import numpy as np

    from detectors.pipeline import Pipeline
    from detectors.text import Tokenizer

    chunks, rejects = _post_chunks(source)
    bucket_s = config.bucket_seconds
    elapsed = 0.0
    n = 0
    out: dict = {"kind": kind}
    if kind == "pipeline":
        pipe = Pipeline(config, collect_assignments=False)  # a service keeps no eval record
        out["rss_start_mb"] = round(_rss_mb(), 1)  # interpreter, libraries, source lines, empty pipeline
        process = pipe.process
        records, ids = 0, set()

        def emitted(recs: list) -> None:
            nonlocal records
            records += len(recs)
            ids.update(r["id"] for r in recs)

        for chunk in chunks:
            t = time.perf_counter()
            for post in chunk:
                n += 1
                recs = process(post)
                if recs:
                    emitted(recs)
            elapsed += time.perf_counter() - t
        t = time.perf_counter()
        emitted(pipe.flush())
        elapsed += time.perf_counter() - t
        out.update(event_records=records, distinct_events=len(ids), late=pipe.stats.get("late", 0))
    else:
        terms = Tokenizer().terms
        out["rss_start_mb"] = round(_rss_mb(), 1)
        seen: list = []  # hashes of each closed bucket's terms (bookkeeping, not timed)
        paused = 0.0
        buckets = pending = 0

        def close(counts: Counter) -> None:
            nonlocal pending
            if counts:
                seen.append(np.fromiter((hash(t) for t in counts), dtype=np.int64, count=len(counts)))
                pending += len(counts)
                # merge once the unmerged hashes match the merged ones: amortised, even when
                # (as in a sparse real stream) nearly every post closes a bucket
                if len(seen) >= 16 and pending >= len(seen[0]):
                    seen[:] = [np.unique(np.concatenate(seen))]
                    pending = 0

        bucket, counts = None, Counter()
        for chunk in chunks:
            t = time.perf_counter()
            for post in chunk:
                n += 1
                b = int(post.ts // bucket_s)
                if b != bucket:
                    p = time.perf_counter()
                    close(counts)
                    buckets += 1
                    paused += time.perf_counter() - p
                    bucket, counts = b, Counter()
                counts.update(terms(post.text, post.lang))
            elapsed += time.perf_counter() - t
        close(counts)
        elapsed -= paused
        out.update(distinct_terms=int(np.unique(np.concatenate(seen)).size) if seen else 0,
                   buckets=buckets)
    out.update(posts=n, rejected=rejects.total, seconds=elapsed, peak_rss_mb=round(_peak_rss_mb(), 1))
    return out


def _in_fresh_process(kind: str, source: tuple, config) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as ex:
        return ex.submit(_measure, kind, source, config).result()


def _compare(source: tuple, config) -> dict:
    """Baseline then pipeline on ``source``, each in a fresh process; the common figures.

    ``source``: ``("synth", n, texts, langs)`` (the generated stream) or
    ``("file", path, limit)`` (a post file as it is, at most ``limit`` posts,
    None = all)."""
    base = _in_fresh_process("baseline", source, config)
    pipe = _in_fresh_process("pipeline", source, config)
    pps = pipe["posts"] / pipe["seconds"] if pipe["seconds"] > 0 else float("inf")
    bps = base["posts"] / base["seconds"] if base["seconds"] > 0 else float("inf")
    return {
        "posts": pipe["posts"],
        "posts_per_s": round(pps, 1),
        "baseline_posts_per_s": round(bps, 1),
        "ratio": round(pps / bps, 4),
        "peak_rss_mb": pipe["peak_rss_mb"],
        "rss_start_mb": pipe["rss_start_mb"],
        "baseline_peak_rss_mb": base["peak_rss_mb"],
        "distinct_terms": base["distinct_terms"],
        "event_records": pipe["event_records"],
        "distinct_events": pipe["distinct_events"],
        "rejected": pipe["rejected"],
        "pipeline_seconds": round(pipe["seconds"], 3),
        "baseline_seconds": round(base["seconds"], 3),
    }


def run(posts: int = 200_000, lang: bool = True) -> dict:
    """Measure baseline then pipeline on the same ``posts``-post stream; return the figures."""
    from detectors.pipeline import DetectorConfig

    if posts <= 0:
        raise ValueError("posts must be positive")
    texts, langs, origin = load_texts(lang, limit=posts)
    result = _compare(("synth", posts, texts, langs), DetectorConfig())
    result.update(lang=lang, texts=origin, source_texts=len(texts))
    return result


def run_stream(path: str, posts: int | None = None) -> dict:
    """Measure baseline then pipeline on a post file as it is (its texts, ids,
    authors, langs and event times), at most ``posts`` of them (None = all),
    with the configuration ``flashpoint replay`` uses.  ``events`` = event
    records the pipeline emitted; ``rejected`` = records the reader rejected."""
    from streams.settings import Settings

    if posts is not None and posts <= 0:
        raise ValueError("posts must be positive")
    result = _compare(("file", path, posts), Settings().detector_config())
    result.update(stream=path, events=result["event_records"])
    return result


def format_result(r: dict) -> str:
    rows = [
        ("posts", f"{r['posts']:,}"),
        *(
            [("stream", f"{r['stream']}  (as it is: its texts, ids, authors, langs, times; "
                        f"{r.get('rejected', 0):,} records rejected)")]
            if "stream" in r else
            [("posts carry lang", "yes" if r.get("lang", True) else "no (identified in the pipeline)"),
             ("texts", f"{r.get('texts', '?')} ({r.get('source_texts', 0):,} distinct)")]
        ),
        ("pipeline posts/s", f"{r['posts_per_s']:,.0f}"),
        ("baseline posts/s", f"{r['baseline_posts_per_s']:,.0f}  (decode + tokenize + count)"),
        ("ratio", f"{r['ratio']:.2f}"),
        ("peak RSS pipeline", f"{r['peak_rss_mb']:.0f} MB  (at start: {r.get('rss_start_mb', 0):.0f} MB)"),
        ("peak RSS baseline", f"{r.get('baseline_peak_rss_mb', 0):.0f} MB"),
        ("distinct terms", f"{r.get('distinct_terms', 0):,}"),
        ("event records", f"{r.get('event_records', 0):,}  ({r.get('distinct_events', 0):,} events)"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(format_result(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)))
