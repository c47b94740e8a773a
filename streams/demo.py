"""``flashpoint demo``: the whole system on one machine, no broker.

A seeded synthetic stream (:mod:`streams.synth`) is played through the pipeline
at accelerated event time (by default its ~6 hours last about 50 seconds), with
a live terminal view of the emerging events, Prometheus metrics served on
loopback, and at the end a summary of injected events against what was
detected, what the decoys did, and any false alarms.

The pipeline sees :class:`~detectors.post.Post` objects only; the synthetic
ground truth (``event``, ``label``) is kept beside the stream for the summary.
"""

from __future__ import annotations

import bisect
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from prometheus_client import CollectorRegistry

from detectors.pipeline import Pipeline
from detectors.post import Post, PostError, parse_post
from streams.evaluate import details, score
from streams.metrics import PipelineMetrics, serve, stop
from streams.settings import Settings, masked_url

TARGET_WALL_S = 50.0  # default pace: the whole stream in about this long
TICK_S = 0.1  # wall time between batches
REFRESH_S = 0.25  # live view refresh period
PROGRESS_S = 5.0  # --no-live progress line period
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
STATE_RANK = {"emerging": 0, "active": 1, "fading": 2, "resolved": 3}
SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


@dataclass
class DemoResult:
    metrics: dict  # streams.evaluate.score of the run
    details: dict  # streams.evaluate.details of the run
    records: list[dict]
    assignments: list[dict]
    stats: dict
    wall_s: float
    speed: float
    port: int | None
    registry: CollectorRegistry
    decoys: dict[str, list[str]] = field(default_factory=dict)  # decoy -> alert ids on it
    false_alarms: list[str] = field(default_factory=list)
    public_url: str | None = None  # the wall's, when it was served


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%H:%M")


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    sign, s = ("-" if seconds < 0 else ""), abs(seconds)
    if s < 120:
        return f"{sign}{s:.0f}s"
    if s < 7200:
        return f"{sign}{s / 60:.0f}m"
    return f"{sign}{s / 3600:.1f}h"


def _iso_ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _console(file=None):
    from rich.console import Console

    console = Console(file=file or sys.stdout)
    if not console.is_terminal:  # pipes and CI logs: wide enough for the tables, no colour codes
        console = Console(file=file or sys.stdout, width=max(console.width, 140), no_color=True)
    return console


# -- live view ---------------------------------------------------------------------------------


def _events_table(latest: dict[str, dict], clock: float, limit: int = 14, width: int = 140):
    from rich.table import Table

    from rich import box

    # Fixed columns never wrap; keywords and languages share what width is left.
    table = Table(expand=True, box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, header_style="bold")
    narrow = width < 110  # an 80-column terminal: no room for the score and languages columns
    columns = (("id", {"min_width": 15}), ("state", {}), ("severity", {}), ("score", {"justify": "right"}),
               ("keywords", {"ratio": 3, "min_width": 8, "overflow": "ellipsis"}),
               ("languages", {"ratio": 1, "min_width": 6, "overflow": "ellipsis"}),
               ("voices", {"justify": "right"}), ("posts", {"justify": "right"}), ("age", {"justify": "right"}))
    for name, kw in columns:
        if not (narrow and name in ("score", "languages")):
            table.add_column(name, no_wrap=True, **kw)
    rows = sorted(latest.values(), key=lambda r: (r["state"] == "resolved", SEVERITY_RANK.get(r["severity"], 3),
                                                   STATE_RANK.get(r["state"], 4), -r["score"]))
    for rec in rows[:limit]:
        style = "dim" if rec["state"] == "resolved" else SEVERITY_STYLE.get(rec["severity"], "")
        cells = [rec["id"], rec["state"], rec["severity"], f"{rec['score']:.1f}", ", ".join(rec["keywords"][:5]),
                 " ".join(f"{k}:{v}" for k, v in rec["languages"].items()), str(rec["voices"]),
                 str(rec["posts"]), _dur(clock - _iso_ts(rec["first_seen"]))]
        if narrow:
            del cells[5], cells[3]
        table.add_row(*cells, style=style)
    if not rows:
        table.add_row("-", "waiting", *[""] * (len(table.columns) - 2))
    return table


