"""The events and actions topics, followed from the beginning (no consumer group:
every wall and alert sink reads all of both), and actions published to them.

An action (acknowledge, mute, unmute, false alarm) is taken on one wall and
stored there at once; it goes to the actions topic (compacted, keyed by event id
and action) so every other wall and the alert sink learn it.  A follower skips
its own actions (``origin``) when it reads them back.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from typing import Callable

from streams.settings import Settings
from streams.wall.store import EventStore

log = logging.getLogger(__name__)


def new_origin() -> str:
    """An id for one running wall or sink, so it can tell its own actions apart."""
    return uuid.uuid4().hex


class ActionPublisher:
    """``on_action`` for :func:`streams.wall.web.create_wall_app`: actions to the topic."""

    def __init__(self, settings: Settings, origin: str):
        from kafka import KafkaProducer

        from streams.kafka_tools import client_config

        self.topic, self.origin = settings.topic_actions, origin
        self._producer = KafkaProducer(acks="all", **client_config(settings))

    def __call__(self, action: dict) -> None:
        message = {k: action.get(k) for k in ("event_id", "action", "by", "note", "at")}
        message["origin"] = self.origin
        key = f"{action['event_id']}:{action['action']}".encode()
        self._producer.send(self.topic, key=key, value=json.dumps(message, ensure_ascii=False).encode())
        self._producer.flush(10)

    def close(self) -> None:
        self._producer.close(5)


def apply_action(store: EventStore, message: dict) -> bool:
    """Store an action read from the topic; False if its event is not known yet."""
    try:
        store.act(message["event_id"], message["action"], message.get("by"), message.get("note"),
                  at=message.get("at"))
    except KeyError:
        return False
    except ValueError as exc:
        log.warning("skipping an action record: %s", exc)
    return True


def follow(settings: Settings, stop: threading.Event, *, on_event: Callable[[dict, object, bool], None],
           on_action: Callable[[dict], None], origin: str | None = None, poll_ms: int = 200,
           on_idle: Callable[[], None] | None = None) -> None:
    """Read both topics from the beginning until ``stop``: ``on_event(record, message,
    live)`` (``live``: written after this follower started, i.e. not state read back)
    and ``on_action(message)`` for actions of others.  ``on_idle`` runs after every poll."""
    from kafka import KafkaConsumer, TopicPartition

    from streams.alerting import decode_record
    from streams.kafka_tools import client_config

    consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                             **client_config(settings))
    try:
        tps = []
        for topic in (settings.topic_events, settings.topic_actions):
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:  # `flashpoint topics create` makes both; until then, nothing to read
                log.warning("topic %s does not exist: not followed", topic)
            tps += [TopicPartition(topic, p) for p in sorted(partitions or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        while not stop.is_set():
            for tp, messages in consumer.poll(timeout_ms=poll_ms).items():
                for msg in messages:
                    value = decode_record(msg.value) if tp.topic == settings.topic_events else _action(msg.value)
                    if value is None:
                        continue
                    if tp.topic == settings.topic_events:
                        on_event(value, msg, msg.offset >= ends.get(tp, 0))
                    elif value.get("origin") != origin:
                        on_action(value)
            if on_idle is not None:
                on_idle()
    finally:
        consumer.close()


def _action(value: bytes) -> dict | None:
    try:
        message = json.loads(value)
    except (TypeError, ValueError):
        log.warning("skipping an action record that is not JSON")
        return None
    if not isinstance(message, dict) or not message.get("event_id") or not message.get("action"):
        log.warning("skipping an action record without event_id/action")
        return None
    return message


class StoreFollower:
    """Keeps an :class:`EventStore` up to date from the topics, in a thread.  Actions
    whose event has not been read yet wait for it."""

    def __init__(self, settings: Settings, store: EventStore, *, origin: str | None = None,
                 on_event: Callable[[dict, object, bool], None] | None = None,
                 on_action: Callable[[dict], None] | None = None):
        self.settings, self.store, self.origin = settings, store, origin
        self._on_event, self._on_action = on_event, on_action
        self._waiting: list[dict] = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="wall-follower", daemon=True)

    def start(self) -> "StoreFollower":
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)

    def _event(self, record: dict, msg, live: bool) -> None:
        self.store.apply(record)
        if self._on_event is not None:
            self._on_event(record, msg, live)

    def _action(self, message: dict) -> None:
        if apply_action(self.store, message):
            if self._on_action is not None:
                self._on_action(message)
        else:
            self._waiting.append(message)

    def _retry(self) -> None:
        if self._waiting:
            waiting, self._waiting = self._waiting, []
            for message in waiting:
                self._action(message)

    def _run(self) -> None:
        try:
            follow(self.settings, self.stop_event, on_event=self._event, on_action=self._action,
                   origin=self.origin, on_idle=self._retry)
        except Exception:  # a broker outage must not take the worker down; the wall goes stale
            log.exception("the wall's follower of %s stopped", self.settings.topic_events)
