"""The "newsroom" synthetic profile: a week of several hundred overlapping news stories.

:func:`generate` builds a stream modelled on a newsroom's tweet stream, the
kind where stories are many, overlap in time and share words, and must be told
apart by what they say:

* **stories** (``kind="story"``, label ``story:<topic>``, event id like
  ``n017-election-debate``): ~250-400 a week, sizes heavy-tailed (a log-normal
  clipped to 20-2000 posts, most under 300) and durations too (1 h to 3 days,
  longer for bigger stories), shaped as a sudden onset then decay, a slow
  build, a second peak, or a quick double burst; their rate follows the
  daily cycle of their audience (quiet nights); stories still running when
  the stream ends are cut short;
* **clusters**: stories come from 13 clusters that share vocabulary - one or
  two elections (debates, polls, rallies, a scandal... of the same
  candidates and cities), 2-4 storms (forecast, evacuation, landfall,
  flooding... with the storm's name and coast), football leagues (matches of
  the same teams), earthquakes, company news (earnings, layoffs, launches of
  the same companies), crime, protests, accidents, health, diplomacy, space,
  entertainment, wildfires and floods.  No story has a word of its own in
  every post: each post combines one or two of the story's 5 subtype phrases,
  0-2 of its entities (people, places, teams, companies, numbers), a cluster
  word, generic news words ("BREAKING", "live", "video") and filler;
* **languages**: stories are English, French or Chinese (about 60/25/15 %,
  Chinese written without spaces), many with a share of posts in a second
  language that belong to the same event;
* **accounts**: 3500 authors in 11 communities with heavy-tailed activity and
  followers; ~2.5 % are news accounts that post about many stories, mostly
  with a link; replies, reposts (``RT @user: ...``) and quotes point to earlier
  posts of the same story; some posts @mention other authors and some carry
  the story's hashtag;
* **background** (``background=True``, the default): 10-16 % everyday chatter
  (event ``None``, label ``background``), the default profile's; with
  ``background=False`` every post belongs to a story.

Posts have the default profile's record format (:func:`streams.synth.write`
writes them, ``flashpoint replay``/``eval`` read them).  The same seed always
gives the same stream; different seeds give different stories, names, times
and sizes.  Stories (their times, authors and texts) do not depend on
``background``.

>>> s = generate(4, hours=12.0)
>>> s.posts == sorted(s.posts, key=lambda p: p["ts"])
True
>>> len(s.events) > 10 and {e.kind for e in s.events} == {"story"}
True
>>> all(p["event"] for p in generate(4, hours=12.0, background=False).posts)
True
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from detectors.post import parse_ts
from streams import synth_newsroom_vocab as NV
from streams import synth_vocab as V
from streams.synth import (InjectedEvent, SynthStream, event_counts, _background, _Burst, _burst_profile, _compose, _fill,
                           _news_link, _Rec, _slug, _Stream, _subrandom, _World)

__all__ = ["generate", "CLUSTERS"]

N_AUTHORS = 3500
NEWS_ACCOUNTS = 0.025  # share of authors that are news accounts
NEWS_POSTS = 0.18  # share of a story's posts by news accounts
STORY_MIX = {"repost": 0.25, "reply": 0.12, "quote": 0.04}
SIZE_MEDIAN, SIZE_SIGMA, SIZE_RANGE = 45.0, 0.7, (20, 2000)
SIZE_TAIL = (1.6, 1.1)  # above this z, log-size grows this much faster: a few stories of 1000-2000 posts
DURATION_H = (1.0, 72.0)
SHAPES = {"sudden": 0.45, "build": 0.25, "second": 0.20, "double": 0.10}
BACKGROUND_SHARE = (0.10, 0.16)
WEEK_H = 168.0


# ---------------------------------------------------------------------------
# the tables, parsed
# ---------------------------------------------------------------------------

Entity = dict  # language -> tuple of forms (a random one is used per post)


def _tri(spec: str) -> Entity:
    """``"en|fr|zh"`` -> an entity with one form per language (empty French = English)."""
    en, fr, zh = spec.split("|")
    return {"en": (en,), "fr": (fr or en,), "zh": (zh,)}


def _words(spec: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in spec.split(";") if w.strip())


def _slots(spec: str) -> dict[str, str]:
    return dict(pair.split("=") for pair in spec.split())


@dataclass(frozen=True)
class _Subtype:
    name: str
    slots: dict  # slot -> source
    words: dict  # lang -> phrases
    boost: float
    tag: dict | None  # lang -> hashtag stem
    offset: tuple[float, float]  # hours from the instance's anchor (instance clusters)
    p: float
    lines: str | None  # extra line group


@dataclass(frozen=True)
class _Cluster:
    name: str
    topic: str
    mode: str  # "spread" | "series" | "instance"
    per_week: object
    homes: dict
    slots: dict
    words: dict
    tags: dict
    emoji: tuple[str, ...]
    react: dict
    lines: dict  # group -> lang -> templates
    subtypes: tuple[_Subtype, ...]


def _parse_cluster(name: str, spec: dict) -> _Cluster:
    per_lang = lambda d: {lang: _words(d[lang]) for lang in NV.LANGS}  # noqa: E731
    subtypes = tuple(
        _Subtype(sub, _slots(s.get("slots", "")), per_lang(s["words"]), s.get("boost", 1.0),
                 {lang: stem for lang, stem in zip(NV.LANGS, s["tag"].split("|"))} if "tag" in s else None,
                 s.get("offset", (0.0, 0.0)), s.get("p", 1.0), s.get("lines"))
        for sub, s in spec["subtypes"].items())
    return _Cluster(name, spec["topic"], spec["mode"], spec["per_week"], spec.get("homes", {}),
                    _slots(spec.get("slots", "")), per_lang(spec["words"]), per_lang(spec["tags"]),
                    tuple(spec["emoji"].split()), per_lang(spec["react"]), spec["lines"], subtypes)


CLUSTERS = {name: _parse_cluster(name, spec) for name, spec in NV.CLUSTERS.items()}


# ---------------------------------------------------------------------------
# the daily cycle
# ---------------------------------------------------------------------------


def _daily(t, lang: str):
    """Relative activity of ``lang``'s audience at epoch seconds ``t``: low at 4 am local, high at 4 pm."""
    hour = (np.asarray(t, dtype=float) / 3600.0 + NV.UTC_OFFSET[lang]) % 24.0
    return 0.05 + 0.95 * ((1.0 - np.cos(2 * np.pi * (hour - 4.0) / 24.0)) / 2.0) ** 2.5


