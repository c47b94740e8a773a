"""Seeded synthetic post stream with ground truth.

:func:`generate` builds a multilingual stream that looks like a social-media
firehose sample and knows what is in it:

* **background** chatter from ~3000 authors in 12 communities (English, Polish,
  Swedish, Chinese, French, Spanish, Arabic, German), with hashtags, mentions,
  links, emoji, reposts (``RT @user: ...``), replies and quotes that stay mostly
  inside a community; its rate follows a gentle daily curve with Poisson noise;
* 3-5 **incidents** (``event:incident``): a new place + incident noun + hashtag
  in a random language, 150-1500 posts from many authors of at least three
  communities, some written in a second language, shaped as a step,
  exponential or linear ramp, or double peak, then decaying over 1-3 h;
* one **brand crisis** (``event:brand_crisis``, id ``brand-crisis``): a made-up
  brand with steady everyday mentions (background) that suddenly draws a
  recall / data-leak / outrage storm ramping over ~30 min;
* two **decoys** that a good detector should not report: a *brigade* (3-6
  accounts of one community pushing one slogan hundreds of times in under an
  hour, ``decoy:brigade``) and a *seasonal* topic whose rate rises smoothly
  from r to 3r over the whole stream (``decoy:seasonal``).

The same seed always gives the same stream (only ``numpy.random`` generators
and ``random.Random`` instances seeded from it are used); different seeds give
different events, languages, places, times and sizes.  The event plan depends
only on the seed and the stream's start and length, not on the background rate.

>>> s = generate(3, hours=3.0, background_per_min=5.0)
>>> s.posts == sorted(s.posts, key=lambda p: p["ts"])
True
>>> sum(p["event"] == "brand-crisis" for p in s.posts) == s.events[-1].posts
True
"""

from __future__ import annotations

import gzip
import io
import json
import math
import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from detectors.post import parse_ts
from streams import synth_vocab as V

__all__ = ["InjectedEvent", "SynthStream", "generate", "write"]

N_AUTHORS = 3000
LANG_MISSING = 0.30  # share of posts without a ``lang`` field
TW_EPOCH_MS = 1288834974657  # snowflake epoch: ids increase with time like real tweet ids

#: Event languages, weighted so zh/pl/sv/ar are frequent across seeds.
EVENT_LANGS = {"zh": 0.17, "pl": 0.17, "sv": 0.15, "ar": 0.15, "en": 0.12, "fr": 0.08, "es": 0.08, "de": 0.08}
SHAPES = ("step", "exponential", "linear", "double")

# post-type mix (the rest are original posts)
BG_MIX = {"repost": 0.18, "reply": 0.10, "quote": 0.02}
EVENT_MIX = {"repost": 0.30, "reply": 0.08, "quote": 0.03}

LABEL_BACKGROUND = "background"
LABEL_INCIDENT = "event:incident"
LABEL_BRAND = "event:brand_crisis"
LABEL_BRIGADE = "decoy:brigade"
LABEL_SEASONAL = "decoy:seasonal"
BRAND_EVENT_ID = "brand-crisis"


@dataclass(frozen=True)
class InjectedEvent:
    id: str  # ground-truth event id, e.g. "ev1-pl-fire", "brand-crisis"
    kind: str  # "incident" | "brand_crisis"
    lang: str  # main language
    start: float  # epoch seconds of its first post
    posts: int
    shape: str  # "step" | "exponential" | "linear" | "double"
    keywords: tuple[str, ...]  # the distinctive words/hashtags it was generated from


@dataclass(frozen=True)
class SynthStream:
    posts: list[dict]  # sorted by ts; schema fields plus "event" and "label"
    events: tuple[InjectedEvent, ...]
    decoys: dict[str, tuple[str, ...]]  # decoy name -> its keywords


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


class _Fill(dict):
    """``str.format_map`` mapping: fixed values first, else a random pick from ``vocab``."""

    def __init__(self, vocab: dict, py: random.Random, fixed: dict | None = None):
        super().__init__(fixed or {})
        self.vocab = vocab
        self.py = py

    def __missing__(self, key: str) -> str:
        return self.py.choice(self.vocab[key])


def _fill(template: str, vocab: dict, py: random.Random, **fixed: str) -> str:
    return template.format_map(_Fill(vocab, py, fixed))


def _compose(lang: str, body: str, *, front_tag: str | None = None, tags: Sequence[str] = (),
             mentions: Sequence[str] = (), emoji: str | None = None, url: str | None = None) -> str:
    """Assemble a post's text.  Chinese keeps no spaces between Han characters:
    a leading hashtag is written Weibo-style (``#话题#正文``), emoji are glued on,
    and everything else is appended after the sentence."""
    text = body
    if front_tag:
        text = f"{front_tag}#{text}" if lang == "zh" else f"{front_tag} {text}"
    if emoji:
        text += emoji if lang == "zh" else " " + emoji
    for extra in (*mentions, *tags):
        text += " " + extra
    if url:
        text += " " + url
    return text


