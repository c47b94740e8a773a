"""The whole in-process pipeline, in event time, shared by replay, demo, eval
and the Faust agents.

Per post (hot path): language id when missing, tokenize, near-duplicate
check, community update, append to its event-time bucket.  Per closed bucket:
term counts -> burst scores -> threshold -> baseline update (bursting terms
frozen) -> event tracker (storylines, assignment, alert decision, lifecycle).

Buckets close on a watermark: the newest event time seen minus
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

from detectors.bursts import TermBurstDetector
from detectors.commonness import Commonness
from detectors.communities import CommunityTracker
from detectors.dedup import NearDuplicateFilter
from detectors.events import AlertPolicy
from detectors.language import LanguageIdentifier
from detectors.post import Post
from detectors.text import Tokenizer
from detectors.tracker import EventTracker, TrackerConfig


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
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    policy: AlertPolicy = field(default_factory=AlertPolicy)


class PostInfo:
    """What the pipeline keeps of a post while it is recent."""

    __slots__ = ("id", "ts", "terms", "voice", "author", "community", "lang", "text", "dup", "owner")

    def __init__(self, id, ts, terms, voice, author, community, lang, text, dup):
        self.id, self.ts, self.terms, self.voice = id, ts, terms, voice
        self.author, self.community, self.lang, self.text, self.dup = author, community, lang, text, dup
        self.owner: str | None = None


def _handle(name: str) -> str:
    return name.lstrip("@").lower()


class Pipeline:
    """``collect_assignments``: keep, for evaluation, which posts each event was
    given (:meth:`assignments`); a long-running service turns it off."""

    def __init__(self, config: DetectorConfig | None = None, *, collect_assignments: bool = True):
        self.config = cfg = config or DetectorConfig()
        self.tokenizer = Tokenizer()
        self.language = LanguageIdentifier()
        self.dedup = NearDuplicateFilter()
        self.communities = CommunityTracker()
        self.bursts = TermBurstDetector(
            table_bits=cfg.table_bits, fast_half_life=cfg.fast_half_life_buckets,
            baseline_half_life=cfg.baseline_half_life_buckets, prior=cfg.prior, min_share=cfg.min_share,
        )
        shared = {"bucket_seconds": cfg.bucket_seconds, "min_share": cfg.min_share, "dup_weight": cfg.dup_weight}
        tracker_cfg = TrackerConfig(**{**cfg.tracker.__dict__, **shared})
        self.tracker = EventTracker(tracker_cfg, cfg.policy, baseline_share=self.bursts.baseline_share,
                                    commonness=Commonness(min_zipf=4.8))
        self._open: dict[int, list[PostInfo]] = {}
        self._closed_through: int | None = None  # last closed bucket index
        self._max_ts = -math.inf
        self._window: list[list[PostInfo]] = []
        self._pending: list[PostInfo] = []  # unmatched posts of the previous bucket
        self._post_author: OrderedDict[str, str] = OrderedDict()  # recent post id -> author, for replies and reposts
        self._assignments: dict[str, dict] = {}
        self.collect_assignments = collect_assignments
        self._trigger_ts = 0.0
        self._held: set[str] = set()  # terms kept out of the baseline during warm-up
        self.stats = Counter()

    # -- per post ----------------------------------------------------------------------
    def process(self, post: Post) -> list[dict]:
        """Take one post; return the event records its arrival caused."""
        cfg = self.config
        self.stats["posts"] += 1
        lang = post.lang
        if lang is None and cfg.identify_language:
            lang = self.language.identify(post.text)
        terms, words = self.tokenizer.analyze(post.text, lang)
        extra = [t for t in chain(("#" + h.lstrip("#＃").lower() for h in post.hashtags),
                                  ("@" + _handle(m) for m in post.mentions)) if t not in terms]
        if extra:
            terms.extend(dict.fromkeys(extra))
        _, copies = self.dedup.update(post.text, words)
        dup = copies > 0 or post.repost_of is not None
        author = _handle(post.author) if post.author else None
        # A copy (repost, copy-paste) adds no voice, whoever posts it: mass reposts
        # and a brigade's variations of one text are not independent voices.  An
        # original is its author's voice (or its own, where the stream has no authors).
        voice = None if dup else (author or f"post:{post.id}")
        community = self._learn_community(post, author)
        info = PostInfo(post.id, post.ts, tuple(terms), voice, author, community, lang, post.text, dup)

        bucket = int(post.ts // cfg.bucket_seconds)
        if self._closed_through is not None and bucket <= self._closed_through:
            self.stats["late"] += 1
            bucket = min(self._open) if self._open else self._closed_through + 1
        self._open.setdefault(bucket, []).append(info)
        if post.ts > self._max_ts:
            self._max_ts = post.ts
            self._trigger_ts = post.ts
            return self._close_until(post.ts - cfg.allowed_lateness_seconds)
        return []

    def _learn_community(self, post: Post, author: str | None) -> str | None:
        if author is None:
            return None
        neighbors = [_handle(m) for m in post.mentions]
        for ref in (post.reply_to, post.repost_of, post.quote_of):
            if ref and ref in self._post_author:
                neighbors.append(self._post_author[ref])
        self._post_author[post.id] = author
        if len(self._post_author) > 100_000:
            self._post_author.popitem(last=False)
        if neighbors:
            self.communities.learn_one({"author": author, "neighbors": neighbors})
        return self.communities.community(author)

    # -- per bucket ----------------------------------------------------------------------
    def _close_until(self, watermark: float) -> list[dict]:
        out: list[dict] = []
        size = self.config.bucket_seconds
        while self._open:
            first = min(self._open)
            if (first + 1) * size > watermark:
                break
            out.extend(self._close(first, self._open.pop(first)))
        return out

    def flush(self) -> list[dict]:
        """Close every open bucket (end of a finite stream)."""
        return self._close_until(math.inf)

    def _close(self, bucket: int, posts: list[PostInfo]) -> list[dict]:
        cfg = self.config
        self._closed_through = bucket
        self.stats["buckets"] += 1
        originals, copies = Counter(), Counter()
        for p in posts:
            (copies if p.dup else originals).update(p.terms)
        counts = originals
        for t, c in copies.items():
            counts[t] += cfg.dup_weight * c
        total = sum(1.0 if not p.dup else cfg.dup_weight for p in posts)

        scored = self.bursts.score_bucket(counts, total)
        loose = ((scored.recent >= cfg.min_recent) & (scored.z >= cfg.min_z) & (scored.ratio >= cfg.min_ratio)
                 & (scored.share <= cfg.max_baseline_share))
        if self.bursts.steps < cfg.warmup_buckets:
            # No history yet: hold out of the baseline what a large share of posts
            # carry (the story a stream starts in), and let only that burst.
            floor = cfg.warmup_min_share * self.bursts.recent_total_after(total)
            held = (scored.recent >= floor) & (scored.share <= cfg.max_baseline_share)
            self._held |= set(scored.select(held))
            loose &= held
        elif self._held:  # warm-up over: what no story claimed becomes baseline
            self.bursts.absorb(self._held - self.tracker.explained())
            self._held = set()
        bursting = scored.select(loose)
        frozen = set(bursting) | self.tracker.explained() | self._held
        self.bursts.learn_bucket(scored.terms, scored.slots, scored.counts, total, frozen & counts.keys())

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