def _onset(py: random.Random, t0: float, t1: float, lang: str) -> float:
    """A story's start: more often when its audience is awake."""
    hi = t1 - 1800.0 if t1 - t0 > 3600.0 else t1 - 0.1 * (t1 - t0)
    while True:
        t = py.uniform(t0, hi)
        if py.random() < 0.15 + 0.85 * float(_daily(t, lang)):
            return round(t, 3)


# ---------------------------------------------------------------------------
# authors
# ---------------------------------------------------------------------------


class _NewsWorld(_World):
    """The newsroom's authors: the attributes :class:`streams.synth._World` has, for
    :data:`NV.COMMUNITIES`, plus news accounts per language and community topics."""

    def __init__(self, rng: np.random.Generator, py: random.Random, n: int = N_AUTHORS):
        comms = NV.COMMUNITIES
        shares = np.array([c[1] for c in comms])
        self.n_comm = len(comms)
        self.comm = rng.choice(self.n_comm, size=n, p=shares / shares.sum())
        self.news = rng.random(n) < NEWS_ACCOUNTS
        self.lang, self.speaks = [], []
        for c in self.comm.tolist():
            mix = comms[c][2]
            primary = py.choices(list(mix), weights=list(mix.values()))[0]
            langs = {primary}
            if primary != "en" and py.random() < 0.4:
                langs.add("en")
            elif primary == "en" and py.random() < 0.08:
                langs.add(py.choice(("fr", "fr", "zh")))
            self.lang.append(primary)
            self.speaks.append(frozenset(langs))
        self.activity = rng.lognormal(0.0, 1.2, n)
        self.activity[self.news] *= 2.0
        self.followers = rng.lognormal(5.0, 1.9, n).astype(np.int64)
        self.followers[self.news] = rng.lognormal(10.5, 1.2, int(self.news.sum())).astype(np.int64)
        self.names = _handles(py, self.lang, self.news.tolist())
        user_src, user_w = zip(*V.SOURCES)
        news_src, news_w = zip(*NV.NEWS_SOURCES)
        self.source = [py.choices(news_src, weights=news_w)[0] if is_news else py.choices(user_src, weights=user_w)[0]
                       for is_news in self.news.tolist()]
        self.members = [np.flatnonzero(self.comm == c).tolist() for c in range(self.n_comm)]
        self.member_cum = [np.cumsum(self.activity[m] ** 0.7).tolist() for m in self.members]
        self.main_lang = [max(mix, key=mix.get) for _, _, mix, _ in comms]
        self.topics = [topics for *_, topics in comms]
        every = np.flatnonzero(self.news).tolist()
        self.news_by_lang = {}
        for lang in NV.LANGS:
            ids = [i for i in every if self.lang[i] == lang] or every
            self.news_by_lang[lang] = (ids, np.cumsum(self.activity[ids]).tolist())


