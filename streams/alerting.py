"""Event records to Prometheus Alertmanager (its v2 API): ``flashpoint alerts``.

The alert decision is the tracker's: every event record it emits is over the
alerting threshold.  This stage only turns the latest record of each event into
the alert Alertmanager should hold, and delivers it:

* labels ``alertname="EmergingEvent"``, ``severity``, ``event_id``,
  ``service="flashpoint"``, and ``team``/``watchlist`` when the record has them;
  annotations: summary, description, keywords, languages, sample posts, a link to
  the event on the wall;
* a firing alert is sent again every ``resend_interval_s`` with ``endsAt`` five
  intervals ahead (as Prometheus does), so Alertmanager resolves it by itself if
  the sink stops; a resolved event is sent once with ``endsAt`` = its resolution;
  a severity change resolves the alert under the old labels;
* while Alertmanager is unreachable, changes pile up per event (the latest wins)
  and are retried with a doubling wait; nothing is dropped.

It is driven from the ``events`` topic (compacted, keyed by event id), read from
the beginning at every start, so a restart rebuilds what should be firing; or
from an event log file (``flashpoint replay --out``).  Event alerts never also
come from a Prometheus rule: one story pages once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Mapping

import httpx

from streams.metrics import AlertSinkMetrics, SEVERITIES
from streams.settings import masked_url

log = logging.getLogger(__name__)

LIVE_STATES = ("emerging", "active", "fading")
RUNBOOK = "https://github.com/flashpoint/flashpoint/blob/main/docs/runbook.md#emergingevent"
#: Alerts per POST at most (Alertmanager takes a list; this keeps one request small).
MAX_BATCH = 200


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _Alert:
    labels: dict[str, str]
    annotations: dict[str, str]
    generator_url: str
    starts_at: float
    changed_at: float  # emission time of the record behind the latest change
    measure: bool  # observe the delivery latency of that change
    resolved_at: float | None = None
    sent_at: float | None = None  # last delivery
    dirty: bool = True  # changed since the last delivery


@dataclass
class AlertBook:
    """What Alertmanager should hold, from the latest record of each event.

    >>> book = AlertBook(public_url="http://127.0.0.1:6080")
    >>> rec = {"id": "ev1", "state": "emerging", "severity": "warning", "keywords": ["pożar", "西安"],
    ...        "languages": {"pl": 3}, "posts": 40, "voices": 30, "communities": 3, "score": 7.5}
    >>> book.apply(rec, emitted_at=100.0)
    >>> [a["labels"]["severity"] for a in book.payloads(book.due(now=101.0), now=101.0)]
    ['warning']
    >>> book.apply({**rec, "severity": "critical"}, emitted_at=102.0)  # the warning is resolved
    >>> sorted((a["labels"]["severity"], a["endsAt"] <= rfc3339(102.0)) for a in book.payloads(book.due(103.0), 103.0))
    [('critical', False), ('warning', True)]
    """

    public_url: str = "http://127.0.0.1:6080"
    min_severity: str = "info"
    resend_interval_s: float = 60.0
    clock: Callable[[], float] = time.time
    #: ``suppressed(record)``: the story is muted or a false alarm (or a recurrence of
    #: one) on the wall, so it does not alert (``streams.wall.store.EventStore.suppressed``)
    suppressed: Callable[[Mapping], bool] | None = None
    _alerts: dict[tuple[str, str], _Alert] = field(default_factory=dict)
    _firing: dict[str, tuple[str, str]] = field(default_factory=dict)  # event id -> key firing now

    @property
    def ttl(self) -> float:
        """How far ahead a firing alert's ``endsAt`` is set."""
        return 5 * self.resend_interval_s

    def apply(self, record: Mapping, emitted_at: float, *, measure: bool = True) -> None:
        """Take an event record emitted at wall-clock ``emitted_at``.  ``measure``:
        count its delivery in the latency histogram (not for records read back at start)."""
        eid, sev = str(record["id"]), record.get("severity")
        live = record.get("state") in LIVE_STATES and sev in SEVERITIES and (
            SEVERITIES.index(sev) >= SEVERITIES.index(self.min_severity)) and not (
            self.suppressed is not None and self.suppressed(record))
        current = self._firing.get(eid)
        if current is not None and (not live or current[1] != sev):
            self._resolve(current, emitted_at, measure)
            del self._firing[eid]
        if live:
            key = (eid, sev)
            old = self._alerts.get(key)
            starts = old.starts_at if old is not None and old.resolved_at is None else emitted_at
            self._alerts[key] = _Alert(self._labels(record), self._annotations(record),
                                       f"{self.public_url.rstrip('/')}/events/{eid}", starts, emitted_at, measure)
            self._firing[eid] = key
        elif (current is None and record.get("state") not in LIVE_STATES and sev in SEVERITIES
              and self.clock() - emitted_at < self.ttl):
            # resolved before we saw it firing (a compacted topic keeps only the last
            # record): Alertmanager may still hold it from before a restart
            self._alerts[(eid, sev)] = _Alert(self._labels(record), self._annotations(record),
                                              f"{self.public_url.rstrip('/')}/events/{eid}", emitted_at,
                                              emitted_at, measure, resolved_at=emitted_at)

    def silence(self, event_id: str, at: float) -> None:
        """The event was muted or marked a false alarm: resolve its alert now."""
        current = self._firing.pop(str(event_id), None)
        if current is not None:
            self._resolve(current, at, False)

    def _resolve(self, key: tuple[str, str], at: float, measure: bool) -> None:
        alert = self._alerts[key]
        alert.resolved_at, alert.changed_at, alert.measure, alert.dirty = at, at, measure, True

    @staticmethod
    def _labels(record: Mapping) -> dict[str, str]:
        labels = {"alertname": "EmergingEvent", "severity": record["severity"], "event_id": str(record["id"]),
                  "service": "flashpoint"}
        for name in ("team", "watchlist"):
            if record.get(name):
                labels[name] = str(record[name])
        return labels

    def _annotations(self, record: Mapping) -> dict[str, str]:
        keywords = [str(k) for k in record.get("keywords") or []]
        langs = record.get("languages") or {}
        samples = [s for s in record.get("samples") or [] if isinstance(s, Mapping)][:3]
        summary = f"Emerging event: {', '.join(keywords[:5]) or record['id']}"
        description = (f"{record.get('state')} {record.get('severity')} event: {record.get('posts', 0)} posts "
                       f"from {record.get('voices', 0)} voices in {record.get('communities', 0)} communities, "
                       f"first seen {record.get('first_seen', '?')} (post time), score {record.get('score')}.")
        crisis = record.get("crisis")
        if record.get("watchlist") and isinstance(crisis, Mapping):
            summary = (f"Crisis on watchlist {record['watchlist']} ({record.get('team')}): "
                       f"{', '.join(keywords[:5]) or record['id']}")
            parts = ", ".join(f"{k} {v:.2f}" for k, v in crisis.items() if k != "score" and isinstance(v, (int, float)))
            description += f" Crisis score {crisis.get('score')} ({parts})."
        return {
            "summary": summary,
            "description": description,
            "keywords": ", ".join(keywords),
            "languages": ", ".join(f"{lang} {n}" for lang, n in langs.items()),
            "samples": "\n".join(f"[{s.get('lang') or '?'}] {str(s.get('text', ''))[:200]}" for s in samples),
            "event_url": f"{self.public_url.rstrip('/')}/events/{record['id']}",
            "runbook_url": RUNBOOK,
        }

    # -- delivery ----------------------------------------------------------------------------
    def due(self, now: float) -> list[tuple[str, str]]:
        """Alerts to send now: changed ones, and firing ones not sent for an interval."""
        return [key for key, a in self._alerts.items()
                if a.dirty or (a.resolved_at is None and now - (a.sent_at or 0.0) >= self.resend_interval_s)]

    def pending(self) -> int:
        return sum(1 for a in self._alerts.values() if a.dirty)

    def firing_by_severity(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for _, sev in self._firing.values():
            counts[sev] += 1
        return counts

    def payloads(self, keys: Iterable[tuple[str, str]], now: float) -> list[dict]:
        out = []
        for key in keys:
            a = self._alerts[key]
            ends = a.resolved_at if a.resolved_at is not None else now + self.ttl
            out.append({"labels": a.labels, "annotations": a.annotations, "generatorURL": a.generator_url,
                        "startsAt": rfc3339(a.starts_at), "endsAt": rfc3339(ends)})
        return out

    def delivered(self, keys: Iterable[tuple[str, str]], now: float) -> list[tuple[str, float | None]]:
        """Mark ``keys`` delivered; returns (state, latency or None) per alert."""
        out = []
        for key in keys:
            a = self._alerts.get(key)
            if a is None:
                continue
            latency = now - a.changed_at if a.dirty and a.measure else None
            out.append(("resolved" if a.resolved_at is not None else "firing", latency))
            a.sent_at, a.dirty = now, False
            if a.resolved_at is not None:
                del self._alerts[key]
        return out


class AlertSink:
    """An :class:`AlertBook` delivered to Alertmanager, with retries and metrics.

    Call :meth:`offer` with each event record and :meth:`pump` often (it sends what
    is due, or does nothing until the retry wait is over)."""

    def __init__(self, book: AlertBook, alertmanager_url: str, metrics: AlertSinkMetrics, *,
                 retry_max_s: float = 30.0, timeout_s: float = 5.0, clock: Callable[[], float] = time.time,
                 headers: Mapping[str, str] | None = None):
        """``headers``: sent with every request (``Settings.alertmanager_auth()``: credentials)."""
        self.book, self.metrics, self.clock = book, metrics, clock
        self.url = alertmanager_url.rstrip("/") + "/api/v2/alerts"
        self.retry_max_s = retry_max_s
        self._client = httpx.Client(timeout=timeout_s, headers=dict(headers or {}))
        self._wait = 0.0
        self._next_attempt = 0.0
        self.lock = threading.Lock()

    def __repr__(self) -> str:  # never the credentials
        return f"AlertSink({masked_url(self.url)!r})"

    def offer(self, record: Mapping, emitted_at: float | None = None, *, measure: bool = True) -> None:
        with self.lock:
            self.book.apply(record, self.clock() if emitted_at is None else emitted_at, measure=measure)
            self._gauges()

    def act(self, action: Mapping) -> None:
        """An action taken on the wall: a mute or false alarm resolves the event's alert."""
        if action.get("action") in ("mute", "false_alarm"):
            with self.lock:
                self.book.silence(action["event_id"], self.clock())
                self._gauges()

    def pump(self) -> bool:
        """Send what is due; False while waiting to retry or after a failed attempt."""
        with self.lock:
            now = self.clock()
            if now < self._next_attempt:
                return False
            keys = self.book.due(now)
            for start in range(0, len(keys), MAX_BATCH):
                chunk = keys[start:start + MAX_BATCH]
                reason = self._post(self.book.payloads(chunk, now))
                if reason == "refused":  # dropped (logged, counted): a retry would be refused again
                    self.book.delivered(chunk, now)
                    continue
                if reason is not None:
                    self.metrics.failures.labels(reason).inc()
                    self._wait = min(self.retry_max_s, max(0.5, self._wait * 2))
                    self._next_attempt = now + self._wait
                    log.warning("Alertmanager at %s: %s; retrying in %.1f s", masked_url(self.url), reason, self._wait)
                    self._gauges()
                    return False
                done = self.clock()
                for state, latency in self.book.delivered(chunk, done):
                    self.metrics.notifications.labels(state).inc()
                    if latency is not None:
                        self.metrics.delivery_latency.observe(max(0.0, latency))
                self.metrics.last_delivery.set(done)
            self._wait = 0.0
            self._gauges()
            return True

    def _post(self, alerts: list[dict]) -> str | None:
        """None on success, "refused" for a payload Alertmanager rejects (4xx), else
        the reason to retry (a bounded label value)."""
        try:
            response = self._client.post(self.url, json=alerts)
        except httpx.TimeoutException:
            return "timeout"
        except httpx.TransportError:
            return "connection"
        if response.status_code >= 500:
            return "http_5xx"
        if response.status_code >= 400:
            # a payload Alertmanager refuses will not pass on a retry either: log it, drop it
            log.error("Alertmanager refused %d alerts: %s %s", len(alerts), response.status_code, response.text[:500])
            self.metrics.failures.labels("http_4xx").inc()
            return "refused"
        return None

    def _gauges(self) -> None:
        self.metrics.pending.set(self.book.pending())
        for sev, n in self.book.firing_by_severity().items():
            self.metrics.firing.labels(sev).set(n)

    def close(self) -> None:
        self._client.close()


def decode_record(value: bytes) -> dict | None:
    """An event record, or None (logged) for anything that is not one."""
    try:
        record = json.loads(value)
    except (ValueError, TypeError) as exc:
        log.warning("skipping an event record that is not JSON: %s", exc)
        return None
    if not isinstance(record, dict) or "id" not in record:
        log.warning("skipping an event record without an id")
        return None
    return record


# -- sources -----------------------------------------------------------------------------------

def run_from_kafka(settings, sink: AlertSink, stop: threading.Event, *, store=None, origin: str | None = None,
                   poll_ms: int = 200) -> None:
    """Follow the ``events`` and ``events.actions`` topics from their beginning until
    ``stop`` is set.  Records up to the end offsets found at start are the state to
    rebuild (their delivery latency is not measured); later ones are live.  ``store``
    (an :class:`streams.wall.store.EventStore`, the book's ``suppressed``) learns the
    events and the wall's actions."""
    from streams.wall.follow import apply_action, follow

    waiting: list[dict] = []

    def on_event(record, msg, live) -> None:
        if store is not None:
            store.apply(record)
        sink.offer(record, emitted_at=msg.timestamp / 1000, measure=live)

    def on_action(message) -> None:
        if store is not None and not apply_action(store, message):
            waiting.append(message)  # its event has not been read yet
            return
        sink.act(message)

    def on_idle() -> None:
        if waiting:
            retry = waiting[:]
            waiting.clear()
            for message in retry:
                on_action(message)
        sink.pump()

    follow(settings, stop, on_event=on_event, on_action=on_action, origin=origin, poll_ms=poll_ms, on_idle=on_idle)


def run_from_file(path: str, sink: AlertSink, stop: threading.Event, *, follow: bool = False,
                  poll_s: float = 0.2) -> None:
    """Send the alerts of an event log (JSON lines, e.g. ``flashpoint replay --out``);
    ``follow``: keep reading what is appended, like ``tail -f``, until ``stop``."""
    with open(path, "rb") as f:
        while not stop.is_set():
            line = f.readline()
            if line.endswith(b"\n") or (line and not follow):
                record = decode_record(line)
                if record is not None:
                    sink.offer(record)
                continue
            if line:  # a line still being written: read it again whole
                f.seek(-len(line), 1)
            sink.pump()
            if not follow and sink.book.pending() == 0:
                return
            stop.wait(poll_s)
