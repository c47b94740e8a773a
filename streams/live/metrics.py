"""Prometheus counters of the live connectors, with bounded labels.

>>> from prometheus_client import CollectorRegistry
>>> reg = CollectorRegistry()
>>> m = SourceMetrics(reg, "bluesky")
>>> m.post(); m.skipped("delete"); m.skipped("made-up"); m.reconnect()
>>> reg.get_sample_value("flashpoint_source_posts_total", {"source": "bluesky"})
1.0
>>> reg.get_sample_value("flashpoint_source_skipped_total", {"source": "bluesky", "reason": "other"})
1.0
>>> SourceMetrics(reg, "friendfeed").source
'other'
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

SOURCES = ("bluesky", "mastodon")
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
    """``flashpoint_source_{posts,reconnects,skipped}_total`` for one source."""

    def __init__(self, registry: CollectorRegistry, source: str):
        self.source = source if source in SOURCES else "other"
        self._posts = _counter(registry, "flashpoint_source_posts", "Posts a live source handed to its sink.",
                               ("source",))
        self._reconnects = _counter(registry, "flashpoint_source_reconnects",
                                    "Times a live source lost its connection and connected again.", ("source",))
        self._skipped = _counter(registry, "flashpoint_source_skipped",
                                 "Messages a live source did not turn into a post, by reason.", ("source", "reason"))
        self._posts_child = self._posts.labels(self.source)
        self._reconnects_child = self._reconnects.labels(self.source)

    def post(self, n: int = 1) -> None:
        self._posts_child.inc(n)

    def reconnect(self) -> None:
        self._reconnects_child.inc()

    def skipped(self, reason: str) -> None:
        self._skipped.labels(self.source, reason if reason in SKIP_REASONS else "other").inc()


def _counter(registry: CollectorRegistry, name: str, doc: str, labels: tuple[str, ...]) -> Counter:
    """One counter per registry, shared by the sources registered in it."""
    existing = getattr(registry, "_names_to_collectors", {}).get(name + "_total")
    if existing is not None:
        return existing
    return Counter(name, doc, labels, registry=registry)
