"""Storylines: River's online text clusterers against co-occurrence of bursting terms.

``detectors/storylines.py`` groups the bursting terms of a bucket into storylines
by co-occurrence.  This benchmark is the measurement behind that choice.  It
runs three families of online clusterers over the same real, labeled, bursty
windows and scores what each would turn into alerts.

Windows (real posts from ``../shared/data``, in time order):

* CrisisLexT6: the 2 hours after each crisis onset (onset = first UTC hour with
  at least 10% of the posts of the event's busiest hour, from the labels), with
  every other post of the same period (off-topic "background" posts and, where
  two crawls overlap, the other crisis).  Sandy is skipped: its crawl starts in
  its onset hour, so there are no 24 h of history to tell bursting terms from.
* CrisisLexT26: 6-hour windows in which several labeled crises are active at once
  (chosen from the labels: most events with >= 10 posts, then the largest
  smallest event; non-overlapping, distinct sets of events).

Methods (each fed the window's posts in time order, tokenized beforehand by
``detectors.text.Tokenizer().terms(text, None)``; tokenizing is not timed):

* ``river.cluster.TextClust`` on a dict of term counts (its ``learn_one`` takes
  ``{term: tf}``, what ``feature_extraction.BagOfWords`` would give), real-time
  fading on the post's timestamp.  A post's cluster is the micro-cluster it
  joined (or opened) on arrival, followed through later micro-cluster merges.
  Macro-clusters are not scored: they need ``num_macro`` (the number of stories)
  fixed in advance, which a detector does not know.
* ``river.cluster.DBSTREAM`` on binary term dicts ``{term: 1}`` (Euclidean
  distance, as River computes it); two settings on L2-normalised binary dicts.
  Scored twice: "micro" = the nearest micro-cluster on arrival, "macro" = that
  micro-cluster's shared-density macro-cluster at the end of the window (posts
  whose micro-cluster faded away or is not in a macro-cluster are unassigned).
* co-occurrence (the project): terms with count >= 5 in the window whose share
  of the window's posts is >= 5 times their share of the preceding 24 h (add-one
  smoothed), grouped by ``detectors.storylines.group_terms``; each post goes to
  the storyline whose terms it carries most (none: unassigned).  Timed: window
  term counts, burst test, grouping, assignment; the 24 h counts are what the
  burst detector keeps anyway and are not timed.

Scores (every post of a window is labeled: its event, or ``None`` = background):

* clusters: clusters holding >= 10 posts of the window (what could become an alert);
* purity: share of those clusters' posts from each cluster's majority class
  (background is its own class), pooled over clusters;
* fragmentation: clusters (>= 10 posts) whose majority is a given event, per
  event that has at least one (1.0 = one alert per story; > 1 = one story
  scattered over several alerts); events found / events present (>= 10 posts);
* background clusters: clusters (>= 10 posts) whose majority is background;
* recall: share of event posts that sit in a cluster (>= 10) of their own event;
* NMI (sklearn, arithmetic): "alert NMI" with posts outside clusters of >= 10
  posts put in one "unassigned" cluster (the same rule for every method), and
  "raw NMI" on every cluster as is (unassigned posts as one cluster);
* us/post: wall time of the method over the window's posts, divided by them;
  each window is run 3 times with a fresh model and the median is kept.

Each window starts every clusterer cold (no micro-clusters), which favours the
clusterers' cost.  The labeled sets are samples of a few posts a minute, and a
clusterer's cost per post grows with the micro-clusters alive in its fading
horizon, i.e. with the stream rate; a second part replays 3,000 posts of
CrisisLexT6 (from 15 April 2013) at 1 and 10 posts per second of stream time with
the same time constants and reports the cost per post (see :func:`scaling`).

Timings are wall-clock on a shared machine (noisy to perhaps +-20%; the load
average is reported); the clustering scores are deterministic.

Run: ``python -m bench.storyline_clustering [--json OUT]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from sklearn.metrics import normalized_mutual_info_score

from detectors.storylines import group_terms
from detectors.text import Tokenizer

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MIN_CLUSTER = 10  # posts a cluster needs to count (to become an alert)
REPEATS = 3
BACKGROUND = "None"
ONSET_SHARE = 0.10
T6_HOURS = 2
T26_HOURS = 6
T26_WINDOWS = 3
HISTORY = timedelta(hours=24)
BURST_MIN_COUNT = 5
BURST_RATIO = 5.0
# A method whose first run of a window is slower than this many microseconds a post
# is run once there instead of REPEATS times (said so in the output).
SLOW_US = 20_000


# -- data --------------------------------------------------------------------------------------


@dataclass
class Post:
    t: float  # epoch seconds
    event: str
    terms: list[str]


@dataclass
class Window:
    name: str
    source: str
    start: datetime
    end: datetime
    posts: list[Post]
    history: list[Post]  # the 24 h before ``start``
    events: dict[str, int] = field(default_factory=dict)  # class -> posts in the window


def _ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def load(name: str, tok: Tokenizer) -> list[Post]:
    posts = []
    with gzip.open(DATA_DIR / name, "rt", encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            posts.append(Post(_ts(p["ts"]).timestamp(), p["event"] or BACKGROUND, tok.terms(p["text"], None)))
    posts.sort(key=lambda p: p.t)
    return posts


def _slice(posts: list[Post], start: datetime, end: datetime) -> list[Post]:
    a, b = start.timestamp(), end.timestamp()
    return [p for p in posts if a <= p.t < b]


def _hour(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc).replace(minute=0, second=0, microsecond=0)


def _window(name: str, source: str, posts: list[Post], start: datetime, hours: int) -> Window:
    end = start + timedelta(hours=hours)
    w = Window(name, source, start, end, _slice(posts, start, end), _slice(posts, start - HISTORY, start))
    w.events = dict(Counter(p.event for p in w.posts).most_common())
    return w


def onset_windows(posts: list[Post], source: str) -> tuple[list[Window], list[str]]:
    """The T6_HOURS after each event's onset hour; events without 24 h of history are skipped."""
    hourly: dict[str, Counter] = defaultdict(Counter)
    for p in posts:
        if p.event != BACKGROUND:
            hourly[p.event][_hour(p.t)] += 1
    first_t = posts[0].t
    windows, skipped = [], []
    for event, counts in hourly.items():
        busiest = max(counts.values())
        onset = min(h for h, n in counts.items() if n >= ONSET_SHARE * busiest)
        if (onset - HISTORY).timestamp() < first_t:
            skipped.append(f"{event}: onset {onset:%Y-%m-%dT%H} is in the first 24 h of the data (no history)")
            continue
        windows.append(_window(event, source, posts, onset, T6_HOURS))
    return windows, skipped


