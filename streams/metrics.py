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
import time
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
#: At most this many watchlist teams get a ``team`` label value of their own.
MAX_TEAMS = 50

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
#: Post time to processed, seconds: a live stream is seconds behind; a replay of an
#: old file lands in +Inf, which is itself worth seeing.
DELAY_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
#: Event record emitted to alert accepted by Alertmanager, seconds.
DELIVERY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
#: Active events whose score is a series of its own (the one deliberate exception to
#: bounded labels: ``event_id`` and a short keyword label, at most this many at a time).
TOP_EVENTS = 20


class PipelineMetrics:
    """The pipeline's counters and gauges, registered in ``registry``.

    Feed it what a driver sees: :meth:`ingested` per post, :meth:`rejected` per
    bad record, :meth:`records` with the event records a batch produced,
    :meth:`batch` with the pipeline's stats and the batch's wall time.
    """

    def __init__(self, registry: CollectorRegistry, *, source: str = "stream", top_events: int = TOP_EVENTS,
                 clock=time.time):
        if not 0 < top_events <= TOP_EVENTS:
            raise ValueError(f"top_events must be in 1..{TOP_EVENTS}")
        self.clock = clock
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
        self.last_processed = Gauge(
            "flashpoint_last_processed_timestamp_seconds",
            "Wall-clock time (epoch seconds) when a post was last processed.", registry=registry)
        self.post_delay = Histogram(
            "flashpoint_post_delay_seconds",
            "Wall-clock time from a post's own timestamp to its processing.",
            buckets=DELAY_BUCKETS, registry=registry)
        self.event_score = Gauge(
            "flashpoint_event_score",
            f"Score of the top {TOP_EVENTS} active events (removed when an event resolves or drops out).",
            ["event_id", "keywords"], registry=registry)
        self.consumer_lag = Gauge(
            "flashpoint_consumer_lag_records",
            "Records in an assigned partition not yet consumed (high watermark minus position).",
            ["topic", "partition"], registry=registry)
        self.watchlist_events = Gauge(
            "flashpoint_watchlist_events", "Live watchlist events (PR teams' watchlists), by team and severity.",
            ["team", "severity"], registry=registry)
        self.watchlist_created = PromCounter(
            "flashpoint_watchlist_events_created", "Watchlist events created, by team.", ["team"], registry=registry)
        self._teams: set[str] = set()
        self._watch_live: dict[str, tuple[str, str]] = {}  # live watchlist event id -> (team, severity)
        self.top_events = top_events
        self._scores: dict[str, tuple[float, str]] = {}  # live event id -> (score, keyword label)
        self._shown: dict[str, str] = {}  # event id -> keyword label of its series now
        for sev in SEVERITIES:  # every series exists from the start, at 0
            for state in LIVE_STATES:
                self.active_events.labels(sev, state).set(0)
        for kind in RECORD_TYPES:
            self.event_records.labels(kind)
        self._live: dict[str, tuple[str, str]] = {}  # event id -> (severity, state)
        self._lag_series: set[tuple[str, str]] = set()
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
        now = self.clock()
        self.last_processed.set(now)
        self.post_delay.observe(max(0.0, now - post.ts))

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
        now = self.clock()
        self.last_processed.set(now)
        observe = self.post_delay.observe
        for post, _ in items:
            observe(max(0.0, now - post.ts))

    def rejected(self, rejected) -> None:
        """Usable as (part of) an ``on_reject`` callback of streams.sources."""
        self.posts_rejected.labels(self.reject_label(rejected.field)).inc()

    def records(self, records: Iterable[Mapping]) -> None:
        changed = False
        for rec in records:
            if rec.get("kind") == "watchlist":
                self._watch(rec)
            kind = rec.get("type")
            self.event_records.labels(kind if kind in RECORD_TYPES else "other").inc()
            state, sev = rec.get("state"), rec.get("severity")
            if state in LIVE_STATES and sev in SEVERITIES:
                self._live[rec["id"]] = (sev, state)
                self._scores[rec["id"]] = (float(rec.get("score") or 0.0), keyword_label(rec.get("keywords")))
            else:
                self._live.pop(rec["id"], None)
                self._scores.pop(rec["id"], None)
            changed = True
        if changed:
            counts = Counter(self._live.values())
            for sev in SEVERITIES:
                for state in LIVE_STATES:
                    self.active_events.labels(sev, state).set(counts.get((sev, state), 0))
            self._show_top_scores()
            self._show_watchlists()

    def teams(self, names: Iterable[str]) -> None:
        """The teams of the watchlist file (bounded: at most :data:`MAX_TEAMS`, later ones
        are "other"); their series exist from now on, at 0 when nothing is live."""
        for name in sorted(set(names) - self._teams):
            if len(self._teams) >= MAX_TEAMS:  # across reloads too
                break
            self._teams.add(name)
        for team in self._teams:
            self.watchlist_created.labels(team)
        self._show_watchlists()

    def _team_label(self, team) -> str:
        return team if team in self._teams else "other"

    def _watch(self, rec: Mapping) -> None:
        eid, team = rec["id"], self._team_label(rec.get("team"))
        if rec.get("type") == "created":
            self.watchlist_created.labels(team).inc()
        if rec.get("state") in LIVE_STATES and rec.get("severity") in SEVERITIES:
            self._watch_live[eid] = (team, rec["severity"])
        else:
            self._watch_live.pop(eid, None)

    def _show_watchlists(self) -> None:
        counts = Counter(self._watch_live.values())
        for team in self._teams | {t for t, _ in counts}:
            for sev in SEVERITIES:
                self.watchlist_events.labels(team, sev).set(counts.get((team, sev), 0))

    def forget_events(self) -> None:
        """This worker no longer runs the assembly stage (its partition moved):
        the worker that took it reports the live events now."""
        self._live.clear()
        self._scores.clear()
        self._watch_live.clear()
        self._show_watchlists()
        for sev in SEVERITIES:
            for state in LIVE_STATES:
                self.active_events.labels(sev, state).set(0)
        self._show_top_scores()

    def _show_top_scores(self) -> None:
        """Keep one ``flashpoint_event_score`` series per top-K live event, none for others."""
        top = sorted(self._scores.items(), key=lambda kv: (-kv[1][0], kv[0]))[: self.top_events]
        wanted = {eid: label for eid, (_, label) in top}
        for eid, label in list(self._shown.items()):
            if wanted.get(eid) != label:
                self.event_score.remove(eid, label)
                del self._shown[eid]
        for eid, (score, label) in top:
            self.event_score.labels(eid, label).set(score)
            self._shown[eid] = label

    def lag(self, lags: Mapping[tuple[str, int], int]) -> None:
        """Set the consumer lag of the assigned partitions; drop series of the others."""
        current = {(topic, str(partition)) for topic, partition in lags}
        for labels in [labels for labels in self._lag_series if labels not in current]:
            self.consumer_lag.remove(*labels)
        for (topic, partition), n in lags.items():
            self.consumer_lag.labels(topic, str(partition)).set(max(0, n))
        self._lag_series = current

    def batch(self, stats: Mapping[str, int], seconds: float | None = None) -> None:
        """After a batch: advance late/bucket counters from the pipeline's cumulative stats."""
        for key, counter in (("late", self.posts_late), ("buckets", self.buckets_closed)):
            delta = stats.get(key, 0) - self._seen_stats[key]
            if delta > 0:
                counter.inc(delta)
                self._seen_stats[key] += delta
        if seconds is not None:
            self.latency.observe(seconds)