def _handles(py: random.Random, langs: list[str], news: list[bool]) -> list[str]:
    """Unique, real-looking handles: outlet names for news accounts, name-ish ones for people."""
    taken: set[str] = set()
    out = []
    for lang, is_news in zip(langs, news):
        if is_news:
            prefixes, suffixes = NV.NEWS_HANDLES[lang]
            name = py.choice(prefixes) + py.choice(suffixes)
            if py.random() < 0.3:
                name += py.choice(("24", "1", "TV", "HQ", "_live", "Alerts"))
        elif lang == "zh":
            a, b, c = (py.choice(NV.HANDLE_PINYIN) for _ in range(3))
            name = py.choice((f"{a}{b}{py.randint(1, 999)}", f"{a}_{b}{c}", f"{a}{b}{c}",
                              f"{a}{b}_{py.randint(80, 99)}"))
        else:
            first, last = py.choice(NV.HANDLE_LATIN_FIRST), py.choice(NV.HANDLE_LATIN_LAST)
            name = py.choice((f"{first}_{last}", f"{first}{last}{py.randint(1, 99)}", f"{first[0]}{last}",
                              f"{last}_{first}{py.randint(70, 99)}", f"the{first}{last}", f"{first}{last}",
                              f"{first}_{py.randint(1, 9999)}"))
        while name in taken:
            name += str(py.randint(0, 9))
        taken.add(name)
        out.append(name[:15])
    # truncation may collide: make the rare duplicate unique again
    seen: dict[str, int] = {}
    for i, name in enumerate(out):
        if name in seen:
            k = 2
            while f"{name[:12]}{k}" in seen:
                k += 1
            name = f"{name[:12]}{k}"
            out[i] = name
        seen[name] = i
    return out


# ---------------------------------------------------------------------------
# the cast of a seed: people, companies, missions; cluster instances
# ---------------------------------------------------------------------------


@dataclass
class _Company:
    name: Entity
    sector: str
    ceo: Entity
    products: list


class _Cast:
    """Everyone and everything a seed's stories are about."""

    def __init__(self, py: random.Random):
        self.py = py
        self._first = [s.split("|") for s in NV.FIRST_NAMES]
        self._last = [s.split("|") for s in NV.SURNAMES]
        self._zh_family = [s.split("|") for s in NV.ZH_FAMILY]
        self._zh_given = [s.split("|") for s in NV.ZH_GIVEN]
        self._used: set[str] = set()
        self.stars = {h: [self.person(h) for _ in range(10)] for h in NV.LANGS}
        self.leaders = {h: [self.person(h) for _ in range(4)] for h in NV.LANGS}
        self.foreign = [self.person(py.choice(NV.LANGS)) for _ in range(12)]
        self.companies = {}
        for home, k in (("en", 5), ("fr", 3), ("zh", 3)):
            chosen = py.sample(NV.COMPANIES[home], k)
            self.companies[home] = [
                _Company(_tri(name), sector, self.person(home),
                         [_tri(p) for p in py.sample(NV.PRODUCTS[sector], 2)]) for name, sector in chosen]
        self.missions = [_tri(m) for m in py.sample(NV.MISSIONS, 5)]
        self.storm_names: set[str] = set()
        self.quake_zones: set[str] = set()

    def person(self, home: str) -> Entity:
        py = self.py
        while True:
            if home == "zh" and py.random() < 0.9:
                (fam, fam_zh), (given, given_zh) = py.choice(self._zh_family), py.choice(self._zh_given)
                key = fam + given
                person = {"en": (f"{fam} {given}",), "fr": (f"{fam} {given}",), "zh": (fam_zh + given_zh,)}
            else:
                (first, first_zh), (last, last_zh) = py.choice(self._first), py.choice(self._last)
                key = first + last
                # mostly the surname, as headlines do
                person = {"en": (last, last, f"{first} {last}"), "fr": (last, last, f"{first} {last}"),
                          "zh": (last_zh, last_zh, f"{first_zh}·{last_zh}")}
            if key not in self._used:
                self._used.add(key)
                return person