def _view(latest: dict[str, dict], clock: float, processed: int, total: int, rate: float, url: str | None,
          width: int = 140):
    from rich.console import Group
    from rich.text import Text

    live = sum(1 for r in latest.values() if r["state"] != "resolved")
    header = Text.assemble(
        ("flashpoint demo  ", "bold"),
        f"stream clock {datetime.fromtimestamp(clock, timezone.utc):%Y-%m-%d %H:%M:%S} UTC   ",
        f"{rate:,.0f} posts/s   {processed:,}/{total:,} posts   {live} live events",
        (f"   metrics {url}" if url else "", "dim"),
    )
    return Group(header, _events_table(latest, clock, width=width))


# -- the run -----------------------------------------------------------------------------------


def _split(raw_posts: list[dict]) -> tuple[list[Post], list[tuple[str, float, str | None]], dict[str, str], int]:
    """Posts for the pipeline; truth, labels and the count of invalid records kept apart."""
    posts, truth, labels, bad = [], [], {}, 0
    for rec in raw_posts:
        try:
            post = parse_post(rec)  # drops event/label: the pipeline never sees them
        except PostError:
            bad += 1
            continue
        posts.append(post)
        truth.append((post.id, post.ts, rec.get("event")))
        labels[post.id] = rec.get("label") or "background"
    return posts, truth, labels, bad


