"""Event alerts to a real Alertmanager (Debian's), which notifies a webhook served
by the test: from the in-process pipeline, from an event log via the CLI, from the
events topic on a real broker, and across an Alertmanager outage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from prometheus_client import CollectorRegistry

from detectors.pipeline import Pipeline
from detectors.post import parse_post
from streams.alerting import AlertBook, AlertSink, run_from_kafka
from streams.metrics import AlertSinkMetrics
from streams.settings import Settings
from streams.synth import generate
from tests.alertmanager_support import Alertmanager


@pytest.fixture
def alertmanager(tmp_path, webhook):
    am = Alertmanager(tmp_path, webhook.url).start()
    yield am
    am.stop()


def _sink(url: str, **book) -> tuple[AlertSink, CollectorRegistry]:
    registry = CollectorRegistry()
    sink = AlertSink(AlertBook(**book), url, AlertSinkMetrics(registry), retry_max_s=0.5, timeout_s=2)
    return sink, registry


def _crisis_records(seed: int = 1) -> list[dict]:
    """Event records of a synthetic stream (4 h with incidents, then quiet hours that resolve them)."""
    posts = list(generate(seed, hours=4, background_per_min=10).posts)
    end = max(parse_post(p).ts for p in posts)
    posts += [{"id": f"quiet-{i}", "ts": end + 600 * i, "text": f"quiet hour {i} weather report"} for i in range(1, 150)]
    pipe = Pipeline(collect_assignments=False)
    return [r for p in posts for r in pipe.process(parse_post(p))]


def _pump_until(sink: AlertSink, done, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out pumping alerts"
        sink.pump()
        time.sleep(0.1)


def test_a_synthetic_crisis_pages_through_alertmanager_then_resolves(alertmanager, webhook):
    records = _crisis_records()
    live = [r for r in records if r["type"] != "resolved"]
    resolved = [r for r in records if r["type"] == "resolved"]
    ids = {r["id"] for r in records}
    assert len(ids) >= 4 and {r["id"] for r in resolved} == ids
    sink, registry = _sink(alertmanager.url, public_url="http://127.0.0.1:6066")
    for record in live:
        sink.offer(record)
    assert sink.pump()
    webhook.wait_for(lambda h: {a["labels"]["event_id"] for a in h.alerts("firing")} == ids, what="every event firing")

    last = {r["id"]: r for r in live}
    for alert in webhook.alerts("firing"):
        record = last[alert["labels"]["event_id"]]
        if alert["labels"]["severity"] != record["severity"]:
            continue  # an earlier severity, notified before the change was offered
        assert alert["labels"]["alertname"] == "EmergingEvent" and alert["labels"]["service"] == "flashpoint"
        notes = alert["annotations"]
        assert notes["keywords"].split(", ")[:3] == record["keywords"][:3]
        assert notes["summary"].startswith("Emerging event: " + record["keywords"][0])
        assert notes["event_url"] == f"http://127.0.0.1:6066/events/{record['id']}"
        assert notes["samples"] and notes["languages"] and notes["runbook_url"].startswith("https://")
        assert alert["generatorURL"] == notes["event_url"]

    for record in resolved:
        sink.offer(record)
    assert sink.pump()
    webhook.wait_for(lambda h: {a["labels"]["event_id"] for a in h.alerts("resolved")} == ids,
                     what="every event resolved")
    assert registry.get_sample_value("flashpoint_alerts_pending") == 0
    assert registry.get_sample_value("flashpoint_alert_notifications_total", {"state": "resolved"}) >= len(ids)
    assert registry.get_sample_value("flashpoint_alert_delivery_latency_seconds_count") >= len(ids)
    assert not [a for a in alertmanager.alerts() if a["status"]["state"] == "active"]


def test_alerts_raised_while_alertmanager_is_down_arrive_when_it_is_back(alertmanager, webhook):
    sink, registry = _sink(alertmanager.url)
    alertmanager.stop()
    records = [{"id": f"ev{i}", "type": "created", "state": "emerging", "severity": sev, "keywords": [f"word{i}"],
                "languages": {"sv": 3}, "posts": 30, "voices": 20, "communities": 2, "score": 5.0}
               for i, sev in enumerate(("info", "warning", "critical"))]
    for record in records:
        sink.offer(record)
    for _ in range(3):
        sink.pump()
        time.sleep(0.6)
    assert registry.get_sample_value("flashpoint_alert_delivery_failures_total", {"reason": "connection"}) >= 2
    assert registry.get_sample_value("flashpoint_alerts_pending") == 3
    assert registry.get_sample_value("flashpoint_alert_notifications_total", {"state": "firing"}) == 0

    alertmanager.start()
    _pump_until(sink, lambda: sink.book.pending() == 0)
    webhook.wait_for(lambda h: {a["labels"]["event_id"] for a in h.alerts("firing")} == {"ev0", "ev1", "ev2"})
    assert registry.get_sample_value("flashpoint_alert_notifications_total", {"state": "firing"}) == 3
    latency = registry.get_sample_value("flashpoint_alert_delivery_latency_seconds_sum")
    assert latency >= 3 * 1.0  # each waited out the outage


def test_the_cli_sends_an_event_log_and_follows_it(alertmanager, webhook, tmp_path):
    records = _crisis_records(seed=2)
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records if r["type"] != "resolved"))
    env = {**os.environ, "FLASHPOINT_ALERTS_METRICS_PORT": "0", "FLASHPOINT_ALERT_RETRY_MAX_S": "0.5"}
    proc = subprocess.Popen([sys.executable, "-m", "streams.cli", "alerts", str(log), "--follow",
                             "--alertmanager", alertmanager.url], env=env, stderr=subprocess.PIPE)
    try:
        ids = {r["id"] for r in records}
        webhook.wait_for(lambda h: {a["labels"]["event_id"] for a in h.alerts("firing")} == ids, what="firing")
        with log.open("a") as f:  # the log grows while the sink follows it
            f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records if r["type"] == "resolved"))
        webhook.wait_for(lambda h: {a["labels"]["event_id"] for a in h.alerts("resolved")} == ids, what="resolved")
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0, proc.stderr.read().decode()


@pytest.mark.kafka
def test_the_sink_follows_the_events_topic_and_rebuilds_after_a_restart(broker, alertmanager, webhook):
    from kafka import KafkaProducer

    settings = Settings(broker_url=f"kafka://{broker}", topic_events=f"events-{uuid.uuid4().hex[:8]}")
    producer = KafkaProducer(bootstrap_servers=[broker])

    def send(record):
        producer.send(settings.topic_events, key=record["id"].encode(), value=json.dumps(record).encode())
        producer.flush()

    def event(i, state="emerging", kind="created"):
        return {"id": f"k{i}", "type": kind, "state": state, "severity": "warning", "keywords": [f"term{i}"],
                "languages": {"fr": 2}, "posts": 20, "voices": 15, "communities": 2, "score": 4.0}

    send(event(1))
    for round_, expected in ((1, {"k1"}), (2, {"k1", "k2"})):
        sink, _ = _sink(alertmanager.url)
        stop = threading.Event()
        thread = threading.Thread(target=run_from_kafka, args=(settings, sink, stop), daemon=True)
        thread.start()
        try:
            webhook.wait_for(lambda h: {a["labels"]["event_id"] for a in h.alerts("firing")} == expected,
                             what=f"firing in round {round_}")
            if round_ == 1:
                send(event(1, "resolved", "resolved"))
                webhook.wait_for(lambda h: {a["labels"]["event_id"] for a in h.alerts("resolved")} == {"k1"})
        finally:
            stop.set()
            thread.join(10)
            sink.close()
        if round_ == 1:
            send(event(2))  # raised while no sink runs: the next one finds it in the topic
    producer.close()
    active = {a["labels"]["event_id"] for a in alertmanager.alerts() if a["status"]["state"] == "active"}
    assert active == {"k2"}


# -- the book alone (no Alertmanager) ---------------------------------------------------------


def _record(**fields):
    return {"id": "e1", "type": "updated", "state": "active", "severity": "warning", "keywords": ["flood"],
            **fields}


@pytest.mark.parametrize("sent_ago, due", [(59.0, False), (60.0, True)])
def test_a_firing_alert_is_sent_again_every_interval(sent_ago, due):
    book = AlertBook(resend_interval_s=60.0)
    book.apply(_record(), emitted_at=0.0)
    keys = book.due(now=1.0)
    book.delivered(keys, now=1.0)
    assert book.due(now=1.0 + sent_ago) == (keys if due else [])
    assert book.payloads(keys, now=2.0)[0]["endsAt"] == "1970-01-01T00:05:02.000Z"  # five intervals ahead


@pytest.mark.parametrize("severity, minimum, sent", [("info", "info", True), ("info", "warning", False),
                                                      ("critical", "warning", True)])
def test_events_below_the_minimum_severity_are_not_sent(severity, minimum, sent):
    book = AlertBook(min_severity=minimum)
    book.apply(_record(severity=severity), emitted_at=0.0)
    assert bool(book.due(now=0.0)) is sent


@pytest.mark.parametrize("extra, labels", [({}, set()), ({"team": "acme-pr", "watchlist": "acme"}, {"team", "watchlist"})])
def test_team_and_watchlist_become_labels_when_known(extra, labels):
    book = AlertBook()
    book.apply(_record(**extra), emitted_at=0.0)
    got = book.payloads(book.due(0.0), 0.0)[0]["labels"]
    assert set(got) == {"alertname", "severity", "event_id", "service"} | labels


@pytest.mark.parametrize("age, sent", [(10.0, True), (400.0, False)])
def test_an_event_resolved_before_it_was_seen_firing_is_resolved_only_while_it_may_still_fire(age, sent):
    book = AlertBook(resend_interval_s=60.0, clock=lambda: 1000.0)
    book.apply(_record(state="resolved", type="resolved"), emitted_at=1000.0 - age)
    assert bool(book.due(now=1000.0)) is sent


def test_changes_pile_up_per_event_while_undelivered():
    book = AlertBook()
    for version in range(5):
        book.apply(_record(version=version, keywords=[f"k{version}"]), emitted_at=float(version))
    (payload,) = book.payloads(book.due(now=10.0), now=10.0)
    assert payload["annotations"]["keywords"] == "k4"
    assert payload["startsAt"] == "1970-01-01T00:00:00.000Z"  # the first record's emission
    ((state, latency),) = book.delivered(book.due(now=10.0), now=10.0)
    assert (state, latency) == ("firing", 6.0)  # since the latest change


def test_the_demo_sends_its_events_to_alertmanager(alertmanager, webhook):
    import io

    from streams.demo import run_demo

    result = run_demo(seed=1, live=False, duration_s=4, metrics_port=0, alertmanager=alertmanager.url,
                      file=io.StringIO())
    # (a watchlist event can open and resolve within one of this fast demo's batches:
    # then it is sent resolved only, and Alertmanager notifies nothing; or it fires,
    # depending on how the batches fall: the stream's events are compared alone)
    ids = {r["id"] for r in result.records if r.get("kind") != "watchlist"}
    assert ids
    webhook.wait_for(lambda h: {a["labels"]["event_id"] for a in h.alerts("firing")
                                if not a["labels"].get("watchlist")} == ids, what="the demo's events")
    assert result.registry.get_sample_value("flashpoint_alerts_pending") == 0
    # each alert links to its event on the wall the demo served
    assert all(a["annotations"]["event_url"] == f"{result.public_url}/events/{a['labels']['event_id']}"
               for a in webhook.alerts())
    watched = [a for a in webhook.alerts() if a["labels"].get("watchlist")]
    assert all(a["annotations"]["summary"].startswith("Crisis on watchlist ") for a in watched)


def test_a_muted_events_updates_send_nothing_more():
    muted: set[str] = set()
    book = AlertBook(suppressed=lambda record: record["id"] in muted, clock=lambda: 10.0)
    book.apply(_record(), emitted_at=1.0)
    book.delivered(book.due(now=2.0), now=2.0)
    muted.add("e1")
    book.silence("e1", 3.0)
    ((state, _),) = book.delivered(book.due(now=4.0), now=4.0)
    assert state == "resolved"
    for version in range(3):  # the story goes on; it is muted
        book.apply(_record(version=version), emitted_at=5.0 + version)
    assert book.due(now=9.0) == []


@pytest.mark.parametrize("password, delivered", [("right-pw-51", True), ("wrong-pw", False)])
def test_basic_auth_credentials_come_from_a_file(tmp_path, webhook, password, delivered, caplog):
    """Alertmanager behind its own basic auth (--web.config.file): the sink's password is read from
    FLASHPOINT_ALERTMANAGER_PASSWORD_FILE, sent, and never logged."""
    am = Alertmanager(tmp_path, webhook.url, users={"flash": "right-pw-51"}).start()
    try:
        secret = tmp_path / "am-password"
        secret.write_text(password + "\n")
        settings = Settings(alertmanager_url=am.url, alertmanager_username="flash",
                            alertmanager_password_file=str(secret))
        registry = CollectorRegistry()
        sink = AlertSink(AlertBook(), settings.alertmanager_url, AlertSinkMetrics(registry), retry_max_s=0.5,
                         timeout_s=2, headers=settings.alertmanager_auth())
        sink.offer({"id": "ev-auth", "type": "created", "state": "emerging", "severity": "warning",
                    "keywords": ["x"], "languages": {"en": 3}, "posts": 30, "voices": 20, "communities": 2,
                    "score": 5.0})
        assert sink.pump() is True  # a 401 is a refusal: logged and dropped, not retried forever
        names = [a["labels"].get("event_id") for a in am.alerts()]
        assert ("ev-auth" in names) is delivered
        assert password not in caplog.text and password not in repr(sink) and password not in repr(settings)
    finally:
        am.stop()


def test_credential_settings_that_cannot_work_are_refused(tmp_path):
    with pytest.raises(ValueError, match="FLASHPOINT_ALERTMANAGER_PASSWORD_FILE: cannot read"):
        Settings(alertmanager_username="u", alertmanager_password_file=str(tmp_path / "none")).alertmanager_auth()
    with pytest.raises(ValueError, match="exclude each other"):
        Settings(alertmanager_username="u", alertmanager_token_file="t").alertmanager_auth()
    token = tmp_path / "token"
    token.write_text("tok-1\n")
    assert Settings(alertmanager_token_file=str(token)).alertmanager_auth() == {"Authorization": "Bearer tok-1"}