def _city_region(py: random.Random, home: str) -> str:
    return ("us" if py.random() < 0.65 else "uk") if home == "en" else home


def _instance(cluster: _Cluster, home: str, cast: _Cast, py: random.Random) -> dict:
    """Entities shared by every story of one election, league, storm or earthquake."""
    name = cluster.name
    if name == "election":
        region = "us" if home == "en" else home
        return {"candidate": [cast.person(home) for _ in range(py.randint(3, 4))],
                "aide": [cast.person(home) for _ in range(4)],
                "city": [_tri(c) for c in py.sample(NV.CITIES[region], 8)]}
    if name == "sports":
        league = NV.LEAGUES[home]
        return {"league": [_tri(league["name"])],
                "team": [_tri(t) for t in py.sample(league["teams"], min(12, len(league["teams"])))],
                "player": [cast.person(home) for _ in range(24)],  # two per team: see _Resolver
                "coach": [cast.person(home) for _ in range(6)]}
    if name == "storm":
        basin = py.choice(NV.BASINS[home])
        names = [n for n in basin["names"] if n not in cast.storm_names] or list(basin["names"])
        storm = py.choice(names)
        cast.storm_names.add(storm)
        return {"storm": [_tri(storm)], "kind": [_tri(basin["kind"])],
                "coast": [_tri(c) for c in py.sample(basin["coast"], 5)]}
    if name == "quake":
        zones = [z for z in NV.QUAKE_ZONES[home] if z[0] not in cast.quake_zones] or list(NV.QUAKE_ZONES[home])
        country, cities = py.choice(zones)
        cast.quake_zones.add(country)
        return {"country": [_tri(country)], "qcity": [_tri(c) for c in cities],
                "mag": round(py.uniform(5.6, 7.8), 1)}
    return {}


def _number(source: str, sub: str, inst: dict, py: random.Random) -> Entity:
    if source == "mag":
        m = inst["mag"] if sub != "aftershock" else round(max(4.2, inst["mag"] - py.uniform(0.8, 1.8)), 1)
        return {"en": (f"magnitude {m:.1f}",), "fr": (f"magnitude {m:.1f}".replace(".", ","),),
                "zh": (f"{m:.1f}级",)}
    if source == "score":
        a = py.randint(1, 4)
        b = py.randint(0, a - 1)
        return {"en": (f"{a}-{b}",), "fr": (f"{a}-{b}",), "zh": (f"{a}-{b}",)}
    pct = py.randint(38, 54)
    return {"en": (f"{pct}%",), "fr": (f"{pct} %",), "zh": (f"{pct}%",)}


class _Resolver:
    """Draws a story's entities for each of its slots (no entity twice in one story)."""

    def __init__(self, cast: _Cast, inst: dict, home: str, sub: _Subtype, py: random.Random):
        self.cast, self.inst, self.home, self.sub, self.py = cast, inst, home, sub, py
        self.region = _city_region(py, home)
        self.company: _Company | None = None
        self.team: Entity | None = None
        self.used: set[str] = set()

    def _pick(self, pool: list) -> Entity:
        fresh = [e for e in pool if e["en"][-1] not in self.used] or pool
        ent = self.py.choice(fresh)
        self.used.add(ent["en"][-1])
        return ent

    def draw(self, source: str) -> Entity:
        py, cast, home = self.py, self.cast, self.home
        if source in ("mag", "score", "pct"):
            return _number(source, self.sub.name, self.inst, py)
        if source == "player" and self.team is not None:  # a team's own players
            k = self.inst["team"].index(self.team)
            return self._pick(self.inst["player"][2 * k:2 * k + 2])
        if source in self.inst:
            ent = self._pick(self.inst[source])
            if source == "team" and self.team is None:
                self.team = ent
            return ent
        if source == "city":
            return self._pick([_tri(c) for c in NV.CITIES[self.region]])
        if source == "region":
            return self._pick([_tri(c) for c in NV.REGIONS[home]])
        if source == "person":
            return cast.person(home)
        if source == "star":
            return self._pick(cast.stars[home])
        if source == "leader":
            return self._pick(cast.leaders[home])
        if source == "foreign":
            return self._pick(cast.foreign)
        if source == "nation":
            return self._pick([_tri(c) for c in NV.NATIONS])
        if source == "mission":
            return self._pick(cast.missions)
        if source == "site":
            return self._pick([_tri(c) for c in NV.LAUNCH_SITES[home]])
        if source == "company":
            self.company = py.choice(cast.companies[home])
            self.used.add(self.company.name["en"][-1])
            return self.company.name
        if source == "company2":
            return self._pick([c.name for h in NV.LANGS for c in cast.companies[h]])
        if source == "ceo":
            return self.company.ceo
        if source == "product":
            return py.choice(self.company.products)
        if source in ("airline", "pharma"):
            pool = [n for n, sector in NV.COMPANIES[home] if sector == source]
            return _tri(py.choice(pool))
        raise KeyError(f"unknown entity source {source!r}")


