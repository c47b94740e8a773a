"""A tiny Alertmanager webhook receiver: logs each notification as one JSON line.

Standard library only, so it runs on a stock ``python:3.11-slim`` image (see the
``alerts-webhook`` service in deploy/docker-compose.yml).

* ``POST <any path>``: an Alertmanager webhook payload; printed to stdout as one JSON
  line ``{"received_at", "path", "status", "alerts": [{alertname, status, severity,
  event_id, summary}], "payload"}`` and kept in memory (the last ``WEBHOOK_KEEP``).
* ``GET /alerts``: the kept notifications, newest last, as a JSON array.
* ``GET /healthz``: ``{"ok": true, "received": N}``.

Environment: ``WEBHOOK_BIND`` (default 127.0.0.1; the compose service sets 0.0.0.0
inside its container), ``WEBHOOK_PORT`` (default 8080), ``WEBHOOK_KEEP`` (default 200).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 4 * 1024 * 1024


def summarize(payload: dict) -> list[dict]:
    """The fields of each alert worth a glance in the log."""
    out = []
    for alert in payload.get("alerts") or []:
        labels = alert.get("labels") or {}
        annotations = alert.get("annotations") or {}
        out.append({
            "alertname": labels.get("alertname"),
            "status": alert.get("status"),
            "severity": labels.get("severity"),
            "event_id": labels.get("event_id"),
            "summary": annotations.get("summary"),
        })
    return out


def make_handler(kept: deque, lock: threading.Lock, out=sys.stdout):
    class Handler(BaseHTTPRequestHandler):
        server_version = "flashpoint-webhook/1"

        def _send(self, code: int, body) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/healthz":
                with lock:
                    n = len(kept)
                self._send(200, {"ok": True, "received": n})
            elif self.path == "/alerts":
                with lock:
                    items = list(kept)
                self._send(200, items)
            else:
                self._send(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._send(413 if length > MAX_BODY else 400, {"error": "bad Content-Length"})
                return
            try:
                payload = json.loads(self.rfile.read(length) or b"null")
                if not isinstance(payload, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                self._send(400, {"error": f"invalid JSON: {exc}"})
                return
            entry = {
                "received_at": time.time(),
                "path": self.path,
                "status": payload.get("status"),
                "alerts": summarize(payload),
                "payload": payload,
            }
            with lock:
                kept.append(entry)
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            out.flush()
            self._send(200, {"ok": True})

        def log_message(self, format, *args) -> None:  # one JSON line per POST is enough
            pass

    return Handler


def make_server(host: str = "127.0.0.1", port: int = 8080, keep: int = 200, out=sys.stdout):
    kept: deque = deque(maxlen=keep)
    server = ThreadingHTTPServer((host, port), make_handler(kept, threading.Lock(), out))
    server.kept = kept
    return server


def main() -> None:
    host = os.environ.get("WEBHOOK_BIND", "127.0.0.1")
    port = int(os.environ.get("WEBHOOK_PORT", "8080"))
    keep = int(os.environ.get("WEBHOOK_KEEP", "200"))
    server = make_server(host, port, keep)
    print(f"webhook receiver on http://{host}:{server.server_port}/", file=sys.stderr, flush=True)
    # PID 1 in its container: SIGTERM would otherwise be ignored until docker's SIGKILL.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
