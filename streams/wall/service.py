"""The wall as a service over Kafka: a store kept up to date from the events and
actions topics, served on ``FLASHPOINT_WEB_BIND:FLASHPOINT_WALL_PORT``, with actions
published back to the actions topic (``flashpoint worker``, ``flashpoint wall``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from streams.settings import Settings
from streams.wall.follow import ActionPublisher, StoreFollower, new_origin
from streams.wall.serve import serve_in_thread
from streams.wall.store import EventStore
from streams.wall.web import create_wall_app

log = logging.getLogger(__name__)


class _LazyPublisher:
    """Connects to the broker at the first action, not at start-up."""

    def __init__(self, settings: Settings, origin: str):
        self.settings, self.origin, self._publisher = settings, origin, None

    def __call__(self, action: dict) -> None:
        if self._publisher is None:
            self._publisher = ActionPublisher(self.settings, self.origin)
        self._publisher(action)

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.close()


@dataclass
class Wall:
    store: EventStore
    port: int
    stop: Callable[[], None]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def start_wall(settings: Settings, *, watchlists: Callable[[], list[dict]] = list, port: int | None = None) -> Wall:
    store = EventStore()
    origin = new_origin()
    publisher = _LazyPublisher(settings, origin)
    follower = StoreFollower(settings, store, origin=origin).start()
    host = settings.wall_bind or settings.web_bind
    bound, stop_server = serve_in_thread(
        lambda: create_wall_app(store, watchlists=watchlists, token=settings.secret("wall_token"), on_action=publisher,
                                allowed_hosts=settings.wall_hosts(host)),
        host, settings.wall_port if port is None else port, allow_wildcard=settings.allow_wildcard_bind)
    log.info("newsroom wall on http://%s:%s/", settings.wall_bind or settings.web_bind, bound)

    def stop() -> None:
        stop_server()
        follower.stop()
        publisher.close()
        store.close()

    return Wall(store, bound, stop)
