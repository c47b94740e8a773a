"""``python -m streams.wall [EVENTS.jsonl ...]``: serve the wall over an event log, for a look.

    python -m streams.wall /tmp/ev.jsonl --port 8080 [--db wall.sqlite] [--token T] [--follow]

``--follow`` keeps reading the (last) file as it grows, like ``tail -f``, so a
running ``flashpoint replay --out`` shows up live.
"""

from __future__ import annotations

import argparse
import json
import threading
import time


def _follow(store, path: str, poll: float = 0.5) -> None:
    with open(path, encoding="utf-8") as f:
        f.seek(0, 2)
        buf = ""
        while True:
            chunk = f.readline()
            if not chunk:
                time.sleep(poll)
                continue
            buf += chunk
            if buf.endswith("\n"):
                if buf.strip():
                    store.apply(json.loads(buf))
                buf = ""


def main(argv: list[str] | None = None) -> None:
    from streams.wall import EventStore, load_jsonl, run_wall

    ap = argparse.ArgumentParser(prog="python -m streams.wall", description=__doc__.splitlines()[0])
    ap.add_argument("events", nargs="*", help="event logs (flashpoint replay --out)")
    ap.add_argument("--db", default=":memory:", help="SQLite file (default: in memory)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--token", default=None, help="bearer token the API requires")
    ap.add_argument("--follow", action="store_true", help="keep reading the last file as it grows")
    args = ap.parse_args(argv)
    store = EventStore(args.db)
    for path in args.events:
        print(f"{path}: {load_jsonl(store, path)} records applied")
    if args.follow and args.events:
        threading.Thread(target=_follow, args=(store, args.events[-1]), daemon=True).start()
    run_wall(store, args.host, args.port, token=args.token)


if __name__ == "__main__":
    main()
