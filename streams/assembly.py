"""The stateful stages on Kafka, exactly once in effect: event assembly (one
partition) and the term shards (one per partition of ``<app>-term-counts``).

Kafka redelivers after a crash (at-least-once), so every update is made
idempotent, the same way in both stages (:class:`CheckpointedStage`):

* each input record is written to ``store`` (a Faust table on RocksDB, with a
  changelog) *before* it is applied, under its offset;
* at a checkpoint (after a bucket closed and what it caused was sent, and its
  delivery awaited), a snapshot of the stage's state, with the last applied
  offset, replaces the previous one, and the records it covers are dropped;
* on start, the snapshot is loaded and the stored records after it are applied
  again; anything redelivered at or below the applied offset is skipped.

A crash between sending and the checkpoint makes the same sends happen again:
event records with the same ids and versions (consumers drop them), close
requests a shard answers again from its cache, answers the assembly ignores.

>>> import asyncio
>>> from detectors.post import Post
>>> from detectors.pipeline import Pipeline
>>> from streams.wire import encode_prepared
>>> prep = Pipeline().prepare
>>> store, sent = {}, []
>>> async def emit(records): sent.extend(records)
>>> asm = Assembler(store, emit)
>>> rec = encode_prepared("posts:0", [(0, 0, prep(Post("a", 0.0, "hello world")))])
>>> asyncio.run(asm.apply(7, rec)), asyncio.run(asm.apply(7, rec))   # the second is a redelivery
(1, 0)
>>> sorted(store)
['buf:0000000000000007']
"""

from __future__ import annotations

import json

import pickle
import time
import zlib
from typing import Awaitable, Callable, MutableMapping

from detectors.pipeline import CloseRequest, DetectorConfig, Pipeline
from streams.term_shard import TermShard, record_id, restrict
from streams.wire import ANSWER, DeadLetter, decode_answer, decode_prepared, decode_shard_message, encode_answer

CHUNK = 512 * 1024  # bytes per stored snapshot piece: well under Kafka's 1 MB record limit