# ---------------------------------------------------------------------------
# stories
# ---------------------------------------------------------------------------


@dataclass
class _Story:
    id: str
    cluster: _Cluster
    sub: _Subtype
    home: str
    langs: tuple[str, ...]
    lang_weights: tuple[float, ...]
    onset: float
    size: int
    duration_h: float
    shape: str
    vocab: dict  # lang -> slot -> forms (plus "cw")
    lines: dict  # lang -> (template, the entity slots it names), for the slots the story has
    mention_p: float  # chance a post names each of the story's entities
    react: dict  # lang -> reply templates whose slots the story has
    tag: str | None
    tag_rate: float
    slug: str
    keywords: tuple[str, ...]

    @property
    def label(self) -> str:
        return "story:" + self.cluster.topic

    @property
    def main(self) -> str:
        return self.langs[0]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _story(cluster: _Cluster, sub: _Subtype, home: str, inst: dict, cast: _Cast, onset: float,
           py: random.Random) -> _Story:
    res = _Resolver(cast, inst, home, sub, py)
    ents: dict[str, Entity] = {}
    for slot, source in (*cluster.slots.items(), *sub.slots.items()):
        ents[slot] = res.draw(source)
    # languages: mostly the home's, sometimes covered from abroad; many with a second-language facet
    others = [lang for lang in NV.LANGS if lang != home]
    main = home if py.random() < 0.85 else py.choices(others, weights=[NV.STORY_LANGS[x] for x in others])[0]
    langs, weights = (main,), (1.0,)
    if py.random() < 0.45:
        rest = [lang for lang in NV.LANGS if lang != main]
        second = py.choices(rest, weights=[NV.STORY_LANGS[x] for x in rest])[0]
        share = py.uniform(0.08, 0.35)
        langs, weights = (main, second), (1.0 - share, share)
    have = set(ents) | {"what", "x", "cw"}
    vocab, lines, react = {}, {}, {}
    for lang in NV.LANGS:
        vocab[lang] = {slot: e[lang] for slot, e in ents.items()} | {"cw": cluster.words[lang]}
        pool = list(cluster.lines["main"][lang]) * 2 + list(NV.GENERIC_LINES[lang])
        if sub.lines:
            pool += list(cluster.lines[sub.lines][lang]) * 3
        lines[lang] = tuple((t, frozenset(_fields(t) & set(ents))) for t in pool if _fields(t) <= have)
        react[lang] = tuple(t for t in cluster.react[lang] if _fields(t) <= have)
    # a hashtag for some stories: the story's first entity + the subtype's stem, or the storm's name
    tag = None
    if cluster.name == "storm":
        kind, name = ents["kind"][main][0], ents["who"][main][0]
        tag = "#" + (kind + name if main == "zh" else kind[:1].upper() + kind[1:] + name)
    else:
        anchor = next((ents[s][main][-1] for s in ("who", "where", "obj") if s in ents), None)
        if anchor and sub.tag and sub.tag[main] and py.random() < 0.75:
            tag = "#" + "".join(ch for ch in anchor if ch.isalnum()) + sub.tag[main]
        elif anchor and py.random() < 0.3:  # just the name: #Lyon, #Marsh
            tag = "#" + "".join(ch for ch in anchor if ch.isalnum())
    first = next((ents[s]["en"][-1] for s in ("who", "where", "obj") if s in ents), "")
    slug = _slug(f"{sub.words['en'][0]} {first}")
    keywords = [e[main][-1] for slot, e in ents.items() if slot not in ("num", "kind", "league")]
    keywords += list(sub.words[main])
    if tag:
        keywords.append(tag)
    return _Story("", cluster, sub, home, langs, weights, onset, 0, 0.0, "", vocab, lines,
                  py.uniform(0.5, 0.8), react, tag, py.uniform(0.08, 0.3), slug, tuple(dict.fromkeys(keywords)))


