"""Tests for the seeded synthetic stream (streams/synth.py)."""

from __future__ import annotations

import gzip
import json
import re
import string
from collections import Counter
from functools import lru_cache

import numpy as np
import pytest

from detectors.post import SCHEMA_FIELDS, TRUTH_FIELDS, parse_post, parse_ts
from streams import synth
from streams import synth_vocab as V
from streams.synth import InjectedEvent, SynthStream, generate, write

SEEDS = (1, 2, 3, 7, 42)
START = "2026-03-02T00:00:00Z"
T0 = parse_ts(START)
HOURS = 6.0
T1 = T0 + HOURS * 3600
HAN = r"[\u4e00-\u9fff]"
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@lru_cache(maxsize=None)
def stream(seed: int) -> SynthStream:
    return generate(seed)


@lru_cache(maxsize=None)
def times(seed: int) -> np.ndarray:
    return np.array([parse_ts(p["ts"]) for p in stream(seed).posts])


def world(seed: int) -> synth._World:
    """The author table generate() builds for ``seed`` (to see home communities)."""
    return synth._World(*synth._subrandom(np.random.SeedSequence(seed).spawn(8)[0]))


def incidents(s: SynthStream) -> list[InjectedEvent]:
    return [e for e in s.events if e.kind == "incident"]


def contains_word(text: str, word: str) -> bool:
    if re.search(HAN, word):
        return word in text
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text, re.IGNORECASE) is not None


# -- determinism -----------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_same_seed_same_stream(seed):
    again = generate(seed)
    first = stream(seed)
    assert again.posts == first.posts
    assert again.events == first.events
    assert again.decoys == first.decoys


def test_different_seeds_differ():
    streams = [stream(seed) for seed in SEEDS]
    plans = {tuple((e.id, e.start, e.posts) for e in s.events) for s in streams}
    assert len(plans) == len(SEEDS)
    openings = {tuple(p["text"] for p in s.posts[:50]) for s in streams}
    assert len(openings) == len(SEEDS)
    assert len({s.events[-1].keywords[0] for s in streams}) >= 2  # brands vary too


def test_event_plan_does_not_depend_on_background_rate():
    full, thin = stream(2), generate(2, background_per_min=3.0)
    assert [(e.id, e.start, e.posts, e.keywords) for e in full.events] == \
           [(e.id, e.start, e.posts, e.keywords) for e in thin.events]
    assert len(thin.posts) < len(full.posts)


def test_event_languages_across_seeds():
    langs = Counter(e.lang for seed in range(1, 21) for e in incidents(generate(seed, hours=3.0,
                                                                                background_per_min=0.5)))
    for lang in ("zh", "pl", "sv", "ar"):
        assert langs[lang] >= 6, langs
    assert len(langs) == len(V.LANGS)


# -- format ----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_sorted_unique_and_well_formed(seed):
    s = stream(seed)
    ts = times(seed)
    assert np.all(np.diff(ts) >= 0)
    assert ts[0] >= T0 and ts[-1] < T1
    assert len({p["id"] for p in s.posts}) == len(s.posts)
    for p in s.posts:
        assert set(p) == set(SCHEMA_FIELDS) | set(TRUTH_FIELDS)
        assert TS_RE.match(p["ts"]), p["ts"]
        parse_post(p)  # raises on any bad field


@pytest.mark.parametrize("seed", SEEDS)
def test_references_and_entities(seed):
    s = stream(seed)
    index = {p["id"]: i for i, p in enumerate(s.posts)}
    for i, p in enumerate(s.posts):
        for field in ("reply_to", "repost_of", "quote_of"):
            ref = p[field]
            if ref is not None:
                assert index[ref] < i, (field, p)  # points back in time
        if p["repost_of"] is not None:
            orig = s.posts[index[p["repost_of"]]]
            assert p["text"] == f"RT @{orig['author']}: {orig['text']}"
            assert orig["repost_of"] is None and orig["author"] != p["author"]
        if p["reply_to"] is not None:
            assert p["text"].startswith("@" + s.posts[index[p["reply_to"]]]["author"])
        for m in p["mentions"]:
            assert re.fullmatch(r"@u\d{4}", m) and m in p["text"]
        for h in p["hashtags"]:
            assert h.startswith("#") and h in p["text"]
        if p["url"] is not None:
            assert p["url"].startswith("https://") and p["url"] in p["text"]


