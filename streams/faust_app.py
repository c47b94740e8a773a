"""The pipeline on Kafka, as Faust agents.

::

    posts ─┐                                          ┌─> posts.dlq (bad records, reason in headers)
           ├─> ingest (per input partition) ──────────┤
    posts.batch ┘ decode, language, tokenize,         ├─> <app>-term-counts (one partition per term shard)
                  partial counts per bucket and shard │     partial counts, close requests
                                                      │         │
                                                      │   terms (per shard): merge, burst scores,
                                                      │   thresholds, baseline (Faust table)
                                                      │         │ answers
                                                      └─> <app>-prepared (1 partition) <┘
                                                              │
                                           assemble: buckets on the watermark, near-duplicates,
                                           communities, storylines, events (Faust table)
                                                              │
                                                              └─> events (keyed by event id, compacted)

The ingest stage holds no state and carries most of the per-post cost (about
two thirds of it in ``flashpoint bench``); the term shards hold the term
statistics, each for its own terms (two-stage aggregation: the ingest stage's
partial counts, merged per shard).  Workers added to the group share the input
and term-count partitions, and so that work.  The assembly stage is one
partition: storylines and events need every post of a bucket.  See
:mod:`streams.term_shard` for the protocol and :mod:`streams.assembly` for how
the stateful stages survive crashes.

Agents are thin: decode a typed record, call ``detectors/``, send.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import ssl
import time

import faust
from prometheus_client import CollectorRegistry, generate_latest

from streams.assembly import Assembler, TermShardStage
from streams.metrics import PipelineMetrics
from streams.settings import Settings
from streams.term_shard import forward_records, split_request
from streams.transport import transport_with_fetch_wait
from streams.wall.service import start_wall
from streams.watchlist_file import WatchlistFile
from streams.wire import DeadLetter, decode_batch, decode_single, encode_close, encode_prepared

log = logging.getLogger(__name__)


class FlashpointApp(faust.App):
    """A Faust app whose consumer takes its fetch wait from the settings (see
    :mod:`streams.transport`)."""

    transport_cls = None

    def _new_transport(self):
        if self.transport_cls is None or not self.conf.broker_consumer[0].scheme.startswith("kafka"):
            return super()._new_transport()
        return self.transport_cls(self.conf.broker_consumer, self)


def tune_gc(threshold: int) -> None:
    """Collect the young generation every ``threshold`` allocations instead of
    every 700, and move what start-up built (Faust, models, tables) out of the
    collector's sight: it lives as long as the worker.  Cycles are still
    collected; only less often."""
    if threshold:
        gc.freeze()
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(threshold, max(older, 50), max(oldest, 100))


def negativity_scorer():
    """The multilingual negativity of watchlist posts (the crisis score's negativity)."""
    from detectors.negativity import NegativityScorer

    return NegativityScorer()


def credentials(settings: Settings):
    """Faust broker credentials from the security settings (None for PLAINTEXT)."""
    proto = settings.security_protocol
    context = None
    if proto in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=settings.ssl_cafile)
    if proto.startswith("SASL"):
        return faust.SASLCredentials(username=settings.sasl_username, password=settings.secret("sasl_password"),
                                     mechanism=settings.sasl_mechanism, ssl_context=context)
    if proto == "SSL":
        return faust.SSLCredentials(context)
    return None


def prepared_topic_name(settings: Settings) -> str:
    return f"{settings.app_id}-prepared"


def term_counts_topic_name(settings: Settings) -> str:
    return f"{settings.app_id}-term-counts"


ROLES = ("all", "ingest", "assemble")


