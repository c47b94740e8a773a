"""Offline checks of the deployment files: deploy/docker-compose.yml, deploy/Dockerfile,
deploy/k8s (kustomize) and the webhook receiver of deploy/webhook.

Always run (no daemon, no cluster, no network):
* every YAML file under deploy/ parses;
* the compose file validates against the official compose-spec JSON schema (a copy in
  tests/data), and its structure: pinned images,
  loopback-only published ports, bind-mounted paths that exist, declared volumes and
  networks, ``depends_on`` targets, FLASHPOINT_* variables that are real
  :class:`streams.settings.Settings` fields with values it accepts, Prometheus scrape
  targets and the Alertmanager webhook URL that match services;
* the Dockerfile: base image, non-root user, entrypoint, sources it copies;
* kustomize: every resource and patch a kustomization.yaml names exists, every patch
  and replicas target exists in what it builds on; base resources validate against the
  Kubernetes OpenAPI schemas (``kubernetes-validate``, strict: unknown fields fail);
  StatefulSet volume claims mounted at FLASHPOINT_DATA_DIR, probes and scrape
  annotations on declared container ports, selectors that match pod labels.

Needs a tool:
* ``docker compose config -q`` (or Debian's ``docker-compose``, which ``make test``
  installs: with CI=true its absence fails);

Run when the tool is on the PATH, skipped otherwise (locally and in CI alike: kubectl
comes from no enabled Debian source here):
* ``kubectl kustomize`` of the base and of overlays/production, whose output gets the
  same schema and structure checks plus the production values.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import ipaddress
import json
import os
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from streams.settings import Settings
from tests.services import missing

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
PRODUCTION = K8S / "overlays" / "production"

SETTINGS_ENV = {"FLASHPOINT_" + name.upper() for name in Settings.model_fields}
LOOPBACK = "127.0.0.1"
WORKERS = ("worker-1", "worker-2", "worker-3")
K8S_VERSION = kubernetes_validate.utils.latest_version()


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO))


def _load_all(path: Path) -> list:
    with open(path, encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


_INTERP = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: str) -> str:
    """Compose's ``${VAR:-default}`` with every variable unset (so: the defaults)."""

    def sub(m: re.Match) -> str:
        if m.group(2) in (":-", "-"):
            return m.group(3)
        raise AssertionError(f"{value!r}: ${{{m.group(1)}}} has no default")

    return _INTERP.sub(sub, value).replace("$$", "$")


# -- every YAML file --------------------------------------------------------------------------

YAML_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def test_deploy_files_present():
    for path in (COMPOSE_FILE, DOCKERFILE, BASE / "kustomization.yaml", PRODUCTION / "kustomization.yaml",
                 DEPLOY / "webhook" / "receiver.py"):
        assert path.is_file(), f"{_rel(path)} is missing"


@pytest.mark.parametrize("path", YAML_FILES, ids=_rel)
def test_yaml_parses(path):
    docs = _load_all(path)
    assert docs, f"{_rel(path)} has no YAML document"


# -- docker-compose.yml -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _compose_services() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]


SERVICES = sorted(_compose_services())
FLASHPOINT_SERVICES = sorted(
    name for name, svc in _compose_services().items()
    if str(svc.get("image", "")).startswith("flashpoint:") or "build" in svc
)


def compose_spec_schema() -> dict:
    """The compose-spec JSON schema (Apache-2.0, tests/data/LICENSE.compose-spec), a copy
    of the one check-jsonschema vendors: that package pins a click faust-streaming refuses."""
    return json.loads((Path(__file__).parent / "data" / "compose-spec.json").read_text(encoding="utf-8"))


def _schema_errors(schema: dict, doc) -> list[str]:
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_matches_compose_spec_schema(compose):
    schema = compose_spec_schema()
    assert schema.get("title") == "Compose Specification" or "compose" in str(schema.get("$id", "")).lower()
    assert _schema_errors(schema, compose) == []


def test_compose_schema_check_catches_mistakes(compose):
    """The schema check is live: a misspelt key and a wrong type are both reported."""
    schema = compose_spec_schema()
    bad = copy.deepcopy(compose)
    bad["services"]["kafka"]["healthcheck"]["retires"] = 3
    bad["services"]["prometheus"]["ports"] = "127.0.0.1:9090:9090"
    errors = _schema_errors(schema, bad)
    assert any("retires" in e for e in errors), errors
    assert any(e.startswith("services/prometheus/ports") for e in errors), errors


