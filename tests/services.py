"""Finding the real services and tools the tests start (Debian's prometheus,
promtool, alertmanager, amtool, chromium).  Locally a missing one skips the test;
with ``CI=true`` it fails it: CI must run everything."""

from __future__ import annotations

import os
import shutil

import pytest


def missing(what: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing: CI must run this test")
    pytest.skip(f"{what} not available")


def binary(name: str, *alternatives: str) -> str:
    """Path of the first of ``name, *alternatives`` on the PATH, else skip/fail."""
    for candidate in (name, *alternatives):
        path = shutil.which(candidate)
        if path:
            return path
    missing(f"{name} (apt-get install prometheus prometheus-alertmanager chromium)")