def multi_event_windows(posts: list[Post], source: str, k: int = T26_WINDOWS) -> list[Window]:
    """Non-overlapping T26_HOURS windows with the most concurrent events (>= MIN_CLUSTER posts each)."""
    hourly: dict[datetime, Counter] = defaultdict(Counter)
    for p in posts:
        hourly[_hour(p.t)][p.event] += 1
    candidates = []
    for h in sorted(hourly):
        agg: Counter = Counter()
        for i in range(T26_HOURS):
            agg.update(hourly.get(h + timedelta(hours=i), {}))
        events = {e: n for e, n in agg.items() if e != BACKGROUND and n >= MIN_CLUSTER}
        if len(events) >= 2 and (h - HISTORY).timestamp() >= posts[0].t:
            candidates.append((len(events), min(events.values()), h, frozenset(events)))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2]))
    chosen: list[tuple[datetime, frozenset]] = []
    for _, _, h, events in candidates:
        if any(abs((h - c).total_seconds()) < T26_HOURS * 3600 or events == ev for c, ev in chosen):
            continue
        chosen.append((h, events))
        if len(chosen) == k:
            break
    return [_window(" + ".join(sorted(ev)), source, posts, h, T26_HOURS) for h, ev in sorted(chosen)]


# -- methods: each maps a window to one label per post (None = unassigned) -----------------------