_SLUG_RE = re.compile(r"[^a-z0-9]+")
_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG_RE.sub("-", ascii_text.lower()).strip("-")


def _link(py: random.Random) -> str:
    path = "".join(py.choice(_B62) for _ in range(py.randint(7, 11)))
    return f"https://{py.choice(V.LINK_DOMAINS)}/{path}"


def _news_link(py: random.Random, lang: str, t: float, slug: str) -> str:
    domain = py.choice(V.NEWS_DOMAINS[lang])
    num = py.randrange(10**7, 10**8)
    if lang in ("zh", "ar"):
        return f"https://{domain}/a/{num}"
    day = np.datetime64(int(t), "s").astype("datetime64[D]").astype(str).replace("-", "/")
    return f"https://{domain}/{day}/{slug}-{num}"


def _subrandom(seq: np.random.SeedSequence) -> tuple[np.random.Generator, random.Random]:
    """An independent (numpy, stdlib) generator pair from one seed sequence."""
    return np.random.default_rng(seq), random.Random(int(seq.generate_state(1, np.uint64)[0]))


def _poisson_times(rng: np.random.Generator, t0: float, t1: float, per_min, bin_s: float = 60.0) -> np.ndarray:
    """Sorted times of an inhomogeneous Poisson process with rate ``per_min(t)`` (posts/min)."""
    lo = np.arange(t0, t1, bin_s)
    width = np.minimum(lo + bin_s, t1) - lo
    counts = rng.poisson(np.asarray(per_min(lo + width / 2)) * width / 60.0)
    times = np.repeat(lo, counts) + rng.random(int(counts.sum())) * np.repeat(width, counts)
    return np.sort(times)


def _burst_profile(rng: np.random.Generator, shape: str, *, ramp_min: tuple[float, float] = (20, 60),
                   decay_h: tuple[float, float] = (1, 3)):
    """Intensity curve (seconds since onset -> relative rate) of a burst."""
    ramp = rng.uniform(*ramp_min) * 60
    tau = rng.uniform(*decay_h) * 3600 / 3.0  # ~5% of the peak rate left after the decay time
    if shape == "step":
        plateau = rng.uniform(5, 20) * 60
        peak = plateau
        def lam(t):
            return np.where(t < plateau, 1.0, np.exp(-(t - plateau) / tau))
    elif shape == "linear":
        peak = ramp
        def lam(t):
            return np.where(t < ramp, np.maximum(t, 1.0) / ramp, np.exp(-(t - ramp) / tau))
    elif shape == "exponential":
        peak, k = ramp, math.log(40.0) / ramp
        def lam(t):
            return np.where(t < ramp, np.exp(k * (t - ramp)), np.exp(-(t - ramp) / tau))
    elif shape == "double":
        h1, gap, rise, tau1 = rng.uniform(0.4, 0.75), rng.uniform(30, 70) * 60, 600.0, rng.uniform(8, 15) * 60
        peak = gap + rise
        def lam(t):
            first = h1 * np.minimum(t / 300.0, 1.0) * np.exp(-np.maximum(t - 300.0, 0.0) / tau1)
            second = np.clip((t - gap) / rise, 0.0, 1.0) * np.exp(-np.maximum(t - gap - rise, 0.0) / tau)
            return first + second
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return lam, peak + 4 * tau


def _burst_times(rng: np.random.Generator, shape: str, n: int, onset: float, t_end: float, **kw) -> np.ndarray:
    """Exactly ``n`` sorted times following the burst shape, first one at ``onset``."""
    lam, horizon = _burst_profile(rng, shape, **kw)
    horizon = max(60.0, min(horizon, t_end - onset - 1.0))
    dt = 5.0
    grid = np.arange(0.0, horizon + dt, dt)
    mass = lam(grid[:-1] + dt / 2) * dt
    cdf = np.concatenate(([0.0], np.cumsum(mass)))
    times = np.sort(np.interp(rng.random(n) * cdf[-1], cdf, grid))
    return onset + times - times[0]


# ---------------------------------------------------------------------------
# the world: authors and communities
# ---------------------------------------------------------------------------


