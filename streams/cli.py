"""``flashpoint``: replay, eval, synth, demo and bench in process; worker,
produce, topics and tail on Kafka.

Exit codes: 0 success; 1 ``replay --strict`` saw rejected records; 2 usage
errors (bad arguments, missing or unreadable files).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections import OrderedDict
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Iterable, Iterator

from streams.settings import Settings, masked_url


class CliError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


# -- helpers -------------------------------------------------------------------------------


def _check_input(path: str) -> None:
    if path == "-":
        return
    p = Path(path)
    if not p.exists():
        raise CliError(f"{path}: no such file")
    if p.is_dir():
        raise CliError(f"{path}: is a directory, not a post file")
    if not os.access(p, os.R_OK):
        raise CliError(f"{path}: not readable")
    from streams.sources import _format

    try:
        _format(path)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _open_out(stack: ExitStack, path: str | None) -> IO[str]:
    """A text stream for ``path`` ('-'/None = stdout; '.gz' suffix = gzip)."""
    if path in (None, "-"):
        return sys.stdout
    try:
        parent = Path(path).parent
        if not parent.is_dir():
            raise CliError(f"{path}: directory {str(parent)!r} does not exist")
        if path.endswith(".gz"):
            return stack.enter_context(gzip.open(path, "wt", encoding="utf-8"))
        return stack.enter_context(open(path, "w", encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _jsonl(out: IO[str], rows: Iterable[dict]) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def _reading(path: str, posts: Iterator) -> Iterator:
    """Turn I/O failures in the middle of a file into a CliError naming it."""
    try:
        yield from posts
    except (OSError, EOFError) as exc:  # includes gzip.BadGzipFile
        raise CliError(f"{path}: read failed: {exc}") from None


# -- replay --------------------------------------------------------------------------------


def _watchlists(path: str | None):
    """The watchlists of ``--watchlists`` or FLASHPOINT_WATCHLISTS (None: none)."""
    path = path or Settings().watchlists
    if not path:
        return None
    from detectors.watchlists import WatchlistError, load_watchlists

    if not Path(path).is_file():
        raise CliError(f"{path}: no such watchlist file")
    try:
        return load_watchlists(path)
    except WatchlistError as exc:
        raise CliError(str(exc)) from None


class _Rejects:
    """The reader's rejects and the pipeline's (a post id seen before, a clock
    far ahead of the stream), counted together, each with its file and line."""

    def __init__(self, path: str, errors: IO[str] | None):
        from streams.sources import RejectCounter

        self.path = "<stdin>" if path == "-" else path
        self.counter = RejectCounter(errors=errors)
        self.lines: OrderedDict[str, int] = OrderedDict()  # recent post id -> line
        self.valid = 0

    def numbered(self, numbered: Iterator) -> Iterator:
        for number, post in numbered:
            self.valid += 1
            self.lines[post.id] = number
            if len(self.lines) > 10_000:  # held posts are a few posts back at most
                self.lines.popitem(last=False)
            yield post

    def from_pipeline(self, post_id: str, field_name: str, reason: str) -> None:
        from streams.sources import Rejected

        self.valid -= 1
        self.counter(Rejected(self.path, self.lines.get(post_id, 0), field_name, f"post {post_id!r}: {reason}", ""))

    def verdict(self, max_share: float) -> tuple[int, str | None]:
        """(exit code, last line) once the file is read."""
        self.counter.report()
        total = self.valid + self.counter.total
        if total == 0:
            return 1, f"{self.path}: no records"
        if self.valid <= 0:
            return 1, f"{self.path}: no valid post among {total:,} records (see the rejects above)"
        share = self.counter.total / total
        if share > max_share:
            return 1, (f"{self.path}: {share:.0%} of the records were rejected, more than "
                       f"--max-reject-share {max_share:g}")
        return 0, None


def _reader(args: argparse.Namespace, stack: ExitStack) -> _Rejects:
    errors = _open_out(stack, args.errors) if args.errors else None
    return _Rejects(args.file, errors)


def cmd_replay(args: argparse.Namespace) -> int:
    from streams.replay import replay
    from streams.sources import read_numbered

    _check_input(args.file)
    settings = Settings()
    with ExitStack() as stack:
        out = _open_out(stack, args.out)
        asg_out = _open_out(stack, args.assignments) if args.assignments else None
        rejects = _reader(args, stack)
        numbered = read_numbered(args.file, on_reject=rejects.counter, policy=settings.decode_policy())
        posts = _reading(args.file, rejects.numbered(numbered))
        result = replay(posts, settings.detector_config(), on_record=lambda rec: _jsonl(out, [rec]),
                        watchlists=_watchlists(args.watchlists), on_reject=rejects.from_pipeline)
        if asg_out is not None:
            _jsonl(asg_out, result.assignments)
        code, last = rejects.verdict(args.max_reject_share)
    n = result.stats.get("posts", 0)
    print(f"replay: {n} posts, {len(result.records)} event records, "
          f"{len({r['id'] for r in result.records})} events, {rejects.counter.total} rejected, "
          f"{result.elapsed_s:.2f} s", file=sys.stderr)
    if last:
        print(f"replay: {last}", file=sys.stderr)
    return code or (1 if args.strict and rejects.counter.total else 0)


# -- eval ----------------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace) -> int:
    from streams.evaluate import METRIC_KEYS, details, format_table, missed_summary, plot_timeline, score
    from streams.replay import replay
    from streams.sources import read_labeled

    _check_input(args.file)
    plot = args.plot or (str(Path(args.json).with_suffix(".png")) if args.json else None)
    for path in (args.json, plot, args.records, args.assignments):
        if path and not Path(path).parent.is_dir():
            raise CliError(f"{path}: directory {str(Path(path).parent)!r} does not exist")
    settings = Settings()
    stack = ExitStack()
    rejects = _reader(args, stack)
    truth: list[tuple[str, float, str | None]] = []
    labels_only = 0  # posts with a 'label' but no 'event': scoring reads 'event' only

    def posts():
        nonlocal labels_only
        # Ground truth is kept here, beside the stream; the pipeline sees Post objects only.
        for lp in read_labeled(args.file, on_reject=rejects.counter, policy=settings.decode_policy()):
            rejects.valid += 1
            truth.append((lp.post.id, lp.post.ts, lp.event))
            labels_only += lp.event is None and lp.label is not None
            yield lp.post

    with stack:
        result = replay(_reading(args.file, posts()), settings.detector_config(), on_reject=rejects.from_pipeline)
        code, last = rejects.verdict(args.max_reject_share)
    if code:
        print(f"eval: {last}", file=sys.stderr)
        return code
    kw = {"min_event_posts": args.min_event_posts}
    metrics = score(truth, result.records, result.assignments, elapsed_s=result.elapsed_s, **kw)
    info = details(truth, result.records, result.assignments, **kw)
    warning = _no_labels_warning(args.file, truth, labels_only)
    if warning:
        print(f"eval: {warning}", file=sys.stderr)
    sys.stdout.write(format_table(metrics, info))
    with ExitStack() as stack:
        if args.json:
            out = _open_out(stack, args.json)
            extra = {"warning": warning} if warning else {}
            json.dump({**{k: metrics[k] for k in METRIC_KEYS}, **missed_summary(info), **extra}, out, indent=1)
            out.write("\n")
        if args.records:
            _jsonl(_open_out(stack, args.records), result.records)
        if args.assignments:
            _jsonl(_open_out(stack, args.assignments), result.assignments)
    if plot:
        try:
            plot_timeline(truth, result.assignments, plot, title=Path(args.file).name)
        except OSError as exc:
            raise CliError(f"{plot}: cannot write: {exc}") from None
        print(f"eval: timeline written to {plot}", file=sys.stderr)
    return 0


def _no_labels_warning(path: str, truth: list, labels_only: int) -> str | None:
    """The warning for a file none of whose posts has an ``event`` (None if some have).

    ``read_labeled`` takes the ground truth from ``event`` only (missing, null
    or "" = background); ``label`` is a finer class and never makes a post an
    event's."""
    if any(ev is not None for _, _, ev in truth):
        return None
    note = f" ({labels_only} posts carry only a 'label', which is not an event)" if labels_only else ""
    return (f"{path} has no labeled posts (no 'event' field set){note}: every alert counts as a false "
            "alarm; use `flashpoint replay` to just run it")