def keyword_label(keywords, limit: int = 3, width: int = 40) -> str:
    """A short label value naming an event: its first keywords, cut to ``width`` characters.

    >>> keyword_label(["pożar", "西安", "flood", "more"])
    'pożar, 西安, flood'
    """
    text = ", ".join(str(k) for k in (keywords or [])[:limit])
    return text if len(text) <= width else text[: width - 1] + "…"


class AlertSinkMetrics:
    """Metrics of the Alertmanager sink (``flashpoint alerts``)."""

    def __init__(self, registry: CollectorRegistry):
        self.notifications = PromCounter(
            "flashpoint_alert_notifications", "Alerts accepted by Alertmanager, by state (firing or resolved).",
            ["state"], registry=registry)
        self.failures = PromCounter(
            "flashpoint_alert_delivery_failures", "Failed attempts to post alerts to Alertmanager, by reason.",
            ["reason"], registry=registry)
        self.delivery_latency = Histogram(
            "flashpoint_alert_delivery_latency_seconds",
            "Wall-clock time from an event record's emission to its alert's acceptance by Alertmanager.",
            buckets=DELIVERY_BUCKETS, registry=registry)
        self.pending = Gauge(
            "flashpoint_alerts_pending", "Alert changes waiting to be delivered to Alertmanager.", registry=registry)
        self.firing = Gauge(
            "flashpoint_alerts_firing", "Events the sink keeps firing in Alertmanager.", ["severity"],
            registry=registry)
        self.last_delivery = Gauge(
            "flashpoint_alert_last_delivery_timestamp_seconds",
            "Wall-clock time (epoch seconds) of the last successful post to Alertmanager.", registry=registry)
        for state in ("firing", "resolved"):
            self.notifications.labels(state)
        for reason in FAILURE_REASONS:
            self.failures.labels(reason)
        for sev in SEVERITIES:
            self.firing.labels(sev).set(0)