class _World:
    """~3000 authors, each with a home community, languages, followers and a client app."""

    def __init__(self, rng: np.random.Generator, py: random.Random, n: int = N_AUTHORS):
        shares = np.array([c[1] for c in V.COMMUNITIES])
        self.n_comm = len(shares)
        self.comm = rng.choice(self.n_comm, size=n, p=shares / shares.sum())
        perm = rng.permutation(n)  # ids carry no hint of the community
        self.names = [f"u{perm[i]:04d}" for i in range(n)]
        self.lang: list[str] = []
        self.speaks: list[frozenset[str]] = []
        for c in self.comm:
            mix = V.COMMUNITIES[c][2]
            primary = py.choices(list(mix), weights=list(mix.values()))[0]
            langs = {primary}
            if primary != "en" and py.random() < 0.45:
                langs.add("en")
            elif primary == "en" and py.random() < 0.08:
                langs.add(py.choice([lg for lg in V.LANGS if lg != "en"]))
            self.lang.append(primary)
            self.speaks.append(frozenset(langs))
        self.activity = rng.lognormal(0.0, 1.0, n)
        self.followers = rng.lognormal(5.3, 1.6, n).astype(np.int64)
        self.news = rng.random(n) < 0.015
        self.followers[self.news] = self.followers[self.news] * 20 + 20_000
        self.activity[self.news] *= 3.0
        names, weights = zip(*V.SOURCES)
        self.source = py.choices(names, weights=weights, k=n)
        self.members = [np.flatnonzero(self.comm == c).tolist() for c in range(self.n_comm)]
        # events recruit voices more evenly than everyday activity does
        self.member_cum = [np.cumsum(np.sqrt(self.activity[m])).tolist() for m in self.members]
        self.main_lang = [max(mix, key=mix.get) for _, _, mix in V.COMMUNITIES]

    def pick(self, py: random.Random, community: int) -> int:
        return py.choices(self.members[community], cum_weights=self.member_cum[community])[0]

    def speakers(self, lang: str) -> tuple[list[int], list[float]]:
        who = [i for i in range(len(self.names)) if lang in self.speaks[i]]
        return who, np.cumsum(self.activity[who]).tolist()

    def writes(self, author: int, preferred: str) -> str:
        """The language an author uses for a post about something in ``preferred``."""
        langs = self.speaks[author]
        if preferred in langs:
            return preferred
        return "en" if "en" in langs else self.lang[author]


# ---------------------------------------------------------------------------
# records and the stream under construction
# ---------------------------------------------------------------------------


class _Rec:
    __slots__ = ("key", "ms", "author", "text", "lang", "reply_to", "repost_of", "quote_of",
                 "mentions", "hashtags", "url", "event", "label")

    def __init__(self, key, ms, author, text, lang, reply_to, repost_of, quote_of, mentions, hashtags,
                 url, event, label):
        self.key, self.ms, self.author, self.text, self.lang = key, ms, author, text, lang
        self.reply_to, self.repost_of, self.quote_of = reply_to, repost_of, quote_of
        self.mentions, self.hashtags, self.url = mentions, hashtags, url
        self.event, self.label = event, label


class _Stream:
    def __init__(self, world: _World):
        self.world = world
        self.recs: list[_Rec] = []

    def add(self, t: float, author: int, text: str, lang: str, *, reply_to=None, repost_of=None,
            quote_of=None, mentions=(), hashtags=(), url=None, event=None, label=LABEL_BACKGROUND) -> _Rec:
        rec = _Rec(len(self.recs), int(round(t * 1000)), author, text, lang, reply_to, repost_of, quote_of,
                   list(dict.fromkeys(mentions)), list(dict.fromkeys(hashtags)), url, event, label)
        self.recs.append(rec)
        return rec

    def repost(self, t: float, author: int, orig: _Rec, *, event=None, label=LABEL_BACKGROUND) -> _Rec:
        handle = "@" + self.world.names[orig.author]
        return self.add(t, author, f"RT {handle}: {orig.text}", orig.lang, repost_of=orig.key,
                        mentions=[handle, *orig.mentions], hashtags=orig.hashtags, url=orig.url,
                        event=event, label=label)

    def handle(self, author: int) -> str:
        return "@" + self.world.names[author]

    def finalize(self, rng: np.random.Generator, py: random.Random) -> list[dict]:
        recs = sorted(self.recs, key=lambda r: (r.ms, r.key))
        ids = [str(((r.ms - TW_EPOCH_MS) << 22) | (i & 0x3FFFFF)) for i, r in enumerate(recs)]
        id_of = {r.key: ids[i] for i, r in enumerate(recs)}
        stamps = np.datetime_as_string(np.array([r.ms for r in recs], dtype="datetime64[ms]"), unit="ms")
        no_lang = rng.random(len(recs)) < LANG_MISSING
        w = self.world
        src_names, src_weights = zip(*V.SOURCES)
        posts = []
        for i, r in enumerate(recs):
            source = w.source[r.author] if py.random() < 0.9 else py.choices(src_names, weights=src_weights)[0]
            posts.append({
                "id": ids[i],
                "ts": str(stamps[i]) + "Z",
                "text": r.text,
                "author": w.names[r.author],
                "lang": None if no_lang[i] else r.lang,
                "reply_to": id_of[r.reply_to] if r.reply_to is not None else None,
                "repost_of": id_of[r.repost_of] if r.repost_of is not None else None,
                "quote_of": id_of[r.quote_of] if r.quote_of is not None else None,
                "mentions": list(r.mentions),
                "hashtags": list(r.hashtags),
                "url": r.url,
                "source": source,
                "followers": int(w.followers[r.author]),
                "event": r.event,
                "label": r.label,
            })
        return posts