@pytest.mark.parametrize("seed", SEEDS)
def test_size_and_realistic_mix(seed):
    s = stream(seed)
    posts = s.posts
    assert 14_000 <= len(posts) <= 26_000
    share = lambda pred: sum(1 for p in posts if pred(p)) / len(posts)  # noqa: E731
    assert 0.26 <= share(lambda p: p["lang"] is None) <= 0.34
    assert 0.12 <= share(lambda p: p["repost_of"] is not None) <= 0.30
    assert 0.05 <= share(lambda p: p["reply_to"] is not None) <= 0.15
    assert share(lambda p: p["quote_of"] is not None) > 0.005
    assert share(lambda p: p["hashtags"]) > 0.2
    assert share(lambda p: p["mentions"]) > 0.2
    assert share(lambda p: p["url"]) > 0.03
    assert share(lambda p: re.search("[\U0001F300-\U0001FAFF]", p["text"])) > 0.1
    bg = [p for p in posts if p["label"] == "background"]
    langs = Counter(p["lang"] for p in bg if p["lang"])
    assert set(langs) == set(V.LANGS)
    assert langs.most_common(1)[0][0] == "en"
    authors = {p["author"] for p in posts}
    assert all(re.fullmatch(r"u\d{4}", a) for a in authors)
    assert 2000 <= len(authors) <= 3000
    followers = np.array([p["followers"] for p in posts])
    assert followers.min() >= 0 and np.median(followers) < followers.mean()  # heavy tail


@pytest.mark.parametrize("seed", SEEDS)
def test_background_mentions_and_replies_stay_mostly_in_community(seed):
    s, w = stream(seed), world(seed)
    home = dict(zip(w.names, w.comm.tolist()))
    by_id = {p["id"]: p for p in s.posts}
    same = total = 0
    for p in s.posts:
        if p["label"] != "background":
            continue
        ref = p["reply_to"] or p["repost_of"]
        if ref is not None:
            total += 1
            same += home[by_id[ref]["author"]] == home[p["author"]]
    assert 0.7 <= same / total < 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_chinese_has_no_spaces_between_han(seed):
    posts = stream(seed).posts
    chinese = [p for p in posts if re.search(HAN, p["text"])]
    assert len(chinese) > 200
    bad = [p["text"] for p in chinese if re.search(HAN + r"\s+" + HAN, p["text"])]
    assert not bad, bad[:3]


# -- ground truth ----------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_event_counts_and_labels(seed):
    s = stream(seed)
    counts = Counter(p["event"] for p in s.posts if p["event"] is not None)
    assert set(counts) == {e.id for e in s.events}
    for e in s.events:
        assert counts[e.id] == e.posts
    labels = {"incident": "event:incident", "brand_crisis": "event:brand_crisis"}
    kind_of = {e.id: e.kind for e in s.events}
    for p in s.posts:
        if p["event"] is None:
            assert p["label"] in ("background", "decoy:brigade", "decoy:seasonal")
        else:
            assert p["label"] == labels[kind_of[p["event"]]]
    assert [e.kind for e in s.events].count("brand_crisis") == 1
    assert s.events[-1].id == "brand-crisis"
    assert set(s.decoys) == {"brigade", "seasonal"}


@pytest.mark.parametrize("seed", SEEDS)
def test_incident_plan(seed):
    s = stream(seed)
    evs = incidents(s)
    assert 3 <= len(evs) <= 5
    ts = times(seed)
    for e in evs:
        assert re.fullmatch(r"ev\d-[a-z]{2}-[a-z]+", e.id) and e.lang in V.LANGS
        assert e.shape in ("step", "exponential", "linear", "double")
        assert 150 <= e.posts <= 1500
        assert T0 + 3600 <= e.start <= T1 - 5400
        mine = ts[[p["event"] == e.id for p in s.posts]]
        assert mine.min() == pytest.approx(e.start, abs=1e-3)
    brand = s.events[-1]
    assert 200 <= brand.posts <= 800 and brand.shape in ("linear", "exponential")