def run_textclust(params: dict) -> Callable[[Window], tuple[list, dict]]:
    from river.cluster import TextClust

    def run(w: Window) -> tuple[list, dict]:
        model = TextClust(**params)
        joined: list = [None]
        closest = model._get_closest_mc

        def traced(mc, idf, distance):  # learn_one does not return the micro-cluster it used
            cid, dist = closest(mc, idf, distance)
            joined[0] = cid
            return cid, dist

        model._get_closest_mc = traced
        parent: dict[int, int] = {}
        labels: list = []
        t0 = w.start.timestamp()
        peak = 0
        for p in w.posts:
            if not p.terms:
                labels.append(None)
                continue
            joined[0] = None
            new_id, cleaned = model._cluster_id, model.last_cleanup
            model.learn_one(dict.fromkeys(p.terms, 1), t=p.t - t0)
            labels.append(new_id if joined[0] is None else joined[0])
            if model.last_cleanup != cleaned:  # micro-clusters may have merged
                for mc in model.micro_clusters.values():
                    for j in mc.merged_ids:
                        parent[j] = mc.id
                    mc.merged_ids.clear()
            peak = max(peak, len(model.micro_clusters))

        def root(c):
            while c in parent:
                c = parent[c]
            return c

        return [None if c is None else root(c) for c in labels], {"peak_micro_clusters": peak}

    return run


def _dbstream_class():
    from river.cluster import DBSTREAM

    class TracedDBSTREAM(DBSTREAM):
        """DBSTREAM that remembers the nearest micro-cluster within the radius of the last point."""

        nearest = None

        def _find_fixed_radius_nn(self, x):
            found, best, best_d = {}, None, math.inf
            for i, mc in self._micro_clusters.items():
                d = self._distance(mc.center, x)
                if d < self.clustering_threshold:
                    found[i] = mc
                    if d < best_d:
                        best, best_d = mc, d
            self.nearest = best
            return found

    return TracedDBSTREAM


def run_dbstream(params: dict, normalise: bool = False) -> Callable[[Window], tuple[list, dict]]:
    cls = _dbstream_class()

    def run(w: Window) -> tuple[list, dict]:
        model = cls(**params)
        serial: dict[int, int] = {}  # id(micro-cluster) -> serial; ``keep`` holds them so ids stay unique
        keep: list = []
        labels: list = []
        peak = 0
        for p in w.posts:
            if not p.terms:
                labels.append(None)
                continue
            v = 1.0 / math.sqrt(len(p.terms)) if normalise else 1
            model.learn_one(dict.fromkeys(p.terms, v))
            mc = model.nearest
            if mc is None:  # it opened a micro-cluster: the newest id
                mc = model._micro_clusters[max(model._micro_clusters)]
            if id(mc) not in serial:
                serial[id(mc)] = len(serial)
                keep.append(mc)
            labels.append(serial[id(mc)])
            peak = max(peak, len(model._micro_clusters))
        # macro-clusters once, at the end of the window
        macro_of = model._generate_labels(model._generate_weighted_adjacency_matrix())
        live = {serial[id(mc)]: macro_of.get(k) for k, mc in model._micro_clusters.items() if id(mc) in serial}
        macro = [None if c is None else live.get(c) for c in labels]
        return labels, {"peak_micro_clusters": peak, "macro": macro}

    return run


def run_cooccurrence(min_count: int = BURST_MIN_COUNT, ratio: float = BURST_RATIO) -> Callable:
    def run(w: Window) -> tuple[list, dict]:
        hist: Counter = Counter()  # not timed below: the burst detector keeps these counts anyway
        for p in w.history:
            hist.update(p.terms)
        n_hist = max(len(w.history), 1)
        t = time.perf_counter()
        sets = [set(p.terms) for p in w.posts]
        counts: Counter = Counter()
        for s in sets:
            counts.update(s)
        n = len(sets)
        bursting = {
            term for term, c in counts.items()
            if c >= min_count and (c / n) >= ratio * (hist[term] + 1) / (n_hist + 1)
        }
        stories = group_terms(bursting, sets)
        best: list = [None] * n
        carried = [0] * n
        for sid, story in enumerate(stories):  # largest first: ties go to the larger storyline
            for i in story.posts:
                k = len(story.terms & sets[i])
                if k > carried[i]:
                    best[i], carried[i] = sid, k
        elapsed = time.perf_counter() - t
        return best, {"bursting_terms": len(bursting), "storylines": len(stories), "elapsed": elapsed}

    return run


