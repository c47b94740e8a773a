"""Running the wall: in a background thread (the demo, tests) or blocking (a service).

Never on a wildcard address: the wall has no TLS and, without a token, no
authentication.  Put a reverse proxy in front of it to share it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from typing import Callable

from aiohttp import web

from streams.wall.store import EventStore



def is_wildcard(host: str) -> bool:
    """Whether binding ``host`` listens on every interface: ``0.0.0.0``, ``::``, empty,
    ``*``, and the legacy IPv4 spellings ``0``, ``0.0``, ``0x0``, ``000.0.0.0``.

    >>> [is_wildcard(h) for h in ("0.0.0.0", "[::]", "0", "0x0", "0.0", "127.0.0.1", "wall.internal")]
    [True, True, True, True, True, False, False]
    """
    name = host.strip().strip("[]")
    if name in ("", "*"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        pass
    else:  # ::ffff:0.0.0.0 binds every IPv4 interface on a dual-stack socket
        mapped = getattr(address, "ipv4_mapped", None)
        return address.is_unspecified or bool(mapped and mapped.is_unspecified)
    try:  # the resolver reads these as an IPv4 address, as inet_aton does
        return socket.inet_aton(name) == b"\0\0\0\0"
    except (OSError, ValueError):
        return False


def check_host(host: str | None, allow_wildcard: bool = False) -> None:
    """Refuse wildcard addresses (see :func:`is_wildcard`) unless ``allow_wildcard``
    (FLASHPOINT_ALLOW_WILDCARD_BIND: behind a firewall, with a token and a Host list)."""
    if host is None:
        raise ValueError("give a specific address such as 127.0.0.1 (None means every interface)")
    if is_wildcard(host) and not allow_wildcard:
        raise ValueError(f"refusing to serve the wall on the wildcard address {host!r}; "
                         "give a specific address such as 127.0.0.1")


def serve_in_thread(app: web.Application | Callable[[], web.Application], host: str = "127.0.0.1",
                    port: int = 0, *, shutdown_timeout: float = 5.0,
                    allow_wildcard: bool = False) -> tuple[int, Callable[[], None]]:
    """Serve ``app`` (or ``app()``, built in the server's thread) on ``host:port`` in a
    daemon thread with its own event loop.  ``port=0`` picks a free port.

    Returns ``(port, stop)``; ``stop()`` closes the live streams, shuts the server
    down and joins the thread (idempotent).
    """
    check_host(host, allow_wildcard)
    ready = threading.Event()
    state: dict = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        state["loop"] = loop
        try:
            application = app if isinstance(app, web.Application) else app()
            runner = web.AppRunner(application, handle_signals=False, access_log=None,
                                   shutdown_timeout=shutdown_timeout)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, host, port)
            loop.run_until_complete(site.start())
            state["runner"] = runner
            state["port"] = runner.addresses[0][1]
        except BaseException as exc:  # report to the caller
            state["error"] = exc
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=run, name=f"wall-{host}:{port}", daemon=True)
    thread.start()
    ready.wait()
    if "error" in state:
        thread.join()
        raise state["error"]
    lock = threading.Lock()

    def stop() -> None:
        with lock:
            if state.get("stopped"):
                return
            state["stopped"] = True
        loop = state["loop"]
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=shutdown_timeout + 10)

    return state["port"], stop


def run_wall(store: EventStore, host: str = "127.0.0.1", port: int = 8080, *,
             watchlists: Callable[[], list[dict]] = lambda: [], token: str | None = None,
             on_action: Callable[[dict], None] | None = None, print: Callable = print,
             allowed_hosts=None, allow_wildcard: bool = False) -> None:
    """Serve the wall until interrupted (Ctrl-C / SIGTERM).  ``allowed_hosts``: the
    ``Host`` names it answers to (default: loopback names and ``host``)."""
    from streams.wall.web import LOCAL_HOSTS, create_wall_app

    check_host(host, allow_wildcard)
    if allowed_hosts is None:
        allowed_hosts = (*LOCAL_HOSTS, f"[{host}]" if ":" in host else host)
    app = create_wall_app(store, watchlists=watchlists, token=token, on_action=on_action,
                          allowed_hosts=allowed_hosts)
    shown = f"[{host}]" if ":" in host else host
    print(f"wall: http://{shown}:{port}/" + ("  (API needs the bearer token; open /?token=...)" if token else ""))
    web.run_app(app, host=host, port=port, print=None, access_log=None, shutdown_timeout=5.0)
