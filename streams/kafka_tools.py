"""Operator tools on Kafka (kafka-python): create topics, replay a file into
``posts``/``posts.batch``, tail a topic.

>>> bootstrap_servers("kafka://a:9092;kafka://b:9093")
['a:9092', 'b:9093']
>>> pacing_delay(ts=130.0, first_ts=100.0, started=0.0, now=1.0, speedup=10.0)  # due at 3.0 s
2.0
"""

from __future__ import annotations

import json
import sys
import time
from typing import IO, Iterator

from detectors.post import PostError, parse_ts
from streams.settings import Settings
from streams.sources import Rejected, iter_records


def bootstrap_servers(url: str) -> list[str]:
    return [u.strip().split("://", 1)[-1].rstrip("/") for u in url.split(";") if u.strip()]


def client_config(settings: Settings) -> dict:
    """kafka-python connection settings from ours."""
    cfg = {"bootstrap_servers": bootstrap_servers(settings.broker_url),
           "security_protocol": settings.security_protocol}
    if settings.security_protocol.startswith("SASL"):
        cfg.update(sasl_mechanism=settings.sasl_mechanism, sasl_plain_username=settings.sasl_username,
                   sasl_plain_password=settings.secret("sasl_password"))
    if settings.ssl_cafile:
        cfg["ssl_cafile"] = settings.ssl_cafile
    return cfg


def create_topics(settings: Settings) -> list[str]:
    """Create the user-facing topics (internal ones are Faust's); returns those created."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    rf = settings.replication_factor
    wanted = [
        NewTopic(settings.topic_posts, settings.partitions, rf),
        NewTopic(settings.topic_posts_batch, settings.partitions, rf),
        NewTopic(settings.topic_dlq, 1, rf),
        NewTopic(settings.topic_events, 1, rf, topic_configs={"cleanup.policy": "compact"}),
        NewTopic(settings.topic_actions, 1, rf, topic_configs={"cleanup.policy": "compact"}),
    ]
    admin = KafkaAdminClient(**client_config(settings))
    try:
        existing = set(admin.list_topics())
        todo = [t for t in wanted if t.name not in existing]
        created = []
        for topic in todo:  # one by one: an existing topic must not fail the others
            try:
                admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()


def pacing_delay(ts: float, first_ts: float, started: float, now: float, speedup: float) -> float:
    """Seconds to wait so that event time runs ``speedup`` times faster than the wall clock."""
    return max(0.0, started + (ts - first_ts) / speedup - now)


def _records(path: str) -> Iterator[tuple[bytes, bytes, float | None]]:
    """(key, value, event time or None) per record of the file; bad records go as they are,
    so the worker dead-letters them."""
    for _, rec in iter_records(path):
        if isinstance(rec, Rejected):
            yield b"", rec.raw.encode(), None
            continue
        try:
            ts = parse_ts(rec.get("ts"))
        except PostError:
            ts = None
        yield str(rec.get("id", "")).encode(), json.dumps(rec, ensure_ascii=False).encode(), ts


def produce(path: str, settings: Settings, *, rate: float | None = None, speedup: float | None = None,
            batch: int = 1, progress: bool = True, out: IO[str] = sys.stderr) -> int:
    """Replay ``path`` into ``posts`` (``batch`` 1) or ``posts.batch`` (``batch`` posts a
    record, as JSON lines); returns the posts sent."""
    from kafka import KafkaProducer
    from tqdm import tqdm

    producer = KafkaProducer(**client_config(settings), acks="all", linger_ms=20, compression_type=None)
    sent = 0
    started, first_ts = time.monotonic(), None
    pending: list[bytes] = []
    bar = tqdm(unit=" posts", disable=not progress, file=out)

    def flush_batch() -> None:
        if pending:
            producer.send(settings.topic_posts_batch, value=b"\n".join(pending))
            pending.clear()

    try:
        for key, value, ts in _records(path):
            if speedup and ts is not None:
                first_ts = ts if first_ts is None else first_ts
                wait = pacing_delay(ts, first_ts, started, time.monotonic(), speedup)
                if wait > 0:
                    flush_batch()
                    time.sleep(wait)
            elif rate:
                wait = started + sent / rate - time.monotonic()
                if wait > 0:
                    flush_batch()
                    time.sleep(wait)
            if batch > 1:
                pending.append(value)
                if len(pending) >= batch:
                    flush_batch()
            else:
                producer.send(settings.topic_posts, key=key or None, value=value)
            sent += 1
            bar.update(1)
        flush_batch()
        producer.flush()
    finally:
        bar.close()
        producer.close()
    return sent


def tail(settings: Settings, topic: str, *, from_beginning: bool = True, follow: bool = False,
         limit: int | None = None, idle_s: float = 2.0, out: IO[str] = sys.stdout) -> int:
    """Print a topic's records as JSON lines (key, partition, offset, value)."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, **client_config(settings), group_id=None,
                             auto_offset_reset="earliest" if from_beginning else "latest",
                             enable_auto_commit=False,
                             consumer_timeout_ms=-1 if follow else int(idle_s * 1000))
    n = 0
    try:
        for msg in consumer:
            try:
                value = json.loads(msg.value)
            except (ValueError, TypeError):
                value = msg.value.decode("utf-8", "replace") if msg.value is not None else None
            row = {"key": msg.key.decode("utf-8", "replace") if msg.key else None,
                   "partition": msg.partition, "offset": msg.offset, "value": value}
            if msg.headers:
                row["headers"] = {k: v.decode("utf-8", "replace") for k, v in msg.headers}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            n += 1
            if limit is not None and n >= limit:
                break
    finally:
        consumer.close()
    return n