def run_demo(
    seed: int = 1,
    *,
    speed: float | None = None,
    live: bool = True,
    metrics_port: int | None = None,
    hours: float | None = None,
    duration_s: float | None = None,
    background_per_min: float | None = None,
    on_tick: Callable[[dict], None] | None = None,
    alertmanager: str | None = None,
    wall_port: int | None = 0,
    watchlists: str | None = None,
    linger: bool = False,
    file=None,
) -> DemoResult:
    """Play the synthetic stream for ``seed``; print the live view and the summary.

    ``speed`` is stream seconds per wall second (default: the stream lasts
    ``duration_s``, about 50 s).  ``on_tick(progress)`` is called after every
    batch with ``{"port", "processed", "total", "clock"}`` (tests use it to
    scrape /metrics while the demo runs).  ``alertmanager``: also send the events
    to that Alertmanager (``streams.alerting``) as they are emitted.  ``wall_port``:
    serve the newsroom wall there while it runs (0: a free port; None: no wall);
    ``linger``: keep serving it after the summary until interrupted.  ``watchlists``:
    a watchlist file; by default one PR team watches the stream's made-up brand.
    """
    from streams import synth

    settings = Settings()
    console = _console(file)
    out = console.file
    kw = {}
    if hours is not None:
        kw["hours"] = hours
    if background_per_min is not None:
        kw["background_per_min"] = background_per_min
    stream = synth.generate(seed, **kw)
    posts, truth, labels, bad = _split(stream.posts)
    if not posts:
        raise ValueError("the synthetic stream is empty")

    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry, source="synth")
    for _ in range(bad):
        metrics.posts_rejected.labels("other").inc()
    port = settings.metrics_port if metrics_port is None else metrics_port
    try:
        port = serve(registry, settings.metrics_host, port)
        url = f"http://{settings.metrics_host}:{port}/metrics"
    except OSError as exc:
        print(f"metrics endpoint not served ({settings.metrics_host}:{port}: {exc.strerror or exc})", file=out)
        port, url = None, None

    arrival = []  # when each post can arrive: the newest event time so far (a late post comes with it)
    newest = float("-inf")
    for p in posts:
        newest = max(newest, p.ts)
        arrival.append(newest)
    t_first, span = posts[0].ts, arrival[-1] - posts[0].ts
    if speed is None:
        speed = max(span / (duration_s or TARGET_WALL_S), 1.0)
    print(f"flashpoint demo: seed {seed}, {len(posts):,} posts over {span / 3600:.1f} h of stream time, "
          f"{len(stream.events)} injected events, {len(stream.decoys)} decoys; playing at {speed:,.0f}x "
          f"(about {span / speed:.0f} s)", file=out)
    if url:
        print(f"metrics: {url}", file=out)
    out.flush()

    from detectors.negativity import NegativityScorer
    from streams.wall.store import EventStore

    watched = _demo_watchlists(stream, watchlists)
    metrics.teams(w["team"] for w in watched.describe())
    store = EventStore()
    stop_wall, public_url = None, settings.public_url
    sink = None  # (set below; the wall's actions reach it)
    if wall_port is not None:
        from streams.wall.serve import serve_in_thread
        from streams.wall.web import create_wall_app

        bound, stop_wall = serve_in_thread(
            lambda: create_wall_app(store, watchlists=watched.describe, token=settings.secret("wall_token"),
                                    on_action=lambda action: sink.act(action) if sink is not None else None,
                                    allowed_hosts=settings.wall_hosts(settings.metrics_host)),
            settings.metrics_host, wall_port)
        public_url = f"http://{settings.metrics_host}:{bound}"
        print(f"newsroom wall: {public_url}/ (watchlists: "
              f"{', '.join(w['team'] + '/' + w['name'] for w in watched.describe())})", file=out)

    if alertmanager:
        from streams.alerting import AlertBook, AlertSink
        from streams.metrics import AlertSinkMetrics

        sink = AlertSink(AlertBook(public_url=public_url, min_severity=settings.alert_min_severity,
                                   resend_interval_s=settings.alert_resend_interval_s, suppressed=store.suppressed),
                         alertmanager, AlertSinkMetrics(registry), retry_max_s=settings.alert_retry_max_s,
                         headers=settings.alertmanager_auth())
        print(f"alerts: {masked_url(alertmanager)}", file=out)
    pipe = Pipeline(settings.detector_config(), watchlists=watched, negativity=NegativityScorer())
    records: list[dict] = []
    latest: dict[str, dict] = {}
    n = len(posts)

    def handle(recs: list[dict]) -> None:
        for rec in recs:
            records.append(rec)
            latest[rec["id"]] = rec
            store.apply(rec)
            if not live:  # the record's own event time: the end of the bucket that produced it
                print(f"[{_clock(_iso_ts(rec['ts']))}] {rec['type']:<8} {rec['id']}  {rec['state']:<8} {rec['severity']:<8} "
                      f"voices {rec['voices']:>4}  posts {rec['posts']:>5}  {', '.join(rec['keywords'][:5])}",
                      file=out)
            if sink is not None:
                sink.offer(rec)
        metrics.records(recs)
        if sink is not None:
            sink.pump()

    live_ctx = None
    if live:
        from rich.live import Live

        live_ctx = Live(_view(latest, t_first, 0, n, 0.0, url, console.width), console=console, auto_refresh=False,
                        transient=False)
        live_ctx.start(refresh=True)
    i, wall0 = 0, time.monotonic()
    last_refresh = last_progress = wall0
    recent: list[tuple[float, int]] = [(wall0, 0)]  # (wall, processed) samples for posts/s
    try:
        while i < n:
            now = time.monotonic()
            target = t_first + (now - wall0) * speed
            j = bisect.bisect_right(arrival, target, lo=i)
            if j > i:
                started = time.perf_counter()
                recs: list[dict] = []
                for p in posts[i:j]:
                    metrics.ingested(p)
                    recs.extend(pipe.process(p))
                metrics.batch(pipe.stats, time.perf_counter() - started)
                handle(recs)
                i = j
            clock = min(target, arrival[-1])
            recent.append((now, i))
            while len(recent) > 2 and now - recent[0][0] > 2.0:
                recent.pop(0)
            rate = (i - recent[0][1]) / max(now - recent[0][0], 1e-9)
            if live_ctx is not None and (now - last_refresh >= REFRESH_S or i >= n):
                live_ctx.update(_view(latest, clock, i, n, rate, url, console.width), refresh=True)
                last_refresh = now
            elif live_ctx is None and now - last_progress >= PROGRESS_S:
                print(f"[{_clock(clock)}] {i:,}/{n:,} posts, {rate:,.0f} posts/s, "
                      f"{sum(r['state'] != 'resolved' for r in latest.values())} live events", file=out)
                out.flush()
                last_progress = now
            if on_tick is not None:
                on_tick({"port": port, "processed": i, "total": n, "clock": clock})
            if sink is not None:
                sink.pump()
            if i < n:
                time.sleep(max(0.0, TICK_S - (time.monotonic() - now)))
        started = time.perf_counter()
        handle(pipe.flush())
        metrics.batch(pipe.stats, time.perf_counter() - started)
        if live_ctx is not None:
            live_ctx.update(_view(latest, arrival[-1], n, n, 0.0, url, console.width), refresh=True)
        if sink is not None:  # what is still undelivered: a few more tries
            deadline = time.monotonic() + 10
            while sink.book.pending() and time.monotonic() < deadline:
                sink.pump()
                time.sleep(0.2)
            if sink.book.pending():
                print(f"alerts: {sink.book.pending()} not delivered to {masked_url(alertmanager)}", file=out)
    finally:
        if live_ctx is not None:
            live_ctx.stop()
        if port is not None:
            stop(port)
        if sink is not None:
            sink.close()
        if stop_wall is not None and not linger:
            stop_wall()
    wall = time.monotonic() - wall0

    assignments = pipe.assignments()
    stories = [r for r in records if r.get("kind") != "watchlist"]  # the watchlists' own tracks are not scored
    m = score(truth, stories, assignments, elapsed_s=wall)
    info = details(truth, stories, assignments)
    result = DemoResult(metrics=m, details=info, records=records, assignments=assignments,
                        stats=dict(pipe.stats), wall_s=wall, speed=speed, port=port, registry=registry,
                        public_url=public_url if stop_wall is not None else None)
    _summarize(console, stream, result, labels, latest)
    _summarize_watchlists(console, stream, records)
    if stop_wall is not None and linger:
        print("the wall stays up; Ctrl-C to stop", file=out)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            stop_wall()
    return result


