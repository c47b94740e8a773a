"""The pipeline on Kafka, as Faust agents.

::

    posts ─┐                                    ┌─> posts.dlq  (bad records, reason in headers)
           ├─> ingest (per input partition) ────┤
    posts.batch ┘  decode, language, tokenize    └─> <app>-prepared (1 partition)
                                                        │
                                           assemble: buckets on the watermark,
                                           bursts, storylines, events (Faust table
                                           on RocksDB + changelog, see streams.assembly)
                                                        │
                                                        └─> events (keyed by event id, compacted)

The ingest stage holds no state and carries most of the per-post cost (about
two thirds of it in ``flashpoint bench``), so workers added to the group share
the input partitions and its work.  The assembly stage is one partition: event
assembly needs every post of a bucket.

Agents are thin: decode a typed record, call ``detectors/``, send.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import time

import faust
from prometheus_client import CollectorRegistry, generate_latest

from streams.assembly import Assembler
from streams.metrics import PipelineMetrics
from streams.settings import Settings
from streams.wire import decode_batch, decode_single, encode_prepared

log = logging.getLogger(__name__)


def credentials(settings: Settings):
    """Faust broker credentials from the security settings (None for PLAINTEXT)."""
    proto = settings.security_protocol
    context = None
    if proto in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=settings.ssl_cafile)
    if proto.startswith("SASL"):
        return faust.SASLCredentials(username=settings.sasl_username, password=settings.sasl_password,
                                     mechanism=settings.sasl_mechanism, ssl_context=context)
    if proto == "SSL":
        return faust.SSLCredentials(context)
    return None


def prepared_topic_name(settings: Settings) -> str:
    return f"{settings.app_id}-prepared"


ROLES = ("all", "ingest", "assemble")


def create_app(settings: Settings | None = None, *, registry: CollectorRegistry | None = None,
               local: bool = False, role: str = "all") -> faust.App:
    """``role``: ``all`` runs both stages (every worker of a group may end up with the
    assembly partition); ``ingest`` and ``assemble`` run one each, as separate consumer
    groups, so the assembly stage has a consumer of its own and never waits behind an
    input backlog.  Run either ``all`` workers or ``ingest`` + ``assemble`` ones, not both.
    ``local``: outputs go to in-memory Faust channels instead of topics (agent unit
    tests with ``test_context``, no broker)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    settings = settings or Settings()
    registry = registry if registry is not None else CollectorRegistry()
    metrics = PipelineMetrics(registry, source="kafka")
    group = settings.app_id + ("-assembly" if role == "assemble" else "")
    app = faust.App(
        group,
        broker=settings.broker_url,
        broker_credentials=credentials(settings),
        store=settings.store,
        datadir=os.path.join(settings.data_dir, group),  # two app ids never share tables
        web_bind=settings.web_bind,
        web_host=settings.web_bind,
        web_port=settings.web_port,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=max(0.5, settings.session_timeout_s / 6),
        consumer_auto_offset_reset="earliest",
        recovery_consistency_check=settings.recovery_consistency_check,
        producer_acks=-1,
    )
    app.flashpoint_settings = settings
    app.flashpoint_metrics = metrics

    raw = {"key_serializer": "raw", "value_serializer": "raw"}
    posts = app.topic(settings.topic_posts, partitions=settings.partitions, **raw)
    batches = app.topic(settings.topic_posts_batch, partitions=settings.partitions, **raw)
    if local:
        dlq, events, prepared = (app.channel(value_type=bytes) for _ in range(3))
    else:
        dlq = app.topic(settings.topic_dlq, partitions=1, **raw)
        events = app.topic(settings.topic_events, partitions=1, compacting=True, **raw)
        prepared = app.topic(prepared_topic_name(settings), partitions=1, internal=True, **raw)
    app.flashpoint_outputs = {"dlq": dlq, "events": events, "prepared": prepared}

    from detectors.pipeline import Pipeline  # the stateless stage's models (tokenizer, language id)

    cfg = settings.detector_config()
    preparer = Pipeline(cfg, collect_assignments=False)
    # progress in wall-clock time, for /stats (benchmarks, operators)
    progress = {"ingested": 0, "first_ingest": None, "last_ingest": None, "assembled": 0, "last_assembled": None}

    async def forward(batch, decode) -> None:
        """Prepare a batch of input records; forward posts, dead-letter the rest;
        wait for delivery so the input offsets are committed only after it.
        (``force=True``: send now.  Faust would otherwise attach the message to the
        current event and publish it only at the next commit, seconds later.)"""
        progress["first_ingest"] = progress["first_ingest"] or time.time()
        by_source: dict[str, list] = {}
        pending = []
        for event in batch:
            msg = event.message
            source = f"{msg.topic}:{msg.partition}"
            good, dead = decode(msg.value)
            for index, post in good:
                prep = preparer.prepare(post)
                by_source.setdefault(source, []).append((msg.offset, index, prep))
                metrics.ingested(post, prep.lang)
            for letter in dead:
                metrics.rejected(letter)
                pending.append(await dlq.send(key=msg.key, value=letter.raw, force=True,
                                              headers=letter.headers(f"{source}:{msg.offset}")))
        for source, rows in by_source.items():
            pending.append(await prepared.send(value=encode_prepared(source, rows), partition=0, force=True))
        if pending:
            await asyncio.gather(*pending)
        progress["last_ingest"] = time.time()
        progress["ingested"] += sum(len(rows) for rows in by_source.values())

    def single(value: bytes):
        post, letter = decode_single(value)
        return ([(0, post)] if post is not None else []), ([letter] if letter is not None else [])

    if role in ("all", "ingest"):
        @app.agent(posts, name="ingest")
        async def ingest(stream):
            async for batch in stream.take_events(settings.ingest_batch, within=settings.ingest_within_s):
                await forward(batch, single)

        @app.agent(batches, name="ingest-batch")
        async def ingest_batch(stream):
            async for batch in stream.take_events(max(1, settings.ingest_batch // 100),
                                                  within=settings.ingest_within_s):
                await forward(batch, decode_batch)

    async def emit(records: list[dict]) -> None:
        pending = [await events.send(key=r["id"].encode(), value=json.dumps(r, ensure_ascii=False).encode(),
                                     partition=0, force=True) for r in records]
        metrics.records(records)
        await asyncio.gather(*pending)

    if role in ("all", "assemble"):
        state = app.Table("assembly", partitions=1, key_type=str, value_type=bytes)
        assembler = Assembler(state, emit, config=cfg, partitions=settings.partitions)
        app.flashpoint_assembler = assembler

        @app.agent(prepared, name="assemble")
        async def assemble(stream):
            async for event in stream.events():
                await assembler.apply(event.message.offset, event.value)
                metrics.batch(assembler.pipe.stats)
                progress["assembled"], progress["last_assembled"] = assembler.pipe.stats["posts"], time.time()

    inputs = (settings.topic_posts, settings.topic_posts_batch)

    @app.on_partitions_assigned.connect
    async def count_partitions(sender, assigned, **kwargs):
        for topic in inputs:
            metrics.partitions_assigned.labels(topic).set(sum(1 for tp in assigned if tp.topic == topic))

    @app.page("/stats")
    async def stats_page(web, request):
        """Progress of this worker (wall-clock epoch seconds)."""
        return web.json(progress)

    @app.page("/metrics")
    async def metrics_page(web, request):
        return web.bytes(generate_latest(registry), content_type="text/plain; version=0.0.4")

    return app


def run_worker(settings: Settings | None = None, loglevel: str = "info", role: str = "all") -> None:
    """``flashpoint worker``: run until stopped (SIGTERM/SIGINT)."""
    settings = settings or Settings()
    os.makedirs(settings.data_dir, exist_ok=True)
    app = create_app(settings, role=role)
    worker = faust.Worker(app, loglevel=loglevel)
    worker.execute_from_commandline()