# ---------------------------------------------------------------------------
# background chatter
# ---------------------------------------------------------------------------


def _bg_original(s: _Stream, py: random.Random, t: float, author: int, lang: str) -> _Rec:
    w, table = s.world, V.BACKGROUND[lang]
    body = _fill(py.choice(table["templates"]), table, py)
    r = py.random()
    tags = py.sample(table["hashtags"], 2) if r < 0.08 else [py.choice(table["hashtags"])] if r < 0.33 else []
    mentions = []
    if py.random() < 0.10:
        for _ in range(1 if py.random() < 0.75 else 2):
            c = w.comm[author] if py.random() < 0.85 else py.randrange(w.n_comm)
            other = py.choice(w.members[c])
            if other != author:
                mentions.append(s.handle(other))
    emoji = py.choice(V.BG_EMOJI) if py.random() < 0.22 else None
    url = _link(py) if py.random() < (0.5 if w.news[author] else 0.07) else None
    text = _compose(lang, body, tags=tags, mentions=mentions, emoji=emoji, url=url)
    return s.add(t, author, text, lang, mentions=mentions, hashtags=tags, url=url)


def _background(s: _Stream, rng: np.random.Generator, py: random.Random, t0: float, t1: float,
                per_min: float, phase: float) -> None:
    w = s.world

    def daily(t):  # gentle daily curve, +-20%
        return 1.0 + 0.2 * np.sin(2 * np.pi * (t % 86400.0) / 86400.0 + phase)

    mean = float(np.mean(daily(np.linspace(t0, t1, 1001))))

    def rate(t):  # background_per_min is the mean rate over the stream
        return per_min * daily(t) / mean

    times = _poisson_times(rng, t0, t1, rate)
    p = w.activity / w.activity.sum()
    authors = rng.choice(len(w.names), size=len(times), p=p)
    kinds = rng.random(len(times))
    pools: list[list[_Rec]] = [[] for _ in range(w.n_comm)]  # originals per community, oldest first
    cut_rt = BG_MIX["repost"]
    cut_reply = cut_rt + BG_MIX["reply"]
    cut_quote = cut_reply + BG_MIX["quote"]

    def target(author: int) -> _Rec | None:
        c = w.comm[author] if py.random() < 0.8 else py.randrange(w.n_comm)
        pool = pools[c]
        if not pool:
            return None
        rec = pool[-min(len(pool), 1 + int(py.expovariate(1 / 40.0)))]  # mostly recent posts
        return None if rec.author == author else rec

    for t, a, u in zip(times.tolist(), authors.tolist(), kinds.tolist()):
        tgt = target(a) if u < cut_quote else None
        if tgt is not None and u < cut_rt:
            s.repost(t, a, tgt)
        elif tgt is not None and u < cut_reply:
            lang = tgt.lang if tgt.lang in w.speaks[a] else w.lang[a]
            table = V.BACKGROUND[lang]
            handle = s.handle(tgt.author)
            body = _fill(py.choice(table["replies"]), table, py)
            emoji = py.choice(V.BG_EMOJI) if py.random() < 0.2 else None
            s.add(t, a, _compose(lang, f"{handle} {body}", emoji=emoji), lang, reply_to=tgt.key,
                  mentions=[handle])
        elif tgt is not None:
            lang = w.lang[a]
            table = V.BACKGROUND[lang]
            s.add(t, a, _fill(py.choice(table["replies"]), table, py), lang, quote_of=tgt.key)
        else:
            own = w.lang[a]
            if py.random() < 0.15 and len(w.speaks[a]) > 1:
                own = py.choice(sorted(w.speaks[a] - {own}))
            pools[w.comm[a]].append(_bg_original(s, py, t, a, own))


# ---------------------------------------------------------------------------
# bursts: incidents and the brand crisis share the conversation mechanics
# ---------------------------------------------------------------------------


