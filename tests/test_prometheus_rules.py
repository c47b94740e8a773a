"""deploy/prometheus: promtool checks and unit tests, and the conventions of the rules.

Runs ``promtool check rules``, ``promtool check config`` and ``promtool test
rules`` (Debian's promtool 2.42; missing -> skip locally, fail with CI=true),
then checks in Python that every alerting rule is complete (``for``, severity,
service, summary/description/runbook_url, CamelCase name), has no constant
fallback, is ``<expression> <comparison> <threshold>`` at the top level, and
has promtool test cases on both sides of its ``for:``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from streams.alerting import RUNBOOK as EVENT_RUNBOOK
from tests.services import binary

ROOT = Path(__file__).resolve().parents[1]
PROM = ROOT / "deploy" / "prometheus"
CONFIG = PROM / "prometheus.yml"
RULE_FILES = sorted((PROM / "rules").glob("*.yml"))
ALERTS_FILE = PROM / "rules" / "alerts.yml"
TEST_FILES = sorted((PROM / "tests").glob("*.yml"))

RUNBOOK = "https://github.com/flashpoint/flashpoint/blob/main/docs/runbook.md#"
CAMEL_CASE = re.compile(r"^(?:[A-Z][a-z0-9]+)+$")
RECORD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$")
#: ``<expression> <comparison> <threshold>`` with a numeric threshold at the end.
TOP_LEVEL_COMPARISON = re.compile(r"^(?P<lhs>.*\S)\s*(?P<op>==|!=|>=|<=|>|<)\s*(?P<threshold>[-+]?[0-9.]+(?:e[-+]?[0-9]+)?)\s*$",
                                  re.DOTALL)


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _rules(path: Path, kind: str) -> list[dict]:
    return [rule for group in _load(path)["groups"] for rule in group["rules"] if kind in rule]


ALERT_RULES = {rule["alert"]: rule for rule in _rules(ALERTS_FILE, "alert")}
RECORDING_RULES = [rule for path in RULE_FILES for rule in _rules(path, "record")]


def _duration(text: str | int | None, default: float = 60.0) -> float:
    """Seconds of a Prometheus duration such as ``1h30m``, ``5m`` or ``90s``."""
    if text is None:
        return default
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|[smhdwy])", str(text))
    assert parts and "".join(n + u for n, u in parts) == str(text), f"bad duration {text!r}"
    return sum(float(n) * units[u] for n, u in parts)


def _promtool(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([binary("promtool"), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"promtool {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


# -- promtool ------------------------------------------------------------------------------


def test_promtool_check_rules():
    assert RULE_FILES, "no rule files in deploy/prometheus/rules"
    out = _promtool("check", "rules", *map(str, RULE_FILES)).stdout
    assert out.count("SUCCESS") == len(RULE_FILES)


def test_promtool_check_config():
    # Also checks the rule files the config globs; the compose hostnames are only targets.
    out = _promtool("check", "config", str(CONFIG)).stdout
    assert f"SUCCESS: {len(RULE_FILES)} rule files found" in out


def test_promtool_unit_tests():
    assert TEST_FILES, "no promtool unit tests in deploy/prometheus/tests"
    _promtool("test", "rules", *map(str, TEST_FILES))


# -- scrape config -------------------------------------------------------------------------


def test_scrape_config():
    config = _load(CONFIG)
    assert config["global"]["scrape_interval"] == "15s"
    assert config["global"]["evaluation_interval"] == "15s"
    assert config["rule_files"] == ["rules/*.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = {name: [t for sc in job["static_configs"] for t in sc["targets"]] for name, job in jobs.items()}
    assert targets["flashpoint-worker"] == ["worker-1:6066", "worker-2:6066", "worker-3:6066"]
    assert jobs["flashpoint-worker"]["metrics_path"] == "/metrics"
    assert targets["flashpoint-alerts"] == ["alerts:9465"]
    assert "prometheus" in jobs
    managers = [t for am in config["alerting"]["alertmanagers"] for sc in am["static_configs"] for t in sc["targets"]]
    assert managers == ["alertmanager:9093"]


# -- rule conventions ----------------------------------------------------------------------


def test_required_alerts_present():
    required = {"NoPostsIngested", "ConsumerLagHigh", "DeadLetterRateHigh", "WorkerDown", "AlertDeliveryFailing"}
    assert required <= set(ALERT_RULES)


def test_no_rule_produces_event_alerts():
    """EmergingEvent alerts come only from the Flashpoint alert sink: one story pages once."""
    assert "EmergingEvent" not in ALERT_RULES
    for path in RULE_FILES:
        for rule in _rules(path, "alert"):
            assert rule.get("labels", {}).get("alertname") is None
            assert "event_id" not in rule.get("labels", {})


@pytest.mark.parametrize("record", [r["record"] for r in RECORDING_RULES])
def test_recording_rule_names(record):
    assert RECORD_NAME.match(record), f"{record} is not level:metric:operations"


@pytest.mark.parametrize("name", sorted(ALERT_RULES))
def test_alert_rule_is_complete(name):
    rule = ALERT_RULES[name]
    assert CAMEL_CASE.match(name), f"{name} is not CamelCase"
    assert _duration(rule.get("for"), default=0) > 0, f"{name} has no for:"
    labels = rule.get("labels", {})
    assert labels.get("severity") in {"warning", "critical"}
    assert labels.get("service") == "flashpoint"
    annotations = rule.get("annotations", {})
    for key in ("summary", "description", "runbook_url"):
        assert annotations.get(key, "").strip(), f"{name} lacks annotation {key}"
    assert "{{" in annotations["description"], f"{name}: description shows no templated value"
    assert annotations["runbook_url"] == RUNBOOK + name.lower()


@pytest.mark.parametrize("name", sorted(ALERT_RULES))
def test_alert_expression_shape(name):
    """``<expression> <comparison> <threshold>``, no constant fallback such as ``or vector(0)``."""
    expr = ALERT_RULES[name]["expr"]
    assert "vector(" not in expr, f"{name} has a constant fallback"
    match = TOP_LEVEL_COMPARISON.match(expr)
    assert match, f"{name}: expression does not end in <comparison> <threshold>"
    # The left-hand side alone must be valid PromQL (so it can be graphed/evaluated).
    lhs = match["lhs"]
    assert lhs.count("(") == lhs.count(")")


def test_alert_lhs_is_valid_promql(tmp_path):
    """Each alert's left-hand side parses on its own (promtool checks it as a recording rule)."""
    rules = [{"record": f"lhs:{name}:check", "expr": TOP_LEVEL_COMPARISON.match(rule["expr"])["lhs"]}
             for name, rule in ALERT_RULES.items()]
    path = tmp_path / "lhs.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "lhs", "rules": rules}]}), encoding="utf-8")
    _promtool("check", "rules", str(path))


