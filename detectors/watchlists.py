"""PR watchlists: each watchlist's own baseline, emergence tracking, a crisis score.

A PR team lists what it watches (:mod:`detectors.watchlist_queries`: the YAML
file, validation, fast matching).  :class:`WatchlistTracker` follows, per
watchlist, the volume of matching posts in EVENT TIME (the post's ``ts``; never
the wall clock) and raises an event record when it bursts:

Detection (on every matching post, so a crisis shows within a minute of stream
time at any replay speed)
  ``c`` = matching posts in the last ``window_seconds`` (60) of event time,
  ``e`` = baseline per-minute mean scaled to the window.  An event starts when
  all hold: ``c >= min_posts`` (10; ``warmup_min_posts`` = 30 while the
  watchlist has fewer than ``warmup_minutes`` = 30 minutes of history, unless
  the watchlist sets ``prior_per_minute``); ``>= min_authors`` (8) distinct
  authors; ratio ``(c+1)/(e+1) >= min_ratio`` (2); ``z = (c-e)/sqrt(max(var, e)+1)
  >= min_z`` (4); not a brigade: the ``brigade_size`` (3) busiest authors carry
  at most ``max_brigade_share`` (0.5) of ``c``; and where at least half the
  authors have a known community, ``>= min_communities`` (2) communities, none
  with more than ``max_community_share`` (0.8) of them (AlertPolicy's ideas).
  A post without an author is its own voice (as in the pipeline).

Baseline
  Exponentially weighted mean/variance of the matching posts per closed event-time
  minute (half-life ``half_life_minutes`` = 6 h), seeded with a prior of
  ``prior_minutes`` (10) pseudo-minutes at ``prior_per_minute`` (1.0/min,
  Poisson variance).  After warm-up a minute is learned clipped at
  ``mean + learn_clip_sd (4) * sd`` (a rejected brigade does not inflate it).
  Frozen while an event is emerging or active; a fading event's minutes are
  learned again (the burst is over; a lasting new level becomes the normal).

Crisis score (each component in [0, 1], reported in ``record["crisis"]``)
  weighted mean, weights renormalized over the components present:
  ``volume`` 0.4: ``z / (z + 10)``; ``negativity`` 0.3: mean of
  ``negativity(text, lang)`` over the window's posts, 0.5 (unknown) without a
  scorer; ``spread`` 0.15: effective number of communities among the window's
  authors ``k`` (inverse Simpson), ``(k-1)/4`` capped at 1, None (skipped) when
  no author has a known community; ``reach`` 0.15: ``log10(1 + followers)/7``
  summed over the window's distinct authors, None (skipped) without followers.
  Severity (never lowered within an event): ``critical`` when score >= 0.7 and
  the event's busiest window >= 50 posts, ``warning`` when score >= 0.5 and >= 20,
  else ``info``.

Lifecycle (evaluated at each event-time minute close)
  ``emerging`` for 5 min, then ``active``; ``fading`` when the decayed level
  (``level = level/2 + posts this minute``) drops under 0.25 of its peak, back to
  ``active`` at 0.5; ``resolved`` after 30 quiet minutes in a row (a minute is
  quiet when it alone would fail the volume thresholds).  A later crisis is a new
  event: ids are ``wl-`` + a hash of team, watchlist and onset minute.  Records:
  ``created`` on the post that starts it; ``updated`` on a state or severity
  change, else at most once per ``update_every_seconds`` (60) while posts keep
  coming; ``resolved``.  Each is :meth:`detectors.events.Event.record`'s format
  plus ``team``, ``watchlist``, ``kind="watchlist"`` and ``crisis``.

Determinism: the outcome depends only on the posts and their order, not on when
:meth:`advance` is called (call it with the watermark: never past a post still to
come) nor on batching; ties are broken by name.

>>> import random
>>> ws = load_watchlists('''
... teams:
...   - name: acme-pr
...     watchlists:
...       - name: acme
...         queries: [{terms: [acme]}, {hashtags: ["#acmefail"]}]
... ''')
>>> negativity = lambda text, lang: 0.9 if "leaked" in text else 0.2   # or NegativityScorer().score_one
>>> rng, tracker, records = random.Random(7), WatchlistTracker(ws, negativity=negativity), []
>>> for i in range(360):                              # 3 h, a mention every ~2.5 min
...     ts = 30.0 * i
...     text = "acme is fine" if rng.random() < 0.2 else "nice weather today"
...     records += tracker.update(WatchPost(f"b{i}", ts, text, author=f"u{rng.randrange(50)}"))
>>> for i in range(120):                              # then a storm: 2 posts/s, many voices
...     ts = 10_800.0 + 0.5 * i
...     records += tracker.update(WatchPost(f"c{i}", ts, "#AcmeFail acme leaked my data",
...                                         author=f"angry{i}", community=f"c{i % 4}"))
>>> for r in records:                                 # onset 03:00:00: created 4 s later
...     print(r["type"], r["ts"], r["state"], r["severity"], r["posts"], r["crisis"]["score"])
created 1970-01-01T03:00:04Z emerging info 10 0.649
updated 1970-01-01T03:00:09Z emerging warning 20 0.739
updated 1970-01-01T03:00:24Z emerging critical 50 0.827
>>> records[-1]["crisis"], records[-1]["team"], records[-1]["keywords"][:4]
({'score': 0.827, 'volume': 0.802, 'negativity': 0.9, 'spread': 0.748, 'reach': None}, 'acme-pr', ['#acmefail', 'acme', 'acme leaked', 'data'])
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import xxhash

from detectors.events import ACTIVE, EMERGING, FADING, RESOLVED, iso
from detectors.text import Tokenizer
from detectors.watchlist_queries import OVERRIDES, Query, Watchlist, WatchlistError, WatchlistSet, load_watchlists

__all__ = ["WatchConfig", "WatchPost", "WatchlistTracker", "WatchlistSet", "Watchlist", "Query",
           "WatchlistError", "load_watchlists"]


@dataclass(frozen=True, slots=True)
class WatchPost:
    """What the tracker needs of a post.  ``terms``: the tokenizer's terms of
    ``text`` (None: tokenized here, slower); ``community``: the author's community
    id (None when unknown); ``followers``: None when unknown."""

    id: str
    ts: float  # event time, epoch seconds
    text: str = ""
    terms: tuple[str, ...] | None = None
    author: str | None = None
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    lang: str | None = None
    followers: int | None = None
    community: str | None = None

    @classmethod
    def from_prepared(cls, prep: Any, community: str | None = None) -> "WatchPost":
        """From a :class:`detectors.pipeline.Prepared` (its terms already hold the
        post's hashtags and mentions)."""
        return cls(prep.id, prep.ts, prep.text or "", tuple(prep.terms), prep.author, tuple(prep.mentions or ()),
                   (), prep.lang, getattr(prep, "followers", None), community)


@dataclass(frozen=True)
class WatchConfig:
    """Every knob of :class:`WatchlistTracker` (see the module doc)."""

    window_seconds: float = 60.0
    # detection (per-watchlist overridable: see detectors.watchlist_queries.OVERRIDES)
    min_posts: int = 10
    min_authors: int = 8
    min_ratio: float = 2.0
    min_z: float = 4.0
    brigade_size: int = 3
    max_brigade_share: float = 0.5
    min_communities: int = 2
    max_community_share: float = 0.8
    # baseline and warm-up
    prior_per_minute: float = 1.0
    prior_minutes: float = 10.0
    warmup_minutes: int = 30
    warmup_min_posts: int = 30
    half_life_minutes: float = 360.0
    learn_clip_sd: float = 4.0
    # crisis score
    w_volume: float = 0.4
    w_negativity: float = 0.3
    w_spread: float = 0.15
    w_reach: float = 0.15
    volume_z_half: float = 10.0
    spread_full: float = 5.0  # effective communities for spread = 1
    reach_full_log10: float = 7.0  # 10 million followers for reach = 1
    warning_score: float = 0.5
    warning_posts: int = 20
    critical_score: float = 0.7
    critical_posts: int = 50
    # lifecycle and records
    emerging_seconds: float = 300.0
    fading_level: float = 0.25
    reactivate_level: float = 0.5
    resolve_quiet_seconds: float = 1800.0
    update_every_seconds: float = 60.0
    max_samples: int = 5
    max_keywords: int = 10
    volume_minutes: int = 60
    max_window_posts: int = 5000
    max_voices: int = 20_000


_MINUTE = 60.0
_SEVERITY = {"info": 0, "warning": 1, "critical": 2}


class _Entry:
    """A matching post in a watchlist's window."""

    __slots__ = ("ts", "id", "voice", "author", "community", "followers", "lang", "text", "terms", "labels", "neg")

    def __init__(self, ts, id, voice, author, community, followers, lang, text, terms, labels):
        self.ts, self.id, self.voice, self.author, self.community = ts, id, voice, author, community
        self.followers, self.lang, self.text, self.terms, self.labels = followers, lang, text, terms, labels
        self.neg: float | None = None

    def __getstate__(self):
        return tuple(getattr(self, k) for k in self.__slots__)

    def __setstate__(self, state):
        for k, v in zip(self.__slots__, state):
            setattr(self, k, v)


@dataclass
class _Event:
    id: str
    team: str
    watchlist: str
    onset: float  # start of the onset minute
    first_seen: float
    state: str = EMERGING
    version: int = 0
    severity: str = "info"
    score: float = 0.0
    crisis: dict = dataclasses.field(default_factory=dict)
    posts: int = 0
    voices: Counter = dataclasses.field(default_factory=Counter)
    communities: Counter = dataclasses.field(default_factory=Counter)  # community -> distinct voices
    languages: Counter = dataclasses.field(default_factory=Counter)
    hits: Counter = dataclasses.field(default_factory=Counter)  # watchlist label -> posts
    term_counts: Counter = dataclasses.field(default_factory=Counter)
    volume: dict = dataclasses.field(default_factory=dict)  # minute start -> posts
    samples: list = dataclasses.field(default_factory=list)
    level: float = 0.0
    peak_level: float = 0.0
    peak_window: int = 0
    quiet: int = 0  # quiet minutes in a row
    last_record: float = 0.0
    dirty: bool = False  # posts since the last record


class _Watch:
    """One watchlist's state."""

    __slots__ = ("wl", "params", "keyset", "base", "minute", "count", "window", "authors", "author_comm",
                 "comm", "follow", "follow_sum", "neg_sum", "neg_n", "neg_ready", "event", "last_event")

    def __init__(self, wl: Watchlist, params: dict, base: tuple, minute: int | None):
        self.wl, self.params, self.keyset = wl, params, frozenset(wl.keys())
        self.base = base  # (sw, sx, sxx, learned minutes)
        self.minute = minute  # the minute ``count`` belongs to
        self.count = 0
        self.window: deque[_Entry] = deque()
        self.authors: Counter = Counter()  # voice -> posts in the window
        self.author_comm: dict = {}  # voice -> community (at its first post in the window)
        self.comm: Counter = Counter()  # community -> voices in the window
        self.follow: dict = {}  # voice -> followers
        self.follow_sum = 0
        self.neg_sum, self.neg_n, self.neg_ready = 0.0, 0, False
        self.event: _Event | None = None
        self.last_event: str | None = None

    def __getstate__(self):
        return tuple(getattr(self, k) for k in self.__slots__)

    def __setstate__(self, state):
        for k, v in zip(self.__slots__, state):
            setattr(self, k, v)


class WatchlistTracker:
    """Per-watchlist emergence detector (see the module doc).

    ``negativity``: ``f(text, lang) -> [0, 1]`` (or an object with such a
    ``score_one``), e.g. ``NegativityScorer().score_one``; it is pickled with the
    tracker, so a module-level function or a bound method of a picklable object.
    Other keyword arguments override :class:`WatchConfig` fields."""

    def __init__(self, watchlists: WatchlistSet | None = None, config: WatchConfig | None = None, *,
                 negativity: Callable[[str, str | None], float] | None = None, **overrides: Any):
        cfg = config or WatchConfig()
        self.config = dataclasses.replace(cfg, **overrides) if overrides else cfg
        self.negativity = negativity
        self._decay = 0.5 ** (1.0 / self.config.half_life_minutes)
        self._tokenizer = Tokenizer()
        self._now = -math.inf  # newest event time seen
        self._minute: int | None = None  # the open event-time minute
        self._live: set[tuple[str, str]] = set()
        self._states: dict[tuple[str, str], _Watch] = {}
        self.watchlists = WatchlistSet(())
        self.set_watchlists(watchlists if watchlists is not None else WatchlistSet(()))

    # -- configuration ---------------------------------------------------------------------
    def set_watchlists(self, watchlists: WatchlistSet) -> list[dict]:
        """Use a new set: watchlists still there (same team and name) keep their
        state, removed ones are dropped (a live event of theirs is resolved: the
        returned records), new ones start cold."""
        old, self._states = self._states, {}
        self.watchlists = watchlists
        for wl in watchlists.watchlists:
            params = self._params(wl)
            state = old.pop(wl.key, None)
            if state is None:
                prior = params["prior_per_minute"]
                n0 = self.config.prior_minutes
                state = _Watch(wl, params, (n0, n0 * prior, n0 * (prior + prior * prior), 0), self._minute)
            else:
                state.wl, state.params, state.keyset = wl, params, frozenset(wl.keys())
            self._states[wl.key] = state
        out = []
        for key in sorted(old):
            ev = old[key].event
            if ev is not None:
                ev.state = RESOLVED
                ts = self._now if math.isfinite(self._now) else ev.first_seen
                out.append(self._record("resolved", ev, ts, old[key]))
        self._live = {k for k in self._live if k in self._states}
        return out

    def _params(self, wl: Watchlist) -> dict:
        cfg = self.config
        params = {k: wl.overrides.get(k, getattr(cfg, k)) for k in OVERRIDES}
        params["warmup"] = "prior_per_minute" not in wl.overrides
        return params

    # -- input -------------------------------------------------------------------------------
    def update(self, post: WatchPost | None = None, /, **fields: Any) -> list[dict]:
        """Take one post (a :class:`WatchPost`, or its fields as keywords); return
        the records it caused (minute closes of live events, then this post's)."""
        if post is None:
            post = WatchPost(**fields)
        out = self._tick(post.ts) if post.ts > self._now else []
        terms = post.terms
        if terms is None:
            terms = tuple(self._tokenizer.terms(post.text or "", post.lang))
        hits = self.watchlists.match_labels(post.text, terms, post.author, post.mentions, post.hashtags, post.lang)
        if not hits:
            return out
        wls = self.watchlists.watchlists
        for wi in sorted(hits):
            state = self._states[wls[wi].key]
            rec = self._add(state, post, terms, tuple(hits[wi]))
            if rec is not None:
                out.append(rec)
        return out

    def advance(self, ts: float) -> list[dict]:
        """Event time passes without posts (a watermark): closes minutes, so live
        events fade and resolve.  Never advance past posts still to come."""
        return self._tick(ts) if ts > self._now else []

    # -- time ---------------------------------------------------------------------------------
    def _tick(self, ts: float) -> list[dict]:
        self._now = ts
        minute = int(ts // _MINUTE)
        if self._minute is None:
            self._minute = minute
            for state in self._states.values():
                if state.minute is None:
                    state.minute = minute
            return []
        if minute <= self._minute:
            return []
        self._minute = minute
        out: list[tuple] = []
        for key in sorted(self._live):
            state = self._states[key]
            for rec_ts, rec in self._roll_live(state, minute):
                out.append((rec_ts, key, rec))
        if not out:
            return []
        out.sort(key=lambda r: (r[0], r[1]))
        return [r for _, _, r in out]

    def _roll_live(self, w: _Watch, minute: int) -> list[tuple[float, dict]]:
        out = []
        while w.event is not None and w.minute < minute:
            rec = self._close_live_minute(w)
            w.minute += 1
            if rec is not None:
                out.append(rec)
        if w.event is None:
            self._live.discard(w.wl.key)
        return out

    def _roll_quiet(self, w: _Watch, minute: int) -> None:
        """Bring a watchlist without a live event to ``minute``: learn its open
        minute, then the empty ones since (closed form)."""
        if w.minute is None:
            w.minute = minute
            return
        if w.minute >= minute:
            return
        w.base = self._learned(w.base, w.count, w.params)
        w.count = 0
        w.minute += 1
        if w.minute < minute:
            w.base = self._zeros(w.base, minute - w.minute)
            w.minute = minute

    # -- baseline ------------------------------------------------------------------------------
    def _stats(self, base: tuple) -> tuple[float, float]:
        sw, sx, sxx, _ = base
        mean = sx / sw
        return mean, max(0.0, sxx / sw - mean * mean)

    def _learned(self, base: tuple, x: float, params: dict) -> tuple:
        sw, sx, sxx, n = base
        if n >= self.config.warmup_minutes:
            mean, var = self._stats(base)
            x = min(x, mean + self.config.learn_clip_sd * math.sqrt(max(var, mean) + 1.0))
        d = self._decay
        return (d * sw + 1.0, d * sx + x, d * sxx + x * x, n + 1)

    def _zeros(self, base: tuple, k: int) -> tuple:
        sw, sx, sxx, n = base
        dk = self._decay ** k
        return (sw * dk + (1.0 - dk) / (1.0 - self._decay), sx * dk, sxx * dk, n + k)

    def _expected(self, w: _Watch) -> tuple[float, float]:
        """Expected posts in a window, and its variance."""
        mean, var = self._stats(w.base)
        scale = self.config.window_seconds / _MINUTE
        return mean * scale, var * scale

    def _volume(self, w: _Watch, c: int) -> tuple[float, float]:
        """(ratio, z) of ``c`` window posts against the baseline."""
        e, var = self._expected(w)
        return (c + 1.0) / (e + 1.0), (c - e) / math.sqrt(max(var, e) + 1.0)

    def _min_posts(self, w: _Watch) -> int:
        p = w.params
        if p["warmup"] and w.base[3] < self.config.warmup_minutes:
            return max(p["min_posts"], self.config.warmup_min_posts)
        return p["min_posts"]

    # -- the window ------------------------------------------------------------------------------
    def _push(self, w: _Watch, e: _Entry) -> None:
        w.window.append(e)
        v = e.voice
        n = w.authors[v]
        w.authors[v] = n + 1
        if n == 0:
            w.author_comm[v] = e.community
            if e.community is not None:
                w.comm[e.community] += 1
        if e.followers is not None:
            old = w.follow.get(v)
            if old is None or e.followers > old:
                w.follow_sum += e.followers - (old or 0)
                w.follow[v] = e.followers
        if w.neg_ready:
            self._score_negativity(w, e)

    def _pop(self, w: _Watch) -> None:
        e = w.window.popleft()
        v = e.voice
        n = w.authors[v] - 1
        if n:
            w.authors[v] = n
        else:
            del w.authors[v]
            c = w.author_comm.pop(v, None)
            if c is not None:
                w.comm[c] -= 1
                if not w.comm[c]:
                    del w.comm[c]
            w.follow_sum -= w.follow.pop(v, 0)
        if e.neg is not None:
            w.neg_n -= 1
            w.neg_sum = w.neg_sum - e.neg if w.neg_n else 0.0

    def _evict(self, w: _Watch, now: float) -> None:
        cutoff = now - self.config.window_seconds
        window = w.window
        while window and (window[0].ts <= cutoff or len(window) > self.config.max_window_posts):
            self._pop(w)

    def _score_negativity(self, w: _Watch, e: _Entry) -> None:
        if e.neg is not None or self.negativity is None:
            return
        fn = getattr(self.negativity, "score_one", self.negativity)
        value = float(fn(e.text, e.lang))
        if math.isfinite(value):
            e.neg = min(1.0, max(0.0, value))
            w.neg_sum += e.neg
            w.neg_n += 1

    # -- per matching post ---------------------------------------------------------------------
    def _add(self, w: _Watch, post: WatchPost, terms: Sequence[str], labels: tuple[str, ...]) -> dict | None:
        if w.event is None:
            self._roll_quiet(w, self._minute)
        w.count += 1
        author = post.author.lstrip("@").lower() if post.author else None
        e = _Entry(post.ts, post.id, author or f"post:{post.id}", author, post.community, post.followers,
                   post.lang, post.text or "", tuple(terms), labels)
        if post.ts > self._now - self.config.window_seconds:
            self._push(w, e)
        self._evict(w, self._now)
        ev = w.event
        if ev is None:
            return self._maybe_create(w, post.ts)
        self._add_to_event(ev, e)
        ev.peak_window = max(ev.peak_window, len(w.window))
        self._crisis(w, ev)
        severity = self._severity(ev)
        if _SEVERITY[severity] > _SEVERITY[ev.severity]:
            ev.severity = severity
            return self._record("updated", ev, post.ts, w)
        return None

    def _maybe_create(self, w: _Watch, ts: float) -> dict | None:
        cfg, p = self.config, w.params
        c = len(w.window)
        if c < self._min_posts(w) or len(w.authors) < p["min_authors"]:
            return None
        ratio, z = self._volume(w, c)
        if ratio < p["min_ratio"] or z < p["min_z"]:
            return None
        if sum(heapq.nlargest(cfg.brigade_size, w.authors.values())) > p["max_brigade_share"] * c:
            return None  # a few accounts carrying it: a brigade, not a crowd
        known = sum(w.comm.values())
        if known and known >= 0.5 * len(w.authors):
            if len(w.comm) < p["min_communities"] or max(w.comm.values()) > cfg.max_community_share * known:
                return None
        # an event: its evidence is the window
        entries = sorted(w.window, key=lambda e: (e.ts, e.id))
        first = entries[0].ts
        onset = math.floor(first / _MINUTE) * _MINUTE
        team, name = w.wl.key
        eid = "wl-" + xxhash.xxh3_64_hexdigest(f"{team}|{name}|{int(onset)}".encode())[:12]
        ev = _Event(eid, team, name, onset, first)
        for e in entries:
            self._add_to_event(ev, e)
        ev.peak_window = c
        w.neg_ready = True
        for e in w.window:
            self._score_negativity(w, e)
        self._crisis(w, ev)
        ev.severity = self._severity(ev)
        w.event = ev
        w.last_event = eid
        self._live.add(w.wl.key)
        return self._record("created", ev, ts, w)

    def _add_to_event(self, ev: _Event, e: _Entry) -> None:
        cfg = self.config
        ev.posts += 1
        ev.dirty = True
        minute = math.floor(e.ts / _MINUTE) * _MINUTE
        ev.volume[minute] = ev.volume.get(minute, 0) + 1
        v = e.voice
        if v in ev.voices or len(ev.voices) < cfg.max_voices:
            ev.voices[v] += 1
            if ev.voices[v] == 1 and e.community is not None:
                ev.communities[e.community] += 1
        if e.lang:
            ev.languages[e.lang] += 1
        ev.hits.update(e.labels)
        ev.term_counts.update(e.terms)
        if len(ev.term_counts) > 20_000:  # memory bound: keep the head
            ev.term_counts = Counter(dict(sorted(ev.term_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2_000]))
        if len(ev.samples) < cfg.max_samples and all(s["voice"] != v for s in ev.samples):
            ev.samples.append({"id": e.id, "author": e.author, "voice": v, "lang": e.lang, "ts": iso(e.ts),
                               "text": e.text[:280]})

    # -- scoring -----------------------------------------------------------------------------------
    def _crisis(self, w: _Watch, ev: _Event) -> None:
        cfg = self.config
        last = ev.crisis
        c = len(w.window)
        _, z = self._volume(w, c)
        volume = z / (z + cfg.volume_z_half) if c and z > 0 else 0.0
        if self.negativity is None:
            negativity = 0.5
        elif w.neg_n:
            negativity = w.neg_sum / w.neg_n
        else:
            negativity = last.get("negativity", 0.5)
        known = sum(w.comm.values())
        if known:
            effective = known * known / sum(n * n for n in w.comm.values())
            spread = min(1.0, max(0.0, (effective - 1.0) / (cfg.spread_full - 1.0)))
        else:  # an empty window keeps the last value; authors without communities: unknown
            spread = last.get("spread") if c == 0 else None
        if w.follow:
            reach = min(1.0, math.log10(1.0 + w.follow_sum) / cfg.reach_full_log10)
        else:
            reach = last.get("reach") if c == 0 else None
        parts = ((cfg.w_volume, volume), (cfg.w_negativity, negativity), (cfg.w_spread, spread),
                 (cfg.w_reach, reach))
        total = sum(wt for wt, v in parts if v is not None)
        score = sum(wt * v for wt, v in parts if v is not None) / total if total else 0.0
        ev.score = score
        ev.crisis = {"score": round(score, 3), "volume": round(volume, 3), "negativity": round(negativity, 3),
                     "spread": None if spread is None else round(spread, 3),
                     "reach": None if reach is None else round(reach, 3)}

    def _severity(self, ev: _Event) -> str:
        cfg = self.config
        if ev.score >= cfg.critical_score and ev.peak_window >= cfg.critical_posts:
            new = "critical"
        elif ev.score >= cfg.warning_score and ev.peak_window >= cfg.warning_posts:
            new = "warning"
        else:
            new = "info"
        return new if _SEVERITY[new] > _SEVERITY[ev.severity] else ev.severity

    # -- lifecycle ------------------------------------------------------------------------------------
    def _quiet(self, w: _Watch, x: int) -> bool:
        """A minute that alone would not pass the volume thresholds."""
        p = w.params
        if x < p["min_posts"]:
            return True
        mean, var = self._stats(w.base)
        return (x + 1.0) / (mean + 1.0) < p["min_ratio"] or (x - mean) / math.sqrt(max(var, mean) + 1.0) < p["min_z"]

    def _close_live_minute(self, w: _Watch) -> tuple[float, dict] | None:
        cfg, ev = self.config, w.event
        x, w.count = w.count, 0
        end = (w.minute + 1) * _MINUTE
        self._evict(w, end)
        old_state, old_severity = ev.state, ev.severity
        ev.level = 0.5 * ev.level + x
        ev.peak_level = max(ev.peak_level, ev.level)
        ev.quiet = ev.quiet + 1 if self._quiet(w, x) else 0
        if ev.quiet * _MINUTE >= cfg.resolve_quiet_seconds:
            ev.state = RESOLVED
        else:
            if ev.state == EMERGING and end - ev.onset >= cfg.emerging_seconds:
                ev.state = ACTIVE
            if ev.state in (EMERGING, ACTIVE) and ev.level < cfg.fading_level * ev.peak_level:
                ev.state = FADING
            elif ev.state == FADING and ev.level >= cfg.reactivate_level * ev.peak_level:
                ev.state = ACTIVE
        if ev.state in (FADING, RESOLVED):  # the burst is over: learn again
            w.base = self._learned(w.base, x, w.params)
        self._crisis(w, ev)
        ev.severity = self._severity(ev)
        if ev.state == RESOLVED:
            w.event = None
            w.neg_ready = False
            return end, self._record("resolved", ev, end, w)
        if ev.state != old_state or ev.severity != old_severity or (
                ev.dirty and end - ev.last_record >= cfg.update_every_seconds):
            return end, self._record("updated", ev, end, w)
        return None

    # -- output ------------------------------------------------------------------------------------------
    def _record(self, kind: str, ev: _Event, ts: float, w: _Watch) -> dict:
        cfg = self.config
        ev.version += 1
        ev.last_record, ev.dirty = ts, False
        labels = sorted(ev.hits, key=lambda t: (-ev.hits[t], t))
        keywords = labels[: cfg.max_keywords]
        if len(keywords) < cfg.max_keywords:
            skip = w.keyset | set(labels)
            company = sorted(((-n, t) for t, n in ev.term_counts.items() if n >= 2 and t not in skip))
            keywords += [t for _, t in company[: cfg.max_keywords - len(keywords)]]
        volume = sorted(ev.volume.items())[-cfg.volume_minutes:]
        languages = sorted(ev.languages.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
        return {
            "type": kind,
            "id": ev.id,
            "version": ev.version,
            "ts": iso(ts),
            "state": ev.state,
            "severity": ev.severity,
            "score": round(ev.score, 3),
            "keywords": keywords,
            "languages": dict(languages),
            "posts": ev.posts,
            "voices": len(ev.voices),
            "communities": len(ev.communities),
            "volume": [[iso(m), n] for m, n in volume],
            "samples": [{k: v for k, v in s.items() if k != "voice"} for s in ev.samples],
            "first_seen": iso(ev.first_seen),
            "team": ev.team,
            "watchlist": ev.watchlist,
            "kind": "watchlist",
            "crisis": dict(ev.crisis),
        }

    # -- read-only views ------------------------------------------------------------------------------------
    def status(self) -> list[dict]:
        """Per watchlist (sorted by team, name), read-only: baseline posts/min and
        its sd (as of the open minute), minutes learned, the window's posts and
        authors, and the live event (id, state, severity, score) if any."""
        out = []
        for key in sorted(self._states):
            w = self._states[key]
            base = w.base
            if w.event is None and w.minute is not None and self._minute is not None and w.minute < self._minute:
                base = self._learned(base, w.count, w.params)
                if w.minute + 1 < self._minute:
                    base = self._zeros(base, self._minute - w.minute - 1)
            mean, var = self._stats(base)
            cutoff = self._now - self.config.window_seconds
            live = [e for e in w.window if e.ts > cutoff]
            ev = w.event
            out.append({"team": key[0], "watchlist": key[1], "baseline_per_minute": round(mean, 6),
                        "baseline_sd": round(math.sqrt(var), 6), "minutes": base[3], "window_posts": len(live),
                        "window_authors": len({e.voice for e in live}),
                        "event": None if ev is None else {"id": ev.id, "state": ev.state, "severity": ev.severity,
                                                          "score": round(ev.score, 3)},
                        "last_event": w.last_event})
        return out

    def live_events(self) -> list[str]:
        return sorted(self._states[k].event.id for k in self._live if self._states[k].event is not None)