class _Burst:
    """Who talks about a burst and how posts refer to each other."""

    def __init__(self, s: _Stream, py: random.Random, communities: Sequence[int], weights: Sequence[float],
                 event: str, label: str):
        self.s, self.py = s, py
        self.communities = list(communities)
        self.cum = np.cumsum(weights).tolist()
        self.event, self.label = event, label
        self.originals: list[_Rec] = []
        self.popular: list[_Rec] = []  # posts by well-followed accounts get reposted more

    def author(self) -> int:
        c = self.py.choices(self.communities, cum_weights=self.cum)[0]
        return self.s.world.pick(self.py, c)

    def earlier(self, author: int) -> _Rec | None:
        py = self.py
        if not self.originals:
            return None
        if self.popular and py.random() < 0.5:
            rec = py.choice(self.popular)
        else:
            rec = self.originals[-min(len(self.originals), 1 + int(py.expovariate(1 / 25.0)))]
        return None if rec.author == author else rec

    def keep(self, rec: _Rec) -> None:
        self.originals.append(rec)
        w = self.s.world
        if w.news[rec.author] or w.followers[rec.author] > 2000:
            self.popular.append(rec)

    def run(self, times: np.ndarray, original, reply, mix=EVENT_MIX) -> int:
        """Generate one post per time; ``original(t, author)`` and ``reply(author, target)``
        return (text, lang, tags, url) / (text, lang, tags)."""
        py, s = self.py, self.s
        cut_rt = mix["repost"]
        cut_reply = cut_rt + mix["reply"]
        cut_quote = cut_reply + mix["quote"]
        for t in times.tolist():
            a = self.author()
            u = py.random()
            tgt = self.earlier(a) if u < cut_quote else None
            if tgt is not None and u < cut_rt:
                s.repost(t, a, tgt, event=self.event, label=self.label)
            elif tgt is not None and u < cut_reply:
                handle = s.handle(tgt.author)
                text, lang, tags = reply(a, tgt)
                s.add(t, a, f"{handle} {text}", lang, reply_to=tgt.key, mentions=[handle], hashtags=tags,
                      event=self.event, label=self.label)
            elif tgt is not None:
                text, lang, tags = reply(a, tgt)
                s.add(t, a, text, lang, quote_of=tgt.key, hashtags=tags, event=self.event, label=self.label)
            else:
                text, lang, tags, url, mentions = original(t, a)
                self.keep(s.add(t, a, text, lang, hashtags=tags, url=url, mentions=mentions,
                                event=self.event, label=self.label))
        return len(times)


@dataclass(frozen=True)
class _IncidentPlan:
    id: str
    kind: str
    lang: str
    place: tuple[str, str, str]  # native, native "in", English
    onset: float
    posts: int
    shape: str

    @property
    def stem(self) -> str:
        return V.INCIDENTS[self.kind][self.lang][1]

    @property
    def hashtag(self) -> str:
        place = self.place[0].replace(" ", "")
        return "#" + V.HASHTAG_STYLE[self.lang].format(place=place, stem=self.stem)

    @property
    def noun_tag(self) -> str:
        return "#" + (self.stem if self.lang in ("de", "zh", "ar") else self.stem.lower())

    @property
    def keywords(self) -> tuple[str, ...]:
        native, native_in, english = self.place
        inflected = native_in.split(" ", 1)[-1]  # "w Krakowie" -> "Krakowie"
        words = (native, english, inflected, V.INCIDENTS[self.kind][self.lang][0],
                 V.INCIDENTS[self.kind]["en"][0], self.hashtag, self.noun_tag)
        return tuple(dict.fromkeys(words))


