"""Helpers for tests that run real Faust workers against the test broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kafka import KafkaConsumer, KafkaProducer

from streams.settings import Settings

from streams.local_broker import free_port


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen
    web_port: int
    log: Path
    wall_port: int = 0

    def metrics(self) -> str:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/metrics", timeout=2) as r:
                return r.read().decode()
        except OSError:
            return ""

    def metric(self, name: str, **labels) -> float:
        """Sum of the samples of ``name`` whose labels include ``labels``."""
        total = 0.0
        for line in self.metrics().splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            head, _, value = line.rpartition(" ")
            if all(f'{k}="{v}"' in head for k, v in labels.items()):
                total += float(value)
        return total

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@dataclass
class Deployment:
    """One app id, its own topics and data directories: nothing shared between tests."""

    broker: str
    root: Path
    partitions: int = 4
    uid: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    workers: list[Worker] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        u = self.uid
        return {
            "FLASHPOINT_BROKER_URL": f"kafka://{self.broker}",
            "FLASHPOINT_APP_ID": f"fp-{u}",
            "FLASHPOINT_TOPIC_POSTS": f"posts-{u}",
            "FLASHPOINT_TOPIC_POSTS_BATCH": f"posts.batch-{u}",
            "FLASHPOINT_TOPIC_DLQ": f"posts.dlq-{u}",
            "FLASHPOINT_TOPIC_EVENTS": f"events-{u}",
            "FLASHPOINT_TOPIC_ACTIONS": f"events.actions-{u}",
            "FLASHPOINT_PARTITIONS": str(self.partitions),
            "FLASHPOINT_SESSION_TIMEOUT_S": "6",
            "FLASHPOINT_INGEST_WITHIN_S": "0.1",
            # tansu's ListOffsets(latest) can lag what it stored (see the brief's known quirks)
            "FLASHPOINT_RECOVERY_CONSISTENCY_CHECK": "false",
        }

    @property
    def settings(self) -> Settings:
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            return Settings()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def create_topics(self) -> None:
        from streams.kafka_tools import create_topics

        create_topics(self.settings)

    def start_worker(self, name: str, web_port: int | None = None, data_dir: str | None = None,
                     role: str = "all", extra_env: dict[str, str] | None = None) -> Worker:
        """``data_dir``: name of its RocksDB directory (default: its own, per name)."""
        port = web_port or free_port()
        data = self.root / f"data-{data_dir or name}"
        log = self.root / f"{name}.log"
        wall_port = free_port()
        env = {**os.environ, **self.env, "FLASHPOINT_WEB_PORT": str(port), "FLASHPOINT_DATA_DIR": str(data),
               "FLASHPOINT_WALL_PORT": str(wall_port), **(extra_env or {})}
        with open(log, "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker", "--role", role], env=env,
                                    stdout=out, stderr=subprocess.STDOUT)
        worker = Worker(name, proc, port, log, wall_port)
        self.workers.append(worker)
        wait_for(lambda: "flashpoint_partitions_assigned" in worker.metrics() or proc.poll() is not None,
                 60, f"worker {name} web server", worker)
        assert proc.poll() is None, log.read_text()[-3000:]
        return worker

    def produce(self, values: list[bytes], *, partition_of: Callable[[int], int] | None = None,
                topic: str | None = None) -> None:
        producer = KafkaProducer(bootstrap_servers=[self.broker], acks="all")
        topic = topic or self.settings.topic_posts
        for i, value in enumerate(values):
            producer.send(topic, value=value, partition=partition_of(i) if partition_of else None)
        producer.flush()
        producer.close()

    def read(self, topic: str, idle_s: float = 1.5) -> list:
        consumer = KafkaConsumer(topic, bootstrap_servers=[self.broker], group_id=None,
                                 auto_offset_reset="earliest", enable_auto_commit=False,
                                 consumer_timeout_ms=int(idle_s * 1000))
        try:
            return list(consumer)
        finally:
            consumer.close()

    def events(self) -> list[dict]:
        return [json.loads(m.value) for m in self.read(self.settings.topic_events)]

    def stop(self) -> None:
        for w in self.workers:
            w.stop()


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, worker: Worker | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tail = worker.log.read_text()[-3000:] if worker else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")
        time.sleep(0.5)


def post_json(post: dict) -> bytes:
    return json.dumps(post, ensure_ascii=False).encode()


def comparable(records: list[dict]) -> dict[tuple[str, int], tuple]:
    """(id, version) -> what must agree between runs."""
    return {(r["id"], r["version"]): (r["type"], r["state"], r["severity"], tuple(r["keywords"]), r["posts"],
                                      r["voices"], r["ts"]) for r in records}