def _stoch_round(x: float, py: random.Random) -> int:
    n = math.floor(x)
    return n + (py.random() < x - n)


def _plan(rng: np.random.Generator, py: random.Random, t0: float, t1: float) -> list[_Story]:
    """Every story of the stream: cluster, subtype, entities, languages, start, size, duration, shape."""
    cast = _Cast(py)
    scale = (t1 - t0) / 3600.0 / WEEK_H
    homes, home_w = list(NV.STORY_LANGS), list(NV.STORY_LANGS.values())
    stories: list[_Story] = []
    for cluster in CLUSTERS.values():
        if cluster.mode == "spread":
            lo, hi = cluster.per_week
            for _ in range(_stoch_round(py.uniform(lo, hi) * scale, py)):
                home = py.choices(homes, weights=home_w)[0]
                sub = py.choice(cluster.subtypes)
                stories.append(_story(cluster, sub, home, {}, cast, _onset(py, t0, t1, home), py))
        elif cluster.mode == "series":
            for home, p in cluster.homes.items():
                if py.random() >= p:
                    continue
                inst = _instance(cluster, home, cast, py)
                lo, hi = cluster.per_week[home]
                for _ in range(_stoch_round(py.uniform(lo, hi) * scale, py)):
                    sub = py.choice(cluster.subtypes)
                    stories.append(_story(cluster, sub, home, inst, cast, _onset(py, t0, t1, home), py))
        else:  # instance: a sequence of stories around one anchor (landfall, main shock)
            lo, hi = cluster.per_week
            for _ in range(_stoch_round(py.uniform(lo, hi) * scale, py)):
                home = py.choices(homes, weights=home_w)[0]
                inst = _instance(cluster, home, cast, py)
                anchor = _onset(py, t0, t1, home)
                for sub in cluster.subtypes:
                    onset = round(anchor + py.uniform(*sub.offset) * 3600.0, 3)
                    if py.random() < sub.p and t0 <= onset < t1 - min(1800.0, 0.1 * (t1 - t0)):
                        stories.append(_story(cluster, sub, home, inst, cast, onset, py))
    if not stories:  # very short streams: at least one story
        cluster = CLUSTERS["justice"]
        home = py.choices(homes, weights=home_w)[0]
        stories.append(_story(cluster, py.choice(cluster.subtypes), home, {}, cast, _onset(py, t0, t1, home), py))
    stories.sort(key=lambda s: s.onset)
    # sizes: a stratified sample of a clipped log-normal with a heavier upper tail (every seed
    # gets a similar spread); the biggest go mostly to the subtypes that draw crowds
    n = len(stories)
    normal = NormalDist()
    lo, hi = SIZE_RANGE
    sizes = []
    for q in ((rng.permutation(n) + rng.random(n)) / n).tolist():
        z = normal.inv_cdf(min(max(q, 1e-9), 1 - 1e-9))
        log_size = math.log(SIZE_MEDIAN) + SIZE_SIGMA * z + SIZE_TAIL[1] * max(0.0, z - SIZE_TAIL[0])
        sizes.append(int(round(min(max(math.exp(log_size), lo), hi))))
    sizes.sort()
    pull = np.log([st.sub.boost for st in stories]) + 0.7 * rng.standard_normal(n)
    for rank, i in enumerate(np.argsort(pull, kind="stable").tolist()):
        stories[i].size = sizes[rank]
    for i, story in enumerate(stories):
        dur = math.exp(math.log(5.0) + 0.45 * math.log(story.size / 50.0) + 0.8 * float(rng.standard_normal()))
        story.duration_h = min(max(dur, DURATION_H[0]), DURATION_H[1])
        shape = py.choices(list(SHAPES), weights=list(SHAPES.values()))[0]
        story.shape = "second" if shape == "double" and story.duration_h > 4 else shape
        story.id = f"n{i + 1:03d}-{story.cluster.name}-{story.sub.name.replace('_', '-')}"
    return stories


