"""Prometheus metrics of a running pipeline, and a loopback /metrics endpoint.

Every label has a bounded set of values, so a stream cannot blow up the series
count: languages outside :data:`KNOWN_LANGS` are ``"other"``, rejects are
labeled with the offending schema field, event record types and states come
from fixed lists.

>>> from prometheus_client import CollectorRegistry
>>> reg = CollectorRegistry()
>>> m = PipelineMetrics(reg, source="test")
>>> m.lang_label("EN"), m.lang_label("xx"), m.lang_label(None)
('en', 'other', 'und')
>>> m.reject_label("<json>"), m.reject_label("followers"), m.reject_label("bogus")
('json', 'followers', 'other')
"""

from __future__ import annotations

import ipaddress
import socket
from collections import Counter
from typing import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter as PromCounter, Gauge, Histogram

from detectors.post import SCHEMA_FIELDS

#: Languages with their own label value; anything else is "other", none is "und".
KNOWN_LANGS = ("en", "es", "pt", "fr", "de", "it", "ar", "ru", "ja", "zh", "pl", "sv", "tr", "tl")
#: Reject reasons: schema fields plus the record-level ones of streams.sources.
REJECT_REASONS = tuple(SCHEMA_FIELDS) + ("json", "csv", "record")
RECORD_TYPES = ("created", "updated", "resolved")
SEVERITIES = ("info", "warning", "critical")
LIVE_STATES = ("emerging", "active", "fading")
#: At most this many distinct ``source`` label values; later ones are "other".
MAX_SOURCES = 16

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class PipelineMetrics:
    """The pipeline's counters and gauges, registered in ``registry``.

    Feed it what a driver sees: :meth:`ingested` per post, :meth:`rejected` per
    bad record, :meth:`records` with the event records a batch produced,
    :meth:`batch` with the pipeline's stats and the batch's wall time.
    """

    def __init__(self, registry: CollectorRegistry, *, source: str = "stream"):
        self.registry = registry
        self.default_source = source
        self._sources: set[str] = set()
        self.posts_ingested = PromCounter(
            "flashpoint_posts_ingested", "Posts accepted into the pipeline.",
            ["source", "lang"], registry=registry)
        self.partitions_assigned = Gauge(
            "flashpoint_partitions_assigned", "Input and term-count partitions this worker consumes now, by topic.",
            ["topic"], registry=registry)
        self.posts_rejected = PromCounter(
            "flashpoint_posts_rejected", "Records rejected on decode, by offending field.",
            ["reason"], registry=registry)
        self.posts_late = PromCounter(
            "flashpoint_posts_late", "Posts that arrived after their event-time bucket closed.",
            registry=registry)
        self.buckets_closed = PromCounter(
            "flashpoint_buckets_closed", "Event-time buckets closed.", registry=registry)
        self.event_records = PromCounter(
            "flashpoint_event_records", "Event records emitted, by record type.",
            ["type"], registry=registry)
        self.active_events = Gauge(
            "flashpoint_active_events", "Emitted events not yet resolved.",
            ["severity", "state"], registry=registry)
        self.latency = Histogram(
            "flashpoint_processing_latency_seconds",
            "Wall time to process one batch of posts (including the buckets it closed).",
            buckets=LATENCY_BUCKETS, registry=registry)
        self.last_event_ts = Gauge(
            "flashpoint_last_event_timestamp_seconds",
            "Event time (epoch seconds) of the last processed post.", registry=registry)
        for sev in SEVERITIES:  # every series exists from the start, at 0
            for state in LIVE_STATES:
                self.active_events.labels(sev, state).set(0)
        for kind in RECORD_TYPES:
            self.event_records.labels(kind)
        self._live: dict[str, tuple[str, str]] = {}  # event id -> (severity, state)
        self._seen_stats: Counter = Counter()

    # -- label bounding --------------------------------------------------------------
    @staticmethod
    def lang_label(lang: str | None) -> str:
        if not lang:
            return "und"
        lang = lang.lower()
        return lang if lang in KNOWN_LANGS else "other"

    @staticmethod
    def reject_label(field: str) -> str:
        field = field.strip("<>")
        return field if field in REJECT_REASONS else "other"

    def source_label(self, source: str | None) -> str:
        value = (source or self.default_source).lower()[:32]
        if value in self._sources:
            return value
        if len(self._sources) < MAX_SOURCES:
            self._sources.add(value)
            return value
        return "other"

    # -- feeding -----------------------------------------------------------------------
    def ingested(self, post, lang: str | None = None) -> None:
        """``lang``: the identified language, where the post came without one."""
        self.posts_ingested.labels(self.source_label(post.source), self.lang_label(post.lang or lang)).inc()
        self.last_event_ts.set(post.ts)

    def ingested_many(self, posts_and_langs: Iterable[tuple]) -> None:
        """:meth:`ingested` for a batch of ``(post, lang)``: one counter update per label pair."""
        items = list(posts_and_langs)
        if not items:
            return
        raw = Counter((post.source, post.lang or lang) for post, lang in items)  # label each pair once
        counts: Counter = Counter()
        for (source, lang), n in raw.items():
            counts[self.source_label(source), self.lang_label(lang)] += n
        for labels, n in counts.items():
            self.posts_ingested.labels(*labels).inc(n)
        self.last_event_ts.set(max(post.ts for post, _ in items))

    def rejected(self, rejected) -> None:
        """Usable as (part of) an ``on_reject`` callback of streams.sources."""
        self.posts_rejected.labels(self.reject_label(rejected.field)).inc()

    def records(self, records: Iterable[Mapping]) -> None:
        changed = False
        for rec in records:
            kind = rec.get("type")
            self.event_records.labels(kind if kind in RECORD_TYPES else "other").inc()
            state, sev = rec.get("state"), rec.get("severity")
            if state in LIVE_STATES and sev in SEVERITIES:
                self._live[rec["id"]] = (sev, state)
            else:
                self._live.pop(rec["id"], None)
            changed = True
        if changed:
            counts = Counter(self._live.values())
            for sev in SEVERITIES:
                for state in LIVE_STATES:
                    self.active_events.labels(sev, state).set(counts.get((sev, state), 0))

    def batch(self, stats: Mapping[str, int], seconds: float | None = None) -> None:
        """After a batch: advance late/bucket counters from the pipeline's cumulative stats."""
        for key, counter in (("late", self.posts_late), ("buckets", self.buckets_closed)):
            delta = stats.get(key, 0) - self._seen_stats[key]
            if delta > 0:
                counter.inc(delta)
                self._seen_stats[key] += delta
        if seconds is not None:
            self.latency.observe(seconds)