def _demo_watchlists(stream, path: str | None):
    """The watchlists of ``path``, or one PR team watching the stream's made-up brand."""
    from detectors.watchlists import load_watchlists

    if path:
        return load_watchlists(path)
    brand = next((e for e in stream.events if e.kind == "brand_crisis"), None)
    if brand is None:
        return load_watchlists({"teams": []})
    name = brand.keywords[0]
    return load_watchlists({"teams": [{"name": f"{name.lower()}-pr", "watchlists": [
        {"name": name.lower(), "queries": [{"terms": [name.lower()]}, {"hashtags": [f"#boycott{name.lower()}"]}]}]}]})


def _summarize_watchlists(console, stream, records: list[dict]) -> None:
    """When each watchlist's first event appeared, against its crisis' first post."""
    first: dict[str, dict] = {}
    for r in records:
        if r.get("kind") == "watchlist" and r["type"] == "created":
            first.setdefault(f"{r['team']}/{r['watchlist']}", r)
    brand = next((e for e in stream.events if e.kind == "brand_crisis"), None)
    for name, r in first.items():
        delay = ""
        if brand is not None:
            minutes = (_iso_ts(r["ts"]) - brand.start) / 60
            delay = f", {minutes:.1f} min of stream time after the brand crisis' first post"
        console.print(f"watchlist {name}: {r['severity']} event {r['id']} at {r['ts']}{delay}; "
                      f"crisis score {r['crisis']['score']:.2f}, keywords {', '.join(r['keywords'][:4])}")