#: Why a post to Alertmanager failed: connection refused/reset/timeout, or an HTTP error status.
FAILURE_REASONS = ("connection", "timeout", "http_4xx", "http_5xx")


# -- live sources ------------------------------------------------------------------------

#: Live sources with their own label value (``flashpoint source``); anything else is "other".
LIVE_SOURCES = ("bluesky", "mastodon")
#: Why a message did not become a post.  Anything else is counted as "other".
SKIP_REASONS = (
    "delete",      # a deletion (Jetstream delete commit, Mastodon delete event)
    "update",      # an edit of a post already taken (Jetstream update, Mastodon status.update)
    "collection",  # a commit to another collection than the wanted ones
    "identity",    # Jetstream identity event
    "account",     # Jetstream account event
    "event",       # another kind of event (Mastodon notification, unknown Jetstream kind)
    "duplicate",   # a post id already taken (cursor rewind, backfill/stream overlap)
    "malformed",   # not JSON, or a record that does not map to a post
    "other",
)


class SourceMetrics:
    """``flashpoint_source_{posts,reconnects,skipped}_total`` of one live source
    (``flashpoint source``).

    >>> reg = CollectorRegistry()
    >>> m = SourceMetrics(reg, "bluesky")
    >>> m.post(); m.skipped("delete"); m.skipped("made-up"); m.reconnect()
    >>> reg.get_sample_value("flashpoint_source_skipped_total", {"source": "bluesky", "reason": "other"})
    1.0
    >>> SourceMetrics(reg, "friendfeed").source
    'other'
    """

    def __init__(self, registry: CollectorRegistry, source: str):
        self.source = source if source in LIVE_SOURCES else "other"
        self._posts = _shared_counter(registry, "flashpoint_source_posts", "Posts a live source handed to its sink.",
                               ("source",))
        self._reconnects = _shared_counter(registry, "flashpoint_source_reconnects",
                                    "Times a live source lost its connection and connected again.", ("source",))
        self._skipped = _shared_counter(registry, "flashpoint_source_skipped",
                                 "Messages a live source did not turn into a post, by reason.", ("source", "reason"))
        self._posts_child = self._posts.labels(self.source)
        self._reconnects_child = self._reconnects.labels(self.source)

    def post(self, n: int = 1) -> None:
        self._posts_child.inc(n)

    def reconnect(self) -> None:
        self._reconnects_child.inc()

    def skipped(self, reason: str) -> None:
        self._skipped.labels(self.source, reason if reason in SKIP_REASONS else "other").inc()


def _shared_counter(registry: CollectorRegistry, name: str, doc: str, labels: tuple[str, ...]) -> PromCounter:
    """One counter per registry, shared by the sources registered in it."""
    existing = getattr(registry, "_names_to_collectors", {}).get(name + "_total")
    if existing is not None:
        return existing
    return PromCounter(name, doc, labels, registry=registry)


# -- /metrics endpoint ---------------------------------------------------------------------

_servers: dict[int, object] = {}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (bind to port 0, read it back)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _check_host(host: str, allow_wildcard: bool = False) -> None:
    from streams.wall.serve import is_wildcard

    if is_wildcard(host) and not allow_wildcard:
        raise ValueError(f"refusing to serve metrics on the wildcard address {host!r}; "
                         "give a specific address such as 127.0.0.1")


def serve(metrics_registry: CollectorRegistry, host: str = "127.0.0.1", port: int = 0, *,
          allow_wildcard: bool = False) -> int:
    """Serve ``metrics_registry`` at ``http://host:port/metrics`` in a daemon thread.

    ``port=0`` picks a free port.  Returns the bound port.  Never binds a
    wildcard address unless ``allow_wildcard`` (FLASHPOINT_ALLOW_WILDCARD_BIND).
    """
    _check_host(host, allow_wildcard)
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
