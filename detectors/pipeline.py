"""The whole in-process pipeline, in event time, shared by replay, demo, eval
and the Faust agents.

Two stages, so that the costly one scales out:

* :meth:`Pipeline.prepare` (per post, stateless): language id when missing,
  tokenize, near-duplicate signature.  Its :class:`Prepared` output travels as
  a small record (``to_wire``), so Faust workers run it on their own partitions.
* :meth:`Pipeline.add` (stateful): append to the post's event-time bucket.  Per
  closed bucket, posts in a canonical order (event time, then id: the result does
  not depend on how sources interleave): near-duplicate and community updates,
  term counts -> burst scores -> threshold -> baseline update (bursting terms
  frozen) -> event tracker (storylines, assignment, alert decision, lifecycle).

Buckets close on a watermark: the minimum, over the stream's sources (one for a
file, one per input partition on Kafka), of the newest event time seen, minus
``allowed_lateness_seconds``.  A post for a bucket already closed is *late*: it
is counted (``stats["late"]``) and goes into the oldest open bucket.

>>> import random
>>> from detectors.post import Post
>>> rng = random.Random(3)
>>> chatter = [a + b for a in ("ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "pe", "zu")
...            for b in ("ber", "don", "fix", "gal", "hum", "jet", "lin", "mor", "pax", "sul")]
>>> pipe, recs = Pipeline(), []
>>> for i in range(3000):                                   # 2 posts/min of chatter
...     text = " ".join(rng.sample(chatter, 3))
...     recs += pipe.process(Post(str(i), 30.0 * i, text, author=f"u{rng.randrange(400)}"))
>>> for i in range(200):                                    # then a sudden story, many voices
...     text = "earthquake Lisbon " + " ".join(rng.sample(chatter + ["scary", "shaking"], 3))
...     recs += pipe.process(Post(f"q{i}", 90_000 + 6.0 * i, text, author=f"w{i}"))
>>> recs += pipe.flush()
>>> [(r["type"], r["ts"], r["keywords"][:2]) for r in recs][:1]   # 90_000 is 01:00 on day 2
[('created', '1970-01-02T01:05:00Z', ['earthquake', 'earthquake lisbon'])]
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import Iterable

from detectors.bursts import TermScore
from detectors.commonness import Commonness
from detectors.communities import CommunityTracker
from detectors.dedup import NearDuplicateFilter
from detectors.events import AlertPolicy
from detectors.language import LanguageIdentifier
from detectors.post import Post
from detectors.termstats import BucketStats, TermStatistics
from detectors.text import Tokenizer
from detectors.tracker import EventTracker, TrackerConfig
from detectors.watchlists import WatchlistTracker, WatchPost


@dataclass(frozen=True)
class DetectorConfig:
    """Every knob of the detection pipeline; one default for every stream."""

    bucket_seconds: float = 300.0
    allowed_lateness_seconds: float = 60.0
    window_buckets: int = 12  # recent posts kept for storylines
    max_window_posts_per_bucket: int = 2000  # memory bound on that window
    table_bits: int = 21
    fast_half_life_buckets: float = 3.0
    baseline_half_life_buckets: float = 288.0
    prior: float = 4.0
    min_share: float = 0.002
    # thresholding stage, per term: "elevated" terms feed storylines, which the
    # tracker thresholds as a whole (a story is spread over several words)
    min_recent: float = 2.0
    min_z: float = 1.0
    min_ratio: float = 3.0
    max_baseline_share: float = 0.15  # terms in more posts than this are never news
    # With no history yet, only a term carried by this share of recent posts counts
    # as bursting (a stream may start in the middle of a crisis).
    warmup_buckets: int = 12
    warmup_min_share: float = 0.15
    dup_weight: float = 0.25  # a repost counts this much towards term volume
    identify_language: bool = True
    # A post more than this ahead of the newest one taken is held: taken once the
    # stream gets there, or once ``ahead_confirm_posts`` held posts agree (the stream
    # moved on, as after a night or a month without posts), rejected if its source
    # goes on for ``ahead_patience_posts`` posts without getting there: one post with
    # a wrong clock cannot close buckets for every other post.
    max_ahead_seconds: float = 3600.0
    ahead_confirm_posts: int = 3
    ahead_patience_posts: int = 1000
    # post ids remembered to count a post sent twice once
    remembered_ids: int = 100_000
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    policy: AlertPolicy = field(default_factory=AlertPolicy)


def term_statistics(cfg: DetectorConfig) -> TermStatistics:
    """The term-statistics stage (one shard's worth) for a configuration."""
    return TermStatistics(
        min_recent=cfg.min_recent, min_z=cfg.min_z, min_ratio=cfg.min_ratio,
        max_baseline_share=cfg.max_baseline_share, warmup_buckets=cfg.warmup_buckets,
        warmup_min_share=cfg.warmup_min_share, table_bits=cfg.table_bits,
        fast_half_life=cfg.fast_half_life_buckets, baseline_half_life=cfg.baseline_half_life_buckets,
        prior=cfg.prior, min_share=cfg.min_share,
    )


@dataclass(frozen=True)
class CloseRequest:
    """``remote_terms``: what the term shards need to close ``bucket``.  Each shard
    merges the partial counts it holds for the ``accepted`` records, adds its terms'
    part of ``delta_counts`` and ``delta_total``, and freezes ``explained``."""

    bucket: int
    accepted: list[tuple]
    delta_counts: dict[str, float]
    delta_total: float
    explained: list[str]


class PostInfo:
    """What the pipeline keeps of a post while it is recent."""

    __slots__ = ("id", "ts", "terms", "voice", "author", "community", "lang", "text", "dup", "owner", "vec",
                 "parent")

    def __init__(self, id, ts, terms, voice, author, community, lang, text, dup, parent=None):
        self.id, self.ts, self.terms, self.voice = id, ts, terms, voice
        self.author, self.community, self.lang, self.text, self.dup = author, community, lang, text, dup
        self.parent = parent  # the post it replies to, quotes or reposts (its story is this one's)
        self.owner: str | None = None
        self.vec = None  # (IDF-weighted term vector, the sum of its weights), set by the tracker


class Prepared:
    """A post after the stateless stage: what the stateful stage needs of it."""

    __slots__ = ("id", "ts", "terms", "sig", "author", "mentions", "reply_to", "repost_of", "quote_of",
                 "lang", "text", "followers")

    def __init__(self, id, ts, terms, sig, author, mentions, reply_to, repost_of, quote_of, lang, text,
                 followers=None):
        self.id, self.ts, self.terms, self.sig, self.author = id, ts, terms, sig, author
        self.mentions, self.reply_to, self.repost_of, self.quote_of = mentions, reply_to, repost_of, quote_of
        self.lang, self.text, self.followers = lang, text, followers

    def to_wire(self) -> tuple:
        """The fields in ``__slots__`` order (``Prepared(*row)`` builds it again; a row
        from before ``followers`` existed still does)."""
        return (self.id, self.ts, self.terms, self.sig, self.author, self.mentions, self.reply_to,
                self.repost_of, self.quote_of, self.lang, self.text, self.followers)


def _handle(name: str) -> str:
    return name.lstrip("@").lower()


class Pipeline:
    """``collect_assignments``: keep, for evaluation, which posts each event was
    given (:meth:`assignments`); a long-running service turns it off.
    ``sources``: the sources whose event time the watermark waits for (Kafka
    input partitions); a source seen without being listed is waited for too."""

    def __init__(self, config: DetectorConfig | None = None, *, collect_assignments: bool = True,
                 sources: Iterable[str] = (), remote_terms: bool = False, watchlists=None, negativity=None):
        self.config = cfg = config or DetectorConfig()
        # PR watchlists (detectors.watchlists): tracked per post on arrival, in event
        # time, so a brand's crisis is known within a minute, not at the bucket's close
        self.watch = WatchlistTracker(watchlists, negativity=negativity) if watchlists is not None else None
        self._negativity = negativity
        self.tokenizer = Tokenizer()
        self.language = LanguageIdentifier()
        self.dedup = NearDuplicateFilter()
        self.communities = CommunityTracker()
        # remote_terms: term statistics run elsewhere, sharded by term (Faust term-shard
        # agents); buckets close in two steps (outbox -> receive) and self.bursts is
        # a read-only replica of the shards' baselines, for the tracker.
        self.remote_terms = remote_terms
        stats = term_statistics(cfg)
        self.terms = None if remote_terms else stats
        self.bursts = stats.bursts
        shared = {"bucket_seconds": cfg.bucket_seconds, "min_share": cfg.min_share, "dup_weight": cfg.dup_weight}
        tracker_cfg = TrackerConfig(**{**cfg.tracker.__dict__, **shared})
        self.tracker = EventTracker(tracker_cfg, cfg.policy, baseline_share=self.bursts.baseline_share,
                                    commonness=Commonness(min_zipf=4.8),
                                    community_share=self.communities.share,
                                    community_of=self.communities.community)
        self._open: dict[int, list[Prepared]] = {}
        self._closed_through: int | None = None  # last closed bucket index
        self._source_max: dict[str, float] = {s: -math.inf for s in sources}  # newest event time per source
        self._max_ts = -math.inf
        self._window: list[list[PostInfo]] = []
        self._pending: list[PostInfo] = []  # unmatched posts of the previous bucket
        self._post_author: OrderedDict[str, str] = OrderedDict()  # recent post id -> author, for replies and reposts
        self._writers: OrderedDict[str, None] = OrderedDict()  # recent authors of an original post
        self._assignments: dict[str, dict] = {}
        self.collect_assignments = collect_assignments
        self._trigger_ts = 0.0
        self.stats = Counter()
        # held posts (max_ahead_seconds): (post, source, covered, source's count, _in_step) when held
        self._ahead: list[tuple[Prepared, str, bool, int, int]] = []
        self._ids: OrderedDict[str, None] = OrderedDict()  # recent post ids, for duplicates
        self._taken_from: Counter[str] = Counter()  # posts taken per source (a held post's patience)
        self._in_step = 0  # posts taken on the stream's clock (held posts between two came in a row)
        self.rejected: list[tuple] = []  # (post id, field, reason, prepared or None); callers drain it
        # remote_terms only
        self._watermark = -math.inf
        self._uncovered: dict[int, list[Prepared]] = {}  # posts whose terms no shard has counted
        self._accepted: list[tuple] = []  # records whose partial counts the shards merge at the next close
        self._awaiting: tuple[int, list[PostInfo]] | None = None  # bucket closing, its posts
        self.outbox: list[CloseRequest] = []

    def __setstate__(self, state: dict) -> None:
        # a checkpoint pickled before ``_writers`` existed still restores
        self.__dict__.update(state)
        self.__dict__.setdefault("_writers", OrderedDict())
        self.__dict__.setdefault("_ahead", [])
        self.__dict__.setdefault("_ids", OrderedDict())
        self.__dict__.setdefault("_taken_from", Counter())
        self.__dict__.setdefault("_in_step", 0)
        self.__dict__.setdefault("rejected", [])

    def expect_sources(self, sources: Iterable[str]) -> None:
        """Make the watermark wait for these sources too (e.g. every partition of a topic in use)."""
        for source in sources:
            self._source_max.setdefault(source, -math.inf)

    @property
    def sources(self) -> list[str]:
        return list(self._source_max)

    # -- per post ----------------------------------------------------------------------
    def process(self, post: Post) -> list[dict]:
        """Take one post; return the event records its arrival caused.  A post
        whose preparation fails (a bug, not a bad record: those are rejected by
        the decoder) is rejected here, with the error, and the stream goes on."""
        try:
            prep = self.prepare(post)
        except Exception as exc:  # noqa: BLE001 - one post must not stop the stream
            self._failed(post.id, exc)
            return []
        return self.add(prep)

    def _reject(self, post_id: str, field_name: str, reason: str, prep: Prepared | None = None) -> None:
        self.stats["rejected"] += 1
        self.rejected.append((post_id, field_name, reason, prep))
        del self.rejected[:-10_000]  # bounded if nobody drains it

    def _failed(self, post_id: str, exc: Exception, prep: Prepared | None = None) -> None:
        """A post whose processing raised (a bug): rejected with the error."""
        self.stats["errors"] += 1
        self._reject(post_id, "<post>", f"could not be processed: {type(exc).__name__}: {str(exc)[:200]}", prep)

    def take_rejected(self) -> list[tuple[str, str, str, Prepared | None]]:
        """The posts rejected since the last call: ``(post id, field, reason, prepared
        post or None)``."""
        out, self.rejected = self.rejected, []
        return out

    def is_ahead(self, prep: Prepared) -> bool:
        """Would ``prep`` be held (far ahead of the newest post taken)?"""
        return prep.ts - self._max_ts > self.config.max_ahead_seconds and self._max_ts > -math.inf

    @property
    def newest(self) -> float:
        """Event time of the newest post taken (-inf before the first)."""
        return self._max_ts

    def not_taken_now(self, prep: Prepared) -> bool:
        """Would ``prep`` be rejected (an id seen before) or held (far ahead)?  The
        assembly stage then counts its record's terms itself, not from the shards."""
        return prep.id in self._ids or self.is_ahead(prep)

    def prepare(self, post: Post) -> Prepared:
        """The stateless stage: language, terms, near-duplicate signature."""
        lang = post.lang
        if lang is None and self.config.identify_language:
            lang = self.language.identify(post.text)
        terms, words = self.tokenizer.analyze(post.text, lang)
        mentions = ()
        if post.hashtags or post.mentions:  # fields most posts lack: skip the generators
            mentions = tuple(_handle(m) for m in post.mentions)
            seen = set(terms)
            extra = [t for t in chain(("#" + h.lstrip("#＃").lower() for h in post.hashtags),
                                      ("@" + m for m in mentions)) if t not in seen]
            if extra:
                terms.extend(dict.fromkeys(extra))
        return Prepared(post.id, post.ts, tuple(terms), self.dedup.signature(post.text, words),
                        _handle(post.author) if post.author else None, mentions,
                        post.reply_to, post.repost_of, post.quote_of, lang, post.text, post.followers)

    def add(self, prep: Prepared, source: str = "", *, covered: bool = False, close: bool = True) -> list[dict]:
        """The stateful stage: take one prepared post from ``source``; return the
        event records that closing buckets caused.  ``close=False``: only take it
        (buckets close at the next :meth:`advance`).  ``covered`` (``remote_terms``):
        the term shards already hold this post's counts (see :meth:`accept`).
        If taking it raises (a bug), the post is rejected with the error and the
        stream goes on: a record that raises would otherwise raise again after every
        restart, and stop every post behind it."""
        try:
            return self._add(prep, source, covered, close)
        except Exception as exc:  # noqa: BLE001 - see above
            self._failed(prep.id, exc, prep)
            return []

    def _add(self, prep: Prepared, source: str, covered: bool, close: bool) -> list[dict]:
        if prep.id in self._ids:
            self.stats["duplicates"] += 1
            self._reject(prep.id, "id", "a post with this id was already taken", prep)
            return []
        self._ids[prep.id] = None
        if len(self._ids) > self.config.remembered_ids:
            self._ids.popitem(last=False)
        if self.is_ahead(prep):
            return self._hold(prep, source, covered, close)
        self._in_step += 1  # a post on the stream's clock: held posts before it are no longer in a row
        return self._take(prep, source, covered, close) + self._release(close)

    def _hold(self, prep: Prepared, source: str, covered: bool, close: bool) -> list[dict]:
        """Hold a post far ahead of the stream.  When ``ahead_confirm_posts`` held
        posts within ``max_ahead_seconds`` of each other came in a row (no post on the
        stream's clock between them) or from as many sources (partitions), the stream
        has moved on (after a night or a month without posts): they are taken."""
        cfg = self.config
        self.stats["held"] += 1
        self._ahead.append((prep, source, covered, self._taken_from[source], self._in_step))
        if len(self._ahead) > 1000:  # bounded: the oldest held post has waited long enough
            self._give_up(self._ahead.pop(0))
        start = self._agreed()
        if start is None:
            return []
        within = [h for h in self._ahead if h[0].ts - start <= cfg.max_ahead_seconds]
        self._ahead = [h for h in self._ahead if h[0].ts - start > cfg.max_ahead_seconds]
        return self._take_each(within, close) + self._release(close)

    def _agreed(self) -> float | None:
        """The earliest time of ``ahead_confirm_posts`` held posts that agree (see
        :meth:`_hold`), or None."""
        cfg, k = self.config, self.config.ahead_confirm_posts
        held = sorted(self._ahead, key=lambda h: h[0].ts)
        for i, first in enumerate(held):
            group = [h for h in held[i:] if h[0].ts - first[0].ts <= cfg.max_ahead_seconds]
            in_row = sum(1 for h in group if h[4] == self._in_step)
            if in_row >= k or len({h[1] for h in group}) >= k:
                return first[0].ts
        return None

    def _release(self, close: bool) -> list[dict]:
        """Take the held posts the stream has caught up with; reject those it has not
        reached while their source sent ``ahead_patience_posts`` more (their clocks are wrong)."""
        if not self._ahead:
            return []
        cfg = self.config
        ready, waiting = [], []
        for h in self._ahead:
            if h[0].ts - self._max_ts <= cfg.max_ahead_seconds:
                ready.append(h)
            elif self._taken_from[h[1]] - h[3] > cfg.ahead_patience_posts:
                self._give_up(h)
            else:
                waiting.append(h)
        self._ahead = waiting
        return self._take_each(ready, close)

    def _take_each(self, held: list[tuple], close: bool) -> list[dict]:
        """Take held posts; one that raises is rejected and the others are still taken."""
        out: list[dict] = []
        for prep, source, covered, *_ in held:
            try:
                out.extend(self._take(prep, source, covered, close))
            except Exception as exc:  # noqa: BLE001 - as in add()
                self._failed(prep.id, exc, prep)
        return out

    def _give_up(self, held: tuple) -> None:
        prep = held[0]
        self._reject(prep.id, "ts", f"{prep.ts - self._max_ts:.0f} s ahead of the stream, which did not get there "
                                    f"within the next {self.config.ahead_patience_posts} posts of its source "
                                    f"(at most {self.config.max_ahead_seconds:.0f} s ahead are taken at once)", prep)

    def _take(self, prep: Prepared, source: str, covered: bool, close: bool) -> list[dict]:
        cfg = self.config
        self.stats["posts"] += 1
        self._taken_from[source] += 1
        bucket = int(prep.ts // cfg.bucket_seconds)
        if self._closed_through is not None and bucket <= self._closed_through:
            self.stats["late"] += 1
            bucket = min(self._open) if self._open else self._closed_through + 1
            covered = False  # the shards drop a late post's partial counts
        self._open.setdefault(bucket, []).append(prep)
        if self.remote_terms and not covered:
            self._uncovered.setdefault(bucket, []).append(prep)
        self._max_ts = max(self._max_ts, prep.ts)
        watched = self._watch(prep) if self.watch is not None else []
        if prep.ts > self._source_max.get(source, -math.inf):
            self._source_max[source] = prep.ts
            self._trigger_ts = prep.ts
            if close:
                return watched + self.advance()
        return watched

    def _watch(self, prep: Prepared) -> list[dict]:
        community = self.communities.community(prep.author) if prep.author else None
        return self.watch.update(WatchPost.from_prepared(prep, community))

    def set_watchlists(self, watchlists) -> list[dict]:
        """Watch these from now on (a reloaded file): state is kept for watchlists that
        stay; live events of removed ones are resolved (their records are returned)."""
        if self.watch is None:
            self.watch = WatchlistTracker(watchlists, negativity=self._negativity)
            return []
        return self.watch.set_watchlists(watchlists)

    def advance(self) -> list[dict]:
        """Close the buckets the watermark has passed."""
        self._watermark = min(self._source_max.values()) - self.config.allowed_lateness_seconds
        watched = self.watch.advance(self._watermark) if self.watch is not None else []
        return watched + self._close_until(self._watermark)

    def accept(self, record: tuple) -> None:
        """``remote_terms``: the term shards hold partial counts for ``record``
        (an id the ingest stage gave them) and are to merge them."""
        self._accepted.append(record)

    def _post_info(self, prep: Prepared) -> PostInfo:
        """Near-duplicate and community state, updated in the bucket's canonical order."""
        copies = self.dedup.learn_signature(prep.sig)
        dup = copies > 0 or prep.repost_of is not None
        # An original is its author's voice (or its own, where the stream has no
        # authors).  A copy (repost, copy-paste) is a voice only from an author who
        # has written something of their own before: people passing a story on
        # spread it, while accounts that only ever copy (a bought or scripted
        # amplification) are not independent voices.
        author = prep.author
        if not dup:
            voice = author or f"post:{prep.id}"
            if author is not None:
                self._writers[author] = None
                self._writers.move_to_end(author)
                if len(self._writers) > 200_000:
                    self._writers.popitem(last=False)
        else:
            voice = author if author is not None and author in self._writers else None
        community = self._learn_community(prep, author)
        return PostInfo(prep.id, prep.ts, prep.terms, voice, author, community, prep.lang, prep.text, dup,
                        prep.reply_to or prep.quote_of or prep.repost_of)

    def _learn_community(self, prep: Prepared, author: str | None) -> str | None:
        if author is None:
            return None
        neighbors = list(prep.mentions)
        for ref in (prep.reply_to, prep.repost_of, prep.quote_of):
            if ref and ref in self._post_author:
                neighbors.append(self._post_author[ref])
        self._post_author[prep.id] = author
        if len(self._post_author) > 100_000:
            self._post_author.popitem(last=False)
        if neighbors:
            self.communities.learn_one({"author": author, "neighbors": neighbors})
        return self.communities.community(author)

    # -- per bucket ----------------------------------------------------------------------
    def _close_until(self, watermark: float) -> list[dict]:
        out: list[dict] = []
        size = self.config.bucket_seconds
        while self._open and self._awaiting is None:
            first = min(self._open)
            if (first + 1) * size > watermark:
                break
            out.extend(self._close(first, self._open.pop(first)))
        return out

    def flush(self) -> list[dict]:
        """Close every open bucket (end of a finite stream; not with ``remote_terms``).
        Posts still held are taken: at the end of the stream they stop nobody."""
        held, self._ahead = self._ahead, []
        return self._take_each(held, False) + self._close_until(math.inf)

    def _begin(self, bucket: int, prepared: list[Prepared]) -> list[PostInfo]:
        """Near-duplicate and community updates, in the bucket's canonical order."""
        self._closed_through = bucket
        self.stats["buckets"] += 1
        prepared.sort(key=attrgetter("ts", "id"))
        return [self._post_info(p) for p in prepared]

    def _close(self, bucket: int, prepared: list[Prepared]) -> list[dict]:
        cfg = self.config
        explained = self.tracker.explained()  # as of the previous bucket
        uncovered = {id(p) for p in self._uncovered.pop(bucket, ())}
        posts = self._begin(bucket, prepared)
        if self.remote_terms:
            # What the shards' partial counts miss: posts they never counted (late,
            # or from records not accepted whole) in full, copies' discount for the rest.
            delta, total = Counter(), 0.0
            for prep, p in zip(prepared, posts):
                if id(prep) in uncovered:
                    weight = cfg.dup_weight if p.dup else 1.0
                elif p.dup:
                    weight = cfg.dup_weight - 1.0
                else:
                    continue
                for t in p.terms:
                    delta[t] += weight
                total += weight
            self.outbox.append(CloseRequest(bucket, self._accepted, dict(delta), total, sorted(explained)))
            self._accepted = []
            self._awaiting = (bucket, posts)
            return []
        originals, copies = Counter(), Counter()
        for p in posts:
            (copies if p.dup else originals).update(p.terms)
        counts = originals
        for t, c in copies.items():
            counts[t] += cfg.dup_weight * c
        total = sum(1.0 if not p.dup else cfg.dup_weight for p in posts)
        result = self.terms.update(counts, total, explained, replica=False)  # its baseline is ours
        return self._finish(bucket, posts, result.bursting)

    def receive(self, bucket: int, shards: list[BucketStats]) -> list[dict]:
        """``remote_terms``: every shard's statistics for the bucket awaited; finish
        it, then close what the watermark allows meanwhile."""
        if self._awaiting is None or self._awaiting[0] != bucket:
            raise ValueError(f"bucket {bucket} is not awaited")
        posts = self._awaiting[1]
        bursting: dict[str, TermScore] = {}
        for part in shards:
            bursting.update(part.bursting)
            self.bursts.set_baseline(part.slots, part.means, part.base_steps, part.steps, part.mean_total,
                                     part.recent_total)
        self._awaiting = None
        records = self._finish(bucket, posts, dict(sorted(bursting.items())))
        return records + self._close_until(self._watermark)

    @property
    def awaiting(self) -> int | None:
        """``remote_terms``: the bucket whose term statistics are awaited."""
        return None if self._awaiting is None else self._awaiting[0]

    def _finish(self, bucket: int, posts: list[PostInfo], bursting: dict[str, TermScore]) -> list[dict]:
        """Storylines, assignment, alert decisions and lifecycles for a closed bucket."""
        cfg = self.config
        self.stats["finished"] += 1
        self._window.append(posts if len(posts) <= cfg.max_window_posts_per_bucket
                            else posts[:: math.ceil(len(posts) / cfg.max_window_posts_per_bucket)])
        del self._window[: -cfg.window_buckets]
        window = list(chain.from_iterable(self._window))

        start = bucket * cfg.bucket_seconds
        hour_volume = self.bursts.typical_volume * 3600.0 / cfg.bucket_seconds
        changes, assigned, unmatched = self.tracker.update(start, bursting, window, self._pending + posts,
                                                           hour_volume)
        current = {id(p) for p in posts}
        self._pending = [p for p in unmatched if id(p) in current]  # this bucket's get one more chance
        for ev, p in (assigned if self.collect_assignments else ()):
            entry = self._assignments.get(ev.id)
            if entry is None:
                entry = self._assignments[ev.id] = {"alert": ev.id, "t": self._trigger_ts, "posts": []}
            entry["posts"].append(p.id)
        end = start + cfg.bucket_seconds
        records = []
        for kind, ev in changes:
            if ev.id not in self._assignments:
                self._assignments[ev.id] = {"alert": ev.id, "t": self._trigger_ts, "posts": []}
            records.append(ev.record(kind, end))
        return records

    def assignments(self) -> list[dict]:
        """One entry per emitted event: ``{"alert", "t", "posts"}`` (see ``flashpoint eval``)."""
        return list(self._assignments.values())
