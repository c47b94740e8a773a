"""deploy/alertmanager: amtool checks, routing, and inhibition in a real Alertmanager.

The config references secrets and templates under ``/etc/alertmanager/``
(``secrets/*`` and ``templates/*.tmpl``, mounted there by docker-compose).  The
tests copy it into a temp dir with that prefix rewritten to the temp dir, which
holds dummy secrets made from ``deploy/alertmanager/secrets/*.example`` and a
copy of the templates -- so ``amtool check-config`` also loads the templates.

The inhibition test starts Debian's Alertmanager 0.25 on a free 127.0.0.1 port
(clustering disabled), its webhook receivers pointed at a local HTTP server, and
the Slack/PagerDuty/email integrations removed so nothing leaves the machine.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.alertmanager_support import Alertmanager
from tests.services import binary

ROOT = Path(__file__).resolve().parents[1]
AM = ROOT / "deploy" / "alertmanager"
CONFIG = AM / "alertmanager.yml"
ALERTS_FILE = ROOT / "deploy" / "prometheus" / "rules" / "alerts.yml"
PREFIX = "/etc/alertmanager/"
SECRETS = PREFIX + "secrets/"
#: Keys that would hold a secret inline; only their ``*_file`` forms are allowed.
INLINE_SECRETS = {"api_url", "slack_api_url", "routing_key", "service_key", "auth_password",
                  "smtp_auth_password", "auth_secret", "smtp_auth_secret", "api_key", "password",
                  "credentials", "bearer_token"}


def _walk(node, path=()):
    """(key path, key, value) of every mapping entry in a YAML tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, path + (index,))


def _amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary("amtool"), *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.fixture
def etc_dir(tmp_path) -> Path:
    """A stand-in for /etc/alertmanager: dummy secrets from the examples, the templates."""
    etc = tmp_path / "etc-alertmanager"
    (etc / "secrets").mkdir(parents=True)
    for example in (AM / "secrets").glob("*.example"):
        shutil.copy(example, etc / "secrets" / example.name.removesuffix(".example"))
    shutil.copytree(AM / "templates", etc / "templates")
    return etc


@pytest.fixture
def config_copy(etc_dir) -> Path:
    """The config as written, with /etc/alertmanager/ pointing at ``etc_dir``."""
    text = CONFIG.read_text(encoding="utf-8").replace(PREFIX, f"{etc_dir}/")
    path = etc_dir / "alertmanager.yml"
    path.write_text(text, encoding="utf-8")
    return path


# -- static checks -------------------------------------------------------------------------