def test_compose_has_the_stack(compose):
    expected = {"kafka", "topics", *WORKERS, "producer", "alerts", "prometheus", "alertmanager",
                "grafana", "alerts-webhook"}
    assert expected <= set(compose["services"]), expected - set(compose["services"])


def _image_ref(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    ref, _, digest = image.partition("@")
    last = ref.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    repo = ref[: len(ref) - len(tag) - 1] if tag else ref
    return repo, tag, digest or None


@pytest.mark.parametrize("name", SERVICES)
def test_compose_image_pinned(compose, name):
    svc = compose["services"][name]
    assert "image" in svc, f"{name}: no image (a built service names its image, so its tag is pinned)"
    repo, tag, digest = _image_ref(interpolate(svc["image"]))
    assert tag or digest, f"{name}: {svc['image']!r} has no tag"
    assert tag != "latest", f"{name}: {svc['image']!r} is not pinned"
    if tag:  # a version, not a floating name such as 'stable', 'slim' or 'main'
        assert re.search(r"\d+\.\d+", tag), f"{name}: {svc['image']!r}: tag is not a version"


def _ports(svc: dict) -> list[tuple[str | None, str]]:
    """(host_ip, spec) of each published port."""
    out = []
    for port in svc.get("ports", []):
        if isinstance(port, dict):
            out.append((port.get("host_ip"), json.dumps(port)))
            continue
        spec = str(port)
        host_ip = None
        if spec.startswith("["):  # [::1]:8080:80
            host_ip = spec[1:spec.index("]")]
        elif spec.count(":") == 2:
            host_ip = spec.split(":", 1)[0]
        out.append((host_ip, spec))
    return out


@pytest.mark.parametrize("name", SERVICES)
def test_compose_ports_bound_to_loopback(compose, name):
    svc = compose["services"][name]
    assert svc.get("network_mode") != "host", f"{name}: host networking bypasses the loopback binding"
    for host_ip, spec in _ports(svc):
        assert host_ip == LOOPBACK, f"{name}: port {spec} is not bound to {LOOPBACK}"


def _volume_entries(svc: dict) -> list[dict]:
    """Each volume of a service in long syntax: {type, source, target, read_only}."""
    out = []
    for vol in svc.get("volumes", []):
        if isinstance(vol, dict):
            out.append(vol)
            continue
        parts = interpolate(str(vol)).split(":")
        if len(parts) == 1:
            out.append({"type": "volume", "target": parts[0]})
            continue
        source, target = parts[0], parts[1]
        mode = parts[2] if len(parts) > 2 else ""
        kind = "bind" if source.startswith((".", "/", "~", "$")) else "volume"
        out.append({"type": kind, "source": source, "target": target, "read_only": "ro" in mode.split(",")})
    return out


@pytest.mark.parametrize("name", SERVICES)
def test_compose_bind_mounts_exist(compose, name):
    for vol in _volume_entries(compose["services"][name]):
        if vol["type"] != "bind":
            continue
        source = (COMPOSE_FILE.parent / interpolate(vol["source"])).resolve()
        assert source.exists(), f"{name}: bind mount source {vol['source']} ({source}) does not exist"
        assert REPO in source.parents, f"{name}: {vol['source']} is outside the repository"
        assert vol.get("read_only"), f"{name}: bind mount {vol['source']} should be read-only"


def test_compose_named_volumes_declared(compose):
    declared = set(compose.get("volumes") or {})
    used = {vol["source"] for svc in compose["services"].values() for vol in _volume_entries(svc)
            if vol["type"] == "volume" and vol.get("source")}
    assert used <= declared, f"undeclared volumes: {used - declared}"
    assert declared <= used, f"declared but unused volumes: {declared - used}"


def test_compose_networks_declared(compose):
    declared = set(compose.get("networks") or {})
    for name, svc in compose["services"].items():
        nets = svc.get("networks") or []
        assert nets, f"{name}: on no named network"
        assert set(nets) <= declared, f"{name}: undeclared networks {set(nets) - declared}"


@pytest.mark.parametrize("name", SERVICES)
def test_compose_depends_on_targets_exist(compose, name):
    services = compose["services"]
    deps = services[name].get("depends_on") or {}
    if isinstance(deps, list):
        deps = {d: {"condition": "service_started"} for d in deps}
    for dep, opts in deps.items():
        assert dep in services, f"{name}: depends_on unknown service {dep!r}"
        assert dep != name
        cond = opts.get("condition", "service_started")
        if cond == "service_healthy":
            assert "healthcheck" in services[dep], f"{name}: waits for {dep} healthy, but it has no healthcheck"
        if cond == "service_completed_successfully":
            assert services[dep].get("restart", "no") in ("no", "on-failure"), \
                f"{name}: waits for {dep} to complete, but {dep} restarts forever"


def test_compose_startup_order(compose):
    services = compose["services"]
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["topics"]["command"] == ["topics", "create"]
    for name in (*WORKERS, "producer", "alerts"):
        assert services[name]["depends_on"]["topics"]["condition"] == "service_completed_successfully", name


def _environment(svc: dict) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


@pytest.mark.parametrize("name", FLASHPOINT_SERVICES)
def test_compose_flashpoint_env_are_settings(compose, name, monkeypatch):
    """Every variable of a flashpoint service is a Settings field, and Settings accepts
    the values (types, ranges, patterns)."""
    env = _environment(compose["services"][name])
    unknown = sorted(set(env) - SETTINGS_ENV)
    assert not unknown, f"{name}: not FLASHPOINT_* settings of streams.settings.Settings: {unknown}"
    assert {"FLASHPOINT_BROKER_URL", "FLASHPOINT_APP_ID", "FLASHPOINT_PARTITIONS"} <= set(env), name
    settings = _settings_from(env, monkeypatch)
    # metrics.serve refuses wildcard addresses: a container must name its own address.
    host = settings.metrics_host
    try:
        assert not ipaddress.ip_address(host).is_unspecified, f"{name}: FLASHPOINT_METRICS_HOST={host}"
    except ValueError:
        pass


def _settings_from(env: dict[str, str], monkeypatch) -> Settings:
    for key in list(os.environ):
        if key.startswith("FLASHPOINT_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings()


def test_compose_flashpoint_services_agree(compose):
    """Topic layout and app id are the same for every flashpoint process."""
    shared = ("FLASHPOINT_BROKER_URL", "FLASHPOINT_APP_ID", "FLASHPOINT_PARTITIONS", "FLASHPOINT_TERM_SHARDS",
              "FLASHPOINT_REPLICATION_FACTOR")
    seen = {name: tuple(_environment(compose["services"][name]).get(k) for k in shared)
            for name in FLASHPOINT_SERVICES}
    assert len(set(seen.values())) == 1, seen
    assert len({compose["services"][n]["image"] for n in FLASHPOINT_SERVICES}) == 1


@pytest.mark.parametrize("name", WORKERS)
def test_compose_worker(compose, name, monkeypatch):
    svc = compose["services"][name]
    env = _environment(svc)
    settings = _settings_from(env, monkeypatch)
    assert svc["command"][0] == "worker"
    assert settings.web_bind == "0.0.0.0", f"{name}: Prometheus cannot scrape a loopback-bound worker"
    assert "FLASHPOINT_DATA_DIR" in env
    mounts = {v["target"]: v for v in _volume_entries(svc)}
    data = mounts.get(settings.data_dir)
    assert data and data["type"] == "volume", f"{name}: FLASHPOINT_DATA_DIR {settings.data_dir} is not a named volume"
    others = {v["source"] for w in WORKERS if w != name for v in _volume_entries(compose["services"][w])}
    assert data["source"] not in others, f"{name}: shares its table volume with another worker"
    assert "healthcheck" in svc
    assert str(settings.web_port) in " ".join(svc["healthcheck"]["test"])
    container_ports = {str(p).rsplit(":", 1)[-1] for p in svc.get("ports", [])}
    assert container_ports <= {str(settings.web_port), str(settings.wall_port)}
    # the wall refuses wildcard addresses: a container must name its own address
    wall_host = settings.wall_bind or settings.web_bind
    try:
        assert not ipaddress.ip_address(wall_host).is_unspecified, f"{name}: the wall's address {wall_host}"
    except ValueError:
        pass


@pytest.mark.parametrize("name", [n for n in SERVICES if n not in ("topics", "producer")])
def test_compose_long_running_services_have_healthchecks(compose, name):
    check = compose["services"][name].get("healthcheck")
    assert check and not check.get("disable"), f"{name}: no healthcheck"


def test_compose_kafka_kraft(compose):
    kafka = compose["services"]["kafka"]
    repo, tag, _ = _image_ref(kafka["image"])
    assert repo == "apache/kafka" and tag.startswith("3.9."), kafka["image"]
    env = _environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    advertised = dict(x.split("://", 1) for x in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    listeners = dict(x.split("://", 1) for x in env["KAFKA_LISTENERS"].split(","))
    protocols = dict(x.split(":", 1) for x in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(listeners) <= set(protocols) and set(advertised) <= set(listeners)
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in listeners
    # in-network clients reach the broker under the address the flashpoint services use
    broker = _environment(compose["services"]["topics"])["FLASHPOINT_BROKER_URL"].removeprefix("kafka://")
    assert broker in advertised.values(), (broker, advertised)
    # anything advertised to the host is the loopback address of a published port
    published = {str(p).rsplit(":", 1)[-1] for p in kafka.get("ports", [])}
    for name, addr in advertised.items():
        host, port = addr.rsplit(":", 1)
        if host != "kafka":
            assert host == LOOPBACK and port in published, (name, addr)
    assert any(v["target"] == env["KAFKA_LOG_DIRS"] and v["type"] == "volume" for v in _volume_entries(kafka))


def test_compose_producer_replays_a_synthetic_sample(compose):
    script = " ".join(compose["services"]["producer"]["command"])
    assert "flashpoint synth" in script and "flashpoint produce" in script and "--speedup" in script


def test_compose_prometheus_targets_are_services(compose, monkeypatch):
    """Every scrape target of deploy/prometheus/prometheus.yml is a compose service and a
    port that service listens on."""
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    prom = compose["services"]["prometheus"]
    assert any(v["target"] == "/etc/prometheus" and v["type"] == "bind" for v in _volume_entries(prom))
    assert "--config.file=/etc/prometheus/prometheus.yml" in prom["command"]
    listening = {}
    for name in FLASHPOINT_SERVICES:
        s = _settings_from(_environment(compose["services"][name]), monkeypatch)
        listening[name] = {s.web_port} if compose["services"][name]["command"][0] == "worker" else \
            {s.alerts_metrics_port} if compose["services"][name]["command"][0] == "alerts" else set()
    targets = [t for job in config["scrape_configs"] for sc in job.get("static_configs", []) for t in sc["targets"]]
    checked = 0
    for target in targets:
        host, port = target.rsplit(":", 1)
        if host == "localhost":
            continue
        assert host in compose["services"], f"scrape target {target}: no such service"
        if host in listening:
            assert int(port) in listening[host], f"scrape target {target}: {host} listens on {listening[host]}"
            checked += 1
    assert checked >= len(WORKERS) + 1
    am_targets = [t for am in config.get("alerting", {}).get("alertmanagers", [])
                  for sc in am.get("static_configs", []) for t in sc["targets"]]
    assert all(t.split(":")[0] in compose["services"] for t in am_targets), am_targets


def test_compose_alertmanager_wiring(compose):
    """The sink posts to the alertmanager service; Alertmanager's webhook URLs reach the
    webhook receiver on its port; the config, templates and secrets are mounted where
    alertmanager.yml reads them."""
    services = compose["services"]
    url = _environment(services["alerts"])["FLASHPOINT_ALERTMANAGER_URL"]
    assert re.fullmatch(r"http://alertmanager:9093/?", url), url
    am_config_text = (DEPLOY / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8")
    am_config = yaml.safe_load(am_config_text)
    targets = {v["target"] for v in _volume_entries(services["alertmanager"])}
    assert "/etc/alertmanager/alertmanager.yml" in targets
    for path in re.findall(r"(/etc/alertmanager/[\w./*-]+)", am_config_text):
        assert any(path == t or path.startswith(t.rstrip("/") + "/") for t in targets), f"{path} is not mounted"
    webhook_env = _environment(services["alerts-webhook"])
    urls = [wc["url"] for r in am_config.get("receivers", []) for wc in r.get("webhook_configs", []) or []]
    for u in urls:
        m = re.match(r"https?://([^/:]+):(\d+)", u)
        assert m, u
        if m.group(1) in services:
            assert m.group(1) == "alerts-webhook" and m.group(2) == webhook_env["WEBHOOK_PORT"], u


def test_compose_grafana_mounts(compose):
    grafana = compose["services"]["grafana"]
    mounts = {v["target"]: v for v in _volume_entries(grafana)}
    assert (COMPOSE_FILE.parent / mounts["/etc/grafana/provisioning"]["source"]).resolve() == REPO / "grafana" / "provisioning"
    assert (COMPOSE_FILE.parent / mounts["/etc/grafana/dashboards/flashpoint"]["source"]).resolve() == \
        REPO / "grafana" / "dashboards"
    env = _environment(grafana)
    assert env.get("GF_AUTH_ANONYMOUS_ENABLED") == "true" and env.get("GF_AUTH_ANONYMOUS_ORG_ROLE") == "Viewer"


def test_compose_builds_from_the_repository(compose):
    for name in FLASHPOINT_SERVICES:
        build = compose["services"][name]["build"]
        context = (COMPOSE_FILE.parent / build["context"]).resolve()
        assert context == REPO, name
        assert (context / build["dockerfile"]).resolve() == DOCKERFILE, name


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_config_cli():
    """``docker compose config -q`` (Debian's docker-compose, installed by ``make test``)."""
    cli = _compose_cli()
    if cli is None:
        missing("docker compose or docker-compose (apt-get install docker-compose)")
    proc = subprocess.run([*cli, "-f", str(COMPOSE_FILE), "config", "-q"], capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr


# -- Dockerfile -------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile():
    instr = _dockerfile_instructions()
    args = dict(a.split("=", 1) for k, a in instr if k == "ARG" and "=" in a)
    froms = [a.split()[0] for k, a in instr if k == "FROM"]
    bases = [re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], f) for f in froms]
    for base in bases:
        repo, tag, _ = _image_ref(base)
        assert repo == "python" and tag.startswith("3.11") and "slim" in tag, base
    runtime = [i for i, (k, _) in enumerate(instr) if k == "FROM"][-1]
    final = instr[runtime:]
    users = [a for k, a in final if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), "the runtime stage must not run as root"
    entry = [a for k, a in final if k == "ENTRYPOINT"]
    assert entry and json.loads(entry[-1]) == ["flashpoint"]
    runs = " ".join(a for k, a in instr if k == "RUN")
    assert "'.[kafka]'" in runs or '".[kafka]"' in runs, "installs the package with its kafka extra"
    # what the package build needs is copied from the repository root (the build context)
    copied = set()
    for k, a in instr:
        if k == "COPY" and "--from" not in a:
            copied.update(a.split()[:-1])
    for src in copied:
        assert (REPO / src).exists(), f"COPY {src}: not in the repository"
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    packages = re.search(r"packages\s*=\s*\[([^\]]*)\]", pyproject).group(1)
    for package in re.findall(r'"([\w.]+)"', packages):
        assert package.split(".")[0] in copied, f"package {package} is not copied into the image"
    assert "README.md" in copied  # pyproject's readme
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    for src in copied:
        assert f"!{src.rstrip('/')}/" in ignore or f"!{src}" in ignore, f"{src} is excluded from the build context"


def test_dockerfile_workdirs_match_compose(compose, monkeypatch):
    """The image prepares the directories compose mounts volumes on (so named volumes get
    the non-root owner)."""
    runs = " ".join(a for k, a in _dockerfile_instructions() if k == "RUN")
    for name in WORKERS:
        assert _settings_from(_environment(compose["services"][name]), monkeypatch).data_dir in runs
    assert "/data" in runs


# -- kustomize --------------------------------------------------------------------------------

KUSTOMIZATIONS = sorted(K8S.rglob("kustomization.yaml"))


def _kustomization(directory: Path) -> dict:
    return yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))


def load_resources(directory: Path) -> list[dict]:
    """The resources a kustomization builds on, recursively, without transforming them."""
    out = []
    for entry in _kustomization(directory).get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            out.extend(load_resources(path))
        else:
            out.extend(_load_all(path))
    return out


def _key(obj: dict) -> tuple[str, str, str]:
    group = obj["apiVersion"].rsplit("/", 1)[0] if "/" in obj["apiVersion"] else ""
    return group, obj["kind"], obj["metadata"]["name"]


@pytest.mark.parametrize("kdir", [p.parent for p in KUSTOMIZATIONS], ids=lambda p: _rel(p))
def test_kustomization_references_exist(kdir):
    k = _kustomization(kdir)
    assert k.get("apiVersion") == "kustomize.config.k8s.io/v1beta1" and k.get("kind") == "Kustomization"
    for field in ("patchesStrategicMerge", "patchesJson6902", "commonLabels", "bases", "vars"):
        assert field not in k, f"{field} is deprecated in kustomize v5"
    resources = k.get("resources", [])
    assert resources
    for entry in resources:
        path = (kdir / entry).resolve()
        assert path.exists(), f"{entry}: no such file or directory"
        if path.is_dir():
            assert (path / "kustomization.yaml").is_file(), f"{entry}: a directory without kustomization.yaml"
    loaded = load_resources(kdir)
    keys = {_key(o) for o in loaded}
    assert len(keys) == len(loaded), "a resource is defined twice"
    for patch in k.get("patches", []):
        assert "path" in patch or "patch" in patch
        body = _load_all(kdir / patch["path"]) if "path" in patch else list(yaml.safe_load_all(patch["patch"]))
        assert body, patch
        target = patch.get("target")
        if target:  # JSON 6902 (or a strategic merge for several objects)
            matches = [o for o in loaded
                       if o["kind"] == target["kind"] and o["metadata"]["name"] == target.get("name", o["metadata"]["name"])
                       and _key(o)[0] == target.get("group", _key(o)[0])]
            assert matches, f"patch {patch}: target not in the base"
            if isinstance(body[0], list):
                for op in body[0]:
                    assert op["op"] in ("add", "remove", "replace", "move", "copy", "test")
                    for m in matches:
                        _json_pointer(m, op["path"], op["op"])
        else:
            for doc in body:
                assert _key(doc) in keys, f"patch {patch['path']}: {_key(doc)} is not in the base"
    for rep in k.get("replicas", []):
        assert any(o["metadata"]["name"] == rep["name"] and "replicas" in o.get("spec", {}) for o in loaded), rep
    images = {c["image"].split(":")[0] for o in loaded for c in _containers(o)}
    for image in k.get("images", []):
        assert image["name"] in images, f"images: {image['name']} is used by no container"
        assert image.get("newTag", "") != "latest"


def _json_pointer(obj, pointer: str, op: str):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    if op == "add":  # the parent must exist
        parts = parts[:-1]
    for part in parts:
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


def _pod_spec(obj: dict) -> dict | None:
    spec = obj.get("spec", {})
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return spec["template"]["spec"]
    if obj["kind"] == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]["spec"]
    return None


def _containers(obj: dict) -> list[dict]:
    pod = _pod_spec(obj)
    return [] if pod is None else [*pod.get("initContainers", []), *pod["containers"]]


def _env(obj: dict, container: dict, objects: list[dict]) -> dict[str, str]:
    """A container's environment: its envFrom ConfigMaps, then its env (literal values;
    valueFrom entries as '<from>')."""
    maps = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    env = {}
    for src in container.get("envFrom", []):
        ref = src["configMapRef"]["name"]
        assert ref in maps, f"{obj['metadata']['name']}: envFrom ConfigMap {ref} does not exist"
        env.update(maps[ref].get("data", {}))
    for item in container.get("env", []):
        env[item["name"]] = item["value"] if "value" in item else "<from>"
    return env


def check_k8s_objects(objects: list[dict], monkeypatch) -> None:
    """Structure checks shared by the base sources and kubectl-rendered builds."""
    by_kind: dict[str, list[dict]] = {}
    for o in objects:
        by_kind.setdefault(o["kind"], []).append(o)
    workloads = [o for o in objects if _pod_spec(o) is not None]
    # Every Flashpoint variable is a Settings field with a value Settings accepts.
    for o in workloads:
        for c in _containers(o):
            env = _env(o, c, objects)
            fp = {k: v for k, v in env.items() if k.startswith("FLASHPOINT_")}
            unknown = sorted(set(fp) - SETTINGS_ENV)
            assert not unknown, f"{o['metadata']['name']}: not Settings fields: {unknown}"
            _settings_from({k: v for k, v in fp.items() if v != "<from>"}, monkeypatch)
            pod = _pod_spec(o)
            sc = {**pod.get("securityContext", {}), **c.get("securityContext", {})}
            assert sc.get("runAsNonRoot") and sc.get("allowPrivilegeEscalation") is False, o["metadata"]["name"]
            assert c.get("resources", {}).get("requests"), f"{o['metadata']['name']}: no resource requests"
            mounts = {m["name"] for m in c.get("volumeMounts", [])}
            vols = {v["name"] for v in pod.get("volumes", [])} | \
                {t["metadata"]["name"] for t in o.get("spec", {}).get("volumeClaimTemplates", [])}
            assert mounts <= vols, f"{o['metadata']['name']}: mounts of undefined volumes {mounts - vols}"
    # Selectors match pod labels.
    for o in workloads:
        if o["kind"] == "Job":
            continue
        labels = o["spec"]["template"]["metadata"]["labels"]
        sel = o["spec"]["selector"]["matchLabels"]
        assert sel.items() <= labels.items(), f"{o['metadata']['name']}: selector {sel} vs labels {labels}"
    for svc in by_kind.get("Service", []):
        sel = svc["spec"]["selector"]
        backends = [o for o in workloads if o["kind"] != "Job"
                    and sel.items() <= o["spec"]["template"]["metadata"]["labels"].items()]
        assert backends, f"Service {svc['metadata']['name']}: selector {sel} matches no pod"
        for port in svc["spec"]["ports"]:
            tp = port.get("targetPort", port["port"])
            ports = [p for b in backends for c in _containers(b) for p in c.get("ports", [])]
            assert any(tp in (p.get("name"), p["containerPort"]) for p in ports), \
                f"Service {svc['metadata']['name']}: targetPort {tp} is no container port"
    for pdb in by_kind.get("PodDisruptionBudget", []):
        sel = pdb["spec"]["selector"]["matchLabels"]
        assert any(sel.items() <= o["spec"]["template"]["metadata"]["labels"].items()
                   for o in workloads if o["kind"] != "Job"), pdb["metadata"]["name"]
    # Probes and scrape annotations point at declared container ports.
    for o in workloads:
        annotations = o["spec"]["template"].get("metadata", {}).get("annotations", {})
        for c in _containers(o):
            ports = {p["containerPort"] for p in c.get("ports", [])}
            names = {p["name"]: p["containerPort"] for p in c.get("ports", []) if "name" in p}
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                probe = c.get(kind)
                if not probe:
                    continue
                handler = probe.get("httpGet") or probe.get("tcpSocket")
                assert handler, f"{o['metadata']['name']}: {kind} is not an HTTP/TCP probe"
                port = names.get(handler["port"], handler["port"])
                assert port in ports, f"{o['metadata']['name']}: {kind} port {handler['port']} is no container port"
        if annotations.get("prometheus.io/scrape") == "true":
            port = int(annotations["prometheus.io/port"])
            assert any(port == p["containerPort"] for c in _containers(o) for p in c.get("ports", [])), \
                f"{o['metadata']['name']}: prometheus.io/port {port} is no container port"
    # The worker StatefulSet.
    workers = [o for o in by_kind.get("StatefulSet", []) if o["metadata"]["name"] == "flashpoint-worker"]
    assert len(workers) == 1
    sts = workers[0]
    (worker,) = [c for c in _containers(sts) if c["name"] == "worker"]
    assert worker["args"][0] == "worker"
    env = _env(sts, worker, objects)
    settings = _settings_from({k: v for k, v in env.items() if k.startswith("FLASHPOINT_")}, monkeypatch)
    claims = {t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]}
    data_mounts = [m for m in worker["volumeMounts"] if m["mountPath"] == settings.data_dir]
    assert data_mounts and data_mounts[0]["name"] in claims, \
        f"FLASHPOINT_DATA_DIR {settings.data_dir} is not on a volumeClaimTemplate"
    assert settings.web_bind == "0.0.0.0", "probes and Prometheus reach the worker on the pod address"
    assert settings.web_port in {p["containerPort"] for p in worker["ports"]}
    for kind in ("readinessProbe", "livenessProbe"):
        probe = worker[kind]["httpGet"]
        assert probe["path"] == "/stats"
        port = {p["name"]: p["containerPort"] for p in worker["ports"]}.get(probe["port"], probe["port"])
        assert port == settings.web_port
    assert sts["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(settings.web_port)
    headless = [s for s in by_kind.get("Service", []) if s["metadata"]["name"] == sts["spec"]["serviceName"]]
    assert headless and headless[0]["spec"].get("clusterIP") == "None", "serviceName must be a headless Service"
    # The alert sink binds a specific address (wildcards are refused) on its metrics port.
    (alerts,) = [o for o in by_kind["Deployment"] if o["metadata"]["name"] == "flashpoint-alerts"]
    (sink,) = _containers(alerts)
    assert sink["args"][0] == "alerts"
    host = next(e for e in sink["env"] if e["name"] == "FLASHPOINT_METRICS_HOST")
    assert host.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "status.podIP"
    sink_settings = _settings_from({k: v for k, v in _env(alerts, sink, objects).items()
                                    if k.startswith("FLASHPOINT_") and v != "<from>"}, monkeypatch)
    assert sink_settings.alerts_metrics_port in {p["containerPort"] for p in sink["ports"]}
    # The topics Job.
    (job,) = by_kind["Job"]
    (topics,) = _containers(job)
    assert topics["args"] == ["topics", "create"]
    assert _pod_spec(job)["restartPolicy"] in ("OnFailure", "Never")


def _validate_k8s(obj: dict) -> None:
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at "
                    f"{'/'.join(map(str, exc.path))}")


