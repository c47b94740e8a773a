"""Events defined by their content; steady is not news; giant communities prove nothing.

Generated streams, several seeds each: made-up chatter words in the background,
stories built from words that other stories share ("hurricane", "landfall") and
words that are their own (a storm's name, its places).
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from detectors.communities import CommunityTracker
from detectors.events import AlertPolicy, Event
from detectors.pipeline import DetectorConfig, PostInfo
from detectors.post import Post, parse_ts
from detectors.profiles import TermProfile
from streams import evaluate
from streams.replay import replay

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
HOUR = 3600.0
CHATTER = [a + b for a in ("ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "pe", "zu")
           for b in ("ber", "don", "fix", "gal", "hum", "jet", "lin", "mor", "pax", "sul")]


def _chatter(rng: random.Random, t0: float, t1: float, every_s: float) -> list[Post]:
    n = int((t1 - t0) / every_s)
    return [Post(f"c{t0:.0f}-{i}", t0 + every_s * i + rng.uniform(0, every_s), " ".join(rng.sample(CHATTER, 3)),
                 author=f"u{rng.randrange(400)}") for i in range(n)]


def _story(rng: random.Random, name: str, own: list[str], shared: list[str], start: float, posts: int,
           hours: float) -> list[tuple[Post, str]]:
    """``posts`` posts over ``hours`` from as many authors, each naming the story
    ("hurricane alpha") and a few of its own and the shared words."""
    out = []
    for i in range(posts):
        t = start + hours * HOUR * (i / posts) ** 0.7 + rng.uniform(0, 60)
        words = [name] + rng.sample(own, 2) + rng.sample(shared, 2) + rng.sample(CHATTER, 1)
        rng.shuffle(words)
        out.append((Post(f"{name.replace(' ', '-')}-{i}", t, " ".join(words), author=f"{name[:3]}{i}",
                         lang="en"), name))
    return out


SHARED = ["hurricane", "landfall", "flooding", "evacuation", "storm", "winds", "shelter", "power"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_storms_that_share_their_vocabulary_stay_apart(seed):
    rng = random.Random(seed)
    posts = [(p, None) for p in _chatter(rng, T0, T0 + 84 * HOUR, 20.0)]
    posts += _story(rng, "hurricane alpha", ["texas", "houston", "galveston", "beaumont"], SHARED,
                    T0 + 20 * HOUR, 400, 10)
    posts += _story(rng, "hurricane bravo", ["florida", "miami", "keys", "tampa"], SHARED,
                    T0 + 64 * HOUR, 400, 10)  # after the first has resolved
    posts.sort(key=lambda pe: pe[0].ts)
    truth = [(p.id, p.ts, ev) for p, ev in posts]
    result = replay(p for p, _ in posts)
    metrics = evaluate.score(truth, result.records, result.assignments)
    assert metrics["events_detected"] == 2, metrics  # neither absorbed by the other
    assert metrics["precision"] == 1.0 and metrics["derate"] == 0.0, metrics
    info = evaluate.details(truth, result.records, result.assignments)
    assert all(a["purity"] >= 0.9 for a in info["alerts"]), info["alerts"]


STEADY_SENTENCES = ["nice weather today", "just had a great coffee", "traffic is terrible this morning",
                    "watching a movie tonight", "going for a run in the park", "lunch with friends was fun",
                    "reading a good book", "cannot wait for the weekend"]


@pytest.mark.parametrize("order, authors", [("cycle", "many"), ("random", "many"), ("random", "none"),
                                            ("random", "few")])
def test_a_stream_steady_from_its_first_minute_raises_nothing(order, authors):
    rng = random.Random(7)
    posts = []
    for i in range(21_600):  # a day, one post every 4 s
        text = STEADY_SENTENCES[i % 8] if order == "cycle" else rng.choice(STEADY_SENTENCES)
        who = {"many": f"u{rng.randrange(5000)}", "few": f"u{rng.randrange(30)}", "none": None}[authors]
        posts.append(Post(str(i), T0 + 4.0 * i, text, author=who, lang="en"))
    assert replay(posts).records == []


@pytest.mark.parametrize("seed", [1, 2])
def test_an_event_that_stops_growing_resolves_while_its_posts_keep_coming(seed):
    rng = random.Random(seed)
    posts = _chatter(rng, T0, T0 + 48 * HOUR, 30.0)
    onset, plateau = T0 + 12 * HOUR, T0 + 12.5 * HOUR
    t, k = onset, 0
    while t < T0 + 48 * HOUR:  # ramps to 3 posts a minute in 30 min, then stays there
        rate = min(1.0, (t - onset) / (plateau - onset)) * 3.0 / 60.0
        if rng.random() < rate * 10.0:
            words = ["strike", "harbour", "dockers"] + rng.sample(["port", "ships", "union", "wages", "pickets"], 2) \
                + rng.sample(CHATTER, 2)  # distinct posts, not copies of one
            posts.append(Post(f"s{k}", t, " ".join(words), author=f"w{rng.randrange(5000)}"))
            k += 1
        t += 10.0
    posts.sort(key=lambda p: p.ts)
    records = replay(posts).records
    story = [r for r in records if "harbour" in r["keywords"] or "dockers" in r["keywords"]]
    created = [r for r in story if r["type"] == "created"]
    resolved = [r for r in story if r["type"] == "resolved"]
    assert len(created) == 1 and len(resolved) == 1, [(r["type"], r["ts"], r["state"]) for r in story]
    steady = DetectorConfig().tracker.steady_after_seconds
    resolved_at = parse_ts(resolved[0]["ts"])
    assert plateau < resolved_at <= plateau + steady + 2 * HOUR
    assert story[-1]["type"] == "resolved"  # not reopened: the rate never rose again
    assert max(p.ts for p in posts if p.id.startswith("s")) > resolved_at + 20 * HOUR  # still coming


def _voices_in(community: str, n: int) -> Event:
    ev = Event(id="ev", created=0.0, keywords={"x": 1.0})
    for i in range(n):
        ev.add_post(PostInfo(f"p{i}", float(i), ("x",), f"v{i}", f"v{i}", community, "en", "x", False), 0.0)
    return ev


@pytest.mark.parametrize("community_size, spreads", [(0.7, True), (0.4, True), (0.2, False), (0.01, False)])
def test_one_community_blocks_an_alert_only_when_it_is_a_closed_group(community_size, spreads):
    """Everyone in one community: a brigade when the community is small, nothing when
    it is most of the stream (everyone who reposts one outlet)."""
    ev = _voices_in("hub", 20)
    assert AlertPolicy().spreading(ev, 1000.0, lambda label: community_size) is spreads


@pytest.mark.parametrize("seed", range(5))
def test_community_sizes_follow_the_labels(seed):
    rng = random.Random(seed)
    tracker = CommunityTracker(max_authors=60)
    for _ in range(400):
        a = f"a{rng.randrange(90)}"
        tracker.learn_one({"author": a, "neighbors": [f"a{rng.randrange(90)}" for _ in range(rng.randrange(1, 3))]})
        labels = Counter(tracker._label.values())
        for label, n in labels.items():
            assert tracker.share(label) == pytest.approx(n / len(tracker._label))
    assert tracker.share("never-seen") == 0.0 and tracker.share(None) == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_profile_measures_are_shares_and_survive_a_snapshot(seed):
    rng = random.Random(seed)
    prof = TermProfile(half_life=6.0, max_terms=20)
    for step in range(60):
        prof.add(rng.sample(CHATTER, 4), step // 3, rng.choice([1.0, 0.25]))
    assert all(0.0 <= prof.share(t) <= 1.0 for t in prof.weights)
    post = {t: rng.uniform(0.5, 8.0) for t in rng.sample(CHATTER, 5)}
    assert 0.0 <= prof.coverage(post) <= 1.0
    back = TermProfile.restore(prof.snapshot())
    assert back.snapshot() == prof.snapshot() and back.coverage(post) == prof.coverage(post)
    other = TermProfile()
    other.add(rng.sample(CHATTER, 4), 100)
    weights = {t: 1.0 for t in CHATTER}
    assert 0.0 <= prof.similarity(other, weights) <= 1.0 + 1e-9
    with pytest.raises(ValueError):
        TermProfile.restore({**prof.snapshot(), "version": 99})


@pytest.mark.parametrize("half_life", [3.0, 72.0, 1000.0])
def test_a_profile_forgets_at_its_half_life_however_slowly_it_is_fed(half_life):
    """One post a bucket, then nothing: the mass a half-life later is half, even when
    each bucket's own decay is too small to apply on its own."""
    prof = TermProfile(half_life=half_life)
    for step in range(2000):
        prof.add(["quake"], step)
    before = prof.mass
    prof.add(["other"], 1999 + half_life, scale=0.0)
    assert prof.mass == pytest.approx(before / 2, rel=0.01)
    assert prof.share("quake") == pytest.approx(1.0)


