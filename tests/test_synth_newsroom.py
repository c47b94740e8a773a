"""Tests for the newsroom synthetic profile (streams/synth_newsroom.py)."""

from __future__ import annotations

import gzip
import json
import re
import string
from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np
import pytest

from detectors.post import parse_ts
from streams import synth_newsroom_vocab as NV
from streams.cli import main, synth_summary
from streams.sources import RejectCounter, read_labeled
from streams.synth import SynthStream
from streams.synth_newsroom import CLUSTERS, generate

SEEDS = (1, 2, 3)
START = "2026-03-02T00:00:00Z"
T0 = parse_ts(START)
HAN = r"[\u4e00-\u9fff]"
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
URL_RE = re.compile(r"https?://\S+")
HANDLE_RE = re.compile(r"@\w+")


@lru_cache(maxsize=None)
def week(seed: int) -> SynthStream:
    """A full week (the profile's default length), shared by the tests of this module."""
    return generate(seed)


@lru_cache(maxsize=None)
def day(seed: int, background: bool = True) -> SynthStream:
    return generate(seed, hours=24.0, background=background)


@lru_cache(maxsize=None)
def by_event(seed: int) -> dict[str | None, list[dict]]:
    out = defaultdict(list)
    for p in week(seed).posts:
        out[p["event"]].append(p)
    return out


def tokens(text: str) -> set[str]:
    """Words (hashtags kept whole) outside links and @handles; Chinese as character bigrams."""
    text = HANDLE_RE.sub(" ", URL_RE.sub(" ", text)).lower()
    out = set(re.findall(r"#?[^\W\d_][\w'-]*", re.sub(HAN + "+", " ", text)))
    for run in re.findall(HAN + "+", text):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


# -- determinism -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_same_seed_same_stream(seed):
    again = generate(seed, hours=24.0)
    assert again.posts == day(seed).posts
    assert again.events == day(seed).events


def test_different_seeds_differ():
    a, b = day(1), day(2)
    assert [p["text"] for p in a.posts[:200]] != [p["text"] for p in b.posts[:200]]
    assert {e.id for e in week(1).events} != {e.id for e in week(2).events}
    same = {e.keywords for e in week(1).events} & {e.keywords for e in week(2).events}
    assert len(same) <= 0.1 * len(week(1).events)  # the odd same-subtype story in the same city
    assert sorted(e.posts for e in week(1).events) != sorted(e.posts for e in week(2).events)
    assert [e.start for e in week(1).events] != [e.start for e in week(2).events]


# -- format ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_sorted_and_unique_ids(seed):
    posts = week(seed).posts
    ts = [parse_ts(p["ts"]) for p in posts]
    assert ts == sorted(ts) and all(TS_RE.match(p["ts"]) for p in posts[:500])
    ids = [int(p["id"]) for p in posts]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)  # snowflake-like: increase with time
    assert T0 <= ts[0] and ts[-1] < T0 + 168 * 3600
    keys = {"id", "ts", "text", "author", "lang", "event", "label", "hashtags", "mentions", "reply_to",
            "repost_of", "quote_of", "url", "source", "followers"}
    assert all(set(p) == keys for p in posts[:1000])


@pytest.mark.parametrize("seed", SEEDS)
def test_ground_truth(seed):
    s = week(seed)
    counts = Counter(p["event"] for p in s.posts if p["event"] is not None)
    assert set(counts) == {e.id for e in s.events}
    topics = {c.topic for c in CLUSTERS.values()}
    first = {}
    for p in s.posts:
        if p["event"] is None:
            assert p["label"] == "background"
        else:
            assert p["label"].startswith("story:") and p["label"][6:] in topics
            first.setdefault(p["event"], parse_ts(p["ts"]))
    for e in s.events:
        assert e.kind == "story" and e.posts == counts[e.id] and e.lang in ("en", "fr", "zh")
        assert re.fullmatch(r"n\d{3}-[a-z]+-[a-z-]+", e.id), e.id
        assert e.id.split("-")[1] in CLUSTERS
        assert e.start == pytest.approx(first[e.id], abs=1e-3)
        assert e.shape in ("sudden", "build", "second", "double")
    assert s.decoys == {}


