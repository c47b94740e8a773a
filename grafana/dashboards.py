"""Flashpoint's Grafana dashboards as code (Grafana Foundation SDK, Grafana 11.6 schema).

    python grafana/dashboards.py           # (re)write grafana/dashboards/*.json
    python grafana/dashboards.py --check   # exit 1, naming each file that differs from the code

Every panel reads the Prometheus datasource of uid ``prometheus``
(grafana/provisioning/datasources/prometheus.yaml) and only the metrics of
streams/metrics.py plus Prometheus' own ``up``.  Expressions carry no constant
fallbacks (``or vector(0)``): a panel with nothing to show says "No data".
The only template variables in expressions are ``$__rate_interval``, ``$team``
and ``$instance`` (see :func:`panel_queries`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import bargauge, dashboard, prometheus, stat, table, timeseries
from grafana_foundation_sdk.builders.common import (
    ReduceDataOptions, StackingConfig, TableSortByFieldState, VizLegendOptions)
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync, DataSourceRef, DataTransformerConfig, Threshold, ThresholdsMode, VariableOption,
    VariableRefresh, VariableSort)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

OUT_DIR = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="prometheus")
RATE = "$__rate_interval"
INST = 'instance=~"$instance"'
WATCHLISTS = " All events, stories and watchlists alike: only the watchlist panels above filter by team."
TEAM = 'team=~"$team"'


# -- panel helpers ---------------------------------------------------------------------------

def query(expr: str, legend: str = "__auto", *, instant: bool = False, table_format: bool = False):
    """A Prometheus target; instant queries for "now" panels (top-k bars, tables)."""
    q = prometheus.Dataquery().expr(expr).legend_format(legend).datasource(DATASOURCE)
    if table_format:
        q = q.format(PromQueryFormat.TABLE)
    return q.instant() if instant else q.range()


def _common(panel, title: str, description: str, unit: str, targets, w: int, h: int):
    """What every panel has: title, description, unit, datasource, size, targets A, B, ..."""
    panel = panel.title(title).description(description).unit(unit).datasource(DATASOURCE).span(w).height(h)
    for ref, target in zip("ABCDEFGH", targets):
        panel = panel.with_target(target.ref_id(ref))
    return panel


def thresholds(*steps: tuple[float | None, str]):
    config = dashboard.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE)
    return config.steps([Threshold(value=v, color=c) for v, c in steps])


def ts(title, description, unit, *targets, w=12, h=8, stacked=False):
    panel = (timeseries.Panel().fill_opacity(10).line_width(1).min(0)
             .legend(VizLegendOptions().show_legend(True).display_mode(common.LegendDisplayMode.LIST)
                     .placement(common.LegendPlacement.BOTTOM)))
    if stacked:
        panel = panel.stacking(StackingConfig().mode(common.StackingMode.NORMAL))
    return _common(panel, title, description, unit, targets, w, h)


def stat_panel(title, description, unit, *targets, w=6, h=5, steps=((None, "green"),)):
    panel = (stat.Panel().reduce_options(ReduceDataOptions().calcs(["lastNotNull"]).values(False))
             .graph_mode(common.BigValueGraphMode.AREA).color_mode(common.BigValueColorMode.VALUE)
             .thresholds(thresholds(*steps)))
    return _common(panel, title, description, unit, targets, w, h)


def bars(title, description, unit, *targets, w=12, h=10):
    panel = (bargauge.Panel().orientation(common.VizOrientation.HORIZONTAL)
             .display_mode(common.BarGaugeDisplayMode.GRADIENT).min(0)
             .reduce_options(ReduceDataOptions().calcs(["lastNotNull"]).values(False)))
    return _common(panel, title, description, unit, targets, w, h)


def table_panel(title, description, unit, *targets, w=12, h=10, hide=(), rename=None, sort_desc=None):
    organize = DataTransformerConfig(id_val="organize", options={
        "excludeByName": {name: True for name in hide}, "renameByName": rename or {}})
    panel = table.Panel().with_transformation(organize).show_header(True)
    if sort_desc:
        panel = panel.sort_by([TableSortByFieldState().display_name(sort_desc).desc(True)])
    return _common(panel, title, description, unit, targets, w, h)


def quantile(q: float, metric: str, selector: str = "", by: str = "le") -> str:
    """The ``q`` quantile of a histogram over the rate window."""
    series = f"{metric}_bucket{{{selector}}}" if selector else f"{metric}_bucket"
    return f"histogram_quantile({q}, sum by ({by}) (rate({series}[{RATE}])))"


def board(uid: str, title: str, description: str, panels, *, time_from="now-6h", refresh="30s", variables=()):
    d = (dashboard.Dashboard(title).uid(uid).description(description).tags(["flashpoint"])
         .time(time_from, "now").refresh(refresh).timezone("browser").readonly()
         .tooltip(DashboardCursorSync.CROSSHAIR))
    for variable in variables:
        d = d.with_variable(variable)
    for i, panel in enumerate(panels, start=1):
        d = d.with_panel(panel.id(i))
    return d


# -- dashboards --------------------------------------------------------------------------------

def newsroom_wall():
    return board("flashpoint-newsroom-wall", "Flashpoint / Newsroom wall",
                 "What is breaking now: live events, their scores and keywords, and the post stream feeding them.", [
        stat_panel("Active events by severity",
                   "Events emitted and not yet resolved, one number per severity (info, warning, critical), "
                   "summed over workers. A critical count above zero is the story to look at first.",
                   "short", query("sum by (severity) (flashpoint_active_events)", "{{severity}}"),
                   w=8, h=8, steps=((None, "green"), (1, "orange"))),
        ts("Active events by severity and state",
           "Live events over time, stacked by severity and lifecycle state (emerging, active, fading). "
           "A growing 'emerging' band means new stories are forming; events leave when they resolve.",
           "short", query("sum by (severity, state) (flashpoint_active_events)", "{{severity}} / {{state}}"),
           w=16, h=8, stacked=True),
        bars("Top active events by score",
             "The ten highest-scoring live events, named by their first keywords. The score is the burst "
             "strength (z) of the event's keywords: the longer the bar, the further above its usual level.",
             "short", query("topk(10, flashpoint_event_score)", "{{keywords}}", instant=True)),
        table_panel("Top keywords",
                    "Keywords of the ten highest-scoring live events with their event id and score, highest "
                    "first. Rows disappear when an event resolves or drops out of the top 20.",
                    "short", query("topk(10, flashpoint_event_score)", instant=True, table_format=True),
                    hide=("Time", "__name__", "instance", "job"), rename={"Value": "score"}, sort_desc="score"),
        ts("New events per minute",
           "Events created per minute (a new story crossed the alert policy), averaged over the rate window. "
           "Spikes mean several stories broke at once.",
           "opm", query(f'60 * sum(rate(flashpoint_event_records_total{{type="created"}}[{RATE}]))', "created")),
        ts("Posts ingested per second by language",
           "Posts accepted into the pipeline per second, by language (identified where the post had none; "
           "'other' is any language without a label of its own, 'und' none). A surge in one language often "
           "precedes an event there.",
           "ops", query(f"sum by (lang) (rate(flashpoint_posts_ingested_total[{RATE}]))", "{{lang}}"),
           stacked=True),
        ts("Event time lag (post delay p50 / p95)",
           "How old posts are when processed: wall clock at processing minus the post's own timestamp, "
           "median and 95th percentile. A live stream is seconds behind; a replay of an old file saturates "
           "at the top bucket (3600 s), meaning 'an hour or more'.",
           "s", query(quantile(0.5, "flashpoint_post_delay_seconds"), "p50"),
           query(quantile(0.95, "flashpoint_post_delay_seconds"), "p95"), w=24),
    ], time_from="now-3h", refresh="10s")


def crisis_watch():
    team = (dashboard.QueryVariable("team").label("Team").datasource(DATASOURCE)
            .query("label_values(flashpoint_watchlist_events, team)").include_all(True).multi(True)
            .all_value(".*").refresh(VariableRefresh.ON_TIME_RANGE_CHANGED).sort(VariableSort.ALPHABETICAL_ASC)
            .current(VariableOption(selected=True, text="All", value="$__all"))
            .description("PR team of the watchlist file (FLASHPOINT_WATCHLISTS); 'other' gathers teams beyond "
                         "the first 50."))
    return board("flashpoint-crisis-watch", "Flashpoint / Crisis watch",
                 "Per-team view: the team's watchlist crises, then what is firing in Alertmanager, the strongest "
                 "events, and whether alerts reach it in time.", [
        stat_panel("Live watchlist crises",
                   "Live events of the selected teams' watchlists (their own baseline, 60 s windows), by "
                   "severity. Red when any is critical.",
                   "short", query(f"sum by (severity) (flashpoint_watchlist_events{{{TEAM}}})", "{{severity}}"),
                   w=12, steps=((None, "green"), (1, "red"))),
        ts("Watchlist crises created per hour",
           "New watchlist events per hour, by team: how often each team's brands have drawn a crisis.",
           "short", query(f"3600 * sum by (team) (rate(flashpoint_watchlist_events_created_total{{{TEAM}}}[{RATE}]))",
                          "{{team}}")),
        stat_panel("Critical events firing",
                   "Events at critical severity that the alert sink keeps firing in Alertmanager right now. "
                   "Red when any is firing." + WATCHLISTS,
                   "short", query('sum(flashpoint_alerts_firing{severity="critical"})', "critical"),
                   steps=((None, "green"), (1, "red"))),
        stat_panel("Warning events firing",
                   "Events at warning severity firing in Alertmanager right now. Orange when any is firing."
                   + WATCHLISTS,
                   "short", query('sum(flashpoint_alerts_firing{severity="warning"})', "warning"),
                   steps=((None, "green"), (1, "orange"))),
        stat_panel("Active events in the pipeline",
                   "Live (unresolved) events as the detector sees them, by severity. Should match the firing "
                   "counts for warning and critical; a gap means alerts are still on their way or failing."
                   + WATCHLISTS,
                   "short", query("sum by (severity) (flashpoint_active_events)", "{{severity}}"), w=12),
        ts("Alerts firing by severity",
           "Events firing in Alertmanager over time, by severity, as kept by the alert sink." + WATCHLISTS,
           "short", query("sum by (severity) (flashpoint_alerts_firing)", "{{severity}}"), stacked=True),
        bars("Top event scores",
             "The ten highest-scoring live events by their first keywords; the score is the burst strength (z) "
             "of the event's keywords." + WATCHLISTS,
             "short", query("topk(10, flashpoint_event_score)", "{{keywords}}", instant=True), h=8),
        ts("Alert notifications sent per minute",
           "Alerts accepted by Alertmanager per minute, by state: 'firing' when an event starts or changes, "
           "'resolved' when it ends. Zero while nothing changes is normal." + WATCHLISTS,
           "opm", query(f"60 * sum by (state) (rate(flashpoint_alert_notifications_total[{RATE}]))", "{{state}}")),
        ts("Alert delivery latency p50 / p95",
           "Time from an event record's emission to its alert's acceptance by Alertmanager, median and 95th "
           "percentile over the rate window. Seconds are normal; minutes mean retries (see Pipeline health, "
           "delivery failures)." + WATCHLISTS,
           "s", query(quantile(0.5, "flashpoint_alert_delivery_latency_seconds"), "p50"),
           query(quantile(0.95, "flashpoint_alert_delivery_latency_seconds"), "p95")),
    ], variables=[team])


def pipeline_health():
    instance = (dashboard.QueryVariable("instance").label("Instance").datasource(DATASOURCE)
                .query('label_values(up{job=~"flashpoint.*"}, instance)').include_all(True).multi(True)
                .all_value(".*").refresh(VariableRefresh.ON_TIME_RANGE_CHANGED).sort(VariableSort.ALPHABETICAL_ASC)
                .current(VariableOption(selected=True, text="All", value="$__all"))
                .description("Scrape targets of the flashpoint-worker and flashpoint-alerts jobs; filters every panel."))
    sel = f"{{{INST}}}"
    return board("flashpoint-pipeline-health", "Flashpoint / Pipeline health",
                 "For operators: throughput, rejects, lag, latency and liveness of the workers and the alert sink.", [
        stat_panel("Workers up",
                   "Pipeline workers (job flashpoint-worker) that Prometheus scraped successfully at the last "
                   "scrape. Compare with the number of workers you run.",
                   "short", query(f'sum(up{{job="flashpoint-worker", {INST}}})', "up"), w=4),
        stat_panel("Workers down",
                   "Pipeline workers whose last scrape failed (up == 0): crashed, hung or unreachable. "
                   "Red when any is down.",
                   "short", query(f'sum(1 - up{{job="flashpoint-worker", {INST}}})', "down"),
                   steps=((None, "green"), (1, "red")), w=4),
        stat_panel("Seconds since last processed post",
                   "Wall-clock time since each worker last processed a post. Grows while the input is quiet or "
                   "a worker is stuck; no value until a worker's first post.",
                   "s", query(f"time() - (max by (instance) (flashpoint_last_processed_timestamp_seconds{sel}) > 0)",
                              "{{instance}}"), steps=((None, "green"), (60, "orange"), (300, "red"))),
        stat_panel("Alerts pending delivery",
                   "Alert changes the sink still has to deliver to Alertmanager. Should return to 0 within "
                   "seconds; a steady rise means Alertmanager is unreachable.",
                   "short", query(f"sum(flashpoint_alerts_pending{sel})", "pending"),
                   steps=((None, "green"), (1, "orange"), (50, "red")), w=5),
        stat_panel("Seconds since last alert delivery",
                   "Wall-clock time since the alert sink last posted to Alertmanager successfully. Long gaps are "
                   "normal while no event changes; worrying together with pending alerts or failures.",
                   "s", query(f"time() - (max(flashpoint_alert_last_delivery_timestamp_seconds{sel}) > 0)",
                              "last delivery"), w=5),
        ts("Ingest throughput by source",
           "Posts accepted per second, by source (input topic:partition on Kafka workers, 'synth' in the demo).",
           "ops", query(f"sum by (source) (rate(flashpoint_posts_ingested_total{sel}[{RATE}]))", "{{source}}"),
           stacked=True),
        ts("Rejected posts by reason",
           "Records dead-lettered per second, by the schema field that failed ('json'/'csv'/'record' for "
           "undecodable records). No data until the first reject: each reason's series starts with it.",
           "ops", query(f"sum by (reason) (rate(flashpoint_posts_rejected_total{sel}[{RATE}]))", "{{reason}}"),
           stacked=True),
        ts("Rejected share of all records",
           "Dead-lettered records as a fraction of all records read (rejected plus accepted). Above a few "
           "percent points at a broken producer. No data until the first reject.",
           "percentunit", query(f"sum(rate(flashpoint_posts_rejected_total{sel}[{RATE}])) / "
                                f"(sum(rate(flashpoint_posts_rejected_total{sel}[{RATE}])) + "
                                f"sum(rate(flashpoint_posts_ingested_total{sel}[{RATE}])))", "rejected share")),
        ts("Late posts per second",
           "Posts that arrived after their event-time bucket had closed (counted, not used for detection). "
           "A steady rate means the input is more out of order than the bucket grace allows.",
           "ops", query(f"sum(rate(flashpoint_posts_late_total{sel}[{RATE}]))", "late")),
        ts("Consumer lag by topic",
           "Records in assigned partitions not yet consumed (high watermark minus position), summed by topic. "
           "Kafka workers only. Flat is fine; steady growth means the workers cannot keep up.",
           "short", query(f"sum by (topic) (flashpoint_consumer_lag_records{sel})", "{{topic}}")),
        ts("Partitions assigned by topic",
           "Input and term-count partitions each worker consumes now. After a rebalance every partition "
           "should be held by exactly one worker.",
           "short", query(f"sum by (instance, topic) (flashpoint_partitions_assigned{sel})",
                          "{{instance}} {{topic}}")),
        ts("Post delay p50 / p95",
           "Wall clock at processing minus the post's own timestamp. Seconds on a live stream; a replay of "
           "an old file saturates at the top bucket (3600 s).",
           "s", query(quantile(0.5, "flashpoint_post_delay_seconds", INST), "p50"),
           query(quantile(0.95, "flashpoint_post_delay_seconds", INST), "p95")),
        ts("Batch processing latency p95",
           "95th percentile of the wall time to process one batch of posts (including the buckets it "
           "closed), per worker. Spikes at bucket closes are expected.",
           "s", query(quantile(0.95, "flashpoint_processing_latency_seconds", INST, by="le, instance"), "{{instance}}")),
        ts("Buckets closed per minute",
           "Event-time buckets closed per minute of wall clock. A live stream closes one per bucket length; "
           "a replay closes them much faster; zero for long means event time is not advancing.",
           "opm", query(f"60 * sum(rate(flashpoint_buckets_closed_total{sel}[{RATE}]))", "closed")),
        ts("Alert delivery failures by reason",
           "Failed posts to Alertmanager per second, by reason (connection, timeout, http_4xx, http_5xx). "
           "Each failure is retried; a sustained rate with alerts pending means alerts are not getting out.",
           "ops", query(f"sum by (reason) (rate(flashpoint_alert_delivery_failures_total{sel}[{RATE}]))",
                        "{{reason}}"), stacked=True),
    ], time_from="now-1h", variables=[instance])


DASHBOARDS = {"newsroom-wall": newsroom_wall, "crisis-watch": crisis_watch, "pipeline-health": pipeline_health}


# -- output ------------------------------------------------------------------------------------

def render() -> dict[str, str]:
    """File name -> JSON text of every dashboard (sorted keys, 2-space indent, trailing newline)."""
    return {f"{name}.json": json.dumps(json.loads(JSONEncoder().encode(build().build())),
                                       sort_keys=True, indent=2, ensure_ascii=False) + "\n"
            for name, build in DASHBOARDS.items()}


def write(out_dir: Path = OUT_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in render().items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def check(out_dir: Path = OUT_DIR) -> list[str]:
    """Names of the files in ``out_dir`` that are missing or differ from what the code generates."""
    return [name for name, text in render().items()
            if not (out_dir / name).is_file() or (out_dir / name).read_text(encoding="utf-8") != text]


def panel_queries() -> list[tuple[str, str, str]]:
    """``(dashboard title, panel title, expr)`` for every target of every dashboard."""
    out = []
    for text in render().values():
        board_json = json.loads(text)
        for panel in board_json["panels"]:
            out.extend((board_json["title"], panel["title"], t["expr"]) for t in panel.get("targets", []))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed JSON differs from the code")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: grafana/dashboards)")
    args = parser.parse_args(argv)
    if args.check:
        stale = check(args.out)
        for name in stale:
            print(f"{args.out / name} differs from grafana/dashboards.py; run: python grafana/dashboards.py",
                  file=sys.stderr)
        return 1 if stale else 0
    for path in write(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