def _incident(s: _Stream, rng: np.random.Generator, py: random.Random, plan: _IncidentPlan, t_end: float) -> None:
    w = s.world
    core = py.choice([c for c in range(w.n_comm) if w.main_lang[c] == plan.lang])
    others = py.sample([c for c in range(w.n_comm) if c != core], py.randint(2, 4))
    share = [py.uniform(0.5, 1.5) for _ in others]
    weights = [0.75] + [0.25 * x / sum(share) for x in share]
    burst = _Burst(s, py, [core, *others], weights, plan.id, LABEL_INCIDENT)
    native, native_in, english = plan.place
    vocab = {}
    for lang in V.LANGS:
        specific = V.INCIDENTS[plan.kind][lang][2]
        vocab[lang] = {"detail": tuple(specific) * 3 + V.EVENT_DETAILS[lang], "react": V.REACTIONS[lang],
                       "question": V.EVENT_QUESTIONS[lang]}
    slug = _slug(f"{plan.kind} {english}")

    def original(t: float, a: int):
        lang = w.writes(a, plan.lang)
        noun = V.INCIDENTS[plan.kind][lang][0]
        if lang == plan.lang:
            place, place_in = native, native_in
        else:
            place, place_in = english, V.PLACE_IN[lang].format(english)
        body = _fill(py.choice(V.EVENT_TEMPLATES[lang]), vocab[lang], py, noun=noun, Noun=noun[:1].upper() + noun[1:],
                     place=place, place_in=place_in)
        tags, front = [], None
        if py.random() < 0.5:
            if py.random() < 0.35:
                front = plan.hashtag
            else:
                tags.append(plan.hashtag)
        if py.random() < 0.12:
            tags.append(plan.noun_tag)
        mentions = []
        if burst.popular and py.random() < 0.06:
            mentions.append(s.handle(py.choice(burst.popular).author))
        url = _news_link(py, lang, t, slug) if py.random() < (0.8 if w.news[a] else 0.1) else None
        emoji = py.choice(V.ALARM_EMOJI) if py.random() < 0.3 else None
        text = _compose(lang, body, front_tag=front, tags=tags, mentions=mentions, emoji=emoji, url=url)
        return text, lang, ([front] if front else []) + tags, url, mentions

    def reply(a: int, tgt: _Rec):
        lang = tgt.lang if tgt.lang in w.speaks[a] else w.writes(a, plan.lang)
        v = vocab[lang]
        r = py.random()
        text = py.choice(v["react"]) if r < 0.45 else py.choice(v["question"]) if r < 0.75 else \
            f"{py.choice(v['react'])}, {py.choice(v['question'])}"
        tags = [plan.hashtag] if py.random() < 0.15 else []
        return _compose(lang, text, tags=tags), lang, tags

    times = _burst_times(rng, plan.shape, plan.posts, plan.onset, t_end)
    burst.run(times, original, reply)


@dataclass(frozen=True)
class _BrandPlan:
    name: str
    product: str
    crisis: str
    onset: float
    posts: int
    shape: str

    @property
    def tags(self) -> tuple[str, str]:
        return f"#Boycott{self.name}", V.CRISIS_TAGS[self.crisis].format(brand=self.name)

    @property
    def keywords(self) -> tuple[str, ...]:
        return (self.name, *self.tags, *V.CRISIS_WORDS[self.crisis], "boycott")


def _brand_everyday(s: _Stream, rng: np.random.Generator, py: random.Random, plan: _BrandPlan,
                    t0: float, t1: float, per_min: float) -> None:
    """Low steady neutral/positive brand mentions all stream long (background)."""
    w = s.world
    times = _poisson_times(rng, t0, t1, lambda t: np.full_like(t, per_min))
    for t in times.tolist():
        a = int(rng.integers(len(w.names)))
        lang = "en" if "en" in w.speaks[a] and py.random() < 0.8 else w.lang[a]
        body = py.choice(V.BRAND_NEUTRAL[lang]).format(brand=plan.name, product=plan.product)
        emoji = py.choice(("😍", "👍", "🤔", "✨", "📦")) if py.random() < 0.25 else None
        url = _link(py) if py.random() < 0.1 else None
        s.add(t, a, _compose(lang, body, emoji=emoji, url=url), lang, url=url)


def _brand_crisis(s: _Stream, rng: np.random.Generator, py: random.Random, plan: _BrandPlan, t_end: float) -> None:
    w = s.world
    comms = py.sample(range(w.n_comm), py.randint(5, 7))
    weights = [len(w.members[c]) * py.uniform(0.6, 1.4) for c in comms]
    burst = _Burst(s, py, comms, [x / sum(weights) for x in weights], BRAND_EVENT_ID, LABEL_BRAND)
    boycott, crisis_tag = plan.tags
    slug = _slug(f"{plan.name} {plan.crisis}")

    def original(t: float, a: int):
        lang = w.writes(a, "en")
        what = py.choice(V.CRISIS_WHAT[lang][plan.crisis]).format(brand=plan.name, product=plan.product)
        body = py.choice(V.CRISIS_TEMPLATES[lang]).format(what=what, brand=plan.name, product=plan.product)
        tags = []
        if py.random() < 0.45:
            tags.append(boycott)
        if py.random() < 0.25:
            tags.append(crisis_tag)
        url = _news_link(py, lang, t, slug) if py.random() < (0.8 if w.news[a] else 0.08) else None
        emoji = py.choice(V.ANGRY_EMOJI) if py.random() < 0.3 else None
        return _compose(lang, body, tags=tags, emoji=emoji, url=url), lang, tags, url, []

    def reply(a: int, tgt: _Rec):
        lang = tgt.lang if tgt.lang in w.speaks[a] else w.writes(a, "en")
        tags = [boycott] if py.random() < 0.2 else []
        return _compose(lang, py.choice(V.CRISIS_REPLIES[lang]), tags=tags), lang, tags

    times = _burst_times(rng, plan.shape, plan.posts, plan.onset, t_end, ramp_min=(25, 35), decay_h=(1, 2))
    burst.run(times, original, reply)