BASE_FILES = [BASE / entry for entry in _kustomization(BASE)["resources"]]


@pytest.mark.parametrize("path", BASE_FILES, ids=_rel)
def test_k8s_base_resources_validate(path):
    """Strict OpenAPI-schema validation (unknown fields fail) of each base resource."""
    for obj in _load_all(path):
        _validate_k8s(obj)


def test_k8s_validation_catches_mistakes():
    bad = copy.deepcopy(_load_all(BASE / "worker-statefulset.yaml")[0])
    bad["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def test_k8s_base_structure(monkeypatch):
    check_k8s_objects(load_resources(BASE), monkeypatch)


def test_k8s_namespace():
    k = _kustomization(BASE)
    namespaces = [o for o in load_resources(BASE) if o["kind"] == "Namespace"]
    assert [n["metadata"]["name"] for n in namespaces] == [k["namespace"]]


def _kubectl_build(directory: Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (kustomize build not run)")
    proc = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


@pytest.mark.parametrize("directory", [BASE, PRODUCTION], ids=_rel)
def test_k8s_kustomize_build(directory, monkeypatch):
    objects = _kubectl_build(directory)
    for obj in objects:
        _validate_k8s(obj)
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == "flashpoint", _key(obj)
        for c in _containers(obj):
            repo, tag, digest = _image_ref(c["image"])
            assert (tag and tag != "latest") or digest, c["image"]
    check_k8s_objects(objects, monkeypatch)


def test_k8s_production_overlay(monkeypatch):
    objects = {(o["kind"], o["metadata"]["name"]): o for o in _kubectl_build(PRODUCTION)}
    sts = objects[("StatefulSet", "flashpoint-worker")]
    assert sts["spec"]["replicas"] == 3
    (worker,) = _containers(sts)
    assert worker["resources"]["requests"]["cpu"] == "1" and worker["resources"]["limits"]["memory"]
    assert sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "20Gi"
    config = objects[("ConfigMap", "flashpoint-config")]["data"]
    base_config = next(o for o in load_resources(BASE) if o["kind"] == "ConfigMap")["data"]
    assert config["FLASHPOINT_BROKER_URL"] != base_config["FLASHPOINT_BROKER_URL"]
    assert config["FLASHPOINT_BROKER_URL"].startswith("kafka://")
    settings = _settings_from(config, monkeypatch)
    assert settings.partitions % sts["spec"]["replicas"] == 0
    (sink,) = _containers(objects[("Deployment", "flashpoint-alerts")])
    assert sink["resources"]["requests"]["cpu"] == "100m"


# -- the webhook receiver ---------------------------------------------------------------------


@pytest.fixture()
def receiver():
    spec = importlib.util.spec_from_file_location("flashpoint_webhook_receiver", DEPLOY / "webhook" / "receiver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = io.StringIO()
    server = module.make_server("127.0.0.1", 0, keep=2, out=out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", out
    server.shutdown()
    server.server_close()
    thread.join(5)


def _http(url: str, body: bytes | None = None) -> tuple[int, object]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_webhook_receiver_logs_notifications(receiver):
    base, out = receiver
    payload = {"version": "4", "status": "firing", "receiver": "newsroom-wall", "alerts": [
        {"status": "firing", "labels": {"alertname": "EmergingEvent", "severity": "warning", "event_id": "e1"},
         "annotations": {"summary": "quake"}}]}
    for i in range(3):
        assert _http(f"{base}/alert", json.dumps({**payload, "groupKey": str(i)}).encode()) == (200, {"ok": True})
    status, kept = _http(f"{base}/alerts")
    assert status == 200 and [k["payload"]["groupKey"] for k in kept] == ["1", "2"]  # keep=2
    assert kept[-1]["alerts"] == [{"alertname": "EmergingEvent", "status": "firing", "severity": "warning",
                                   "event_id": "e1", "summary": "quake"}]
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 3 and lines[0]["path"] == "/alert"
    assert _http(f"{base}/healthz") == (200, {"ok": True, "received": 2})
    assert _http(f"{base}/alert", b"{not json")[0] == 400
    assert _http(f"{base}/alert", b"[1, 2]")[0] == 400
    assert _http(f"{base}/nope")[0] == 404