# -- the summary -------------------------------------------------------------------------------


def _summarize(console, stream, result: DemoResult, labels: dict[str, str], latest: dict[str, dict]) -> None:
    from rich.table import Table

    info, m = result.details, result.metrics
    by_event = {e["event"]: e for e in info["events"]}
    injected = Table(title="Injected events", title_justify="left", header_style="bold")
    for col in ("event", "kind", "lang", "start (UTC)", "posts", "detected as", "delay", "keywords"):
        injected.add_column(col, justify="right" if col in ("posts", "delay") else "left")
    for ev in sorted(stream.events, key=lambda e: e.start):
        row = by_event.get(ev.id, {})
        alerts = row.get("alerts") or []
        kws = ", ".join(latest[alerts[0]]["keywords"][:4]) if alerts and alerts[0] in latest else "-"
        injected.add_row(ev.id, ev.kind, ev.lang, _clock(ev.start), str(ev.posts),
                         ", ".join(alerts) if alerts else "MISSED", _dur(row.get("delay_s")), kws,
                         style=None if alerts else "red")
    console.print(injected)

    # Alerts not matched to an injected event: on a decoy (by the labels of their posts) or false alarms.
    asg = {a["alert"]: a["posts"] for a in result.assignments}
    unmatched = [a for a in info["alerts"] if a["matched_event"] is None]
    decoy_hits: dict[str, list[str]] = {name: [] for name in stream.decoys}
    false_alarms = []
    for a in unmatched:
        mix = Counter(labels.get(pid, "unknown") for pid in asg.get(a["alert"], ()))
        top, top_n = mix.most_common(1)[0] if mix else ("", 0)
        name = top.split(":", 1)[1] if top.startswith("decoy:") else None
        if name in decoy_hits and top_n >= 0.5 * sum(mix.values()):
            decoy_hits[name].append(a["alert"])
        else:
            false_alarms.append((a, mix))
    result.decoys = decoy_hits
    result.false_alarms = [a["alert"] for a, _ in false_alarms]

    decoys = Table(title="Decoys (should not alert)", title_justify="left", header_style="bold")
    for col in ("decoy", "posts", "keywords", "alerted"):
        decoys.add_column(col, justify="right" if col == "posts" else "left")
    label_counts = Counter(labels.values())
    for name, kws in stream.decoys.items():
        hits = decoy_hits.get(name) or []
        decoys.add_row(name, str(label_counts.get(f"decoy:{name}", 0)), ", ".join(kws[:3]),
                       ("YES: " + ", ".join(hits)) if hits else "no", style="red" if hits else None)
    console.print(decoys)

    if false_alarms:
        fa = Table(title="False alarms", title_justify="left", header_style="bold")
        for col in ("alert", "t (UTC)", "posts", "keywords", "post labels"):
            fa.add_column(col)
        for a, mix in false_alarms:
            rec = latest.get(a["alert"])
            fa.add_row(a["alert"], _clock(a["t"]) if a["t"] else "-", str(a["n_posts"]),
                       ", ".join(rec["keywords"][:5]) if rec else "-",
                       ", ".join(f"{k}:{v}" for k, v in mix.most_common(3)))
        console.print(fa)
    else:
        console.print("False alarms: none")

    def num(x, fmt="{:.2f}"):
        return "-" if x is None else fmt.format(x)

    console.print(
        f"recall {num(m['recall'])} ({m['events_detected']}/{m['events_eligible']} events)  "
        f"precision {num(m['precision'])} ({m['alerts_matched']}/{m['alerts_total']} alerts)  "
        f"median delay {_dur(m['delay_median_s'])}  nmi {num(m['nmi'])}  "
        f"posts {m['posts']:,}  wall {result.wall_s:.1f} s at {result.speed:,.0f}x"
    )