# -- synth ---------------------------------------------------------------------------------


#: Above this many injected events, :func:`synth_summary` summarises them instead of listing them.
SUMMARY_LIST_MAX = 10


def synth_summary(stream) -> str:
    """One line: what the synthetic stream holds (with many events: their count, size
    distribution and the biggest few)."""
    from detectors.post import parse_ts

    posts = stream.posts
    span = (parse_ts(posts[-1]["ts"]) - parse_ts(posts[0]["ts"])) / 3600 if posts else 0.0
    if len(stream.events) > SUMMARY_LIST_MAX:
        return _many_events_summary(stream, span)
    events = ", ".join(f"{e.id} ({e.lang}, {e.posts} posts, from "
                       f"{datetime.fromtimestamp(e.start, timezone.utc):%H:%M})" for e in stream.events)
    decoys = ", ".join(f"{name} ({', '.join(kws[:2])})" for name, kws in stream.decoys.items())
    return (f"synth: {len(posts)} posts over {span:.1f} h; {len(stream.events)} injected events: "
            f"{events}; decoys: {decoys or 'none'}")


def _many_events_summary(stream, span: float) -> str:
    sizes = sorted(e.posts for e in stream.events)
    n = len(sizes)
    quantile = lambda q: sizes[min(n - 1, int(q * n))]  # noqa: E731
    kinds = ", ".join(f"{k}: {c}" for k, c in sorted(_count(e.kind for e in stream.events).items()))
    langs = ", ".join(f"{k} {c}" for k, c in sorted(_count(e.lang for e in stream.events).items(),
                                                     key=lambda kv: (-kv[1], kv[0])))
    biggest = sorted(stream.events, key=lambda e: (-e.posts, e.id))[:5]
    top = ", ".join(f"{e.id} ({e.lang}, {e.posts} posts, from "
                    f"{datetime.fromtimestamp(e.start, timezone.utc):%a %H:%M})" for e in biggest)
    unlabeled = sum(p["event"] is None for p in stream.posts)
    decoys = ", ".join(f"{name} ({', '.join(kws[:2])})" for name, kws in stream.decoys.items())
    return (f"synth: {len(stream.posts)} posts over {span:.1f} h; {n} injected events ({kinds}; {langs}); "
            f"posts per event: min {sizes[0]}, median {quantile(0.5)}, p90 {quantile(0.9)}, max {sizes[-1]}; "
            f"{sum(x >= 50 for x in sizes)} with >= 50 posts; biggest: {top}; "
            f"{unlabeled} posts in no event; decoys: {decoys or 'none'}")


