"""Prometheus metrics: names, bounded labels, the loopback endpoint."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client import CollectorRegistry

from detectors.post import Post
from streams.metrics import KNOWN_LANGS, MAX_SOURCES, PipelineMetrics, serve, stop
from streams.sources import Rejected


@pytest.fixture
def reg():
    return CollectorRegistry()  # fresh per test: no clashes with the global registry


@pytest.fixture
def metrics(reg):
    return PipelineMetrics(reg, source="test")


def value(reg, name, **labels):
    return reg.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize("lang, label", [
    ("en", "en"), ("EN", "en"), ("pl", "pl"), ("zh", "zh"),
    ("xx", "other"), ("tlh", "other"), ("", "und"), (None, "und"),
])
def test_lang_label_is_bounded(metrics, reg, lang, label):
    metrics.ingested(Post("1", 100.0, "hello", lang=lang))
    assert value(reg, "flashpoint_posts_ingested_total", source="test", lang=label) == 1
    assert label in KNOWN_LANGS + ("other", "und")


def test_many_languages_make_few_series(metrics, reg):
    for i in range(500):
        metrics.ingested(Post(str(i), float(i), "x", lang=f"l{i}"))
    samples = [s for m in reg.collect() if m.name == "flashpoint_posts_ingested"
               for s in m.samples if s.name.endswith("_total")]
    assert len(samples) == 1 and samples[0].labels["lang"] == "other" and samples[0].value == 500


def test_source_label_is_bounded(metrics, reg):
    for i in range(MAX_SOURCES + 10):
        metrics.ingested(Post(str(i), 1.0, "x", source=f"client {i}"))
    metrics.ingested(Post("none", 1.0, "x"))  # no source: the driver's default
    sources = {s.labels["source"] for m in reg.collect() if m.name == "flashpoint_posts_ingested"
               for s in m.samples if s.name.endswith("_total")}
    assert len(sources) == MAX_SOURCES + 1 and "other" in sources


@pytest.mark.parametrize("field, label", [
    ("ts", "ts"), ("followers", "followers"), ("<json>", "json"), ("<csv>", "csv"),
    ("<record>", "record"), ("made up", "other"),
])
def test_reject_reason_is_the_field(metrics, reg, field, label):
    metrics.rejected(Rejected("f.jsonl", 3, field, "bad", "{}"))
    assert value(reg, "flashpoint_posts_rejected_total", reason=label) == 1


def test_records_drive_counters_and_active_gauge(metrics, reg):
    def rec(kind, eid, state, severity):
        return {"type": kind, "id": eid, "state": state, "severity": severity}

    metrics.records([rec("created", "a", "emerging", "info"), rec("created", "b", "emerging", "warning")])
    assert value(reg, "flashpoint_active_events", severity="info", state="emerging") == 1
    metrics.records([rec("updated", "a", "active", "critical"), rec("resolved", "b", "resolved", "warning"),
                     rec("weird", "c", "emerging", "info")])
    assert value(reg, "flashpoint_event_records_total", type="created") == 2
    assert value(reg, "flashpoint_event_records_total", type="updated") == 1
    assert value(reg, "flashpoint_event_records_total", type="resolved") == 1
    assert value(reg, "flashpoint_event_records_total", type="other") == 1
    assert value(reg, "flashpoint_active_events", severity="info", state="emerging") == 1  # "c"
    assert value(reg, "flashpoint_active_events", severity="critical", state="active") == 1
    assert value(reg, "flashpoint_active_events", severity="warning", state="emerging") == 0


def test_batch_counts_deltas_of_cumulative_stats(metrics, reg):
    metrics.batch({"posts": 10, "buckets": 2, "late": 1}, 0.01)
    metrics.batch({"posts": 20, "buckets": 5, "late": 1}, 0.02)
    assert value(reg, "flashpoint_buckets_closed_total") == 5
    assert value(reg, "flashpoint_posts_late_total") == 1
    assert value(reg, "flashpoint_processing_latency_seconds_count") == 2
    assert value(reg, "flashpoint_processing_latency_seconds_sum") == pytest.approx(0.03)


def test_last_event_timestamp(metrics, reg):
    metrics.ingested(Post("1", 1_700_000_000.5, "x"))
    assert value(reg, "flashpoint_last_event_timestamp_seconds") == 1_700_000_000.5


@pytest.mark.parametrize("many", [False, True])
def test_post_delay_and_last_processed_use_the_wall_clock(reg, many):
    metrics = PipelineMetrics(reg, clock=lambda: 1000.0)
    posts = [Post("1", 997.0, "x"), Post("2", 940.0, "y"), Post("3", 1001.0, "z")]  # the last from the future
    if many:
        metrics.ingested_many((p, None) for p in posts)
    else:
        for p in posts:
            metrics.ingested(p)
    assert value(reg, "flashpoint_last_processed_timestamp_seconds") == 1000.0
    assert value(reg, "flashpoint_post_delay_seconds_count") == 3
    assert value(reg, "flashpoint_post_delay_seconds_sum") == 63.0
    assert value(reg, "flashpoint_post_delay_seconds_bucket", le="5.0") == 2


def _event(i, score, state="active", severity="warning"):
    return {"id": f"ev{i}", "type": "updated", "state": state, "severity": severity, "score": score,
            "keywords": [f"kw{i}", "西安", "a-very-long-keyword-that-will-be-cut-short-here"]}


@pytest.mark.parametrize("top", [1, 5, 20])
def test_event_scores_are_a_series_each_for_the_top_k_only(reg, top):
    metrics = PipelineMetrics(reg, top_events=top)
    metrics.records([_event(i, float(i)) for i in range(30)])
    series = [s for s in reg.collect() if s.name == "flashpoint_event_score"][0].samples
    assert sorted(s.labels["event_id"] for s in series) == sorted(f"ev{i}" for i in range(30 - top, 30))
    assert all(len(s.labels["keywords"]) <= 40 for s in series)
    metrics.records([{**_event(29, 0.0), "type": "resolved", "state": "resolved"}])  # the best one resolves
    series = [s for s in reg.collect() if s.name == "flashpoint_event_score"][0].samples
    assert "ev29" not in {s.labels["event_id"] for s in series} and len(series) == top


def test_an_events_series_follows_its_keywords(reg):
    metrics = PipelineMetrics(reg)
    metrics.records([_event(1, 3.0)])
    metrics.records([{**_event(1, 4.0), "keywords": ["pożar"]}])
    series = [s for s in reg.collect() if s.name == "flashpoint_event_score"][0].samples
    assert [(s.labels["keywords"], s.value) for s in series] == [("pożar", 4.0)]


def test_forgetting_events_clears_their_series(reg):
    metrics = PipelineMetrics(reg)
    metrics.records([_event(1, 3.0), _event(2, 5.0, severity="critical")])
    metrics.forget_events()
    assert not [s for s in reg.collect() if s.name == "flashpoint_event_score"][0].samples
    assert value(reg, "flashpoint_active_events", severity="critical", state="active") == 0


def test_top_events_is_capped():
    with pytest.raises(ValueError):
        PipelineMetrics(CollectorRegistry(), top_events=21)


def test_consumer_lag_drops_partitions_no_longer_assigned(metrics, reg):
    metrics.lag({("posts", 0): 5, ("posts", 1): 7})
    metrics.lag({("posts", 1): 2})
    assert value(reg, "flashpoint_consumer_lag_records", topic="posts", partition="1") == 2
    assert reg.get_sample_value("flashpoint_consumer_lag_records", {"topic": "posts", "partition": "0"}) is None


def test_serve_on_loopback_free_port(metrics, reg):
    metrics.ingested(Post("1", 5.0, "x", lang="sv"))
    port = serve(reg, "127.0.0.1", 0)
    try:
        assert port > 0
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    finally:
        stop(port)
    assert 'flashpoint_posts_ingested_total{lang="sv",source="test"} 1.0' in body
    assert "flashpoint_processing_latency_seconds_bucket" in body


@pytest.mark.parametrize("host", ["0.0.0.0", "::", ""])
def test_serve_refuses_wildcard(reg, host):
    with pytest.raises(ValueError, match="wildcard"):
        serve(reg, host, 0)


def test_watchlist_events_by_team_are_bounded_and_exist_at_zero(reg):
    metrics = PipelineMetrics(reg)
    metrics.teams(["acme-pr", "nordic-retail"])
    assert value(reg, "flashpoint_watchlist_events", team="acme-pr", severity="critical") == 0
    live = {"kind": "watchlist", "type": "created", "id": "wl-1", "state": "emerging", "severity": "warning",
            "team": "acme-pr", "score": 1.0, "keywords": ["acme"]}
    stranger = {**live, "id": "wl-2", "team": "not-in-the-file"}
    metrics.records([live, stranger])
    assert value(reg, "flashpoint_watchlist_events", team="acme-pr", severity="warning") == 1
    assert value(reg, "flashpoint_watchlist_events", team="other", severity="warning") == 1
    assert value(reg, "flashpoint_watchlist_events_created_total", team="acme-pr") == 1
    metrics.records([{**live, "type": "resolved", "state": "resolved"}])
    assert value(reg, "flashpoint_watchlist_events", team="acme-pr", severity="warning") == 0


def test_teams_stay_bounded_across_reloads(reg):
    metrics = PipelineMetrics(reg)
    for reload in range(3):
        metrics.teams(f"team-{reload}-{i}" for i in range(40))
    (family,) = [f for f in reg.collect() if f.name == "flashpoint_watchlist_events"]
    teams = {sample.labels["team"] for sample in family.samples}
    assert len(teams) == 50