# -- unit-test coverage ------------------------------------------------------------------


def _alert_cases() -> dict[str, list[dict]]:
    """alertname -> [{group, interval, eval_time, firing, exp_alerts}] over all test files."""
    cases: dict[str, list[dict]] = {}
    for path in TEST_FILES:
        doc = _load(path)
        interval = _duration(doc.get("evaluation_interval"), default=60)
        for index, group in enumerate(doc.get("tests", [])):
            for case in group.get("alert_rule_test", []) or []:
                cases.setdefault(case["alertname"], []).append({
                    "group": (path.name, index),
                    "interval": interval,
                    "eval_time": _duration(case["eval_time"]),
                    "firing": bool(case.get("exp_alerts")),
                    "exp_alerts": case.get("exp_alerts") or [],
                })
    return cases


CASES = _alert_cases()


def test_tests_name_existing_alerts():
    assert set(CASES) <= set(ALERT_RULES), f"tests for unknown alerts: {set(CASES) - set(ALERT_RULES)}"


@pytest.mark.parametrize("name", sorted(ALERT_RULES))
def test_alert_tested_on_both_sides_of_for(name):
    """A non-firing case once ``for`` could have elapsed and a firing case one evaluation later."""
    cases = CASES.get(name, [])
    assert len(cases) >= 2, f"{name} needs promtool cases below and above its for:"
    hold = _duration(ALERT_RULES[name]["for"])
    pairs = [
        (quiet, loud) for quiet in cases for loud in cases
        if not quiet["firing"] and loud["firing"] and quiet["group"] == loud["group"]
        and quiet["eval_time"] >= hold and 0 < loud["eval_time"] - quiet["eval_time"] <= quiet["interval"]
    ]
    assert pairs, (f"{name}: no pair of cases (pending, then firing one evaluation interval later) "
                   f"around its for: {ALERT_RULES[name]['for']}")


@pytest.mark.parametrize("name", sorted(ALERT_RULES))
def test_alert_tests_check_exact_labels_and_annotations(name):
    rule = ALERT_RULES[name]
    firing = [alert for case in CASES.get(name, []) for alert in case["exp_alerts"]]
    assert firing
    for alert in firing:
        labels = alert.get("exp_labels", {})
        for key, value in rule["labels"].items():
            assert labels.get(key) == value
        assert set(alert.get("exp_annotations", {})) == set(rule["annotations"])


def _runbook_anchors() -> set[str]:
    text = (ROOT / "docs" / "runbook.md").read_text()
    return {line[3:].strip().lower() for line in text.splitlines() if line.startswith("## ")}


@pytest.mark.parametrize("url", sorted({r["annotations"]["runbook_url"] for r in ALERT_RULES.values()}
                                       | {EVENT_RUNBOOK}))
def test_every_runbook_link_has_its_section(url):
    assert url.rpartition("#")[2] in _runbook_anchors(), f"docs/runbook.md has no section for {url}"
