"""A real Alertmanager (Debian's prometheus-alertmanager) on a free loopback port,
routing everything to a webhook receiver served by the test process."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from streams.metrics import free_port
from tests.services import binary


class Webhook:
    """Collects the notifications Alertmanager posts (one JSON body each)."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.changed = threading.Condition()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                body["receiver_path"] = self.path  # which receiver's URL Alertmanager chose
                with hook.changed:
                    hook.bodies.append(body)
                    hook.changed.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alert"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alerts(self, status: str | None = None) -> list[dict]:
        """Every alert notified so far (with ``status`` firing/resolved, if given)."""
        return [a for b in self.bodies for a in b["alerts"] if status is None or a["status"] == status]

    def wait_for(self, predicate, timeout: float = 30.0, what: str = "webhook notifications"):
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; got {json.dumps(self.bodies)[:2000]}")
                self.changed.wait(min(left, 0.5))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


CONFIG = """\
route:
  receiver: hook
  group_by: [alertname, event_id]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: {url}
        send_resolved: true
"""


class Alertmanager:
    """``start``/``stop`` may be repeated: the same port and storage each time."""

    def __init__(self, root: Path, webhook_url: str, config: str = CONFIG, users: dict[str, str] | None = None):
        """``config``: Alertmanager's configuration, ``{url}`` standing for the webhook's.
        ``users``: basic-auth users (name -> password) its web server demands (--web.config.file)."""
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (root / "alertmanager.yml").write_text(config.replace("{url}", webhook_url))
        self.proc: subprocess.Popen | None = None
        self.auth_header: dict[str, str] = {}
        self.web_args: list[str] = []
        if users:
            import base64
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                import crypt  # bcrypt, as the exporter toolkit wants: Debian's libxcrypt has it

            lines = "".join(f"  {name}: '{crypt.crypt(pw, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 4))}'\n"
                            for name, pw in users.items())
            (root / "web.yml").write_text("basic_auth_users:\n" + lines)
            self.web_args = [f"--web.config.file={root / 'web.yml'}"]
            name, pw = next(iter(users.items()))
            self.auth_header = {"Authorization": "Basic " + base64.b64encode(f"{name}:{pw}".encode()).decode()}

    def start(self) -> "Alertmanager":
        exe = binary("prometheus-alertmanager", "alertmanager")
        log = open(self.root / "alertmanager.log", "ab")
        self.proc = subprocess.Popen(
            [exe, f"--config.file={self.root / 'alertmanager.yml'}", f"--storage.path={self.root / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=", *self.web_args],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"alertmanager exited: {(self.root / 'alertmanager.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self._request("/-/ready"), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("alertmanager did not become ready")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def _request(self, path: str) -> urllib.request.Request:
        return urllib.request.Request(self.url + path, headers=self.auth_header)

    def alerts(self) -> list[dict]:
        with urllib.request.urlopen(self._request("/api/v2/alerts"), timeout=5) as r:
            return json.loads(r.read())