def _intensity(rng: np.random.Generator, shape: str, dur_h: float):
    """(relative rate as a function of seconds since onset, horizon in seconds) for a story."""
    d = dur_h
    if shape == "sudden":
        kind = "step" if rng.random() < 0.4 else "exponential"
        return _burst_profile(rng, kind, ramp_min=(5, 30), decay_h=(0.55 * d, 0.8 * d))
    if shape == "build":
        return _burst_profile(rng, "linear", ramp_min=(9 * d, 24 * d), decay_h=(0.4 * d, 0.6 * d))
    if shape == "double":
        return _burst_profile(rng, "double", ramp_min=(10, 30), decay_h=(0.6 * d, 0.8 * d))
    first, h1 = _burst_profile(rng, "exponential", ramp_min=(5, 30), decay_h=(0.3 * d, 0.5 * d))
    again, h2 = _burst_profile(rng, "exponential", ramp_min=(10, 40), decay_h=(0.3 * d, 0.5 * d))
    gap, height = rng.uniform(0.25, 0.6) * d * 3600.0, rng.uniform(0.3, 0.9)

    def lam(t):
        later = np.maximum(t - gap, 0.0)
        return first(t) + np.where(t >= gap, height * again(later), 0.0)

    return lam, max(h1, gap + h2)


def _story_times(rng: np.random.Generator, story: _Story, t1: float) -> np.ndarray:
    """``story.size`` sorted times following its shape and its audience's day, first one at
    the onset; those after the end of the stream are dropped."""
    lam, horizon = _intensity(rng, story.shape, story.duration_h)
    dt = max(10.0, horizon / 4000.0)
    grid = np.arange(0.0, horizon + dt, dt)
    mid = grid[:-1] + dt / 2
    with np.errstate(over="ignore"):  # the unused branch of a profile's np.where may overflow
        mass = lam(mid) * _daily(story.onset + mid, story.main) * dt
    cdf = np.concatenate(([0.0], np.cumsum(mass)))
    times = np.sort(np.interp(rng.random(story.size) * cdf[-1], cdf, grid))
    times = story.onset + times - times[0]
    return times[times < t1]


class _StoryBurst(_Burst):
    """A story's conversation: authors from the communities that speak its languages and
    follow its topic, plus news accounts."""

    def __init__(self, s: _Stream, py: random.Random, story: _Story):
        super().__init__(s, py, [0], [1.0], story.id, story.label)
        self.story = story
        self.lang_cum = np.cumsum(story.lang_weights).tolist()
        self.by_lang = {}
        for lang in story.langs:
            comms, weights = [], []
            for c, (_, share, mix, topics) in enumerate(NV.COMMUNITIES):
                if mix.get(lang, 0.0) >= 0.05:
                    comms.append(c)
                    weights.append(share * mix[lang] * (4.0 if story.cluster.topic in topics else 1.0))
            self.by_lang[lang] = (comms, np.cumsum(weights).tolist())
        self.lang = story.main

    def author(self) -> int:
        py, w = self.py, self.s.world
        self.lang = py.choices(self.story.langs, cum_weights=self.lang_cum)[0]
        if py.random() < NEWS_POSTS:
            ids, cum = w.news_by_lang[self.lang]
            return py.choices(ids, cum_weights=cum)[0]
        comms, cum = self.by_lang[self.lang]
        return w.pick(py, py.choices(comms, cum_weights=cum)[0])


def _sentence(text: str, lang: str) -> str:
    """``text`` ended as a sentence, ready for another one after it."""
    if lang == "zh":
        return text if text[-1:] in "。！？" else text + "。"
    return (text if text[-1:] in ".!?)" else text + ".") + " "


