"""The newsroom wall: a live web view of Flashpoint's events (``streams/wall``).

* :class:`EventStore` (``store.py``): SQLite store of event records, their history
  and the newsroom's actions, with search and live subscriptions;
* :func:`create_wall_app` (``web.py``): the aiohttp application (pages, JSON API,
  server-sent events, OpenAPI document);
* :func:`serve_in_thread`, :func:`run_wall` (``serve.py``): run it.
"""

from streams.wall.serve import run_wall, serve_in_thread
from streams.wall.store import EventStore, load_jsonl
from streams.wall.web import create_wall_app

__all__ = ["EventStore", "create_wall_app", "load_jsonl", "run_wall", "serve_in_thread"]
