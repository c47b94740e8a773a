"""Where connectors put their posts: Kafka's posts topic, a JSON Lines file, a list.

A connector calls :meth:`PostSink.emit` per post and :meth:`PostSink.flush`
before it saves its resume position, so a saved position never runs ahead of
what the sink has durably taken (at-least-once; the detectors' dedup and the
connectors' recent-id sets absorb the rare replay).

>>> sink = ListSink()
>>> sink.emit({"id": "a", "ts": 1.0, "text": "hi"}); sink.flush(); sink.posts
[{'id': 'a', 'ts': 1.0, 'text': 'hi'}]
"""

from __future__ import annotations

import json
import os
from typing import Any, Protocol

from streams.settings import Settings


class SinkError(Exception):
    """The sink could not take or deliver posts; the message names it."""


class PostSink(Protocol):
    def emit(self, post: dict[str, Any]) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


def post_json(post: dict[str, Any]) -> bytes:
    return json.dumps(post, ensure_ascii=False, separators=(",", ":")).encode()


class ListSink:
    """Keeps the posts in memory (tests, notebooks)."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.flushes = 0

    def emit(self, post: dict[str, Any]) -> None:
        self.posts.append(post)

    def flush(self) -> None:
        self.flushes += 1

    def close(self) -> None:
        pass


class JsonlSink:
    """Appends one JSON object a line to ``path`` (``--out``); flush fsyncs."""

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        try:
            self._out = open(self.path, "a", encoding="utf-8")
        except OSError as exc:
            raise SinkError(f"{self.path}: cannot write: {exc.strerror or exc}") from None

    def emit(self, post: dict[str, Any]) -> None:
        try:
            self._out.write(json.dumps(post, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise SinkError(f"{self.path}: write failed: {exc.strerror or exc}") from None

    def flush(self) -> None:
        try:
            self._out.flush()
            os.fsync(self._out.fileno())
        except OSError as exc:
            raise SinkError(f"{self.path}: write failed: {exc.strerror or exc}") from None

    def close(self) -> None:
        if not self._out.closed:
            self.flush()
            self._out.close()


class KafkaSink:
    """JSON posts to the posts topic with kafka-python, keyed by author (else id)
    so one author's posts stay in order on one partition.  :meth:`flush` waits
    for every send and raises :class:`SinkError` if any failed."""

    def __init__(self, settings: Settings, *, topic: str | None = None, flush_timeout_s: float = 30.0,
                 producer: Any = None):
        self.topic = topic or settings.topic_posts
        self.broker = settings.broker_url
        self.flush_timeout_s = flush_timeout_s
        if producer is None:
            from kafka import KafkaProducer
            from kafka.errors import KafkaError

            from streams.kafka_tools import client_config

            try:
                producer = KafkaProducer(**client_config(settings), acks="all", linger_ms=20)
            except KafkaError as exc:
                raise SinkError(f"broker {self.broker}: {type(exc).__name__}: {exc}") from None
        self._producer = producer
        self._pending: list[Any] = []

    def emit(self, post: dict[str, Any]) -> None:
        key = str(post.get("author") or post["id"]).encode()
        try:
            self._pending.append(self._producer.send(self.topic, key=key, value=post_json(post)))
        except Exception as exc:  # kafka-python raises KafkaError subclasses and AssertionError
            raise SinkError(f"broker {self.broker}, topic {self.topic}: send failed: {exc}") from None
        if len(self._pending) >= 10_000:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        try:
            self._producer.flush(timeout=self.flush_timeout_s)
        except Exception as exc:
            raise SinkError(f"broker {self.broker}, topic {self.topic}: flush failed: {exc}") from None
        failed = [f for f in pending if not f.is_done or f.failed()]
        if failed:
            first = failed[0].exception if failed[0].is_done else "not delivered in time"
            raise SinkError(f"broker {self.broker}, topic {self.topic}: {len(failed)} of {len(pending)} "
                            f"posts not delivered: {first}")

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._producer.close(timeout=self.flush_timeout_s)