def _run_story(s: _Stream, rng: np.random.Generator, py: random.Random, story: _Story, t1: float) -> None:
    w: _NewsWorld = s.world
    burst = _StoryBurst(s, py, story)
    sub = story.sub

    slots = sorted({slot for line in story.lines[story.main] for slot in line[1]})

    def body(lang: str) -> str:
        """One or two subtype phrases, a random subset of the story's entities, a cluster word."""
        named = {slot for slot in slots if py.random() < story.mention_p}
        line = py.choice([t for t, needs in story.lines[lang] if needs <= named])
        what, x = py.sample(sub.words[lang], 2)
        text = _fill(line, story.vocab[lang], py, what=what, x=x)
        return text[:1].upper() + text[1:] if lang != "zh" else text

    def original(t: float, a: int):
        lang = w.writes(a, burst.lang)
        text = body(lang)
        if w.news[a]:
            if py.random() < 0.55:
                text = py.choice(NV.HEADS[lang]) + text
            if py.random() < 0.35:
                text = _sentence(text, lang) + py.choice(NV.TAILS[lang])
        else:
            if py.random() < 0.15:
                text = py.choice(NV.OPENERS[lang]) + text
            if py.random() < 0.05:
                text = _sentence(text, lang) + py.choice(NV.TAILS[lang])
        tags, front = [], None
        if story.tag and py.random() < story.tag_rate:
            if py.random() < (0.5 if lang == "zh" else 0.2):
                front = story.tag
            else:
                tags.append(story.tag)
        if py.random() < 0.07:
            tags.append(py.choice(story.cluster.tags[lang]))
        mentions = []
        if burst.popular and py.random() < 0.07:
            mentions.append(s.handle(py.choice(burst.popular).author))
        elif py.random() < 0.03:
            mentions.append(s.handle(py.choice(w.news_by_lang[lang][0])))
        mentions = [m for m in mentions if m != s.handle(a)]
        url = _news_link(py, lang, t, story.slug) if py.random() < (0.75 if w.news[a] else 0.08) else None
        emoji = py.choice(story.cluster.emoji) if py.random() < (0.05 if w.news[a] else 0.25) else None
        text = _compose(lang, text, front_tag=front, tags=tags, mentions=mentions, emoji=emoji, url=url)
        return text, lang, ([front] if front else []) + tags, url, mentions

    def reply(a: int, tgt: _Rec):
        lang = tgt.lang if tgt.lang in w.speaks[a] else w.writes(a, burst.lang)
        r = py.random()
        if r < 0.3 and story.react[lang]:
            text = _fill(py.choice(story.react[lang]), story.vocab[lang], py)
        elif r < 0.85:
            text = py.choice(NV.REACT[lang])
        else:
            what = py.choice(sub.words[lang])
            text = f"{what}？{py.choice(NV.REACT[lang])}" if lang == "zh" else f"{what}?! {py.choice(NV.REACT[lang])}"
        tags = [story.tag] if story.tag and py.random() < 0.5 * story.tag_rate else []
        return _compose(lang, text, tags=tags), lang, tags

    burst.run(_story_times(rng, story, t1), original, reply, mix=STORY_MIX)


# ---------------------------------------------------------------------------
# the public API
# ---------------------------------------------------------------------------


def generate(seed: int = 1, *, hours: float = WEEK_H, background: bool = True,
             start: str = "2026-03-02T00:00:00Z") -> SynthStream:
    """Build the newsroom stream for ``seed`` (see the module docstring)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if hours <= 0:
        raise ValueError("hours must be positive")
    t0 = parse_ts(start)
    t1 = t0 + hours * 3600.0
    seqs = np.random.SeedSequence(seed).spawn(5)
    world = _NewsWorld(*_subrandom(seqs[0]))
    rng, py = _subrandom(seqs[1])
    stories = _plan(rng, py, t0, t1)

    s = _Stream(world)
    rng, py = _subrandom(seqs[2])
    for story in stories:
        _run_story(s, rng, py, story, t1)
    if background:
        rng, py = _subrandom(seqs[3])
        share = py.uniform(*BACKGROUND_SHARE)
        story_posts = len(s.recs)
        per_min = share / (1.0 - share) * story_posts / ((t1 - t0) / 60.0)
        _background(s, rng, py, t0, t1, per_min, py.uniform(0, 2 * math.pi))
    posts = s.finalize(*_subrandom(seqs[4]))

    first, count = event_counts(posts)
    events = tuple(InjectedEvent(st.id, "story", st.main, first[st.id], count[st.id], st.shape, st.keywords)
                   for st in stories if st.id in count)
    return SynthStream(posts=posts, events=events, decoys={})