# ---------------------------------------------------------------------------
# decoys
# ---------------------------------------------------------------------------


def _seasonal_rate(t, t0: float, t1: float, r0: float):
    """Posts/min of the seasonal decoy: a half-cosine from ``r0`` at ``t0`` to ``3*r0`` at ``t1``."""
    x = np.clip((np.asarray(t, dtype=float) - t0) / (t1 - t0), 0.0, 1.0)
    return r0 * (2.0 - np.cos(np.pi * x))


def _seasonal(s: _Stream, rng: np.random.Generator, py: random.Random, theme: dict, t0: float, t1: float,
              r0: float) -> None:
    w = s.world
    who, cum = w.speakers("en")
    times = _poisson_times(rng, t0, t1, lambda t: _seasonal_rate(t, t0, t1, r0))
    originals: list[_Rec] = []
    for t in times.tolist():
        a = py.choices(who, cum_weights=cum)[0]
        u = py.random()
        if originals and u < 0.12:
            tgt = originals[-min(len(originals), 1 + int(py.expovariate(1 / 20.0)))]
            if tgt.author != a:
                s.repost(t, a, tgt, label=LABEL_SEASONAL)
                continue
        if originals and u < 0.18:
            tgt = originals[-1]
            if tgt.author != a:
                handle = s.handle(tgt.author)
                body = _fill(py.choice(V.SEASONAL_REPLIES), theme, py)
                s.add(t, a, f"{handle} {body}", "en", reply_to=tgt.key, mentions=[handle], label=LABEL_SEASONAL)
                continue
        body = _fill(py.choice(theme["templates"]), theme, py)
        tags = [py.choice(theme["tags"])] if py.random() < 0.3 else []
        emoji = py.choice(theme["emoji"]) if py.random() < 0.25 else None
        originals.append(s.add(t, a, _compose("en", body, tags=tags, emoji=emoji), "en", hashtags=tags,
                               label=LABEL_SEASONAL))


def _brigade(s: _Stream, rng: np.random.Generator, py: random.Random, camp: dict, t0: float, t1: float) -> None:
    w = s.world
    lang = camp["lang"]
    home = py.choice([c for c in range(w.n_comm) if w.main_lang[c] == lang])
    pool = [a for a in w.members[home] if lang in w.speaks[a] and not w.news[a]] or w.members[home]
    accounts = py.sample(pool, py.randint(3, 6))
    weights = [py.uniform(0.5, 2.0) for _ in accounts]
    n = py.randint(300, 600)
    dur = t1 - t0
    span = min(py.uniform(30, 60) * 60, 0.5 * dur)
    lo, hi = t0 + dur / 12, t1 - span - dur / 24  # 30 min in, 15 min before the end (6 h stream)
    start = py.uniform(lo, max(lo, hi))
    times = np.sort(start + rng.random(n) * span)
    fillers = V.BRIGADE_FILLERS[lang]
    originals: list[_Rec] = []
    for t in times.tolist():
        a = py.choices(accounts, weights=weights)[0]
        mine = [o for o in originals[-20:] if o.author != a]
        if mine and py.random() < 0.2:
            s.repost(t, a, py.choice(mine), label=LABEL_BRIGADE)
            continue
        slogan = py.choice(camp["slogans"])
        if py.random() < 0.1:
            slogan = slogan.upper()
        body = slogan + (" " + py.choice(fillers) if py.random() < 0.5 else "")
        mentions = []
        if py.random() < 0.7:
            mentions = [s.handle(x) for x in py.sample([x for x in accounts if x != a], py.randint(1, 2))]
        tags = [camp["tag"]] if py.random() < 0.95 else []
        if py.random() < 0.4:
            tags.append(camp["extra"])
        emoji = py.choice(V.BRIGADE_EMOJI) if py.random() < 0.4 else None
        text = _compose(lang, body, tags=tags, mentions=mentions, emoji=emoji)
        originals.append(s.add(t, a, text, lang, mentions=mentions, hashtags=tags, label=LABEL_BRIGADE))


# ---------------------------------------------------------------------------
# the plan and the public API
# ---------------------------------------------------------------------------