class CheckpointedStage:
    """Buffer, apply, checkpoint (see the module doc).  ``prefix``: of this stage's
    keys, for stages sharing one table.  ``checkpoint_interval_s``: least wall-clock
    time between snapshots (more means less work per post, more replayed on restart)."""

    def __init__(self, store: MutableMapping[str, bytes], *, prefix: str = "", checkpoint_interval_s: float = 0.0):
        self.store = store
        self.prefix = prefix
        self.checkpoint_interval_s = checkpoint_interval_s
        self.last_offset = -1  # last input record applied
        self.restored = False
        self.checkpoints = 0
        self._last_checkpoint = time.monotonic()  # the first snapshot an interval after start

    # what the snapshot holds; subclasses add theirs
    def state(self) -> tuple:
        return (self.last_offset,)

    def set_state(self, state: tuple) -> None:
        (self.last_offset,) = state

    async def on_restored(self) -> None:
        """After a restart: resend what may not have been sent."""

    async def _apply(self, offset: int, raw: bytes) -> int:
        raise NotImplementedError

    # -- store keys ------------------------------------------------------------------
    def _buffer_key(self, offset: int) -> str:
        return f"{self.prefix}buf:{offset:016d}"

    @property
    def _meta(self) -> str:
        return f"{self.prefix}ckpt:meta"

    def _buffered(self) -> list[int]:
        head = f"{self.prefix}buf:"
        return sorted(int(k[len(head):]) for k in list(self.store.keys()) if k.startswith(head))

    # -- checkpoint ------------------------------------------------------------------
    def checkpoint(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_checkpoint < self.checkpoint_interval_s:
            return
        self._last_checkpoint = now
        blob = zlib.compress(pickle.dumps(self.state(), protocol=5), 1)
        meta = pickle.loads(self.store[self._meta]) if self._meta in self.store else {"gen": 1, "chunks": 0}
        gen = 1 - meta["gen"]  # write the other slot: a crash mid-write leaves the old one whole
        chunks = [blob[i:i + CHUNK] for i in range(0, len(blob), CHUNK)] or [b""]
        for i, chunk in enumerate(chunks):
            self.store[f"{self.prefix}ckpt:{gen}:{i}"] = chunk
        self.store[self._meta] = pickle.dumps({"gen": gen, "chunks": len(chunks), "offset": self.last_offset})
        for offset in self._buffered():
            if offset <= self.last_offset:
                del self.store[self._buffer_key(offset)]
        self.checkpoints += 1

    def _load(self) -> None:
        if self._meta not in self.store:
            return
        meta = pickle.loads(self.store[self._meta])
        blob = b"".join(self.store[f"{self.prefix}ckpt:{meta['gen']}:{i}"] for i in range(meta["chunks"]))
        self.set_state(pickle.loads(zlib.decompress(blob)))

    async def restore(self) -> int:
        """Load the snapshot and apply again the stored records after it; returns
        how many posts or messages were applied again."""
        self.restored = True
        self._load()
        again = 0
        for offset in self._buffered():
            if offset > self.last_offset:
                again += await self._apply(offset, self.store[self._buffer_key(offset)])
        await self.on_restored()
        return again

    async def apply(self, offset: int, raw: bytes) -> int:
        """Apply the input record at ``offset``; returns what it applied (0 for a redelivery)."""
        if not self.restored:
            await self.restore()
        if offset <= self.last_offset:
            return 0
        self.store[self._buffer_key(offset)] = raw
        return await self._apply(offset, raw)


class Assembler(CheckpointedStage):
    """Event assembly: prepared posts (and, with term shards, their answers) in,
    event records out.

    ``partitions``: of each input topic; once a topic is in use, the watermark
    waits for all of its partitions.  ``request``: sends a close request to the
    term shards (``None``: term statistics in this process).  ``dead_letter``:
    gets the posts the pipeline turned down (an id sent before, a clock the
    stream never reached) as ``(source, DeadLetter)`` pairs."""

    def __init__(
        self,
        store: MutableMapping[str, bytes],
        emit: Callable[[list[dict]], Awaitable[None]],
        *,
        config: DetectorConfig | None = None,
        partitions: int = 1,
        request: Callable[[CloseRequest], Awaitable[None]] | None = None,
        shards: int = 1,
        checkpoint_interval_s: float = 0.0,
        watchlists=None,
        negativity=None,
        dead_letter: Callable[[list], Awaitable[None]] | None = None,
    ):
        super().__init__(store, checkpoint_interval_s=checkpoint_interval_s)
        self.emit = emit
        self.dead_letter = dead_letter
        self.request = request
        self.shards = shards
        self.partitions = partitions
        self.watchlists = watchlists
        self.pipe = Pipeline(config, collect_assignments=False, remote_terms=request is not None,
                             watchlists=watchlists, negativity=negativity)
        self.applied: dict[str, tuple[int, int]] = {}  # source partition -> last (offset, index) applied
        self._answers: dict[int, dict[int, list]] = {}  # shard -> part -> BucketStats, for pipe.awaiting
        self._sent: CloseRequest | None = None  # the request for pipe.awaiting

    def state(self) -> tuple:
        return self.pipe, self.applied, self.last_offset, self._answers, self._sent

    def set_state(self, state: tuple) -> None:
        self.pipe, self.applied, self.last_offset, self._answers, self._sent = state
        if self.watchlists is not None:  # the file as it is now, not as it was checkpointed
            self.pipe.set_watchlists(self.watchlists)

    async def set_watchlists(self, watchlists) -> None:
        """A reloaded watchlist file: emit what removing watchlists resolved."""
        self.watchlists = watchlists
        records = self.pipe.set_watchlists(watchlists)
        if records:
            await self.emit(records)

    async def on_restored(self) -> None:
        if self._sent is not None:  # perhaps never delivered before the crash
            await self.request(self._sent)

    async def _apply(self, offset: int, raw: bytes) -> int:
        self.last_offset = offset
        if raw[:1] == ANSWER:
            return await self._answer(raw)
        source, rows = decode_prepared(raw)
        pipe = self.pipe
        if source not in pipe.sources:
            topic = source.rpartition(":")[0]
            pipe.expect_sources(f"{topic}:{p}" for p in range(self.partitions))
        finished_before = pipe.stats["finished"]
        done = self.applied.get(source, (-1, -1))
        # whole: nothing in it was applied before, so the shards' partial counts for it hold
        whole = all((o, i) > done for o, i, _ in rows)
        # ... and none of it is a post sent twice or far ahead of the stream, which the
        # pipeline turns down or holds (the shards would count its terms all the same)
        whole = whole and not _held_or_rejected(pipe, rows)
        records: list[dict] = []
        applied = 0
        for src_offset, index, prep in rows:
            if (src_offset, index) <= done:
                continue  # redelivered by the ingest stage after a crash
            records += pipe.add(prep, source, covered=whole, close=self.request is None)
            done = (src_offset, index)
            applied += 1
        self.applied[source] = done
        if self.request is not None:
            if whole and rows:
                pipe.accept(record_id(source, rows))
            records += pipe.advance()
        if pipe.rejected:
            await self._turned_down(source, {prep.id: prep for _, _, prep in rows})
        await self._after(records, finished_before)
        return applied

    async def _turned_down(self, source: str, recent: dict) -> None:
        letters = []
        for post_id, field_name, reason, prep in self.pipe.take_rejected():
            prep = prep or recent.get(post_id)
            post = {"id": post_id} if prep is None else {"id": post_id, "ts": prep.ts, "text": prep.text,
                                                         "author": prep.author, "lang": prep.lang}
            raw = json.dumps(post, ensure_ascii=False).encode("utf-8", "replace")
            letters.append((source, DeadLetter(0, field_name, reason, raw)))
        if self.dead_letter is not None and letters:
            await self.dead_letter(letters)

    async def _answer(self, raw: bytes) -> int:
        header, stats = decode_answer(raw)
        bucket = self.pipe.awaiting
        if bucket is None or header["bucket"] != bucket:
            return 0  # an answer sent again after a crash
        self._answers.setdefault(header["shard"], {})[header["part"]] = (header["parts"], stats)
        complete = len(self._answers) == self.shards and all(
            len(parts) == next(iter(parts.values()))[0] for parts in self._answers.values())
        if not complete:
            return 1
        merged = [_concat([parts[i][1] for i in sorted(parts)]) for _, parts in sorted(self._answers.items())]
        self._answers, self._sent = {}, None
        finished_before = self.pipe.stats["finished"]
        records = self.pipe.receive(bucket, merged)
        await self._after(records, finished_before)
        return 1

    async def _after(self, records: list[dict], finished_before: int) -> None:
        if records:
            await self.emit(records)
        if self.pipe.outbox:
            self._sent = self.pipe.outbox.pop()
            assert not self.pipe.outbox, "one bucket closes at a time"
            await self.request(self._sent)
        if self.pipe.stats["finished"] != finished_before:
            self.checkpoint()


def _held_or_rejected(pipe: Pipeline, rows: list) -> bool:
    """Would the pipeline hold or reject any post of ``rows``, taken in turn (an id
    sent before or twice in them, a time far ahead of the stream or of the rows before it)?"""
    ids: set[str] = set()
    newest = pipe.newest
    for _, _, prep in rows:
        if prep.id in ids or pipe.not_taken_now(prep) or (
                newest > float("-inf") and prep.ts - newest > pipe.config.max_ahead_seconds):
            return True
        ids.add(prep.id)
        newest = max(newest, prep.ts)
    return False


def _concat(parts: list):
    import numpy as np

    from detectors.termstats import BucketStats

    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    return BucketStats(first.bursting, *(np.concatenate([getattr(p, k) for p in parts])
                                         for k in ("slots", "means", "base_steps")),
                       first.steps, first.mean_total, first.recent_total)


class TermShardStage(CheckpointedStage):
    """One term shard on Kafka: partial counts and close requests in, answers out
    (``answer(records)``: sends them to the assembly stage)."""

    def __init__(
        self,
        store: MutableMapping[str, bytes],
        answer: Callable[[list[bytes]], Awaitable[None]],
        *,
        shard: int,
        shards: int,
        config: DetectorConfig | None = None,
        checkpoint_interval_s: float = 0.0,
    ):
        super().__init__(store, prefix=f"{shard}:", checkpoint_interval_s=checkpoint_interval_s)
        self.answer = answer
        self.shard = TermShard(shard, shards, config)

    def state(self) -> tuple:
        return self.shard, self.last_offset

    def set_state(self, state: tuple) -> None:
        self.shard, self.last_offset = state

    async def _apply(self, offset: int, raw: bytes) -> int:
        self.last_offset = offset
        message = decode_shard_message(raw)
        if message[0] == "partial":
            self.shard.partial(message[1], message[2])
            return 1
        request = message[1]
        stats = self.shard.close(request)
        if stats is not None:
            await self.answer(encode_answer(self.shard.shard, request.bucket, stats))
        self.checkpoint()
        return 1


__all__ = ["Assembler", "CheckpointedStage", "TermShardStage", "restrict"]