@dataclass
class Method:
    name: str
    family: str
    params: dict
    run: Callable[[Window], tuple[list, dict]]
    macro: bool = False  # also score the "macro" labels it returns


def methods() -> list[Method]:
    out = []
    for p in (
        {"radius": 0.5, "fading_factor": 0.0005, "tgap": 300, "auto_r": False},
        {"radius": 0.7, "fading_factor": 0.0005, "tgap": 300, "auto_r": False},
        {"radius": 0.9, "fading_factor": 0.0005, "tgap": 300, "auto_r": False},
        {"radius": 0.7, "fading_factor": 0.0001, "tgap": 600, "auto_r": True},
    ):
        tag = "auto_r" if p["auto_r"] else f"r={p['radius']}"
        out.append(Method(f"TextClust {tag} f={p['fading_factor']}", "TextClust", p,
                          run_textclust({**p, "real_time_fading": True})))
    for p, norm in (
        ({"clustering_threshold": 3.0, "fading_factor": 0.01, "cleanup_interval": 50,
          "intersection_factor": 0.3, "minimum_weight": 2.0}, False),
        ({"clustering_threshold": 1.0, "fading_factor": 0.01, "cleanup_interval": 50,
          "intersection_factor": 0.3, "minimum_weight": 2.0}, True),
        ({"clustering_threshold": 1.2, "fading_factor": 0.01, "cleanup_interval": 50,
          "intersection_factor": 0.3, "minimum_weight": 2.0}, True),
    ):
        tag = f"{'L2 ' if norm else ''}r={p['clustering_threshold']}"
        out.append(Method(f"DBSTREAM {tag}", "DBSTREAM", {**p, "l2_normalised": norm},
                          run_dbstream(p, norm), macro=True))
    out.append(Method("co-occurrence", "co-occurrence",
                      {"min_count": BURST_MIN_COUNT, "ratio": BURST_RATIO, "min_overlap": 0.3, "min_shared": 2},
                      run_cooccurrence()))
    return out


# -- scoring -----------------------------------------------------------------------------------


def score(labels: list, truth: list[str]) -> dict:
    members: dict = defaultdict(list)
    for c, y in zip(labels, truth):
        if c is not None:
            members[c].append(y)
    big = {c: Counter(ys) for c, ys in members.items() if len(ys) >= MIN_CLUSTER}
    majority = {c: cnt.most_common(1)[0] for c, cnt in big.items()}
    in_big = sum(sum(cnt.values()) for cnt in big.values())
    per_event = Counter(m for m, _ in majority.values() if m != BACKGROUND)
    present = {e for e, n in Counter(truth).items() if e != BACKGROUND and n >= MIN_CLUSTER}
    event_posts = sum(1 for y in truth if y != BACKGROUND)
    recalled = sum(n for c, (m, n) in majority.items() if m != BACKGROUND)
    alert = [c if c in big else "unassigned" for c in labels]
    raw = ["unassigned" if c is None else c for c in labels]
    return {
        "posts": len(truth),
        "clusters": len(big),
        "background_clusters": sum(1 for m, _ in majority.values() if m == BACKGROUND),
        "purity": (sum(n for _, n in majority.values()) / in_big) if in_big else None,
        "posts_in_clusters": in_big,
        "clusters_per_event": dict(per_event),
        "events_present": len(present),
        "events_found": len(present & set(per_event)),
        "fragmentation": (sum(per_event.values()) / len(per_event)) if per_event else None,
        "recall": recalled / event_posts if event_posts else None,
        "nmi_alert": normalized_mutual_info_score(truth, [str(x) for x in alert]),
        "nmi_raw": normalized_mutual_info_score(truth, [str(x) for x in raw]),
    }


