"""Grafana dashboards as code (grafana/dashboards.py): the committed JSON is what the
code generates, every panel is complete, every expression is plain PromQL over the
metric contract of streams/metrics.py, and the provisioning files point at them."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from streams.metrics import AlertSinkMetrics, PipelineMetrics
from tests.services import binary

GRAFANA = Path(__file__).resolve().parent.parent / "grafana"
FILES = ("newsroom-wall.json", "crisis-watch.json", "pipeline-health.json")
DASHBOARDS_MOUNT = "/etc/grafana/dashboards/flashpoint"
VARIABLES = {"$__rate_interval": "1m", "$instance": ".*", "$team": "default"}


def _load_generator():
    spec = importlib.util.spec_from_file_location("flashpoint_grafana_dashboards", GRAFANA / "dashboards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def committed(name: str) -> dict:
    return json.loads((GRAFANA / "dashboards" / name).read_text(encoding="utf-8"))


def targets(board: dict):
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            yield panel, target


def contract() -> set[str]:
    """Every exposed sample name of the pipeline and alert-sink metrics, plus ``up``.

    Labeled metrics have no samples until first used, so names also come from each
    family's type (a counter ``x`` is exposed as ``x_total``, a histogram as
    ``x_bucket``/``x_sum``/``x_count``)."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    names = {"up"}
    for build in (PipelineMetrics, AlertSinkMetrics):
        registry = CollectorRegistry()
        build(registry)
        for family in registry.collect():
            names.update(family.name + s for s in suffixes[family.type])
            names.update(sample.name for sample in family.samples)
    return names


def metric_names(expr: str) -> set[str]:
    """Identifiers of ``expr`` that name series: strings, label matchers, ranges and
    grouping clauses removed, then whatever is not a function call or a keyword."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    keywords = {"and", "or", "unless", "bool", "offset", "by", "without", "group_left", "group_right"}
    return {name for name in re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", text)
            if name not in keywords}


@pytest.mark.parametrize("name", FILES)
def test_committed_json_is_generated(name, tmp_path):
    gen.write(tmp_path)
    fresh = (tmp_path / name).read_bytes()
    assert fresh == (GRAFANA / "dashboards" / name).read_bytes(), (
        f"grafana/dashboards/{name} is not what grafana/dashboards.py generates; "
        "regenerate with: .venv/bin/python grafana/dashboards.py")


def test_check_mode_names_the_stale_file(tmp_path, capsys):
    gen.write(tmp_path)
    assert gen.main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / FILES[1]).write_text("{}\n", encoding="utf-8")
    assert gen.main(["--check", "--out", str(tmp_path)]) == 1
    assert FILES[1] in capsys.readouterr().err


@pytest.mark.parametrize("name", FILES)
def test_dashboard_identity(name):
    board = committed(name)
    assert board["uid"] == "flashpoint-" + name.removesuffix(".json")
    assert [p["id"] for p in board["panels"]] == list(range(1, len(board["panels"]) + 1))


@pytest.mark.parametrize("name", FILES)
def test_every_panel_is_complete(name):
    for panel in committed(name)["panels"]:
        title = panel.get("title")
        assert title, panel
        assert len(panel.get("description", "")) > 40, f"{title}: no description"
        assert panel["fieldConfig"]["defaults"].get("unit"), f"{title}: no unit"
        assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"}, title
        assert panel.get("targets"), f"{title}: no target"
        for target in panel["targets"]:
            assert target.get("expr", "").strip(), f"{title}: empty expr"
            assert target["datasource"]["uid"] == "prometheus", title


@pytest.mark.parametrize("name", FILES)
def test_no_constant_fallbacks(name):
    for panel, target in targets(committed(name)):
        assert "vector(" not in target["expr"].replace(" ", ""), f"{panel['title']}: {target['expr']}"


@pytest.mark.parametrize("name", FILES)
def test_expressions_use_only_contract_metrics(name):
    known = contract()
    assert {"flashpoint_posts_ingested_total", "flashpoint_event_score",
            "flashpoint_post_delay_seconds_bucket", "flashpoint_alerts_firing"} <= known
    for panel, target in targets(committed(name)):
        expr = target["expr"]
        used = metric_names(expr) | set(re.findall(r"flashpoint_[a-z_]+", expr))
        assert used, f"{panel['title']}: no metric in {expr}"
        assert used <= known, f"{panel['title']}: unknown metrics {sorted(used - known)} in {expr}"
        assert re.findall(r"\[([^\]]*)\]", expr) in ([], ["$__rate_interval"] * expr.count("[")), expr
        assert set(re.findall(r"\$\w+", expr)) <= set(VARIABLES), expr


def test_metric_name_parser():
    expr = ('histogram_quantile(0.95, sum by (le, instance) (rate(a_bucket{instance=~"$instance", x="b c"}'
            '[$__rate_interval]))) / on() group_left sum(up{job="w"}) > 0 and bogus_total')
    assert metric_names(expr) == {"a_bucket", "up", "bogus_total"}


def test_panel_queries_cover_every_target():
    queries = gen.panel_queries()
    count = sum(len(list(targets(committed(name)))) for name in FILES)
    assert len(queries) == count
    assert ("Flashpoint / Pipeline health", "Consumer lag by topic",
            'sum by (topic) (flashpoint_consumer_lag_records{instance=~"$instance"})') in queries


def test_expressions_parse_with_promtool(tmp_path):
    promtool = binary("promtool")
    rules = []
    for i, (_, _, expr) in enumerate(gen.panel_queries()):
        for var, value in VARIABLES.items():
            expr = expr.replace(var, value)
        rules.append({"record": f"flashpoint_dashboard:query{i}", "expr": expr})
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}), encoding="utf-8")
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_crisis_watch_filters_by_the_watchlist_teams():
    board = committed("crisis-watch.json")
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["team"]["type"] == "query" and variables["team"]["includeAll"]
    assert "flashpoint_watchlist_events" in json.dumps(variables["team"]["query"])
    team_panels = [p for p in board["panels"] if any('team=~"$team"' in t.get("expr", "") for t in p["targets"])]
    assert len(team_panels) >= 2


def test_datasource_provisioning():
    config = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yaml").read_text())
    (source,) = config["datasources"]
    assert (source["type"], source["uid"], source["url"]) == ("prometheus", "prometheus", "http://prometheus:9090")


def test_dashboard_provisioning_points_at_the_mounted_folder():
    text = (GRAFANA / "provisioning" / "dashboards" / "flashpoint.yaml").read_text()
    (provider,) = yaml.safe_load(text)["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == DASHBOARDS_MOUNT
    assert f"./grafana/dashboards:{DASHBOARDS_MOUNT}" in text  # the mount the compose file needs
    assert sorted(p.name for p in (GRAFANA / "dashboards").glob("*.json")) == sorted(FILES)