# -- size, time, rate --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_several_hundred_stories_with_a_heavy_tail(seed):
    sizes = np.array([e.posts for e in week(seed).events])
    assert 250 <= len(sizes) <= 400
    assert (sizes >= 50).sum() >= 100
    assert sizes.max() <= 2000 and sizes.max() >= 5 * np.median(sizes)
    assert (sizes >= 20).mean() >= 0.95  # the rest were cut short by the end of the stream
    assert (sizes < 300).mean() >= 0.9
    assert sizes.max() >= 800


@pytest.mark.parametrize("seed", SEEDS)
def test_durations_and_shapes(seed):
    s, posts = week(seed), by_event(seed)
    spans = {e.id: (parse_ts(posts[e.id][-1]["ts"]) - e.start) / 3600 for e in s.events}
    values = np.array(list(spans.values()))
    assert values.max() >= 24 and np.median(values) <= 12 and (values <= 3).sum() >= 20
    assert (values <= 4 * 24).all()
    assert {e.shape for e in s.events} == {"sudden", "build", "second", "double"}
    # a sudden story peaks early, a slow build later
    early = []
    for e in s.events:
        if e.posts >= 150 and e.shape in ("sudden", "build") and spans[e.id] >= 3:
            ts = np.array([parse_ts(p["ts"]) for p in posts[e.id]])
            counts = np.histogram(ts, bins=np.arange(e.start, ts.max() + 1800, 1800))[0]
            early.append((e.shape, int(np.argmax(counts)) / len(counts)))
    sudden = [x for shape, x in early if shape == "sudden"]
    assert sudden and np.median(sudden) < 0.3


