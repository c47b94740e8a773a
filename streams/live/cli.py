"""``flashpoint source bluesky|mastodon``: run a live connector into Kafka or a file.

streams/cli.py calls :func:`add_parsers` with its sub-command set.  Errors are
raised as the main CLI's ``CliError`` (one line naming the URL or file, exit 2).
SIGTERM and Ctrl-C stop the connector cleanly (exit 0, with a summary): the sink
is flushed and the position saved, so the next run with the same ``--state``
resumes there.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from streams.live.jetstream import DEFAULT_URL, POST


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port 0-65535, got {text!r}")
    return value


def add_parsers(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``source`` (with ``bluesky`` and ``mastodon``) to a sub-command set."""
    parser = sub.add_parser("source", help="read a live social-media stream into the posts topic (or a file)")
    services = parser.add_subparsers(dest="service", required=True, metavar="SERVICE")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--state", metavar="FILE",
                       help="keep the resume position here (written atomically); resume from it when it exists")
        p.add_argument("--out", metavar="FILE.jsonl",
                       help="append posts to this JSON Lines file instead of the Kafka posts topic")
        p.add_argument("--max", type=_positive_int, default=None, metavar="N", help="stop after N posts")
        p.add_argument("--metrics-port", type=_port, default=None, metavar="P",
                       help="serve /metrics on FLASHPOINT_METRICS_HOST:P (0 = a free port)")
        p.add_argument("--backoff-max", type=_seconds, default=60.0, metavar="S",
                       help="longest wait between reconnect attempts (default 60)")
        p.add_argument("-q", "--quiet", action="store_true", help="log warnings only")

    p = services.add_parser("bluesky", help="Bluesky posts from a Jetstream instance (websocket)")
    p.add_argument("--url", default=DEFAULT_URL, help=f"Jetstream subscribe URL (default {DEFAULT_URL})")
    p.add_argument("--collections", default=POST, metavar="NSID[,NSID]",
                   help=f"wantedCollections, comma separated (default {POST}; only posts become posts)")
    p.add_argument("--rewind", type=_seconds, default=5.0, metavar="S",
                   help="on reconnect, replay from S seconds before the last message (default 5)")
    common(p)
    p.set_defaults(func=cmd_source)

    p = services.add_parser("mastodon", help="statuses from a Mastodon instance (streaming API + REST backfill)")
    p.add_argument("--instance", required=True, metavar="URL", help="e.g. https://mastodon.social")
    p.add_argument("--hashtag", metavar="TAG", help="this hashtag's timeline (default: the public timeline)")
    p.add_argument("--local", action="store_true", help="only statuses of the instance's own accounts")
    p.add_argument("--token-file", metavar="FILE", help="file holding an access token (sent as Bearer)")
    p.add_argument("--streaming-url", metavar="URL",
                   help="streaming server base URL (default: from /api/v2/instance, else the instance)")
    common(p)
    p.set_defaults(func=cmd_source)
    return parser


def _cli_error(message: str) -> Exception:
    from streams.cli import CliError  # late: streams.cli imports this module

    return CliError(message)


def _read_token(path: str) -> str:
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise _cli_error(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _cli_error(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if not token:
        raise _cli_error(f"{path}: empty token file")
    return token


def _check_parent(path: str | None) -> None:
    if path and not Path(path).parent.is_dir():
        raise _cli_error(f"{path}: directory {str(Path(path).parent)!r} does not exist")


def build_source(args: argparse.Namespace, sink, metrics_registry=None):
    """The connector the arguments ask for, writing to ``sink`` (may be set later, before it runs)."""
    from streams.live.backoff import Backoff
    from streams.metrics import SourceMetrics

    common = dict(state=args.state, max_posts=args.max, backoff=Backoff(cap=max(args.backoff_max, 0.5)))
    if args.service == "bluesky":
        from streams.live.jetstream import JetstreamSource

        collections = [c.strip() for c in args.collections.split(",") if c.strip()]
        cls, kwargs = JetstreamSource, dict(url=args.url, collections=collections, rewind_s=args.rewind)
    else:
        from streams.live.mastodon import MastodonSource

        token = _read_token(args.token_file) if args.token_file else None
        cls, kwargs = MastodonSource, dict(instance=args.instance, hashtag=args.hashtag, local=args.local,
                                           token=token, streaming_url=args.streaming_url)
    metrics = SourceMetrics(metrics_registry, cls.name) if metrics_registry is not None else None
    return cls(sink, metrics=metrics, **common, **kwargs)


async def _run(args: argparse.Namespace) -> int:
    from streams.live.sinks import JsonlSink, KafkaSink
    from streams.settings import Settings

    registry = None
    settings = Settings()
    if args.metrics_port is not None:
        from prometheus_client import CollectorRegistry

        from streams.metrics import serve

        registry = CollectorRegistry()
        port = serve(registry, settings.metrics_host, args.metrics_port)
        print(f"metrics: http://{settings.metrics_host}:{port}/metrics", file=sys.stderr)
    source = build_source(args, None, registry)  # argument errors first, before a broker is dialled
    sink = source.sink = JsonlSink(args.out) if args.out else KafkaSink(settings)
    try:
        task = asyncio.ensure_future(source.run())
        loop = asyncio.get_running_loop()
        handled = []
        for signum in (signal.SIGTERM, signal.SIGINT):  # the normal way to stop: a clean end, exit 0
            try:
                loop.add_signal_handler(signum, task.cancel)
                handled.append(signum)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
                pass
        try:
            await task
        except asyncio.CancelledError:
            if asyncio.current_task().cancelling():  # we were cancelled ourselves: pass it on
                raise
        finally:
            for signum in handled:
                loop.remove_signal_handler(signum)
        print(source.stats.summary(source.name), file=sys.stderr)
    finally:
        sink.close()
    return 0


def cmd_source(args: argparse.Namespace) -> int:
    from streams.live.base import SourceError
    from streams.live.sinks import SinkError
    from streams.live.state import StateError

    _check_parent(args.out)
    _check_parent(args.state)
    if not logging.getLogger().handlers:
        logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(message)s",
                            level=logging.WARNING if args.quiet else logging.INFO)
        logging.getLogger("kafka").setLevel(logging.WARNING)
    try:
        return asyncio.run(_run(args))
    except (SourceError, SinkError, StateError) as exc:
        raise _cli_error(str(exc)) from None