# -- /metrics endpoint ---------------------------------------------------------------------

_servers: dict[int, object] = {}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (bind to port 0, read it back)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _check_host(host: str) -> None:
    try:
        unspecified = ipaddress.ip_address(host).is_unspecified
    except ValueError:
        unspecified = host.strip() == ""
    if unspecified:
        raise ValueError(f"refusing to serve metrics on the wildcard address {host!r}; "
                         "give a specific address such as 127.0.0.1")


def serve(metrics_registry: CollectorRegistry, host: str = "127.0.0.1", port: int = 0) -> int:
    """Serve ``metrics_registry`` at ``http://host:port/metrics`` in a daemon thread.

    ``port=0`` picks a free port.  Returns the bound port.  Never binds a
    wildcard address.
    """
    _check_host(host)
    if port == 0:
        port = free_port(host)
    from prometheus_client import start_http_server

    started = start_http_server(port, addr=host, registry=metrics_registry)
    if isinstance(started, tuple):  # prometheus-client >= 0.19 returns (server, thread)
        server = started[0]
        port = server.server_port
        _servers[port] = server
    return port


def stop(port: int) -> None:
    """Stop a server started by :func:`serve` (no-op if unknown)."""
    server = _servers.pop(port, None)
    if server is not None:
        server.shutdown()
        server.server_close()