@pytest.mark.parametrize("words, covered", [(["quake", "lisbon"], True), (["quake", "rome", "coffee", "tram"], False)])
def test_a_post_is_covered_by_the_event_that_says_what_it_says(words, covered):
    """Sharing the event's category word ("quake") is not enough: its names decide."""
    prof = TermProfile()
    for i in range(20):
        prof.add(["quake", "lisbon", ["felt", "scary", "alfama"][i % 3]], 0)
    weights = {"quake": 3.0, "lisbon": 6.0, "rome": 6.0, "coffee": 3.0, "tram": 4.0}
    assert (prof.coverage({t: weights[t] for t in words}) >= 0.5) is covered


@pytest.mark.parametrize("tagged_share", [0.2, 0.4, 0.8])
def test_reactions_that_tag_the_story_are_its_facet(tagged_share):
    """Reactions in everyday words ("herregud", retweeted by people who write) that
    name the story only inside a hashtag ("#husrasorebro": the alert adopted it, but
    it is not one of its triggers) are the story's facet, not a second alert: a post
    that tags one of an alert's trigger words carries it.  Their words are not the
    story's (no profile link), so only the tag can tell."""
    from detectors.tracker import EventTracker

    tracker = EventTracker()
    story = Event(id="ev-story", created=T0, keywords={"orebro": 1.0, "husras": 1.0, "#husrasorebro": 0.34},
                  emitted=True, state="active", growth_ts=T0 + 1500.0)
    story.languages["sv"] = 100
    for k in range(100):
        terms = ("orebro", "husras", "skadade") + (("#husrasorebro",) if k % 3 == 0 else ())
        story.recent_terms.append(terms)
        story.profile.add(terms, 0.0)  # its defining terms: "orebro" and "husras", not the tag
    tracker.events[story.id] = story
    reaction = Event(id="ev-reaction", created=T0 + 1800.0, keywords={"herregud": 1.0})
    reaction.languages["sv"] = 40
    for k in range(40):
        tagged = k < tagged_share * 40
        reaction.recent_terms.append(("herregud", "hemskt") + (("#husrasorebro",) if tagged else ()))
    assert tracker.sibling_of(reaction, T0 + 1800.0) is story
    untagged = Event(id="ev-other", created=T0 + 1800.0, keywords={"herregud": 1.0})
    untagged.languages["sv"] = 40
    for k in range(40):
        untagged.recent_terms.append(("herregud", "hemskt", "#fredag"))
    assert tracker.sibling_of(untagged, T0 + 1800.0) is None  # a tag that names nothing of it