def _count(items) -> dict:
    out: dict = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def cmd_synth(args: argparse.Namespace) -> int:
    from streams import synth

    out = args.out or "-"
    if out != "-" and not Path(out).parent.is_dir():
        raise CliError(f"{out}: directory {str(Path(out).parent)!r} does not exist")
    kw = {} if args.hours is None else {"hours": args.hours}
    if args.profile == "newsroom":
        from streams import synth_newsroom

        stream = synth_newsroom.generate(args.seed, background=args.background, **kw)
    elif not args.background:
        raise CliError("--no-background only applies to --profile newsroom")
    else:
        stream = synth.generate(args.seed, **kw)
    try:
        synth.write(stream.posts, out)
    except OSError as exc:
        raise CliError(f"{out}: cannot write: {exc.strerror or exc}") from None
    print(synth_summary(stream), file=sys.stderr)
    return 0


# -- demo and bench --------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    if args.kafka:
        from streams.demo_kafka import run_kafka_demo
        from streams.local_broker import BrokerUnavailable

        try:
            result = run_kafka_demo(seed=args.seed, live=args.live, hours=args.hours, duration_s=args.duration)
        except BrokerUnavailable as exc:
            raise CliError(str(exc)) from None
        return 0 if all(result.detected.values()) else 1
    from streams.demo import run_demo

    run_demo(seed=args.seed, speed=args.speed, live=args.live, metrics_port=args.metrics_port,
             hours=args.hours, duration_s=args.duration, alertmanager=args.alertmanager,
             wall_port=None if args.no_wall else args.wall_port, watchlists=args.watchlists, linger=args.linger)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bench.throughput import format_result, run, run_stream

    if args.json and not Path(args.json).parent.is_dir():
        raise CliError(f"{args.json}: directory {str(Path(args.json).parent)!r} does not exist")
    if args.stream is not None:
        if args.stream == "-":
            raise CliError("--stream needs a file, not stdin (each side reads it in its own process)")
        _check_input(args.stream)
        if not args.lang:
            raise CliError("--no-lang does not apply to --stream (the file's posts are taken as they are)")
        result = run_stream(args.stream, posts=args.posts)
    else:
        result = run(lang=args.lang, **({} if args.posts is None else {"posts": args.posts}))
    print(format_result(result))
    if args.json:
        with ExitStack() as stack:
            out = _open_out(stack, args.json)
            json.dump(result, out, indent=1)
            out.write("\n")
    return 0