@pytest.mark.parametrize("seed", SEEDS)
def test_rate_and_quiet_nights(seed):
    posts = week(seed).posts
    assert 15_000 <= len(posts) <= 40_000
    assert 40 <= len(posts) / 168 <= 160
    ts = np.array([parse_ts(p["ts"]) for p in posts])
    hourly = np.bincount(((ts - T0) // 3600 % 24).astype(int), minlength=24)
    smooth = np.convolve(np.concatenate([hourly[-1:], hourly, hourly[:1]]), np.ones(3) / 3, "valid")
    assert smooth.min() < 0.6 * smooth.max()


# -- languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_languages(seed):
    s, posts = week(seed), by_event(seed)
    main = Counter(e.lang for e in s.events)
    assert set(main) == {"en", "fr", "zh"}
    assert main["en"] > main["fr"] > main["zh"] >= 0.05 * len(s.events)
    langs = Counter(p["lang"] for p in s.posts if p["lang"])
    assert {"en", "fr", "zh"} <= set(langs)
    faceted = 0
    for e in s.events:
        mine = Counter(p["lang"] for p in posts[e.id] if p["lang"])
        if sum(n for lang, n in mine.items() if lang != e.lang) >= 0.05 * sum(mine.values()):
            faceted += 1
    assert faceted >= 0.25 * len(s.events)  # facets in a second language, same event id


@pytest.mark.parametrize("seed", SEEDS)
def test_chinese_has_no_spaces_between_han(seed):
    chinese = [p["text"] for p in week(seed).posts if re.search(HAN, p["text"])]
    assert len(chinese) > 1000
    bad = [t for t in chinese if re.search(HAN + r"\s+" + HAN, t)]
    assert not bad, bad[:3]


# -- content: clusters share words, stories are told apart by combinations -----------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_clusters_share_vocabulary(seed):
    s, posts = week(seed), by_event(seed)
    stories_with: dict[str, set[str]] = defaultdict(set)
    for e in s.events:
        for p in posts[e.id]:
            for tok in tokens(p["text"]):
                stories_with[tok].add(e.id)
    shared_clusters = set()
    for name, cluster in CLUSTERS.items():
        for lang in ("en", "fr", "zh"):
            for word in cluster.words[lang]:
                key = word.lower() if lang != "zh" else word[:2]
                if " " not in key and len(stories_with.get(key, ())) >= 5:
                    shared_clusters.add(name)
    assert len(shared_clusters) >= 8, shared_clusters
    # entities recur across the stories of a cluster: candidates, teams, storms, companies
    election = [e for e in s.events if "-election-" in e.id]
    names = Counter(k for e in election for k in e.keywords[:2])
    assert names.most_common(1)[0][1] >= 5
    sports = [e for e in s.events if "-sports-" in e.id]
    teams = Counter(k for e in sports for k in e.keywords[:2])
    assert teams.most_common(1)[0][1] >= 3


@pytest.mark.parametrize("seed", SEEDS)
def test_no_story_is_marked_by_a_token_of_its_own(seed):
    s, posts = week(seed), by_event(seed)
    per_story: dict[str, Counter] = {}
    stories_with: dict[str, set[str]] = defaultdict(set)
    for e in s.events:
        c = Counter()
        for p in posts[e.id]:
            c.update(tokens(p["text"]))
        per_story[e.id] = c
        for tok in c:
            stories_with[tok].add(e.id)
    for e in s.events:
        n = e.posts
        markers = [tok for tok, k in per_story[e.id].items() if k >= 0.9 * n and stories_with[tok] == {e.id}]
        assert not markers, (e.id, markers)
    # and no token is in (nearly) every post of a story of some size, shared or not
    for e in s.events:
        if e.posts >= 100:
            assert max(per_story[e.id].values()) < 0.9 * e.posts, (e.id, per_story[e.id].most_common(3))


# -- accounts and conversation -----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_replies_reposts_and_quotes_point_to_earlier_posts(seed):
    posts = week(seed).posts
    by_id = {p["id"]: p for p in posts}
    kinds = Counter()
    for p in posts:
        for field in ("reply_to", "repost_of", "quote_of"):
            ref = p[field]
            if ref is None:
                continue
            kinds[field] += 1
            target = by_id[ref]
            assert int(ref) < int(p["id"]) and target["ts"] <= p["ts"]
            assert target["event"] == p["event"]  # a story's conversation stays in the story
            if field == "repost_of":
                assert p["text"] == f"RT @{target['author']}: {target['text']}"
            if field == "reply_to":
                assert p["text"].startswith(f"@{target['author']} ")
    story = sum(1 for p in posts if p["event"])
    assert kinds["repost_of"] >= 0.15 * story and kinds["reply_to"] >= 0.05 * story and kinds["quote_of"] > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_authors_news_accounts_mentions_links_hashtags(seed):
    s, posts = week(seed), by_event(seed)
    authors = Counter(p["author"] for p in s.posts)
    assert len(authors) >= 2000
    top = sum(n for _, n in authors.most_common(len(authors) // 100))
    assert top >= 0.08 * len(s.posts)  # heavy-tailed activity
    followers = {p["author"]: p["followers"] for p in s.posts}
    f = np.array(list(followers.values()))
    assert np.median(f) < f.mean() and f.max() >= 100 * np.median(f)
    stories_of = defaultdict(set)
    for p in s.posts:
        if p["event"] and p["repost_of"] is None:
            stories_of[p["author"]].add(p["event"])
    busy = [a for a, evs in stories_of.items() if len(evs) >= 20]
    assert len(busy) >= 10 and any(followers[a] >= 20_000 for a in busy)  # news accounts
    story_posts = [p for p in s.posts if p["event"]]
    plain_mentions = [p for p in story_posts if p["mentions"] and not p["reply_to"] and not p["repost_of"]]
    assert len(plain_mentions) >= 0.02 * len(story_posts)
    assert 0.05 <= sum(p["url"] is not None for p in story_posts) / len(story_posts) <= 0.5
    tagged = 0
    for e in s.events:
        tags = Counter(h for p in posts[e.id] for h in p["hashtags"])
        own = [h for h in tags if h in e.keywords]
        if own:
            tagged += 1
            if e.posts >= 50:
                assert tags[own[0]] < 0.5 * e.posts  # used by a minority of the story's posts
    assert 0.2 * len(s.events) <= tagged <= 0.9 * len(s.events)


# -- background variants -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_background_switch(seed):
    with_bg, without = day(seed), day(seed, background=False)
    share = sum(p["event"] is None for p in with_bg.posts) / len(with_bg.posts)
    assert 0.08 <= share <= 0.2
    assert all(p["label"] == "background" for p in with_bg.posts if p["event"] is None)
    assert all(p["event"] is not None for p in without.posts)
    def stories(s):
        return sorted((p["ts"], p["author"], p["text"], p["event"]) for p in s.posts if p["event"])

    assert stories(with_bg) == stories(without)  # the switch leaves the stories alone
    assert [e.id for e in with_bg.events] == [e.id for e in without.events]


def test_short_streams_stay_in_bounds():
    s = generate(9, hours=2.0, start="2026-06-01T12:00:00Z")
    t0 = parse_ts("2026-06-01T12:00:00Z")
    ts = [parse_ts(p["ts"]) for p in s.posts]
    assert s.events and t0 <= min(ts) and max(ts) < t0 + 7200


def test_bad_arguments():
    for bad in (-1, 1.5, "1", True):
        with pytest.raises(ValueError):
            generate(bad, hours=1.0)
    with pytest.raises(ValueError):
        generate(1, hours=0)


# -- vocabulary tables -------------------------------------------------------------------------


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_vocab_tables():
    for name, cluster in CLUSTERS.items():
        for lang in NV.LANGS:
            assert cluster.words[lang] and cluster.tags[lang] and cluster.react[lang], (name, lang)
            for group in cluster.lines.values():
                for line in group[lang]:
                    assert _fields(line) <= set(NV.SLOTS), (name, line)
                    if lang == "zh":
                        assert " " not in line, line
            for sub in cluster.subtypes:
                assert len(sub.words[lang]) >= 4, (name, sub.name, lang)
                if lang == "zh":
                    assert not any(" " in w for w in sub.words[lang]), (name, sub.name)
        assert len(cluster.subtypes) >= 4


# -- the command line --------------------------------------------------------------------------


def test_cli_newsroom_file_reads_back(tmp_path, capsys):
    out = tmp_path / "X.jsonl.gz"
    assert main(["synth", "--profile", "newsroom", "--seed", "2", "--hours", "24", "--out", str(out)]) == 0
    rejects = RejectCounter()
    labeled = list(read_labeled(str(out), on_reject=rejects))
    assert rejects.total == 0
    with gzip.open(out, "rt", encoding="utf-8") as f:
        assert sum(1 for _ in f) == len(labeled)
    assert len(labeled) == len(day(2).posts)
    assert {lp.event for lp in labeled if lp.event} == {e.id for e in day(2).events}
    err = capsys.readouterr().err
    assert "injected events" in err and "with >= 50 posts" in err and "biggest:" in err


def test_cli_no_background(tmp_path, capsys):
    out = tmp_path / "nobg.jsonl"
    argv = ["synth", "--profile", "newsroom", "--seed", "3", "--hours", "6", "--no-background", "--out", str(out)]
    assert main(argv) == 0
    posts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert posts and all(p["event"] for p in posts)
    capsys.readouterr()
    assert main(["synth", "--no-background", "--hours", "1", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "--no-background only applies to --profile newsroom" in capsys.readouterr().err


def test_summary_stays_short():
    line = synth_summary(week(1))
    assert len(line) < 1000 and "posts per event" in line and "biggest:" in line
