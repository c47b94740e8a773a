"""Every dashboard query and every rule, evaluated by a real Prometheus (Debian's)
that scrapes a running pipeline: a Faust worker on the test broker, fed a synthetic
stream with events and some malformed posts, and the alert sink delivering to a
real Alertmanager.  No panel may come back empty; every rule must load, name only
metrics that exist, and (for an alert) return data without its threshold."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import promql_parser
import pytest
import yaml

from streams.local_broker import free_port
from tests.alertmanager_support import Alertmanager, Webhook
from tests.kafka_support import Deployment, post_json, wait_for
from tests.services import binary

ROOT = Path(__file__).resolve().parents[1]
RULES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
#: Template variables of the dashboards, as a query here fills them in.
VARIABLES = {"$__rate_interval": "30s", "$__interval": "5s", "$__range": "5m", "$team": ".*", "$instance": ".*",
             "${team}": ".*", "${instance}": ".*"}


def _panel_queries() -> list[tuple[str, str, str]]:
    spec = importlib.util.spec_from_file_location("flashpoint_dashboards", ROOT / "grafana" / "dashboards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.panel_queries()


def _rules() -> list[dict]:
    return [rule for path in RULES for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]]


class Prometheus:
    def __init__(self, root: Path, targets: dict[str, int]):
        self.root, self.port = root, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(p) for p in RULES],
            "scrape_configs": [{"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
                               for job, port in targets.items()],
        }
        (root / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = open(root / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            [binary("prometheus"), f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: self._ready(), 30, "prometheus to start")

    def _ready(self) -> bool:
        assert self.proc.poll() is None, (self.root / "prometheus.log").read_text()[-3000:]
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=1):
                return True
        except OSError:
            return False

    def api(self, path: str, **params) -> dict:
        url = f"{self.url}/api/v1/{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.loads(r.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list:
        return self.api("query", query=expr)["result"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)


@pytest.fixture(scope="module")
def prometheus(broker, tmp_path_factory):
    """A pipeline that has detected events, alerted and dead-lettered, scraped every second."""
    root = tmp_path_factory.mktemp("prometheus-stack")
    from streams.demo import _demo_watchlists
    from streams.synth import generate

    deployment = Deployment(broker, root)
    webhook, am, sink, prom = Webhook(), None, None, None
    try:
        am = Alertmanager(root, webhook.url).start()
        deployment.create_topics()
        stream = generate(3, hours=3, background_per_min=20)
        watchlists = root / "watchlists.yaml"  # a PR team watching the stream's made-up brand
        watchlists.write_text(yaml.safe_dump({"teams": [
            {"name": w["team"], "watchlists": [{"name": w["name"], "queries": w["queries"]}]}
            for w in _demo_watchlists(stream, None).describe()]}))
        worker = deployment.start_worker("w1", extra_env={"FLASHPOINT_LAG_INTERVAL_S": "1",
                                                          "FLASHPOINT_WATCHLISTS": str(watchlists)})
        sink_port = free_port()
        sink = subprocess.Popen([sys.executable, "-m", "streams.cli", "alerts", "--alertmanager", am.url],
                                env={**os.environ, **deployment.env, "FLASHPOINT_ALERTS_METRICS_PORT": str(sink_port)},
                                stdout=open(root / "alerts.log", "wb"), stderr=subprocess.STDOUT)
        prom = Prometheus(root, {"flashpoint-worker": worker.web_port, "flashpoint-alerts": sink_port})

        posts = list(stream.posts)
        values = [post_json(p) for p in posts]
        # malformed records, for the dead-letter series: not JSON, no text, a bad timestamp
        values[100:100] = [b"{not json", json.dumps({"id": "x1", "ts": 1}).encode(),
                           json.dumps({"id": "x2", "ts": "yesterday", "text": "hi"}).encode()]
        deployment.produce(values, partition_of=lambda i: i % deployment.partitions)
        wait_for(lambda: webhook.alerts("firing"), 120, "an event alert at the webhook", worker)
        # scraped after the alerts went out, with live events and lag series in place
        wait_for(lambda: prom.query('flashpoint_alert_notifications_total{state="firing"} > 0')
                 and prom.query("flashpoint_event_score") and prom.query("flashpoint_consumer_lag_records")
                 and prom.query("flashpoint_posts_rejected_total"), 60, "the scrapes to show the run", worker)
        time.sleep(3)  # a few more samples for rate windows and recording rules
        yield prom
    finally:
        for stop in (lambda: prom and prom.stop(), lambda: sink and sink.terminate(), deployment.stop,
                     lambda: am and am.stop(), webhook.close):
            stop()


def _selectors(node) -> list[str]:
    """Metric names a PromQL expression selects."""
    if isinstance(node, promql_parser.VectorSelector):
        return [node.name] if node.name else []
    out = []
    for attr in ("lhs", "rhs", "expr", "vector_selector"):
        child = getattr(node, attr, None)
        if child is not None:
            out += _selectors(child)
    for child in getattr(node, "args", None) or []:
        out += _selectors(child)
    return out


COMPARISONS = {">", "<", ">=", "<=", "==", "!="}


def _conditions(node) -> list:
    """An alert expression's conditions without their thresholds: ``a > 5 and b < 1``
    gives a, b; ``(a and b > 0) > 180`` gives a, b."""
    if isinstance(node, promql_parser.ParenExpr):
        return _conditions(node.expr)
    if isinstance(node, promql_parser.BinaryExpr):
        op = str(node.op)
        if op in ("and", "or", "unless"):
            return _conditions(node.lhs) + _conditions(node.rhs)
        if op in COMPARISONS:
            if isinstance(node.rhs, promql_parser.NumberLiteral):
                return _conditions(node.lhs)
            if isinstance(node.lhs, promql_parser.NumberLiteral):
                return _conditions(node.rhs)
    return [node]


def _fill(expr: str) -> str:
    for name, value in sorted(VARIABLES.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(name, value)
    return expr


@pytest.mark.kafka
@pytest.mark.parametrize("dashboard, panel, expr", _panel_queries())
def test_every_panel_query_returns_data(prometheus, dashboard, panel, expr):
    assert "vector(" not in expr, "no constant fallbacks: an empty panel must look empty"
    result = prometheus.query(_fill(expr))
    assert result, f"{dashboard} / {panel}: no data for {expr}"


@pytest.mark.kafka
def test_every_rule_loads_and_names_only_metrics_that_exist(prometheus):
    loaded = {r["name"]: r for g in prometheus.api("rules")["groups"] for r in g["rules"]}
    names = {r.get("alert") or r["record"] for r in _rules()}
    assert names == set(loaded), "every rule file's rules are loaded"
    assert all(r["health"] == "ok" for r in loaded.values()), [(n, r.get("lastError")) for n, r in loaded.items()]
    scraped = set(prometheus.api("label/__name__/values")) | {r["record"] for r in _rules() if "record" in r}
    for rule in _rules():
        missing = set(_selectors(promql_parser.parse(rule["expr"]))) - scraped
        assert not missing, f"{rule.get('alert') or rule['record']} names metrics no target exposes: {missing}"


@pytest.mark.kafka
@pytest.mark.parametrize("rule", [r for r in _rules() if "alert" in r], ids=lambda r: r["alert"])
def test_every_alert_condition_returns_data_without_its_threshold(prometheus, rule):
    for condition in _conditions(promql_parser.parse(rule["expr"])):
        assert prometheus.query(str(condition)), f"{rule['alert']}: no data for {condition}"


@pytest.mark.kafka
@pytest.mark.parametrize("rule", [r for r in _rules() if "record" in r], ids=lambda r: r["record"])
def test_every_recording_rule_records_a_series(prometheus, rule):
    wait_for(lambda: prometheus.query(rule["record"]), 10, f"series {rule['record']}")