# -- parser --------------------------------------------------------------------------------


def _checked(text: str, cast, what: str, ok, rule: str):
    """argparse type: ``cast(text)``, which must satisfy ``ok`` (else ``rule``)."""
    try:
        value = cast(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"{rule}: {text!r}")
    return value


def _positive_int(text: str) -> int:
    return _checked(text, int, "an integer", lambda v: v > 0, "must be positive")


def _positive_float(text: str) -> float:
    return _checked(text, float, "a number", lambda v: 0 < v < float("inf"), "must be a positive number")


def _port(text: str) -> int:
    return _checked(text, int, "a port number", lambda v: 0 <= v <= 65535, "port out of range")


# -- Kafka ---------------------------------------------------------------------------------


def _kafka_error(exc: Exception, settings: Settings) -> CliError:
    return CliError(f"broker {settings.broker_url}: {type(exc).__name__}: {exc}")


def cmd_worker(args: argparse.Namespace) -> int:
    from streams.faust_app import run_worker

    overrides = {k: v for k, v in (("web_port", args.web_port), ("data_dir", args.data_dir)) if v is not None}
    run_worker(Settings(**overrides), loglevel=args.loglevel, role=args.role)
    return 0


def cmd_produce(args: argparse.Namespace) -> int:
    from kafka.errors import KafkaError

    from streams.kafka_tools import produce

    _check_input(args.file)
    settings = Settings()
    try:
        sent = produce(args.file, settings, rate=args.rate, speedup=args.speedup, batch=args.batch,
                       progress=not args.quiet)
    except KafkaError as exc:
        raise _kafka_error(exc, settings) from None
    topic = settings.topic_posts_batch if args.batch > 1 else settings.topic_posts
    print(f"sent {sent} posts to {topic}", file=sys.stderr)
    return 0


def cmd_topics(args: argparse.Namespace) -> int:
    from kafka.errors import KafkaError

    from streams.kafka_tools import create_topics

    settings = Settings()
    try:
        created = create_topics(settings)
    except KafkaError as exc:
        raise _kafka_error(exc, settings) from None
    print("created: " + (", ".join(created) if created else "nothing (all exist)"))
    return 0


