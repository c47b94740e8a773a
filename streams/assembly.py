"""The stateful stage on Kafka: prepared posts in, event records out, exactly once
in effect.

Kafka redelivers after a crash (at-least-once), so every update is made
idempotent:

* each internal record is written to ``store`` (a Faust table on RocksDB, with a
  changelog) *before* it is applied, under its offset;
* when buckets close, the event records are sent (and their delivery awaited),
  then a checkpoint of the whole pipeline, together with the last applied offset
  per source partition, replaces the previous one, and the records it covers are
  dropped from the store;
* on start, the checkpoint is loaded and the stored records after it are applied
  again; anything redelivered at or below an applied offset is skipped.

A crash between sending records and the checkpoint makes the same closes happen
again: the same event ids with the same versions, which consumers drop.

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

import pickle
import zlib
from typing import Awaitable, Callable, MutableMapping

from detectors.pipeline import DetectorConfig, Pipeline
from streams.wire import decode_prepared

CHUNK = 512 * 1024  # bytes per stored checkpoint piece: well under Kafka's 1 MB record limit
BUFFER = "buf:"
META = "ckpt:meta"


class Assembler:
    def __init__(
        self,
        store: MutableMapping[str, bytes],
        emit: Callable[[list[dict]], Awaitable[None]],
        *,
        config: DetectorConfig | None = None,
        partitions: int = 1,
    ):
        """``partitions``: of each input topic; once a topic is in use, the
        watermark waits for all of its partitions."""
        self.store = store
        self.emit = emit
        self.partitions = partitions
        self.pipe = Pipeline(config, collect_assignments=False)
        self.applied: dict[str, tuple[int, int]] = {}  # source partition -> last (offset, index) applied
        self.last_offset = -1  # last internal record applied
        self.restored = False
        self.checkpoints = 0

    # -- checkpoint ---------------------------------------------------------------------
    def _save(self) -> None:
        blob = zlib.compress(pickle.dumps((self.pipe, self.applied, self.last_offset), protocol=5), 1)
        meta = pickle.loads(self.store[META]) if META in self.store else {"gen": 1, "chunks": 0}
        gen = 1 - meta["gen"]  # write the other slot: a crash mid-write leaves the old one whole
        chunks = [blob[i:i + CHUNK] for i in range(0, len(blob), CHUNK)] or [b""]
        for i, chunk in enumerate(chunks):
            self.store[f"ckpt:{gen}:{i}"] = chunk
        self.store[META] = pickle.dumps({"gen": gen, "chunks": len(chunks), "offset": self.last_offset})
        for key in [k for k in self.store.keys() if k.startswith(BUFFER) and int(k[len(BUFFER):]) <= self.last_offset]:
            del self.store[key]
        self.checkpoints += 1

    def _load(self) -> None:
        if META not in self.store:
            return
        meta = pickle.loads(self.store[META])
        blob = b"".join(self.store[f"ckpt:{meta['gen']}:{i}"] for i in range(meta["chunks"]))
        self.pipe, self.applied, self.last_offset = pickle.loads(zlib.decompress(blob))

    async def restore(self) -> int:
        """Load the checkpoint and apply again the stored records after it; returns
        how many were applied again."""
        self.restored = True
        self._load()
        pending = sorted(int(k[len(BUFFER):]) for k in list(self.store.keys()) if k.startswith(BUFFER))
        again = 0
        for offset in pending:
            if offset > self.last_offset:
                again += await self._apply(offset, self.store[f"{BUFFER}{offset:016d}"])
        return again

    # -- records ------------------------------------------------------------------------
    async def apply(self, offset: int, raw: bytes) -> int:
        """Apply the internal record at ``offset``; returns the posts applied (0 for a redelivery)."""
        if not self.restored:
            await self.restore()
        if offset <= self.last_offset:
            return 0
        self.store[f"{BUFFER}{offset:016d}"] = raw
        return await self._apply(offset, raw)

    async def _apply(self, offset: int, raw: bytes) -> int:
        source, rows = decode_prepared(raw)
        if source not in self.pipe.sources:
            topic = source.rpartition(":")[0]
            self.pipe.expect_sources(f"{topic}:{p}" for p in range(self.partitions))
        closed_before = self.pipe.stats["buckets"]
        done = self.applied.get(source, (-1, -1))
        records: list[dict] = []
        applied = 0
        for src_offset, index, prep in rows:
            if (src_offset, index) <= done:
                continue  # redelivered by the ingest stage after a crash
            records += self.pipe.add(prep, source)
            done = (src_offset, index)
            applied += 1
        self.applied[source] = done
        self.last_offset = offset
        if self.pipe.stats["buckets"] != closed_before:
            if records:
                await self.emit(records)
            self._save()
        return applied
