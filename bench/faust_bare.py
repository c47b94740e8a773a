"""The bare Faust agent of the Kafka benchmark: consumes the posts topic and only
decodes each record (``json.loads`` + ``parse_post``); nothing else.  Its
``/stats`` page reports how many it decoded and when (wall-clock seconds).

Run as ``python -m bench.faust_bare`` with the same ``FLASHPOINT_*`` settings as
a worker.
"""

from __future__ import annotations

import json
import os
import time

import faust

from detectors.post import parse_post
from streams.settings import Settings


def create_bare_app(settings: Settings) -> faust.App:
    app = faust.App(
        settings.app_id + "-bare", broker=settings.broker_url, store="memory://",
        web_bind=settings.web_bind, web_host=settings.web_bind, web_port=settings.web_port,
        broker_session_timeout=settings.session_timeout_s, consumer_auto_offset_reset="earliest",
        topic_partitions=settings.partitions,
    )
    posts = app.topic(settings.topic_posts, key_serializer="raw", value_serializer="raw")
    progress = {"decoded": 0, "first": None, "last": None}

    @app.agent(posts, name="decode")
    async def decode(stream):
        async for value in stream:
            parse_post(json.loads(value))
            now = time.time()
            progress["first"] = progress["first"] or now
            progress["last"] = now
            progress["decoded"] += 1

    @app.page("/stats")
    async def stats(web, request):
        return web.json(progress)

    return app


if __name__ == "__main__":  # pragma: no cover
    settings = Settings()
    os.makedirs(settings.data_dir, exist_ok=True)
    faust.Worker(create_bare_app(settings), loglevel="warning").execute_from_commandline()