def cmd_tail(args: argparse.Namespace) -> int:
    from kafka.errors import KafkaError

    from streams.kafka_tools import tail

    settings = Settings()
    topic = {"events": settings.topic_events, "dlq": settings.topic_dlq}.get(args.topic, args.topic)
    try:
        tail(settings, topic, from_beginning=not args.latest, follow=args.follow, limit=args.max)
    except KafkaError as exc:
        raise _kafka_error(exc, settings) from None
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    import signal
    import threading

    from prometheus_client import CollectorRegistry

    from streams.alerting import AlertBook, AlertSink, run_from_file, run_from_kafka
    from streams.metrics import AlertSinkMetrics, serve

    overrides = {"alertmanager_url": args.alertmanager} if args.alertmanager else {}
    settings = Settings(**overrides)
    if args.source != "kafka" and not Path(args.source).is_file():
        raise CliError(f"{args.source}: no such file (give an event log, or 'kafka')")
    registry = CollectorRegistry()
    metrics = AlertSinkMetrics(registry)
    port = serve(registry, settings.metrics_host, settings.alerts_metrics_port,
                 allow_wildcard=settings.allow_wildcard_bind)
    print(f"metrics: http://{settings.metrics_host}:{port}/metrics; alerts to {masked_url(settings.alertmanager_url)}",
          file=sys.stderr)
    from streams.wall.store import EventStore

    store = EventStore()  # the wall's actions: muted and false-alarm stories do not alert
    book = AlertBook(public_url=settings.public_url, min_severity=settings.alert_min_severity,
                     resend_interval_s=settings.alert_resend_interval_s, suppressed=store.suppressed)
    try:
        headers = settings.alertmanager_auth()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    sink = AlertSink(book, settings.alertmanager_url, metrics, retry_max_s=settings.alert_retry_max_s,
                     headers=headers)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if args.source == "kafka":
            from kafka.errors import KafkaError

            try:
                run_from_kafka(settings, sink, stop, store=store)
            except KafkaError as exc:
                raise _kafka_error(exc, settings) from None
        else:
            run_from_file(args.source, sink, stop, follow=args.follow)
    finally:
        sink.close()
    return 0


def cmd_wall(args: argparse.Namespace) -> int:
    import threading

    from streams.wall.serve import run_wall
    from streams.wall.store import EventStore, load_jsonl
    from streams.watchlist_file import WatchlistFile

    settings = Settings()
    port = settings.wall_port if args.port is None else args.port
    if port == 0:
        from streams.metrics import free_port

        port = free_port()
    watch = WatchlistFile(settings.watchlists) if settings.watchlists else None
    describe = watch.describe if watch else list
    if args.source == ["kafka"]:
        import signal

        from streams.wall.service import start_wall

        wall = start_wall(settings, watchlists=describe, port=port)
        print(f"wall: {wall.url} (events from {settings.broker_url})", file=sys.stderr)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            wall.stop()
        return 0
    for path in args.source:
        if not Path(path).is_file():
            raise CliError(f"{path}: no such event log (give event logs, or 'kafka')")
    store = EventStore()
    for path in args.source:
        try:
            print(f"{path}: {load_jsonl(store, path)} event records", file=sys.stderr)
        except ValueError as exc:
            raise CliError(f"{path}: not an event log (JSON lines): {exc}") from None
    run_wall(store, settings.web_bind, port, watchlists=describe, token=settings.secret("wall_token"),
             print=lambda text: print(text, file=sys.stderr), allowed_hosts=settings.wall_hosts(settings.web_bind),
             allow_wildcard=settings.allow_wildcard_bind)
    return 0


def _share(text: str) -> float:
    return _checked(text, float, "share", lambda v: 0.0 <= v <= 1.0, "between 0 and 1")