def _plan(rng: np.random.Generator, py: random.Random, t0: float, t1: float):
    dur = t1 - t0
    lo, hi = (t0 + 3600.0, t1 - 5400.0) if dur >= 3 * 3600 else (t0 + 0.2 * dur, t0 + 0.6 * dur)
    n_events = py.randint(3, 5)
    langs: list[str] = []
    pool = dict(EVENT_LANGS)
    for _ in range(n_events):  # weighted, without replacement
        lang = py.choices(list(pool), weights=list(pool.values()))[0]
        langs.append(lang)
        del pool[lang]
    kinds = py.sample(sorted(V.INCIDENTS), n_events)
    drafts = []
    for lang, kind in zip(langs, kinds):
        place = py.choice(V.PLACES[lang])
        onset = round(py.uniform(lo, hi), 3)
        size = int(round(math.exp(py.uniform(math.log(150), math.log(1500)))))
        drafts.append((onset, lang, kind, place, size, py.choice(SHAPES)))
    drafts.sort()
    incidents = [_IncidentPlan(f"ev{i + 1}-{lang}-{kind}", kind, lang, place, onset, size, shape)
                 for i, (onset, lang, kind, place, size, shape) in enumerate(drafts)]
    name, product, crises = py.choice(V.BRANDS)
    brand = _BrandPlan(name, product, py.choice(crises), round(py.uniform(lo, hi), 3), py.randint(200, 800),
                       py.choice(("linear", "exponential")))
    return incidents, brand, py.choice(V.BRIGADES), py.choice(V.SEASONAL), py.uniform(0, 2 * math.pi)


def event_counts(posts: Sequence[dict]) -> tuple[dict[str, float], dict[str, int]]:
    """Per ground-truth event: the time of its first post, and its posts."""
    first: dict[str, float] = {}
    count: dict[str, int] = {}
    for p in posts:
        ev = p["event"]
        if ev is not None:
            count[ev] = count.get(ev, 0) + 1
            first.setdefault(ev, parse_ts(p["ts"]))
    return first, count


def generate(seed: int = 1, *, hours: float = 6.0, background_per_min: float = 40.0,
             start: str = "2026-03-02T00:00:00Z") -> SynthStream:
    """Build the synthetic stream for ``seed`` (see the module docstring)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if hours <= 0:
        raise ValueError("hours must be positive")
    if background_per_min < 0:
        raise ValueError("background_per_min must not be negative")
    t0 = parse_ts(start)
    t1 = t0 + hours * 3600.0
    seqs = np.random.SeedSequence(seed).spawn(8)
    world = _World(*_subrandom(seqs[0]))
    incidents, brand, camp, theme, phase = _plan(*_subrandom(seqs[1]), t0, t1)

    s = _Stream(world)
    _background(s, *_subrandom(seqs[2]), t0, t1, background_per_min, phase)
    rng, py = _subrandom(seqs[3])
    for plan in incidents:
        _incident(s, rng, py, plan, t1)
    rng, py = _subrandom(seqs[4])
    _brand_everyday(s, rng, py, brand, t0, t1, 0.008 * background_per_min)
    _brand_crisis(s, rng, py, brand, t1)
    rng, py = _subrandom(seqs[5])
    _seasonal(s, rng, py, theme, t0, t1, rng.uniform(0.02, 0.03) * background_per_min)
    _brigade(s, *_subrandom(seqs[6]), camp, t0, t1)
    posts = s.finalize(*_subrandom(seqs[7]))

    first, count = event_counts(posts)
    events = [InjectedEvent(p.id, "incident", p.lang, first[p.id], count[p.id], p.shape, p.keywords)
              for p in incidents]
    events.append(InjectedEvent(BRAND_EVENT_ID, "brand_crisis", "en", first[BRAND_EVENT_ID],
                                count[BRAND_EVENT_ID], brand.shape, brand.keywords))
    decoys = {
        "brigade": (camp["tag"], camp["extra"], camp["name"]),
        "seasonal": (*theme["tags"], *theme["words"]),
    }
    return SynthStream(posts=posts, events=tuple(events), decoys=decoys)


def write(stream_posts: Iterable[dict], path: str) -> int:
    """Write posts as JSON Lines (gzip when ``path`` ends with ``.gz``; ``-`` = stdout).

    Gzip output carries no timestamp, so the same stream gives the same bytes.
    Returns the number of posts written."""
    if path == "-":
        return _write_lines(stream_posts, sys.stdout)
    if path.endswith(".gz"):
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz, \
                io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as out:
            return _write_lines(stream_posts, out)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        return _write_lines(stream_posts, out)


def _write_lines(posts: Iterable[dict], out) -> int:
    n = 0
    for post in posts:
        out.write(json.dumps(post, ensure_ascii=False))
        out.write("\n")
        n += 1
    out.flush()
    return n