def pooled(rows: list[dict]) -> dict:
    """Figures over all windows: cluster counts summed, purity pooled, fragmentation per found event."""
    in_big = sum(r["posts_in_clusters"] for r in rows)
    pure = sum(r["purity"] * r["posts_in_clusters"] for r in rows if r["purity"] is not None)
    event_clusters = sum(sum(r["clusters_per_event"].values()) for r in rows)
    found = sum(len(r["clusters_per_event"]) for r in rows)
    return {
        "clusters": sum(r["clusters"] for r in rows),
        "background_clusters": sum(r["background_clusters"] for r in rows),
        "purity": pure / in_big if in_big else None,
        "fragmentation": event_clusters / found if found else None,
        "max_clusters_per_event": max((max(r["clusters_per_event"].values(), default=0) for r in rows), default=0),
        "events_found": sum(r["events_found"] for r in rows),
        "events_present": sum(r["events_present"] for r in rows),
        "recall": statistics.fmean(r["recall"] for r in rows if r["recall"] is not None),
        "nmi_alert": statistics.fmean(r["nmi_alert"] for r in rows),
        "nmi_raw": statistics.fmean(r["nmi_raw"] for r in rows),
    }


# -- cost against stream rate -------------------------------------------------------------------

SCALE_RATES = (1.0, 10.0)  # posts per second of stream time
SCALE_POSTS = 3000
SCALE_BUDGET_S = 12.0  # wall seconds per clusterer and rate; the run stops early past it
SCALE_TAIL = 500  # us/post is reported over the last posts processed (steady state)
SCALE_FROM = datetime(2013, 4, 15, tzinfo=timezone.utc)  # crisislext6: Boston, West Texas, background


