"""The ``flashpoint`` command line: replay, eval, synth, demo, errors, settings."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import urllib.request

import pytest

from streams.cli import main
from streams.evaluate import METRIC_KEYS
from streams.settings import Settings
from streams.synth import generate, write


@pytest.fixture(scope="session")
def synth_posts():
    return generate(5, hours=2.0, background_per_min=20.0).posts


@pytest.fixture(scope="session")
def synth_file(tmp_path_factory, synth_posts):
    path = tmp_path_factory.mktemp("synth") / "stream.jsonl"
    write(synth_posts, str(path))
    return path


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


# -- replay ------------------------------------------------------------------------------------


def test_replay_writes_records_and_assignments(tmp_path, synth_file):
    out, asg = tmp_path / "events.jsonl", tmp_path / "asg.jsonl"
    assert main(["replay", str(synth_file), "--out", str(out), "--assignments", str(asg)]) == 0
    records, assignments = read_jsonl(out), read_jsonl(asg)
    assert records, "the synthetic stream has injected events: expected some records"
    for rec in records:
        assert {"type", "id", "ts", "state", "severity", "keywords", "posts"} <= rec.keys()
    for a in assignments:
        assert set(a) == {"alert", "t", "posts"}
        assert isinstance(a["posts"], list) and isinstance(a["t"], float)
    assert {a["alert"] for a in assignments} == {r["id"] for r in records}


def test_replay_defaults_to_stdout(capsys, synth_file):
    assert main(["replay", str(synth_file)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines and all(json.loads(line)["id"].startswith("ev-") for line in lines)
    assert "replay:" in captured.err  # the summary goes to stderr, not into the records


@pytest.mark.parametrize("flags, code", [([], 0), (["--strict"], 1)])
def test_replay_reports_rejects(tmp_path, capsys, synth_posts, flags, code):
    path = tmp_path / "posts.jsonl"
    lines = [json.dumps(p, ensure_ascii=False) for p in synth_posts[:800]]
    lines.insert(2, json.dumps({"id": "bad", "ts": "yesterday-ish", "text": "x"}))  # line 3
    lines.insert(4, "{not json")  # line 5
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "events.jsonl"
    assert main(["replay", str(path), "--out", str(out), *flags]) == code
    err = capsys.readouterr().err
    assert f"{path}:3: field 'ts'" in err
    assert f"{path}:5: field '<json>'" in err
    assert "2 records rejected" in err
    assert "replay: 800 posts" in err  # every good post was still processed
    assert out.exists() and all(json.loads(line) for line in out.read_text().splitlines())


def test_replay_reads_stdin(tmp_path, synth_posts):
    out = tmp_path / "events.jsonl"
    data = "".join(json.dumps(p) + "\n" for p in synth_posts[:500])
    proc = subprocess.run([sys.executable, "-m", "streams.cli", "replay", "-", "--out", str(out)],
                          input=data, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "replay: 500 posts" in proc.stderr and out.exists()


def test_pipeline_never_sees_truth(tmp_path, synth_posts):
    """Same output whether the input carries ground truth (and unknown fields) or not."""
    with_truth, without = tmp_path / "with.jsonl", tmp_path / "without.jsonl"
    write([{**p, "secret_hint": p["event"] or "none"} for p in synth_posts], str(with_truth))
    write([{k: v for k, v in p.items() if k not in ("event", "label")} for p in synth_posts], str(without))
    outputs = []
    for src in (with_truth, without):
        out, asg = tmp_path / f"{src.stem}.events", tmp_path / f"{src.stem}.asg"
        assert main(["replay", str(src), "--out", str(out), "--assignments", str(asg)]) == 0
        outputs.append((out.read_bytes(), asg.read_bytes()))
    assert outputs[0][0]
    assert outputs[0] == outputs[1]


# -- eval --------------------------------------------------------------------------------------


def test_eval_writes_metrics_and_plot(tmp_path, capsys, synth_file):
    metrics_path = tmp_path / "m.json"
    argv = ["eval", str(synth_file), "--json", str(metrics_path),
            "--records", str(tmp_path / "r.jsonl"), "--assignments", str(tmp_path / "a.jsonl")]
    assert main(argv) == 0
    metrics = json.loads(metrics_path.read_text())
    assert list(metrics)[:len(METRIC_KEYS)] == list(METRIC_KEYS)  # the metrics first, unchanged
    assert set(metrics) - set(METRIC_KEYS) == {"missed", "missed_never_surfaced", "missed_absorbed",
                                               "missed_impure"}  # labeled file: no "warning"
    assert len(metrics["missed"]) == sum(metrics[f"missed_{r}"] for r in ("never_surfaced", "absorbed", "impure"))
    assert metrics["posts"] > 0 and metrics["events_total"] >= 1
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # beside --json by default
    assert read_jsonl(tmp_path / "r.jsonl") and read_jsonl(tmp_path / "a.jsonl")
    assert "Metrics" in capsys.readouterr().out


def test_eval_plot_only(tmp_path, synth_posts):
    src, png = tmp_path / "small.jsonl", tmp_path / "plots" / "t.png"
    png.parent.mkdir()
    write(synth_posts[:300], str(src))
    assert main(["eval", str(src), "--plot", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plots", "small.jsonl"]  # nothing else written


# -- synth -------------------------------------------------------------------------------------


def test_synth_writes_gzip(tmp_path, capsys):
    out = tmp_path / "s.jsonl.gz"
    assert main(["synth", "--seed", "3", "--hours", "1", "--out", str(out)]) == 0
    with gzip.open(out, "rt", encoding="utf-8") as f:
        posts = [json.loads(line) for line in f]
    assert posts and {"id", "ts", "text", "event", "label"} <= posts[0].keys()
    assert "injected events" in capsys.readouterr().err


# -- demo --------------------------------------------------------------------------------------


def test_demo_serves_metrics_while_running(capsys):
    from streams.demo import run_demo

    scraped = []

    def on_tick(progress):
        if progress["processed"] and not scraped:
            url = f"http://127.0.0.1:{progress['port']}/metrics"
            scraped.append(urllib.request.urlopen(url, timeout=5).read().decode())

    result = run_demo(3, speed=1e9, live=False, metrics_port=0, hours=2.0, on_tick=on_tick)
    assert scraped and "flashpoint_posts_ingested_total{" in scraped[0]
    assert "flashpoint_last_event_timestamp_seconds" in scraped[0]
    out = capsys.readouterr().out
    assert f"http://127.0.0.1:{result.port}/metrics" in out
    assert "Injected events" in out and "Decoys" in out
    ingested = sum(s.value for m in result.registry.collect() if m.name == "flashpoint_posts_ingested"
                   for s in m.samples if s.name.endswith("_total"))
    assert ingested == result.metrics["posts"] == result.stats["posts"]
    assert result.registry.get_sample_value("flashpoint_buckets_closed_total") == result.stats["buckets"]
    assert set(result.decoys) == {"brigade", "seasonal"}


@pytest.mark.parametrize("live", [False, True])
def test_demo_cli_exits_zero(capsys, live):
    argv = ["demo", "--hours", "1", "--speed", "1000000", "--metrics-port", "0"]
    assert main(argv + ([] if live else ["--no-live"])) == 0  # stdout is not a TTY here
    assert "Injected events" in capsys.readouterr().out


# -- errors and settings ------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["replay", "{missing}"],
    ["eval", "{missing}"],
    ["replay", "{txt}"],
    ["replay", "{synth}", "--out", "{nodir}"],
    ["eval", "{synth}", "--json", "{nodir}"],
])
def test_cli_errors_name_the_file(tmp_path, capsys, synth_file, argv):
    txt = tmp_path / "posts.txt"
    txt.write_text("hello\n")
    names = {"missing": str(tmp_path / "nope.jsonl"), "txt": str(txt), "synth": str(synth_file),
             "nodir": str(tmp_path / "no" / "such" / "out.json")}
    argv = [a.format(**names) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    bad = next(a for a in argv[1:] if a in (names["missing"], names["txt"], names["nodir"]))
    assert bad in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["bench", "--posts", "-5"], ["demo", "--speed", "0"],
                                  ["demo", "--metrics-port", "70000"], ["eval"]])
def test_bad_arguments_exit_2(capsys, argv):
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_console_script_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "streams.cli", "replay", str(tmp_path / "gone.jsonl")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "gone.jsonl: no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("FLASHPOINT_BUCKET_SECONDS", "60")
    monkeypatch.setenv("FLASHPOINT_IDENTIFY_LANGUAGE", "false")
    monkeypatch.setenv("FLASHPOINT_METRICS_PORT", "9464")
    s = Settings()
    cfg = s.detector_config()
    assert (cfg.bucket_seconds, cfg.identify_language, s.metrics_port, s.metrics_host) == (60.0, False, 9464, "127.0.0.1")
    with pytest.raises(Exception):
        s.bucket_seconds = 5  # frozen
    for name, f in Settings.model_fields.items():
        assert f"FLASHPOINT_{name.upper()}" in f.description


# -- watchlists and the wall -------------------------------------------------------------------


@pytest.mark.parametrize("yaml_text, message", [
    ("teams:\n  - name: a\n    watchlists:\n      - name: b\n        queries:\n          - terms: []\n",
     ":6: teams[0].watchlists[0].queries[0].terms"),
    ("teams: [", "w.yaml"),
])
def test_replay_names_the_watchlist_files_line_and_field(tmp_path, capsys, synth_file, yaml_text, message):
    bad = tmp_path / "w.yaml"
    bad.write_text(yaml_text)
    assert main(["replay", str(synth_file), "--watchlists", str(bad), "--out", str(tmp_path / "e.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "w.yaml" in err and message in err and "Traceback" not in err


def test_replay_tracks_watchlists(tmp_path, synth_file, synth_posts):
    brand = next(p for p in synth_posts if p.get("event") == "brand-crisis")
    name = next(w for w in brand["text"].replace("#", " ").split() if w.lower().startswith("boycott"))[7:].lower()
    wl = tmp_path / "w.yaml"
    wl.write_text(f"teams:\n  - name: pr\n    watchlists:\n      - name: {name}\n        queries:\n"
                  f"          - terms: [{name}]\n")
    out = tmp_path / "events.jsonl"
    assert main(["replay", str(synth_file), "--watchlists", str(wl), "--out", str(out)]) == 0
    watched = [r for r in read_jsonl(out) if r.get("kind") == "watchlist"]
    assert watched and {(r["team"], r["watchlist"]) for r in watched} == {("pr", name)}


def test_the_wall_command_serves_an_event_log(tmp_path, synth_file):
    from streams.metrics import free_port

    events = tmp_path / "events.jsonl"
    assert main(["replay", str(synth_file), "--out", str(events)]) == 0
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streams.cli", "wall", str(events), "--port", str(port)],
                            stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/events", timeout=1) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                import time

                time.sleep(0.1)
        assert {e["id"] for e in body["events"]} == {r["id"] for r in read_jsonl(events)}
    finally:
        proc.terminate()
        proc.wait(10)
