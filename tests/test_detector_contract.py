"""One contract, every detector.

Each detector is described by a :class:`Case`: a factory for a fresh instance,
a seeded generator of a small input sequence, ``learn`` (feed one input; may
return what the detector emits, as :meth:`Pipeline.process` does), ``score``
(an output that does not change state) and ``finish`` (what is left at the end
of the stream).  Every case then goes through the same checks:

(a) pickling mid-stream (state lives in Kafka changelogs): the original and the
    copy, fed the rest of the stream, give identical outputs;
(b) determinism: the same seed gives the same outputs, and for the Pipeline also
    in other processes with other ``PYTHONHASHSEED`` values (str hashes are
    salted per process, so set or dict order must not leak into results);
(c) new and missing keys: inputs never seen, and buckets where a common key is
    absent, give sane values (no exception, finite numbers, "nothing" for the
    unseen);
(d) a high score means emerging.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import pickle
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from detectors.bursts import TermBurstDetector
from detectors.communities import CommunityTracker
from detectors.dedup import NearDuplicateFilter
from detectors.pipeline import Pipeline
from detectors.post import Post, parse_post
from detectors.termstats import TermStatistics
from tests.test_watchlists import wl_emerging, wl_finish, wl_learn, wl_make, wl_new_keys, wl_score, wl_stream

ROOT = Path(__file__).resolve().parent.parent
T0 = 1_700_000_000.0 - 1_700_000_000.0 % 300  # on a bucket boundary


# -- helpers -------------------------------------------------------------------------------------


def finite_numbers(obj: Any) -> bool:
    """Every number inside ``obj`` (nested containers, dataclass tuples) is finite."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return True
    if isinstance(obj, (int, float)):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(finite_numbers(k) and finite_numbers(v) for k, v in obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return all(finite_numbers(v) for v in obj)
    if dataclasses.is_dataclass(obj):
        return finite_numbers(dataclasses.astuple(obj))
    raise TypeError(f"unexpected output type {type(obj).__name__}")


def pseudo_words(rng: random.Random, n: int, syllables: str) -> list[str]:
    syl = syllables.split()
    words = sorted({a + b for a in syl for b in syl if a != b})
    rng.shuffle(words)
    return words[:n]


# -- NearDuplicateFilter ------------------------------------------------------------------------


def dedup_stream(seed: int) -> list[str]:
    rng = random.Random(seed)
    vocab = pseudo_words(rng, 200, "ba de fi go hu ka le mi no pu ra se ti vo wu za")
    texts: list[str] = []
    for _ in range(400):
        r = rng.random()
        if texts and r < 0.25:  # verbatim copy
            texts.append(rng.choice(texts[-60:]))
        elif texts and r < 0.35:  # retweet, maybe truncated, maybe with a link
            t = rng.choice(texts[-60:])
            texts.append(f"RT @user{rng.randrange(50)}: {t[: rng.randint(len(t) // 2, len(t))]}...")
        elif texts and r < 0.40:
            texts.append(rng.choice(texts[-60:]) + f" https://t.co/{rng.randrange(10**6)}")
        elif r < 0.50:  # short posts are never collapsed
            texts.append(rng.choice(vocab) + "!")
        else:
            texts.append(" ".join(rng.sample(vocab, rng.randint(3, 12))))
    return texts


def dedup_new_keys(dd: NearDuplicateFilter) -> None:
    for text in ["never seen before in this stream, not even once, no", "", "   ", "🔥🔥🔥",
                 "https://example.com/only-a-link", "@someone", "地震"]:
        assert dd.score_one(text) == 0, text
        sig, copies = NearDuplicateFilter().update(text)
        assert copies == 0


def dedup_emerging(rng: random.Random) -> None:
    dd = NearDuplicateFilter()
    text = "breaking: the old bridge over the river has collapsed just now"
    scores = []
    for _ in range(6):
        scores.append(dd.score_one(text))
        dd.learn_one(text if rng.random() < 0.5 else "RT @x: " + text)
    assert scores == sorted(scores) and scores[0] == 0 and scores[-1] == 5


# -- TermBurstDetector --------------------------------------------------------------------------

Bucket = tuple[dict[str, float], float]


def burst_stream(seed: int) -> list[Bucket]:
    rng = random.Random(seed)
    rare = pseudo_words(rng, 150, "ka lo mi ne su ta vo ri pe zu")
    buckets = []
    for step in range(80):
        counts: dict[str, float] = {"weather": rng.randint(8, 14), "coffee": rng.randint(2, 6)}
        if step < 50 or step % 2:  # a common term that goes missing in some buckets
            counts["traffic"] = rng.randint(10, 20)
        for w in rng.sample(rare, rng.randint(3, 12)):
            counts[w] = rng.randint(1, 2)
        if step >= 55:
            counts["earthquake"] = rng.randint(20, 40)
        if step >= 60:
            counts["tsunami"] = 0.25 * rng.randint(10, 60)  # weighted reposts: fractional
        buckets.append((counts, 120 + sum(counts.values())))
    return buckets


WARMUP = 12  # buckets learned before anything is frozen (as the Pipeline does)


def burst_learn(det: TermBurstDetector, x: Bucket) -> None:
    """Learn a bucket; terms bursting now (after a warm-up) keep their baseline."""
    counts, total = x
    scores = det.score_one(counts, total)
    frozen = [t for t, s in scores.items() if s.z >= 5 and s.ratio >= 5] if det.steps >= WARMUP else []
    det.learn_one(counts, total, frozen=frozen)


def burst_score(det: TermBurstDetector, x: Bucket) -> list:
    counts, total = x
    return sorted((t, *map(float, (s.recent, s.expected, s.z, s.ratio, s.share)))
                  for t, s in det.score_one(counts, total).items())


def burst_finish(det: TermBurstDetector) -> list:
    terms = ["weather", "coffee", "traffic", "earthquake", "tsunami", "never-seen"]
    return [det.steps, det.baseline_share(terms), det.recent_total_after(0.0)]


def burst_new_keys(det: TermBurstDetector) -> None:
    total = 150.0
    scores = det.score_one({"never-seen-term": 0, "weather": 10}, total)
    new = scores["never-seen-term"]
    assert new.recent == 0 and new.share == 0 and new.expected > 0
    assert math.isfinite(new.z) and new.z <= 0 and math.isfinite(new.ratio)
    one = det.score_one({"never-seen-term": 1}, total)["never-seen-term"]
    assert finite_numbers(one) and one.recent == 1 and one.z < 5  # a single mention is no burst
    assert det.baseline_share(["never-seen-term"]) == [0.0]
    assert det.score_one({}, total) == {}
    assert det.baseline_share([]) == []

    # a common term absent from a bucket: scoring and learning it works, the term
    # scores below its expectation, and its baseline share goes down
    if det.steps == 0:  # a fresh detector: make "weather" common first
        for _ in range(20):
            det.learn_one({"weather": 10, "coffee": 3}, total)
    before = det.baseline_share(["weather"])[0]
    assert before > 0.01
    assert "weather" not in det.score_one({"coffee": 3}, total)
    missing = det.score_one({"weather": 0}, total)["weather"]
    assert finite_numbers(missing) and missing.z < 0 and missing.expected > 0
    for _ in range(3):
        det.learn_one({"coffee": 3, "something-else": 1}, total)
    assert 0 < det.baseline_share(["weather"])[0] < before

    # empty buckets: neither learned nor harmful
    steps = det.steps
    det.learn_one({}, 0)
    det.learn_one({"weather": 3}, 0)
    assert det.steps == steps
    det.learn_one({}, 50.0)  # posts, but none with a term
    assert finite_numbers(burst_score(det, ({"weather": 10, "never-seen-term": 2}, total)))


def burst_emerging(rng: random.Random) -> None:
    det = TermBurstDetector()
    for _ in range(60):
        counts = {"steady": 30 + rng.randint(-3, 3), "background": rng.randint(5, 9)}
        burst_learn(det, (counts, 200 + sum(counts.values())))
    now = {"steady": 30, "jump": 30, "background": 7}
    scores = det.score_one(now, 200 + sum(now.values()))
    assert scores["jump"].z > scores["steady"].z + 5
    assert scores["jump"].ratio > scores["steady"].ratio
    assert scores["jump"].z >= 5 and abs(scores["steady"].z) < 3
    # and it keeps rising while it accelerates (frozen: not learned as normal)
    zs = []
    for k in range(1, 5):
        counts = {"steady": 30, "jump": 30 * k, "background": 7}
        total = 200 + sum(counts.values())
        zs.append(det.score_one(counts, total)["jump"].z)
        burst_learn(det, (counts, total))
    assert zs == sorted(zs)


# -- TermStatistics (the sharded stage: scores, thresholds, baseline) ---------------------------


def termstats_learn(stats: TermStatistics, x: Bucket) -> list:
    counts, total = x
    result = stats.update(counts, total, explained=["coffee"])
    return [sorted(result.bursting), result.slots.tolist(), result.means.tolist(), result.steps]


def termstats_score(stats: TermStatistics, x: Bucket) -> list:
    counts, total = x
    return sorted((t, float(s.z), float(s.ratio)) for t, s in stats.score_one(counts, total).items())


def termstats_finish(stats: TermStatistics) -> list:
    return [stats.bursts.steps, stats.bursts.baseline_share(["weather", "coffee", "earthquake", "never-seen"]),
            sorted(stats._held)]


def termstats_new_keys(stats: TermStatistics) -> None:
    total = 150.0
    assert stats.score_one({}, total) == {}
    result = stats.update({"never-seen-term": 1.0}, total)
    assert "never-seen-term" not in result.bursting  # one mention is no burst
    assert finite_numbers(result.bursting) and len(result.slots) == 1
    # a bucket without a common term: nothing breaks, its share goes down
    before = stats.bursts.baseline_share(["weather"])[0]
    for _ in range(3):
        result = stats.update({"coffee": 3.0}, total)
    assert "weather" not in result.bursting and stats.bursts.baseline_share(["weather"])[0] <= before
    assert stats.update({}, total).bursting == {}


def termstats_emerging(rng: random.Random) -> None:
    stats = TermStatistics()
    for _ in range(40):
        counts = {"steady": 30 + rng.randint(-3, 3), "background": rng.randint(5, 9)}
        assert "steady" not in stats.update(counts, 200 + sum(counts.values())).bursting
    zs = []
    for k in range(1, 5):
        counts = {"steady": 30, "jump": 20 * k, "background": 7}
        zs.append(stats.score_one(counts, 200 + sum(counts.values()))["jump"].z)
        assert "jump" in stats.update(counts, 200 + sum(counts.values())).bursting
    assert zs == sorted(zs)  # bursting terms are frozen: the burst is not the new normal


# -- CommunityTracker -----------------------------------------------------------------------------


def community_stream(seed: int) -> list[dict]:
    rng = random.Random(seed)
    groups = [[f"g{g}u{i}" for i in range(15)] for g in range(4)]
    out: list[dict] = []
    for _ in range(500):
        g = rng.randrange(4)
        author = rng.choice(groups[g])
        if rng.random() < 0.9:
            neighbors = rng.sample(groups[g], rng.randint(1, 3))
        else:  # a few ties across groups
            neighbors = [rng.choice(groups[rng.randrange(4)])]
        out.append({"author": author, "neighbors": neighbors})
    return out


def community_score(ct: CommunityTracker, x: dict) -> tuple:
    return ct.score_one(x), ct.community(x["author"]), [ct.community(n) for n in x["neighbors"]]


def community_finish(ct: CommunityTracker) -> list:
    authors = [f"g{g}u{i}" for g in range(4) for i in range(15)]
    return [(a, ct.community(a), ct.score_one({"author": a})) for a in authors]


def community_new_keys(ct: CommunityTracker) -> None:
    before = pickle.dumps(ct)
    assert ct.community("never-seen") is None
    assert ct.community(None) is None and ct.community("") is None
    assert ct.score_one({"author": "never-seen"}) == 0.0
    assert ct.score_one({}) == 0.0 and ct.score_one({"author": None}) == 0.0
    # interactions without an author or without anyone to interact with teach nothing
    for x in [{}, {"author": None, "neighbors": ["g0u1"]}, {"author": "", "neighbors": ["g0u1"]},
              {"author": "g0u1"}, {"author": "g0u1", "neighbors": []},
              {"author": "g0u1", "neighbors": None}, {"author": "g0u1", "neighbors": ["g0u1", "", None]}]:
        ct.learn_one(x)
    assert pickle.dumps(ct) == before
    # a newcomer who talks to a group joins that group
    ct.learn_one({"author": "newcomer", "neighbors": ["g0u1", "g0u2"]})
    assert ct.community("newcomer") in {ct.community("g0u1"), ct.community("g0u2")}
    assert ct.score_one({"author": "newcomer"}) == 2.0


def community_emerging(rng: random.Random) -> None:
    ct = CommunityTracker()
    ct.learn_one({"author": "quiet", "neighbors": ["a"]})
    for _ in range(10):
        ct.learn_one({"author": "busy", "neighbors": rng.sample(["a", "b", "c", "d"], 2)})
    assert ct.score_one({"author": "busy"}) > ct.score_one({"author": "quiet"}) > 0


# -- Pipeline (and the EventTracker inside it) --------------------------------------------------

BURST_AT = T0 + 80 * 60
BURST_MINUTES = 20


def pipeline_stream(seed: int) -> list[Post]:
    """80 min of chatter at ~12 posts/min, a 20 min story from 90 authors of every
    community, 20 more min of chatter; every optional field exercised."""
    rng = random.Random(seed)
    en = pseudo_words(rng, 300, "bran dell fop gart hink kell lorm mund pess rosk silt tamb verk wick zond")
    pl = pseudo_words(rng, 150, "brzo cześ dło gró kwi łon mie pią rzą sło trę wło")
    zh = pseudo_words(rng, 200, " ".join("天气咖啡周末电影朋友公园学校音乐晚饭火车旅行照片书茶猫狗"))
    authors = [f"u{i}" for i in range(150)]
    community = {a: i % 5 for i, a in enumerate(authors)}
    posts: list[Post] = []

    def chatter(ts: float) -> Post:
        author = rng.choice(authors)
        r = rng.random()
        if r < 0.6:
            text, lang = " ".join(rng.sample(en, rng.randint(3, 9))), "en"
        elif r < 0.8:
            text, lang = "W " + " ".join(rng.sample(pl, rng.randint(3, 8))) + " się", "pl"
        else:
            text, lang = "".join(rng.sample(zh, rng.randint(2, 4))) + "，" + rng.choice(zh), "zh"
        mates = [a for a in authors if community[a] == community[author]]
        kw: dict[str, Any] = {}
        if rng.random() < 0.3:
            kw["mentions"] = tuple(rng.sample(mates, rng.randint(1, 2)))
        nearby = [p for p in posts[-100:] if p.author in mates]  # interactions stay in the community
        if nearby and rng.random() < 0.1:
            kw["reply_to"] = rng.choice(nearby).id
        if nearby and rng.random() < 0.1:
            target = rng.choice(nearby)
            kw["repost_of"], text = target.id, f"RT @{target.author}: {target.text}"
        if rng.random() < 0.1:
            kw["hashtags"] = (rng.choice(["#monday", "#news", "#fun"]),)
        if rng.random() < 0.05:
            text += f" https://example.com/{rng.randrange(1000)}"
        odd = rng.random()
        if odd < 0.01:
            text = ""
        elif odd < 0.02:
            text = "😂🔥"
        elif odd < 0.03:
            text = "https://t.co/abc"
        return Post(id=f"p{len(posts)}", ts=ts, text=text, author=None if rng.random() < 0.03 else author,
                    lang=None if rng.random() < 0.3 else lang, **kw)

    for minute in range(120):
        ts_list = sorted(T0 + minute * 60 + rng.uniform(0, 60) for _ in range(rng.randint(9, 15)))
        for ts in ts_list:
            posts.append(chatter(ts))
            if BURST_AT <= ts < BURST_AT + BURST_MINUTES * 60 and rng.random() < 0.7:
                author = rng.choice(authors[:90])
                words = rng.sample(["explosion", "harbour", "valletta", "smoke", "sirens",
                                    "huge", "heard", "ships", "port"], 4)
                text = " ".join(["explosion", "valletta"] + words + rng.sample(en, 2))
                if posts and rng.random() < 0.2:
                    target = rng.choice(posts[-20:])
                    kw = {"repost_of": target.id}
                    text = f"RT @{target.author}: {target.text}"
                else:
                    kw = {"hashtags": ("#valletta",)} if rng.random() < 0.5 else {}
                posts.append(Post(id=f"p{len(posts)}", ts=ts + rng.uniform(0, 1), text=text, author=author,
                                  lang=None if rng.random() < 0.3 else "en", **kw))
    # a little disorder, inside the allowed lateness
    for i in range(0, len(posts) - 1, 37):
        if posts[i + 1].ts - posts[i].ts < 30:
            posts[i], posts[i + 1] = posts[i + 1], posts[i]
    return posts


def pipeline_learn(pipe: Pipeline, post: Post) -> list[dict]:
    return pipe.process(post)


def pipeline_score(pipe: Pipeline, post: Post) -> str | None:
    """The live event this post would be assigned to now (read-only)."""
    terms = pipe.tokenizer.terms(post.text, post.lang or pipe.language.identify(post.text))
    ev = pipe.tracker.best_match(terms)
    return ev.id if ev else None


def pipeline_finish(pipe: Pipeline) -> dict:
    return {"records": pipe.flush(), "assignments": pipe.assignments(), "stats": dict(pipe.stats)}


ODD_POSTS = [
    Post(id="odd-noauthor", ts=0.0, text="explosion valletta harbour smoke no author here"),
    Post(id="odd-nolang", ts=0.0, text="some words without any language field", author="u1"),
    Post(id="odd-empty", ts=0.0, text="", author="u2"),
    Post(id="odd-blank", ts=0.0, text="   \n ", author="u2", lang="en"),
    Post(id="odd-emoji", ts=0.0, text="😱🔥🙏", author="u3"),
    Post(id="odd-url", ts=0.0, text="https://www.example.org/path?q=1", author="u4"),
    Post(id="odd-shortener", ts=0.0, text="http://t.co/xyz", author=None, lang=None),
    Post(id="odd-digits", ts=0.0, text="12345 !!! ...", author="u5"),
    Post(id="odd-lang", ts=0.0, text="Pożar w Krakowie", author="u6", lang="xx-unknown"),
    Post(id="odd-refs", ts=0.0, text="reply to nothing", author="u7", reply_to="no-such-post",
         repost_of="gone", quote_of="gone", mentions=("@U8", "u9"), hashtags=("#Tag", "＃全角")),
    Post(id="odd-cjk1", ts=0.0, text="震", author="u8", lang="zh"),
]


def pipeline_new_keys(pipe: Pipeline) -> None:
    now = pipe._max_ts if math.isfinite(pipe._max_ts) else T0  # newest event time seen
    outputs = []
    for k, post in enumerate(ODD_POSTS):
        post = Post(**{**post.to_dict(), "ts": now + k, "mentions": post.mentions, "hashtags": post.hashtags})
        assert pipeline_score(pipe, post) is None or isinstance(pipeline_score(pipe, post), str)
        outputs += pipe.process(post)
    outputs += pipe.flush()
    assert finite_numbers(outputs)
    assert pipe.stats["posts"] >= len(ODD_POSTS)
    # a post about nothing ever seen matches no event
    assert pipeline_score(pipe, Post(id="x", ts=now, text="zzyzx qwfp never seen words", lang="en")) is None


def pipeline_emerging(rng: random.Random) -> None:
    posts = pipeline_stream(rng.randrange(1000))
    pipe = Pipeline()
    created = []
    for post in posts:
        created += [(post.ts, r) for r in pipe.process(post) if r["type"] == "created"]
    created += [(math.inf, r) for r in pipe.flush() if r["type"] == "created"]
    assert created, "the story should alert"
    assert all(ts >= BURST_AT for ts, _ in created), "no alert from the chatter alone"
    ts, first = created[0]
    assert ts <= BURST_AT + BURST_MINUTES * 60 and "valletta" in first["keywords"]
    story = next(p for p in posts if p.ts >= BURST_AT and p.text.startswith("explosion valletta"))
    assert pipeline_score(pipe, story) == first["id"]
    assert pipeline_score(pipe, Post(id="q", ts=0, text="coffee with friends", lang="en")) is None


def tracker_score(pipe: Pipeline, post: Post) -> list:
    """The tracker's events as they stand (read-only)."""
    return sorted(
        (ev.id, ev.state, ev.version, ev.emitted, ev.posts, len(ev.voices), sorted(ev.communities.items()),
         sorted(ev.keywords.items()), round(ev.level, 9), ev.severity)
        for ev in pipe.tracker.events.values()
    )


def tracker_finish(pipe: Pipeline) -> dict:
    return {"records": pipe.flush(), "events": tracker_score(pipe, None), "explained": sorted(pipe.tracker.explained())}


def tracker_new_keys(pipe: Pipeline) -> None:
    tracker = pipe.tracker
    assert tracker.best_match([]) is None
    assert tracker.best_match(["never-seen", "zzyzx"]) is None
    assert tracker.best_match(["never-seen"], include_resolved=True) is None
    events_before = sorted(tracker.events)
    # an empty bucket: nothing bursting, no window, nothing to assign
    last = pipe._closed_through if pipe._closed_through is not None else T0 // pipe.config.bucket_seconds
    start = (last + 1) * pipe.config.bucket_seconds
    changes, assigned, unmatched = tracker.update(start, {}, [], [])
    assert assigned == [] and unmatched == []
    assert {kind for kind, _ in changes} <= {"updated", "resolved"}
    assert sorted(tracker.events) == events_before
    assert finite_numbers(tracker_score(pipe, None))


def tracker_emerging(rng: random.Random) -> None:
    pipe = Pipeline()
    for post in pipeline_stream(rng.randrange(1000)):
        pipe.process(post)
    pipe.flush()
    emitted = [ev for ev in pipe.tracker.events.values() if ev.emitted]
    assert emitted
    top = max(emitted, key=lambda ev: ev.posts)
    assert "valletta" in top.keywords and top.score >= pipe.tracker.config.min_story_z / 5
    assert len(top.voices) >= pipe.tracker.policy.min_voices


# -- the cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], Any]
    stream: Callable[[int], list]
    learn: Callable[[Any, Any], Any]
    score: Callable[[Any, Any], Any]
    finish: Callable[[Any], Any]
    new_keys: Callable[[Any], None]
    emerging: Callable[[random.Random], None]
    split: float = 0.5  # where to pickle, as a share of the stream

    def __repr__(self) -> str:
        return self.name


CASES = [
    Case("NearDuplicateFilter", NearDuplicateFilter, dedup_stream, lambda d, x: d.learn_one(x),
         lambda d, x: d.score_one(x), lambda d: [d.score_one(t) for t in dedup_stream(0)[:50]],
         dedup_new_keys, dedup_emerging),
    Case("TermBurstDetector", TermBurstDetector, burst_stream, burst_learn, burst_score, burst_finish,
         burst_new_keys, burst_emerging, split=0.75),  # mid-burst
    Case("TermStatistics", TermStatistics, burst_stream, termstats_learn, termstats_score, termstats_finish,
         termstats_new_keys, termstats_emerging, split=0.75),
    Case("CommunityTracker", CommunityTracker, community_stream, lambda c, x: c.learn_one(x),
         community_score, community_finish, community_new_keys, community_emerging),
    # the Pipeline as a whole, and the EventTracker as the Pipeline drives it;
    # pickled in the middle of the story (80 + 10 of 120 min)
    Case("Pipeline", Pipeline, pipeline_stream, pipeline_learn, pipeline_score, pipeline_finish,
         pipeline_new_keys, pipeline_emerging, split=0.74),
    Case("EventTracker", Pipeline, pipeline_stream, pipeline_learn, tracker_score, tracker_finish,
         tracker_new_keys, tracker_emerging, split=0.74),
    # PR watchlists (cases live beside their own tests), pickled mid-crisis
    Case("WatchlistTracker", wl_make, wl_stream, wl_learn, wl_score, wl_finish, wl_new_keys, wl_emerging, split=0.8),
]
IDS = [c.name for c in CASES]


def run(case: Case, det: Any, inputs: list) -> list:
    """Prequential: score each input, then learn it; keep both outputs."""
    out = []
    for x in inputs:
        out.append((case.score(det, x), case.learn(det, x)))
    return out


@pytest.fixture(scope="module")
def results():
    """Outputs of one uninterrupted run per case and seed, shared by the checks."""
    cache: dict = {}

    def get(case: Case, seed: int):
        key = (case.name, seed)
        if key not in cache:
            det = case.make()
            cache[key] = run(case, det, case.stream(seed)) + [case.finish(det)]
        return cache[key]

    return get


# -- (a) pickling ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pickle_mid_stream_then_continue(case, results):
    inputs = case.stream(11)
    cut = int(len(inputs) * case.split)
    original = case.make()
    head = run(case, original, inputs[:cut])
    copy = pickle.loads(pickle.dumps(original, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(copy) is type(original)
    tail_original = run(case, original, inputs[cut:]) + [case.finish(original)]
    tail_copy = run(case, copy, inputs[cut:]) + [case.finish(copy)]
    assert tail_copy == tail_original
    # and pickling changed nothing for the original either
    assert head + tail_original == results(case, 11)


def test_pickle_happens_mid_story():
    """The Pipeline cases are pickled with open buckets and a live event."""
    inputs = pipeline_stream(11)
    cut = int(len(inputs) * 0.74)
    assert BURST_AT < inputs[cut].ts < BURST_AT + BURST_MINUTES * 60
    pipe = Pipeline()
    records = [r for post in inputs[:cut] for r in pipe.process(post)]
    assert pipe._open and any(r["type"] == "created" for r in records)


# -- (b) determinism -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_seed_same_outputs(case, results):
    first = results(case, 3)
    det = case.make()
    again = run(case, det, case.stream(3)) + [case.finish(det)]
    assert again == first
    assert finite_numbers(first)
    assert case.stream(3) == case.stream(3) and case.stream(3) != case.stream(4)


SUBPROCESS = """
import json, sys
from detectors.pipeline import Pipeline
from detectors.post import parse_post
pipe, records = Pipeline(), []
for line in sys.stdin:
    records += pipe.process(parse_post(json.loads(line)))
records += pipe.flush()
json.dump({"records": records, "assignments": pipe.assignments()}, sys.stdout, sort_keys=True)
"""


def pipeline_json(posts: list[Post]) -> str:
    pipe, records = Pipeline(), []
    for post in posts:
        records += pipe.process(post)
    records += pipe.flush()
    return json.dumps({"records": records, "assignments": pipe.assignments()}, sort_keys=True)


def test_pipeline_same_output_across_processes():
    """str hashes are salted per process: run the same stream under other
    PYTHONHASHSEED values (0 turns salting off) and compare the JSON output."""
    posts = pipeline_stream(5)
    lines = [json.dumps(p.to_dict(), ensure_ascii=False) for p in posts]
    assert [parse_post(json.loads(line)) for line in lines] == posts  # the wire format loses nothing
    stdin = "\n".join(lines) + "\n"
    procs = []
    for hash_seed in ("0", "1", "2", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        procs.append((hash_seed, subprocess.Popen(
            [sys.executable, "-c", SUBPROCESS], cwd=ROOT, env=env, text=True, encoding="utf-8",
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    outputs = {}
    for hash_seed, proc in procs:
        out, err = proc.communicate(stdin, timeout=120)
        assert proc.returncode == 0, err
        outputs[hash_seed] = out
    here = pipeline_json(posts)
    assert json.loads(here)["records"], "the stream should produce records to compare"
    for hash_seed, out in outputs.items():
        assert json.loads(out) == json.loads(here), f"PYTHONHASHSEED={hash_seed} differs"


# -- (c) new and missing keys ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_new_and_missing_keys(case):
    det = case.make()
    case.new_keys(det)  # on a fresh detector
    det = case.make()
    run(case, det, case.stream(7))
    case.new_keys(det)  # and after a stream


def test_pipeline_posts_with_missing_fields_from_the_start():
    pipe = Pipeline()
    out = []
    for k, post in enumerate(ODD_POSTS):
        out += pipe.process(Post(**{**post.to_dict(), "ts": T0 + 40.0 * k,
                                    "mentions": post.mentions, "hashtags": post.hashtags}))
    out += pipe.flush()
    assert out == [] and pipe.stats["posts"] == len(ODD_POSTS) and pipe.stats["buckets"] >= 1


# -- (d) high score = emerging ----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_high_score_means_emerging(case):
    case.emerging(random.Random(1))