def scaling(posts: list[Post], log=print) -> list[dict]:
    """Per-post cost as the stream gets denser, with the clusterers' time constants held in seconds.

    The labeled sets are samples (a few posts a minute); a clusterer's cost per post
    grows with the micro-clusters alive within its fading horizon, i.e. with the
    stream rate.  The same posts are replayed at ``rate`` posts per second of stream
    time.  TextClust fades on that time (as in the windows); DBSTREAM fades per post,
    so its fading factor and cleanup interval are scaled by the rate to keep the
    same horizon (half-life ~33 min, cleanup every 300 s).  Run once per rate.
    """
    from river.cluster import DBSTREAM, TextClust

    stream = [p for p in posts if p.t >= SCALE_FROM.timestamp() and p.terms]
    history, stream = stream[:SCALE_POSTS], stream[SCALE_POSTS:2 * SCALE_POSTS]
    rows = []
    for rate in SCALE_RATES:
        models = {
            "TextClust r=0.9 f=0.0005": (
                TextClust(radius=0.9, fading_factor=0.0005, tgap=300, real_time_fading=True),
                lambda m, p, i: m.learn_one(dict.fromkeys(p.terms, 1), t=i / rate),
                lambda m: len(m.micro_clusters)),
            "DBSTREAM L2 r=1.0": (
                DBSTREAM(clustering_threshold=1.0, fading_factor=0.0005 / rate,
                         cleanup_interval=max(1, round(300 * rate)), intersection_factor=0.3, minimum_weight=2.0),
                lambda m, p, i: m.learn_one(dict.fromkeys(p.terms, 1 / math.sqrt(len(p.terms)))),
                lambda m: len(m._micro_clusters)),
        }
        for name, (model, learn, live) in models.items():
            stamps = [time.perf_counter()]
            for i, p in enumerate(stream):
                learn(model, p, i)
                stamps.append(time.perf_counter())
                if stamps[-1] - stamps[0] > SCALE_BUDGET_S:
                    break
            n = len(stamps) - 1
            tail = min(SCALE_TAIL, n)
            us = (stamps[-1] - stamps[-1 - tail]) / tail * 1e6
            rows.append({"method": name, "rate_posts_per_s": rate, "posts": n, "stopped_early": n < len(stream),
                         "live_micro_clusters": live(model), "us_per_post_tail": us,
                         "us_per_post_first": (stamps[tail] - stamps[0]) / tail * 1e6,
                         "us_per_post_all": (stamps[-1] - stamps[0]) / n * 1e6,
                         "core_share_at_rate": us * 1e-6 * rate})
            log(f"  scaling {name} @ {rate:g} posts/s: {n} posts, {us:.0f} us/post")
    # co-occurrence keeps no micro-clusters.  The tracker re-groups the last hour (12 buckets
    # of 300 s) at every bucket close, so each post is grouped ~12 times: cost per post =
    # one grouping of the last hour / the posts of one bucket.
    pool = [p for p in posts if p.t >= SCALE_FROM.timestamp() and p.terms]
    for rate in SCALE_RATES:
        bucket = int(300 * rate)
        n = min(12 * bucket, len(pool) - SCALE_POSTS)
        w = Window("scaling", "crisislext6", SCALE_FROM, SCALE_FROM, pool[-n:], pool[-n - SCALE_POSTS:-n])
        times = sorted(run_cooccurrence()(w)[1]["elapsed"] for _ in range(REPEATS))
        us = times[len(times) // 2] / bucket * 1e6
        rows.append({"method": "co-occurrence (last hour, per bucket)", "rate_posts_per_s": rate, "posts": n,
                     "stopped_early": False, "live_micro_clusters": None, "us_per_post_tail": us,
                     "us_per_post_first": us, "us_per_post_all": us, "core_share_at_rate": us * 1e-6 * rate})
        log(f"  scaling co-occurrence @ {rate:g} posts/s: window of {n} posts, {us:.0f} us/post")
    return rows


# -- driver ------------------------------------------------------------------------------------


def run_benchmark(log=print) -> dict:
    tok = Tokenizer()
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    t6 = load("crisislext6.jsonl.gz", tok)
    t26 = load("crisislext26.jsonl.gz", tok)
    w6, skipped = onset_windows(t6, "crisislext6")
    windows = w6 + multi_event_windows(t26, "crisislext26")
    log(f"loaded and tokenized {len(t6) + len(t26):,} posts in {time.perf_counter() - started:.1f} s; "
        f"{len(windows)} windows, {sum(len(w.posts) for w in windows):,} posts")
    for s in skipped:
        log(f"  skipped {s}")

    results = []
    notes = [f"skipped {s}" for s in skipped]
    notes.append("TextClust macro-clusters not scored: they need num_macro (the number of stories) in advance")
    for m in methods():
        per_window, macro_rows, seconds, posts_timed, extras = [], [], 0.0, 0, []
        for w in windows:
            truth = [p.event for p in w.posts]
            times, labels, extra = [], None, {}
            for rep in range(REPEATS):
                t = time.perf_counter()
                out, extra = m.run(w)
                elapsed = extra.pop("elapsed", None) or (time.perf_counter() - t)
                times.append(elapsed)
                if labels is not None and out != labels:
                    notes.append(f"{m.name}: labels differ between runs on {w.name}")
                labels = out
                if rep == 0 and elapsed / max(len(w.posts), 1) * 1e6 > SLOW_US:
                    notes.append(f"{m.name}: run once (not {REPEATS}x) on {w.name}: too slow")
                    break
            med = statistics.median(times)
            seconds += med
            posts_timed += len(w.posts)
            row = {"window": w.name, **score(labels, truth),
                   "us_per_post": med / len(w.posts) * 1e6,
                   "runs_us_per_post": [x / len(w.posts) * 1e6 for x in times]}
            row.update({k: v for k, v in extra.items() if k != "macro"})
            per_window.append(row)
            if m.macro:
                macro_rows.append({"window": w.name, **score(extra["macro"], truth)})
        summary = {**pooled(per_window), "us_per_post": seconds / posts_timed * 1e6}
        entry = {"method": m.name + (" (micro)" if m.macro else ""), "family": m.family,
                 "params": m.params, "summary": summary, "windows": per_window}
        results.append(entry)
        log(f"  {entry['method']}: {summary['us_per_post']:.0f} us/post")
        if m.macro:
            results.append({"method": m.name + " (macro)", "family": m.family, "params": m.params,
                            "summary": {**pooled(macro_rows), "us_per_post": summary["us_per_post"]},
                            "windows": macro_rows,
                            "note": "same run as micro; macro-clusters computed once at window end"})
    log("cost against stream rate:")
    scale = scaling(t6, log)
    notes.append(f"scaling runs: once per rate, stopped after {SCALE_POSTS} posts or {SCALE_BUDGET_S:g} s, "
                 f"us/post over the last {SCALE_TAIL} posts processed")
    return {
        "what": "online clustering of bursty windows: River TextClust / DBSTREAM vs co-occurrence of bursting terms",
        "data": str(DATA_DIR),
        "min_cluster_posts": MIN_CLUSTER,
        "windows": [{"name": w.name, "source": w.source, "start": w.start.isoformat(), "end": w.end.isoformat(),
                     "posts": len(w.posts), "history_posts": len(w.history), "classes": w.events}
                    for w in windows],
        "methods": results,
        "scaling": scale,
        "timing": (f"wall clock, median of {REPEATS} runs per window (fresh model each run), summed over windows "
                   f"and divided by their posts; tokenizing excluded; shared machine, expect +-20% noise"),
        "notes": notes,
        "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
        "cpu_count": os.cpu_count(),
        "seconds_total": time.perf_counter() - started,
    }


def _f(x, fmt="{:.2f}"):
    return "-" if x is None else fmt.format(x)


def format_result(result: dict) -> str:
    lines = ["windows:"]
    for w in result["windows"]:
        cls = ", ".join(f"{k} {v}" for k, v in w["classes"].items())
        lines.append(f"  {w['source']:<12} {w['start'][:16]} {w['posts']:>4} posts  ({cls})")
    head = (f"{'method':<30} {'clusters':>8} {'bg':>4} {'purity':>6} {'frag':>5} {'max':>4} "
            f"{'found':>6} {'recall':>6} {'NMI':>5} {'NMIraw':>6} {'us/post':>8}")
    lines += ["", head, "-" * len(head)]
    for r in result["methods"]:
        s = r["summary"]
        lines.append(
            f"{r['method']:<30} {s['clusters']:>8} {s['background_clusters']:>4} {_f(s['purity']):>6} "
            f"{_f(s['fragmentation']):>5} {s['max_clusters_per_event']:>4} "
            f"{s['events_found']:>2}/{s['events_present']:<3} {_f(s['recall']):>6} {_f(s['nmi_alert']):>5} "
            f"{_f(s['nmi_raw']):>6} {s['us_per_post']:>8.0f}")
    lines += ["", "cost against stream rate (same posts replayed denser; time constants held in seconds):",
              f"{'method':<38} {'posts/s':>7} {'posts':>6} {'live MCs':>8} {'us/post':>8} {'(first)':>8} "
              f"{'core at rate':>12}"]
    for r in result.get("scaling", []):
        live = "-" if r["live_micro_clusters"] is None else r["live_micro_clusters"]
        lines.append(f"{r['method']:<38} {r['rate_posts_per_s']:>7g} {r['posts']:>6} {live:>8} "
                     f"{r['us_per_post_tail']:>8.0f} {r['us_per_post_first']:>8.0f} {r['core_share_at_rate']:>11.1%}"
                     + ("  (stopped: time budget)" if r["stopped_early"] else ""))
    lines += [
        "",
        f"us/post: over the last {SCALE_TAIL} posts processed ((first): over the first {SCALE_TAIL}); "
        "core at rate: share of one core the method needs at that rate; co-occurrence: one grouping of the "
        "last hour (12 buckets of 300 s) divided by one bucket's posts.",
        "",
        f"clusters: clusters of >= {result['min_cluster_posts']} posts, summed over windows; bg: those whose "
        "majority is background; purity: pooled over them; frag: clusters per event found (1.0 ideal); "
        "max: most clusters for one event in one window; found: events with a cluster / events present; "
        "recall: event posts in a cluster of their event (mean over windows); NMI: posts outside clusters "
        f">= {result['min_cluster_posts']} as one 'unassigned' cluster; NMIraw: every cluster as is (mean over windows).",
        f"timing: {result['timing']}.",
    ]
    lines += [f"note: {n}" for n in result["notes"]]
    la = result.get("load_average_1min")
    if la:
        lines.append(f"machine: {result['cpu_count']} cores, 1-min load average {la['start']:.1f} at start, "
                     f"{la['end']:.1f} at end (other work on the machine inflates timings)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    if not (DATA_DIR / "crisislext6.jsonl.gz").exists():
        print(f"no data at {DATA_DIR}", file=sys.stderr)
        return 1
    result = run_benchmark(log=lambda s: print(s, file=sys.stderr))
    print(format_result(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