def create_app(settings: Settings | None = None, *, registry: CollectorRegistry | None = None,
               local: bool = False, role: str = "all") -> faust.App:
    """``role``: ``all`` runs every stage (every worker of a group may end up with the
    assembly partition); ``ingest`` runs the scale-out stages (ingest and term shards)
    and ``assemble`` the assembly, as separate consumer groups, so the assembly stage
    has a consumer of its own and never waits behind an input backlog.  Run either
    ``all`` workers or ``ingest`` + ``assemble`` ones, not both.
    ``local``: outputs go to in-memory Faust channels instead of topics (agent unit
    tests with ``test_context``, no broker)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    settings = settings or Settings()
    registry = registry if registry is not None else CollectorRegistry()
    metrics = PipelineMetrics(registry, source="kafka")
    group = settings.app_id + ("-assembly" if role == "assemble" else "")
    app = FlashpointApp(
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
    app.transport_cls = transport_with_fetch_wait(settings.fetch_max_wait_ms)
    app.flashpoint_metrics = metrics

    raw = {"key_serializer": "raw", "value_serializer": "raw"}
    posts = app.topic(settings.topic_posts, partitions=settings.partitions, **raw)
    batches = app.topic(settings.topic_posts_batch, partitions=settings.partitions, **raw)
    shards = settings.term_shards
    if local:
        dlq, events, prepared, term_counts = (app.channel(value_type=bytes) for _ in range(4))
    else:
        dlq = app.topic(settings.topic_dlq, partitions=1, **raw)
        events = app.topic(settings.topic_events, partitions=1, compacting=True, **raw)
        prepared = app.topic(prepared_topic_name(settings), partitions=1, internal=True, **raw)
        term_counts = app.topic(term_counts_topic_name(settings), partitions=max(1, shards), internal=True, **raw)
    app.flashpoint_outputs = {"dlq": dlq, "events": events, "prepared": prepared, "term_counts": term_counts}

    from detectors.pipeline import Pipeline  # the stateless stage's models (tokenizer, language id)

    cfg = settings.detector_config()
    preparer = Pipeline(cfg, collect_assignments=False)
    # progress in wall-clock time, for /stats (benchmarks, operators)
    progress = {"ingested": 0, "first_ingest": None, "last_ingest": None, "assembled": 0, "last_assembled": None,
                "buckets_finished": 0, "closing": False}

    async def forward(batch, decode) -> None:
        """Prepare a batch of input records; forward posts, dead-letter the rest;
        wait for delivery so the input offsets are committed only after it.
        (``force=True``: send now.  Faust would otherwise attach the message to the
        current event and publish it only at the next commit, seconds later.)"""
        progress["first_ingest"] = progress["first_ingest"] or time.time()
        by_source: dict[str, list] = {}
        pending, seen = [], []
        for event in batch:
            msg = event.message
            source = f"{msg.topic}:{msg.partition}"
            try:
                good, dead = decode(msg.value)
            except Exception as exc:  # noqa: BLE001 - a decoder bug must not stop the partition
                good, dead = [], [DeadLetter(0, "<record>", f"could not be decoded: {type(exc).__name__}",
                                             bytes(msg.value or b""))]
            for index, post in good:
                try:
                    prep = preparer.prepare(post)
                except Exception as exc:  # noqa: BLE001 - one post must not stop the others
                    dead.append(DeadLetter(index, "<post>", f"could not be processed: {type(exc).__name__}: "
                                                            f"{str(exc)[:200]}", bytes(msg.value or b"")))
                    continue
                by_source.setdefault(source, []).append((msg.offset, index, prep))
                seen.append((post, prep.lang))
            for letter in dead:
                metrics.rejected(letter)
                pending.append(await dlq.send(key=msg.key, value=letter.raw, force=True,
                                              headers=letter.headers(f"{source}:{msg.offset}")))
        metrics.ingested_many(seen)
        if shards:
            # partial counts first, delivered, then the records that name them (see streams.term_shard)
            records = []
            for source, rows in by_source.items():
                for partials, record in forward_records(source, rows, config=cfg, shards=shards):
                    records.append(record)
                    for k, partial in enumerate(partials):
                        pending.append(await term_counts.send(value=partial, partition=k, force=True))
            await asyncio.gather(*pending)
            pending = [await prepared.send(value=record, partition=0, force=True) for record in records]
        else:
            for source, rows in by_source.items():
                for _, record in forward_records(source, rows, config=cfg, shards=0):
                    pending.append(await prepared.send(value=record, partition=0, force=True))
        if pending:
            await asyncio.gather(*pending)
        progress["last_ingest"] = time.time()
        progress["ingested"] += sum(len(rows) for rows in by_source.values())

    policy = settings.decode_policy()

    def single(value: bytes):
        post, letter = decode_single(value, policy)
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
                await forward(batch, lambda value: decode_batch(value, policy))

    async def emit(records: list[dict]) -> None:
        pending = [await events.send(key=r["id"].encode(), value=json.dumps(r, ensure_ascii=False).encode(),
                                     partition=0, force=True) for r in records]
        metrics.records(records)
        await asyncio.gather(*pending)

    # Stateful stages, one object per partition held; dropped when the partition is
    # revoked (its state comes back from the table when it is assigned again).
    stages: dict[tuple[str, int], object] = {}
    interval = settings.checkpoint_interval_s

    async def request(req) -> None:
        parts = split_request(req, shards, cfg.table_bits)
        await asyncio.gather(*[await term_counts.send(value=encode_close(part), partition=k, force=True)
                               for k, part in enumerate(parts)])

    watch_file = WatchlistFile(settings.watchlists) if settings.watchlists else None
    if watch_file is not None:
        metrics.teams(w["team"] for w in watch_file.describe())

    async def turned_down(letters: list) -> None:
        """Posts the assembly stage turned down (sent twice, a clock the stream never reached)."""
        pending = []
        for source, letter in letters:
            metrics.rejected(letter)
            pending.append(await dlq.send(value=letter.raw, force=True, headers=letter.headers(source)))
        await asyncio.gather(*pending)

    def assembler() -> Assembler:
        key = ("prepared", 0)
        if key not in stages:
            stages[key] = Assembler(assembly_state, emit, config=cfg, partitions=settings.partitions,
                                    request=request if shards else None, shards=max(1, shards),
                                    checkpoint_interval_s=interval,
                                    watchlists=watch_file.current if watch_file else None,
                                    negativity=negativity_scorer() if watch_file else None,
                                    dead_letter=turned_down)
        return stages[key]

    if watch_file is not None and role in ("all", "assemble"):
        @app.timer(interval=settings.watchlists_reload_s)
        async def reload_watchlists() -> None:
            watchlists = watch_file.changed()
            if watchlists is None:
                return
            metrics.teams(w["team"] for w in watchlists.describe())
            stage = stages.get(("prepared", 0))
            if stage is not None:  # else the next assembler starts with them
                await stage.set_watchlists(watchlists)

    if role in ("all", "assemble"):
        assembly_state = app.Table("assembly", partitions=1, key_type=str, value_type=bytes)
        app.flashpoint_assembler = assembler

        @app.agent(prepared, name="assemble")
        async def assemble(stream):
            async for event in stream.events():
                stage = assembler()
                await stage.apply(event.message.offset, event.value)
                metrics.batch(stage.pipe.stats)
                progress["assembled"], progress["last_assembled"] = stage.pipe.stats["posts"], time.time()
                progress["buckets_finished"] = stage.pipe.stats["finished"]
                progress["closing"] = stage.pipe.awaiting is not None  # waiting for the term shards

    async def answer(records: list[bytes]) -> None:
        await asyncio.gather(*[await prepared.send(value=r, partition=0, force=True) for r in records])

    if role in ("all", "ingest") and shards:
        shard_state = app.Table("term-shards", partitions=shards, key_type=str, value_type=bytes)

        @app.agent(term_counts, name="terms")
        async def terms(stream):
            async for event in stream.events():
                k = event.message.partition
                stage = stages.get(("terms", k))
                if stage is None:
                    stage = stages[("terms", k)] = TermShardStage(shard_state, answer, shard=k, shards=shards,
                                                                 config=cfg, checkpoint_interval_s=interval)
                await stage.apply(event.message.offset, event.value)

    internal = {prepared_topic_name(settings): "prepared", term_counts_topic_name(settings): "terms"}

    @app.on_partitions_revoked.connect
    async def drop_stages(sender, revoked, **kwargs):
        for tp in revoked:
            if tp.topic in internal:
                stages.pop((internal[tp.topic], tp.partition), None)
                if internal[tp.topic] == "prepared":
                    metrics.forget_events()

    inputs = (settings.topic_posts, settings.topic_posts_batch, term_counts_topic_name(settings))

    @app.on_partitions_assigned.connect
    async def count_partitions(sender, assigned, **kwargs):
        for topic in inputs:
            metrics.partitions_assigned.labels(topic).set(sum(1 for tp in assigned if tp.topic == topic))

    consumed = set(inputs) | set(internal)

    @app.timer(interval=settings.lag_interval_s)
    async def measure_lag() -> None:
        """Consumer lag of the partitions this worker consumes: the high watermark
        (from the last fetch) minus the position."""
        consumer = app.consumer
        lags = {}
        for tp in consumer.assignment():
            if tp.topic not in consumed:
                continue
            highwater, position = consumer.highwater(tp), await consumer.position(tp)
            if highwater is not None and position is not None:
                lags[(tp.topic, tp.partition)] = highwater - position
        metrics.lag(lags)

    if settings.wall_port and not local:
        @app.task
        async def serve_wall() -> None:
            """The newsroom wall on its own port, over the events and actions topics.  A
            port in use costs the wall, not the worker (its stages go on)."""
            try:
                app.flashpoint_wall = start_wall(settings, watchlists=watch_file.describe if watch_file else list)
            except (OSError, ValueError) as exc:  # port in use; a wildcard address refused
                log.error("newsroom wall not served on %s:%s: %s", settings.wall_bind or settings.web_bind,
                          settings.wall_port, exc)

    @app.task
    async def after_start_up() -> None:
        tune_gc(settings.gc_threshold)

    @app.task
    async def quiet_client_debug_logs() -> None:
        # The worker's root logger passes every level to its handlers' filter, so each
        # aiokafka debug call built a log record (~12,000 in a 50,000-post benchmark run).
        root = logging.getLogger().getEffectiveLevel()
        logging.getLogger("aiokafka").setLevel(max(root, logging.INFO) if root else logging.INFO)

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