def test_amtool_check_config(config_copy):
    result = _amtool("check-config", str(config_copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    assert " - 1 templates" in result.stdout  # the template glob matched and parsed


def test_secrets_only_from_files():
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    files = []
    for path, key, value in _walk(config):
        assert key not in INLINE_SECRETS, f"inline secret {key} at {path}"
        if key.endswith("_file"):
            files.append(value)
    assert files, "no secret files referenced"
    examples = {p.name.removesuffix(".example") for p in (AM / "secrets").glob("*.example")}
    for file in files:
        assert file.startswith(SECRETS), f"{file} is not under {SECRETS}"
        assert file.removeprefix(SECRETS) in examples, f"no example for {file}"


def test_templates_render():
    result = _amtool("template", "render", f"--template.glob={AM / 'templates' / '*.tmpl'}",
                     '--template.text={{ template "flashpoint.title" . }}|{{ template "flashpoint.text" . }}')
    assert result.returncode == 0, result.stdout + result.stderr


def _route(config: Path, labels: dict[str, str]) -> str:
    result = _amtool("config", "routes", "test", f"--config.file={config}",
                     *(f"{key}={value}" for key, value in labels.items()))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


EVENT = {"alertname": "EmergingEvent", "service": "flashpoint", "event_id": "evt-42"}


@pytest.mark.parametrize("labels, receiver", [
    ({**EVENT, "severity": "critical"}, "newsroom-pager"),
    ({**EVENT, "severity": "warning"}, "newsroom-slack"),
    ({**EVENT, "severity": "info"}, "newsroom-wall"),
    ({**EVENT, "severity": "critical", "team": "acme-pr", "watchlist": "acme"}, "acme-pr"),
    ({**EVENT, "severity": "info", "team": "acme-pr"}, "acme-pr"),
    ({**EVENT, "severity": "warning", "team": "some-other-team"}, "newsroom-slack"),
    ({"alertname": "WorkerDown", "severity": "critical", "service": "flashpoint"}, "oncall-pager"),
    ({"alertname": "ConsumerLagHigh", "severity": "warning", "service": "flashpoint"}, "oncall-slack"),
    ({"alertname": "SomethingElse", "severity": "critical"}, "oncall-slack"),
], ids=lambda value: value if isinstance(value, str) else "-".join(value.get(k, "") for k in ("alertname", "severity", "team")))
def test_routing(config_copy, labels, receiver):
    assert _route(config_copy, labels) == receiver


def _prometheus_alerts() -> list[dict]:
    doc = yaml.safe_load(ALERTS_FILE.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


@pytest.mark.parametrize("rule", _prometheus_alerts(), ids=lambda rule: rule["alert"])
def test_every_pipeline_alert_reaches_oncall(config_copy, rule):
    """The alerts of deploy/prometheus/rules/alerts.yml page on call when critical, Slack otherwise."""
    labels = {"alertname": rule["alert"], **rule["labels"]}
    expected = "oncall-pager" if labels["severity"] == "critical" else "oncall-slack"
    assert _route(config_copy, labels) == expected


# -- a real Alertmanager -------------------------------------------------------------------


def _live_config(config_copy: Path, webhook_url: str) -> Path:
    """Webhooks to ``webhook_url``, no outside integrations, short group timers."""
    config = yaml.safe_load(config_copy.read_text(encoding="utf-8"))
    config["route"].update(group_wait="1s", group_interval="1s")
    for receiver in config["receivers"]:
        for key in [k for k in receiver if k.endswith("_configs") and k != "webhook_configs"]:
            del receiver[key]
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = webhook_url
    path = config_copy.with_name("alertmanager-live.yml")
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def alertmanager(config_copy, webhook, tmp_path):
    """Base URL of a running Alertmanager on 127.0.0.1 with the repository's routes and
    inhibitions (webhooks only); always terminated."""
    config = _live_config(config_copy, webhook.url)
    check = _amtool("check-config", str(config))
    assert check.returncode == 0, check.stdout + check.stderr
    am = Alertmanager(tmp_path, webhook.url, config.read_text(encoding="utf-8")).start()
    try:
        yield am.url
    finally:
        am.stop()


def _wait_for(predicate, timeout: float = 15.0, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def _event_alert(severity: str, event_id: str = "evt-inhibit") -> dict:
    return {
        "labels": {"alertname": "EmergingEvent", "service": "flashpoint", "severity": severity,
                   "event_id": event_id},
        "annotations": {"summary": f"{severity} story {event_id}"},
    }


def test_critical_event_inhibits_warning_of_same_event(alertmanager, webhook):
    alerts = [_event_alert("critical"), _event_alert("warning"), _event_alert("warning", "evt-other")]
    response = httpx.post(f"{alertmanager}/api/v2/alerts", json=alerts, timeout=5)
    assert response.status_code == 200, response.text

    def statuses():
        got = httpx.get(f"{alertmanager}/api/v2/alerts", timeout=5).json()
        by_key = {(a["labels"]["event_id"], a["labels"]["severity"]): a for a in got}
        return by_key if len(by_key) == 3 and by_key[("evt-inhibit", "warning")]["status"]["inhibitedBy"] else None

    by_key = _wait_for(statuses)
    assert by_key, httpx.get(f"{alertmanager}/api/v2/alerts", timeout=5).text
    warning = by_key[("evt-inhibit", "warning")]
    critical = by_key[("evt-inhibit", "critical")]
    assert warning["status"]["state"] == "suppressed"
    assert warning["status"]["inhibitedBy"] == [critical["fingerprint"]]
    assert critical["status"]["state"] == "active" and not critical["status"]["inhibitedBy"]
    # Another event's warning is not inhibited by this event's critical.
    assert by_key[("evt-other", "warning")]["status"]["inhibitedBy"] == []

    inhibited = httpx.get(f"{alertmanager}/api/v2/alerts",
                          params={"inhibited": "true", "active": "false", "silenced": "false"}, timeout=5).json()
    assert [(a["labels"]["event_id"], a["labels"]["severity"]) for a in inhibited] == [("evt-inhibit", "warning")]

    # The webhook gets the critical (newsroom-pager) and the other event's warning
    # (newsroom-slack), never the inhibited warning.
    def delivered():
        seen = {(n["receiver"], a["labels"]["event_id"], a["labels"]["severity"])
                for n in webhook.bodies for a in n["alerts"]}
        return seen if {("newsroom-pager", "evt-inhibit", "critical"),
                        ("newsroom-slack", "evt-other", "warning")} <= seen else None

    seen = _wait_for(delivered)
    assert seen, webhook.bodies
    time.sleep(2.5)  # a few more group intervals: the inhibited warning must stay undelivered
    seen = {(a["labels"]["event_id"], a["labels"]["severity"]) for n in webhook.bodies for a in n["alerts"]}
    assert ("evt-inhibit", "warning") not in seen
    assert all(n["receiver_path"] == "/alert" and n["status"] == "firing" for n in webhook.bodies)


def test_critical_pipeline_alert_does_not_inhibit_other_warnings(alertmanager):
    """Pipeline alerts carry no event_id: a critical one must not silence unrelated warnings."""
    alerts = [
        {"labels": {"alertname": "WorkerDown", "service": "flashpoint", "severity": "critical",
                    "job": "flashpoint-worker", "instance": "worker-1:6066"}},
        {"labels": {"alertname": "ConsumerLagHigh", "service": "flashpoint", "severity": "warning",
                    "topic": "posts"}},
        {"labels": {"alertname": "EmergingEvent", "service": "flashpoint", "severity": "warning",
                    "event_id": "evt-7"}},
    ]
    assert httpx.post(f"{alertmanager}/api/v2/alerts", json=alerts, timeout=5).status_code == 200
    got = _wait_for(lambda: (lambda a: a if len(a) == 3 else None)(
        httpx.get(f"{alertmanager}/api/v2/alerts", timeout=5).json()))
    assert got and len(got) == 3
    time.sleep(1.5)  # let the inhibitor see every alert before asking again
    got = httpx.get(f"{alertmanager}/api/v2/alerts", timeout=5).json()
    assert {a["labels"]["alertname"]: a["status"]["inhibitedBy"] for a in got} == {
        "WorkerDown": [], "ConsumerLagHigh": [], "EmergingEvent": []}