@pytest.mark.parametrize("seed", SEEDS)
def test_incidents_look_like_real_bursts(seed):
    s, w = stream(seed), world(seed)
    home = dict(zip(w.names, w.comm.tolist()))
    for e in incidents(s):
        posts = [p for p in s.posts if p["event"] == e.id]
        authors = {p["author"] for p in posts}
        assert len(authors) >= max(50, e.posts // 5)
        assert len({home[a] for a in authors}) >= 3
        reposts = sum(p["repost_of"] is not None for p in posts) / len(posts)
        assert 0.2 <= reposts <= 0.4
        originals = [p for p in posts if p["repost_of"] is None and p["reply_to"] is None]
        assert len({p["text"] for p in originals}) >= 0.5 * len(originals)
        langs = Counter(p["lang"] for p in posts if p["lang"])
        assert langs.most_common(1)[0][0] == e.lang
        assert sum(n for lang, n in langs.items() if lang != e.lang) >= 0.05 * sum(langs.values())
        on_topic = sum(any(contains_word(p["text"], k) for k in e.keywords) for p in posts)
        assert on_topic >= 0.6 * len(posts)
        tagged = [p for p in posts if any(h in e.keywords for h in p["hashtags"])]
        assert len(tagged) >= 0.2 * len(posts)
        # a burst: the busiest 10 minutes hold far more than an even spread would
        ts = np.array([parse_ts(p["ts"]) for p in posts])
        busiest = np.histogram(ts, bins=np.arange(e.start, ts.max() + 601, 600))[0].max()
        assert busiest >= 1.5 * len(posts) * 600 / max(ts.max() - e.start, 600)


@pytest.mark.parametrize("seed", SEEDS)
def test_incident_keywords_are_new_and_disjoint(seed):
    s = stream(seed)
    background = "\n".join(p["text"] for p in s.posts if p["label"] == "background").lower()
    words = set(re.findall(r"\w+", background)) | set(re.findall(r"#\w+", background))
    seen: dict[str, str] = {}
    for e in incidents(s):
        for k in e.keywords:
            key = k.lower()
            assert seen.setdefault(key, e.id) == e.id, f"{k} shared by {seen[key]} and {e.id}"
            if re.search(HAN, k) or " " in k:
                found = contains_word(background, k)
            else:
                found = key in words
            assert not found, f"{e.id} keyword {k!r} occurs in background"


@pytest.mark.parametrize("seed", SEEDS)
def test_brand_crisis(seed):
    s, w = stream(seed), world(seed)
    home = dict(zip(w.names, w.comm.tolist()))
    ev = s.events[-1]
    brand = ev.keywords[0]
    crisis = [p for p in s.posts if p["event"] == ev.id]
    assert all(parse_ts(p["ts"]) >= ev.start for p in crisis)
    neutral = [p for p in s.posts if p["event"] is None and contains_word(p["text"], brand)]
    assert all(p["label"] == "background" for p in neutral)
    before = [p for p in neutral if parse_ts(p["ts"]) < ev.start]
    assert len(before) >= 10 * (ev.start - T0) / 3600  # a steady trickle before the crisis
    assert parse_ts(before[0]["ts"]) < T0 + 1200
    assert sum(contains_word(p["text"], brand) for p in crisis) >= 0.5 * len(crisis)
    assert sum(f"#Boycott{brand}" in p["hashtags"] for p in crisis) >= 0.2 * len(crisis)
    authors = {p["author"] for p in crisis}
    assert len(authors) >= len(crisis) // 2
    assert len({home[a] for a in authors}) >= 5


@pytest.mark.parametrize("seed", SEEDS)
def test_brigade_decoy(seed):
    s = stream(seed)
    posts = [p for p in s.posts if p["label"] == "decoy:brigade"]
    assert all(p["event"] is None for p in posts)
    assert 300 <= len(posts) <= 600
    authors = {p["author"] for p in posts}
    assert 3 <= len(authors) <= 6
    w = world(seed)
    home = dict(zip(w.names, w.comm.tolist()))
    assert len({home[a] for a in authors}) == 1
    ts = np.array([parse_ts(p["ts"]) for p in posts])
    assert ts.max() - ts.min() <= 3600
    tag = s.decoys["brigade"][0]
    assert sum(tag in p["text"] for p in posts) >= 0.8 * len(posts)
    mentioned = {m[1:] for p in posts for m in p["mentions"]}
    assert mentioned <= authors
    assert len({p["text"] for p in posts}) >= 30  # small variations, not one copy-paste


@pytest.mark.parametrize("seed", SEEDS)
def test_seasonal_decoy_rises_smoothly(seed):
    s = stream(seed)
    posts = [p for p in s.posts if p["label"] == "decoy:seasonal"]
    assert all(p["event"] is None for p in posts)
    ts = np.array([parse_ts(p["ts"]) for p in posts])
    assert ts.min() < T0 + 600  # present from the start
    counts = np.histogram(ts, bins=np.arange(T0, T1 + 1, 600))[0].astype(float)
    assert counts[-6:].sum() > 2 * counts[:6].sum()  # last hour vs first hour
    # expected counts: a smooth ramp from r to 3r, no 10-minute step above 1.5x
    mid = np.arange(T0, T1, 600) + 300
    expected = synth._seasonal_rate(mid, T0, T1, 1.0)
    assert expected[-1] / expected[0] == pytest.approx(3.0, rel=0.02)
    assert np.all(expected[1:] / expected[:-1] <= 1.1)
    # observed counts, with Poisson tolerance, against the previous 30 minutes' rate
    for i in range(3, len(counts)):
        smoothed = counts[i - 3:i].mean()
        assert counts[i] <= 1.5 * smoothed + 4 * np.sqrt(1.5 * smoothed), (i, counts)
    keywords = s.decoys["seasonal"]
    assert sum(any(contains_word(p["text"], k) for k in keywords) for p in posts) >= 0.5 * len(posts)


# -- vocabulary tables -----------------------------------------------------


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_vocab_templates_only_use_known_slots():
    for lang in V.LANGS:
        table = V.BACKGROUND[lang]
        for tpl in table["templates"] + table["replies"]:
            assert _fields(tpl) <= set(table), (lang, tpl)
        for tpl in V.EVENT_TEMPLATES[lang]:
            assert _fields(tpl) <= {"Noun", "noun", "place", "place_in", "detail", "react"}, (lang, tpl)
        for tpl in V.CRISIS_TEMPLATES[lang]:
            assert _fields(tpl) <= {"what", "brand", "product"}
        for kind in V.INCIDENTS:
            assert lang in V.INCIDENTS[kind]
        assert len(V.PLACES[lang]) >= 6
    for text in (*V.BACKGROUND["zh"]["templates"], *V.EVENT_TEMPLATES["zh"], *V.EVENT_DETAILS["zh"]):
        assert " " not in text


# -- write -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz"])
def test_write_round_trip(tmp_path, name):
    posts = stream(1).posts
    path = str(tmp_path / name)
    assert write(posts, path) == len(posts)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        back = [json.loads(line) for line in fh]
    assert back == posts
    first, again = str(tmp_path / ("a-" + name)), str(tmp_path / ("b-" + name))
    write(posts[:2000], first)
    write(iter(posts[:2000]), again)
    with open(first, "rb") as a, open(again, "rb") as b:
        assert a.read() == b.read()  # byte-identical, gzip included


def test_write_stdout(capsys):
    posts = stream(1).posts[:5]
    assert write(posts, "-") == 5
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == posts


def test_short_stream_stays_in_bounds():
    s = generate(9, hours=1.0, background_per_min=5.0, start="2026-06-01T12:00:00Z")
    t0 = parse_ts("2026-06-01T12:00:00Z")
    ts = [parse_ts(p["ts"]) for p in s.posts]
    assert t0 <= min(ts) and max(ts) < t0 + 3600
    assert sum(e.posts for e in s.events) == sum(p["event"] is not None for p in s.posts)


def test_bad_arguments():
    for bad in (-1, 1.5, "1"):
        with pytest.raises(ValueError):
            generate(bad)
    with pytest.raises(ValueError):
        generate(1, hours=0)