@pytest.mark.parametrize("languages, pooled", [(("fr", "fr"), True), (("fr", "en"), False)])
def test_fragments_of_one_story_pool_their_voices(languages, pooled):
    """One story told in two wordings ("ambassadeur expulsé", "ambassade fermée")
    forms two candidates of 9 voices each, under the 15 an alert needs; their posts
    carry each other's trigger terms, so they pool into one candidate of 18 voices,
    which spreads.  In two languages they stay apart (the cross-language fold is the
    alert stage's, by time)."""
    from detectors.tracker import EventTracker

    tracker, window, new_posts = EventTracker(), [], {}
    words = {"a": ("ambassadeur", "expulsé"), "b": ("ambassade", "fermée")}
    for (name, (w1, w2)), lang in zip(words.items(), languages):
        cand = Event(id=f"ev-{name}", created=T0, keywords={w1: 1.0, w2: 1.0}, profile=TermProfile())
        tracker.events[cand.id] = cand
        for t in (w1, w2):
            tracker._index[t].append(cand)
        other = words["b" if name == "a" else "a"]
        for k in range(9):
            terms = (w1, w2, "kenya") + ((other[0],) if k % 3 == 0 else ())  # a third name the other wording
            p = PostInfo(f"{name}{k}", T0 + 60.0 * k, terms, f"{name}-voice{k}", f"{name}-voice{k}", None, lang,
                         " ".join(terms), False)
            tracker._join(cand, p, T0)
            window.append(p)
        new_posts[cand.id] = 9
    policy = AlertPolicy()
    assert not any(policy.spreading(ev) for ev in tracker.events.values())  # neither alone
    tracker._pool_candidates(new_posts, window, [], T0)
    if pooled:
        (ev,) = tracker.events.values()
        assert len(ev.voices) == 18 and policy.spreading(ev)
        # both wordings still match on their own: a post saying either joins it
        assert all(ev.keywords[t] == 1.0 for pair in words.values() for t in pair)
        assert tracker.best_match(("ambassade", "fermée", "nairobi")) is ev
        assert tracker.best_match(("ambassadeur", "expulsé", "nairobi")) is ev
        assert all(p.owner == ev.id for p in window)
    else:
        assert len(tracker.events) == 2