def _reject_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--errors", metavar="FILE",
                   help="write every rejected record here, one JSON line each: file, line, field, reason")
    p.add_argument("--max-reject-share", type=_share, default=0.5, metavar="SHARE",
                   help="exit 1 when more than this share of the records was rejected (default 0.5); "
                        "a file with no valid post always exits 1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flashpoint",
        description="Real-time detection of emerging events in multilingual post streams.",
        epilog="Settings come from FLASHPOINT_* environment variables (see streams/settings.py).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("replay", help="run a post file through the pipeline, write event records")
    p.add_argument("file", metavar="FILE", help="posts: .jsonl, .jsonl.gz, .csv, .csv.gz, or - for stdin")
    p.add_argument("--out", metavar="EVENTS.jsonl", help="event records (default: stdout)")
    p.add_argument("--assignments", metavar="OUT.jsonl",
                   help="one line per emitted event: {alert, t, posts}")
    p.add_argument("--strict", action="store_true", help="exit 1 if any record was rejected")
    _reject_options(p)
    p.add_argument("--watchlists", metavar="YAML", default=None,
                   help="PR teams' watchlists to track too (default FLASHPOINT_WATCHLISTS)")
    p.set_defaults(func=cmd_replay)

    from streams.evaluate import MISSED_REASONS, ONSET_LEGEND

    p = sub.add_parser("eval", help="replay a labeled file and score the run against its labels",
                       epilog=f"{ONSET_LEGEND}. Missed events (eligible, no matched alert) get a reason: "
                              f"{', '.join(MISSED_REASONS)} (see streams/evaluate.py details()).")
    p.add_argument("file", metavar="FILE", help="labeled posts (fields event/label)")
    p.add_argument("--json", metavar="OUT", help="write the metrics as JSON (and a .png timeline beside it)")
    p.add_argument("--min-event-posts", type=_positive_int, default=20, metavar="N",
                   help="events with fewer posts are not eligible for recall (default 20)")
    p.add_argument("--plot", metavar="PNG", help="write the timeline plot here")
    p.add_argument("--records", metavar="OUT", help="also write the event records (JSON lines)")
    p.add_argument("--assignments", metavar="OUT", help="also write the assignments (JSON lines)")
    _reject_options(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("synth", help="write a synthetic labeled stream")
    p.add_argument("--profile", choices=("default", "newsroom"), default="default",
                   help="default: 6 h of multilingual chatter with 3-5 incidents, a brand crisis and two decoys; "
                        "newsroom: a week of several hundred overlapping news stories (en/fr/zh) whose clusters "
                        "share vocabulary (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hours", type=_positive_float, default=None,
                   help="stream length (default: the profile's, 6 h default / 168 h newsroom)")
    p.add_argument("--no-background", dest="background", action="store_false",
                   help="newsroom profile only: no background chatter, every post belongs to a story")
    p.add_argument("--out", metavar="FILE", help=".jsonl or .jsonl.gz (default: stdout)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("demo", help="live demo on a synthetic stream (no broker needed)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--speed", type=_positive_float, default=None,
                   help="stream seconds per wall second (default: the stream lasts about 50 s)")
    p.add_argument("--no-live", dest="live", action="store_false",
                   help="plain progress lines instead of the live view (CI, pipes)")
    p.add_argument("--kafka", action="store_true",
                   help="through a local tansu broker and a real Faust worker (needs the kafka and broker extras)")
    p.add_argument("--alertmanager", metavar="URL", default=None,
                   help="also send the events to this Alertmanager (e.g. http://127.0.0.1:9093)")
    p.add_argument("--wall-port", type=_port, default=0, metavar="P",
                   help="newsroom wall port on 127.0.0.1 (default: a free one, printed)")
    p.add_argument("--no-wall", action="store_true", help="do not serve the newsroom wall")
    p.add_argument("--linger", action="store_true", help="keep the wall up after the summary (Ctrl-C ends)")
    p.add_argument("--watchlists", metavar="YAML", default=None,
                   help="watchlist file (default: a PR team watching the stream's made-up brand)")
    p.add_argument("--metrics-port", type=_port, default=None, metavar="P",
                   help="port of /metrics on 127.0.0.1 (default FLASHPOINT_METRICS_PORT; 0 = free port)")
    p.add_argument("--hours", type=_positive_float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--duration", type=_positive_float, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("bench", help="throughput and memory of the pipeline against a plain tokenizer")
    p.add_argument("--posts", type=_positive_int, default=None, metavar="N",
                   help="posts in the generated stream (default 200,000); with --stream: at most N "
                        "from the file (default all)")
    p.add_argument("--stream", metavar="FILE", default=None,
                   help="a real post file (.jsonl, .jsonl.gz, .csv) as it is, instead of the generated stream")
    p.add_argument("--json", metavar="OUT", help="write the figures as JSON")
    p.add_argument("--no-lang", dest="lang", action="store_false",
                   help="posts carry no lang: language identification runs inside the pipeline")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("worker", help="run a Faust worker on Kafka (FLASHPOINT_BROKER_URL)")
    p.add_argument("--web-port", type=_port, default=None, help="web server port (default FLASHPOINT_WEB_PORT)")
    p.add_argument("--data-dir", default=None, help="RocksDB tables here (default FLASHPOINT_DATA_DIR)")
    p.add_argument("-l", "--loglevel", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument("--role", default="all", choices=["all", "ingest", "assemble"],
                   help="all: both stages (default); ingest / assemble: one stage, its own consumer group")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("produce", help="replay a post file into the posts topic (kafka-python)")
    p.add_argument("file", metavar="FILE", help="posts: .jsonl, .jsonl.gz, .csv, .csv.gz, or - for stdin")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument("--rate", type=_positive_float, default=None, metavar="N", help="posts per second")
    pace.add_argument("--speedup", type=_positive_float, default=None, metavar="X",
                      help="event time runs X times faster than the wall clock")
    p.add_argument("--batch", type=_positive_int, default=1, metavar="N",
                   help="N posts a record, to the posts.batch topic (default 1: one post a record to posts)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_produce)

    p = sub.add_parser("topics", help="manage the topics")
    p.add_argument("action", choices=["create"], help="create: posts, posts.batch, posts.dlq, events, events.actions")
    p.set_defaults(func=cmd_topics)

    p = sub.add_parser("tail", help="print a topic's records as JSON lines")
    p.add_argument("topic", help="'events', 'dlq' or a topic name")
    p.add_argument("--follow", action="store_true", help="keep waiting for new records")
    p.add_argument("--latest", action="store_true", help="start at the end instead of the beginning")
    p.add_argument("--max", type=_positive_int, default=None, metavar="N", help="stop after N records")
    p.set_defaults(func=cmd_tail)

    p = sub.add_parser("alerts", help="send event alerts to Alertmanager (from the events topic or an event log)")
    p.add_argument("source", nargs="?", default="kafka", metavar="SOURCE",
                   help="'kafka' (the events topic, default) or an event log file (flashpoint replay --out)")
    p.add_argument("--follow", action="store_true", help="with a file: keep reading what is appended")
    p.add_argument("--alertmanager", metavar="URL", default=None,
                   help="Alertmanager base URL (default FLASHPOINT_ALERTMANAGER_URL)")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser("wall", help="serve the newsroom wall (events topic, or event logs)")
    p.add_argument("source", nargs="*", default=["kafka"], metavar="SOURCE",
                   help="'kafka' (the events and actions topics, default) or event logs (flashpoint replay --out)")
    p.add_argument("--port", type=_port, default=None, help="port on FLASHPOINT_WEB_BIND (default FLASHPOINT_WALL_PORT)")
    p.set_defaults(func=cmd_wall)

    from streams.live.cli import add_parsers as add_source_parsers

    add_source_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2 with a message, --help exits 0
        return int(exc.code or 0)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"flashpoint {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `flashpoint replay f | head`
        try:  # keep the interpreter's final flush from failing again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except KeyboardInterrupt:
        print(f"flashpoint {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
