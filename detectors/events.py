"""Events: stable ids, a lifecycle, spread, severity and an explanation.

An :class:`Event` is what a user is alerted about.  It starts as a *candidate*
(storyline whose terms burst) and is emitted only when the alert stage
(:class:`AlertPolicy`) says it is spreading: enough independent voices, no single
voice dominating, and no closed community carrying it where communities are known.

Lifecycle (event time)::

    candidate -> emerging -> active -> fading -> resolved
                                ^---------'         |
                                '--- reopened ------'   (same id, next version)
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timezone

import xxhash

from detectors.profiles import TermProfile

EMERGING, ACTIVE, FADING, RESOLVED = "emerging", "active", "fading", "resolved"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def event_id(bucket_start: float, terms: list[str]) -> str:
    """Stable: the same storyline in the same bucket gets the same id, in any process."""
    key = f"{int(bucket_start)}|{'|'.join(sorted(terms)[:5])}"
    return "ev-" + xxhash.xxh3_64_hexdigest(key.encode())[:12]


@dataclass(frozen=True)
class AlertPolicy:
    """When a candidate storyline becomes an alert, and how severe it is."""

    min_voices: int = 15  # distinct authors (or original posts, where authors are unknown)
    # ... fewer in a quiet stream: this share of its usual posts per hour, but at least
    quiet_voice_share: float = 0.5
    min_voices_quiet: int = 8
    max_top5_share: float = 0.5  # brigades: five voices posting most of it
    # Where at least half the voices have a known community: one community carrying
    # most of it, and far more of it than of the stream's authors, is a closed group
    # (a giant one, such as everyone who reposts one outlet, proves nothing).
    max_community_share: float = 0.6
    community_lift: float = 3.0
    warning_voices: int = 40
    critical_voices: int = 150

    def voices_needed(self, hour_volume: float) -> int:
        """Independent voices an alert needs, given the stream's usual posts per hour."""
        return max(self.min_voices_quiet, round(min(self.min_voices, self.quiet_voice_share * hour_volume)))

    def spreading(self, ev: "Event", hour_volume: float = float("inf"), community_share=None,
                  community_of=None) -> bool:
        """``community_share``: a community's share of the stream's authors (a callable;
        without it every community counts as small); ``community_of``: a voice's
        community now (labels move as the graph grows; without it, the labels the
        voices had when their posts joined)."""
        voices = ev.voices
        if len(voices) < self.voices_needed(hour_volume):
            return False
        posts = sum(voices.values())
        if sum(n for _, n in voices.most_common(5)) > self.max_top5_share * posts:
            return False  # a handful of accounts carrying it: a brigade, not a crowd
        communities = ev.communities
        if community_of is not None:
            communities = Counter(c for c in map(community_of, voices) if c is not None)
        known = sum(communities.values())
        if communities and known >= 0.5 * len(voices):
            label, n = max(communities.items(), key=lambda kv: (kv[1], kv[0]))
            share = n / known
            size = community_share(label) if community_share is not None else 0.0
            if share > self.max_community_share and share > self.community_lift * size:
                return False
        return True

    def severity(self, ev: "Event") -> str:
        n = len(ev.voices)
        if n >= self.critical_voices:
            return "critical"
        return "warning" if n >= self.warning_voices else "info"


@dataclass
class Event:
    id: str
    created: float  # bucket start where it was first seen as a storyline
    keywords: dict[str, float]  # term -> weight; 1.0 = burst trigger, lower = attached later
    state: str = "candidate"
    version: int = 0
    emitted: bool = False
    posts: int = 0
    last_post_ts: float = 0.0
    peak_level: float = 0.0
    level: float = 0.0  # decayed posts per bucket, for fading
    score: float = 0.0
    severity: str = "info"
    volume: dict[float, int] = field(default_factory=dict)  # bucket start -> posts
    voices: Counter = field(default_factory=Counter)
    communities: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    samples: list[dict] = field(default_factory=list)
    term_hits: Counter = field(default_factory=Counter)
    resolved_at: float | None = None
    expanded_at: int = 0  # its posts when the tracker last looked for new keywords
    growth_ts: float = 0.0  # end of the last bucket in which its hourly volume was growing
    resolved_rate: float = 0.0  # posts in its last hour when it resolved
    recent_terms: deque = field(default_factory=lambda: deque(maxlen=300))  # of recent posts
    profile: TermProfile = field(default_factory=TermProfile)  # what its posts are about (see tracker)

    def add_post(self, info, bucket_start: float, max_samples: int = 5) -> None:
        self.posts += 1
        self.last_post_ts = max(self.last_post_ts, info.ts)
        self.volume[bucket_start] = self.volume.get(bucket_start, 0) + 1
        voice = info.voice  # None for a copy: it is its original's voice, not a new one
        if voice is not None and (len(self.voices) < 20_000 or voice in self.voices):
            self.voices[voice] += 1
            if info.community is not None and self.voices[voice] == 1:
                self.communities[info.community] += 1
        if info.lang:
            self.languages[info.lang] += 1
        self.term_hits.update(t for t in info.terms if t in self.keywords)
        self.recent_terms.append(info.terms)
        if len(self.samples) < max_samples and not info.dup:
            who = info.author or voice
            if all((s["author"] or s["voice"]) != who for s in self.samples):
                self.samples.append({"id": info.id, "author": info.author, "voice": info.voice,
                                     "lang": info.lang, "ts": iso(info.ts), "text": info.text[:280]})

    def posts_between(self, start: float, end: float) -> int:
        """Its posts in buckets starting in [start, end) (newest buckets first: they
        were added in time order, so this reads only the recent end)."""
        total = 0
        for b in reversed(self.volume):
            if b < start:
                break
            if b < end:
                total += self.volume[b]
        return total

    def compact(self, keep: int = 200) -> None:
        """Drop the bulky per-post state of an event that is no longer live."""
        self.profile.prune(keep)
        self.recent_terms.clear()

    def top_keywords(self, k: int = 10) -> list[str]:
        return sorted(self.keywords, key=lambda t: (-self.keywords[t], -self.term_hits[t], t))[:k]

    def record(self, kind: str, ts: float, volume_buckets: int = 48) -> dict:
        recent = sorted(self.volume.items())[-volume_buckets:]
        return {
            "type": kind,
            "id": self.id,
            "version": self.version,
            "ts": iso(ts),
            "state": self.state,
            "severity": self.severity,
            "score": round(self.score, 3),
            "keywords": self.top_keywords(),
            "languages": dict(self.languages.most_common(8)),
            "posts": self.posts,
            "voices": len(self.voices),
            "communities": len(self.communities),
            "volume": [[iso(b), n] for b, n in recent],
            "samples": [{k: v for k, v in s.items() if k != "voice"} for s in self.samples],
            "first_seen": iso(self.created),
        }
