"""The Pipeline end to end: late posts, assignments, brigades and near-duplicates.

Every stream is built here from a seeded ``random.Random``: chatter from 300
authors in 6 communities (mentions, replies and reposts stay inside a
community), onto which each test puts a story of its own.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import pytest

from detectors.pipeline import Pipeline
from detectors.post import Post

T0 = 1_717_200_000.0  # 2024-06-01T00:00:00Z, on a bucket boundary
MIN = 60.0
STORY_AT = T0 + 120 * MIN  # two hours of chatter first
N_AUTHORS = 300
N_COMMUNITIES = 6
AUTHORS = [f"user{i:03d}" for i in range(N_AUTHORS)]
COMMUNITY = {a: i % N_COMMUNITIES for i, a in enumerate(AUTHORS)}
MEMBERS = {c: [a for a in AUTHORS if COMMUNITY[a] == c] for c in range(N_COMMUNITIES)}

TOPIC = ("zorblax phones battery recall refund overheating melted charger customers angry store "
         "warranty lawsuit exploded broken replacement company statement").split()
TAG = "#BoycottZorblax"


def _words(rng: random.Random, n: int, syllables: str) -> list[str]:
    syl = syllables.split()
    words = sorted({a + b for a in syl for b in syl if a != b})
    rng.shuffle(words)
    return words[:n]


@lru_cache(maxsize=None)
def vocabulary(seed: int = 0) -> tuple[str, ...]:
    return tuple(_words(random.Random(seed), 400, "bran dell fop gart hink kell lorm mund pess rosk "
                                                  "silt tamb verk wick zond cralt blim snor frag plon"))


FUNCTION = "the a and of to in is it that for on with this was but are at so just my".split()


@lru_cache(maxsize=None)
def chatter(seed: int = 1, minutes: int = 170, per_min: tuple[int, int] = (12, 18)) -> tuple[Post, ...]:
    rng = random.Random(seed)
    vocab = vocabulary()
    posts: list[Post] = []
    by_community: dict[int, list[Post]] = {c: [] for c in range(N_COMMUNITIES)}
    for minute in range(minutes):
        for second in sorted(rng.uniform(0, 60) for _ in range(rng.randint(*per_min))):
            author = rng.choice(AUTHORS)
            c = COMMUNITY[author]
            words = rng.sample(vocab, rng.randint(3, 9)) + rng.sample(FUNCTION, 2)
            rng.shuffle(words)
            text = " ".join(words)
            kw: dict = {}
            if rng.random() < 0.35:
                kw["mentions"] = tuple(rng.sample(MEMBERS[c], rng.randint(1, 2)))
            recent = by_community[c][-40:]
            if recent and rng.random() < 0.1:
                kw["reply_to"] = rng.choice(recent).id
            elif recent and rng.random() < 0.1:
                target = rng.choice(recent)
                kw["repost_of"], text = target.id, f"RT @{target.author}: {target.text}"
            post = Post(id=f"bg{len(posts)}", ts=T0 + minute * MIN + second, text=text, author=author,
                        lang="en", **kw)
            posts.append(post)
            by_community[c].append(post)
    return tuple(posts)


def topic_text(rng: random.Random) -> str:
    """One author's own words about the story (varied: no two share a signature)."""
    words = rng.sample(TOPIC, 5) + rng.sample(vocabulary(), 2)
    rng.shuffle(words)
    return f"{TAG} " + " ".join(words)


def merge(*streams) -> list[Post]:
    return sorted((p for s in streams for p in s), key=lambda p: p.ts)


@dataclass
class Run:
    records: list[tuple[float, dict]]  # (stream time when emitted, record)
    assignments: list[dict]
    pipe: Pipeline

    def created(self) -> list[dict]:
        return [r for _, r in self.records if r["type"] == "created"]


def run(posts) -> Run:
    pipe = Pipeline()
    records = []
    for post in posts:
        records += [(post.ts, r) for r in pipe.process(post)]
    records += [(float("inf"), r) for r in pipe.flush()]
    return Run(records, pipe.assignments(), pipe)


def organic_story(seed: int, n_posts: int = 300, n_authors: int = 200, minutes: int = 30) -> list[Post]:
    """``n_posts`` in ``minutes`` from ``n_authors`` distinct authors of every community."""
    rng = random.Random(seed)
    authors = rng.sample(AUTHORS, n_authors)
    assert len({COMMUNITY[a] for a in authors}) == N_COMMUNITIES
    posts = []
    for k in range(n_posts):
        author = authors[k % n_authors]
        posts.append(Post(id=f"story{k}", ts=STORY_AT + rng.uniform(0, minutes * MIN), text=topic_text(rng),
                          author=author, lang="en"))
    return posts


# -- chatter alone ------------------------------------------------------------------------------


def test_chatter_alone_creates_nothing():
    result = run(chatter())
    assert result.created() == [] and result.assignments == []
    assert result.pipe.stats["late"] == 0


# -- (a) late posts -------------------------------------------------------------------------------


def test_late_post_is_counted_and_assigned():
    story = organic_story(2)
    posts = merge(chatter(), story)
    # during the story, a post whose time is an hour back (its bucket long closed)
    late = Post(id="late-1", ts=STORY_AT - 60 * MIN, text=f"{TAG} zorblax battery recall refund melted",
                author="user007", lang="en")
    at = next(i for i, p in enumerate(posts) if p.ts > STORY_AT + 20 * MIN)
    result = run(posts[:at] + [late] + posts[at:])
    pipe = result.pipe
    assert pipe.stats["late"] == 1
    assert pipe.stats["posts"] == len(posts) + 1
    (alert,) = result.created()
    by_alert = {a["alert"]: a["posts"] for a in result.assignments}
    assert "late-1" in by_alert[alert["id"]], "the late post is assigned to the story, not lost"


def test_posts_within_allowed_lateness_are_not_late():
    pipe = Pipeline()
    lateness = pipe.config.allowed_lateness_seconds
    pipe.process(Post(id="a", ts=T0 + 600.0, text="first post here", author="x"))
    pipe.process(Post(id="b", ts=T0 + 600.0 - lateness / 2, text="a little out of order", author="y"))
    assert pipe.stats["late"] == 0


def test_late_post_after_flush_is_counted_and_processed():
    pipe = Pipeline()
    for p in chatter()[:300]:
        pipe.process(p)
    pipe.flush()
    buckets = pipe.stats["buckets"]
    assert pipe.process(Post(id="old", ts=T0 + 1.0, text="a post from long ago", author="z")) == []
    assert pipe.stats["late"] == 1
    pipe.flush()  # it went into a new bucket, which is closed now
    assert pipe.stats["buckets"] == buckets + 1


def test_a_story_delivered_late_is_still_detected():
    """A feed delivering every story post 12 min late (buckets already closed by
    the chatter): all counted as late, none lost, the story still alerts."""
    delay = 12 * MIN
    story = organic_story(3)
    arrivals = [(p.ts, p) for p in chatter()] + [(p.ts + delay, p) for p in story]
    arrivals.sort(key=lambda a: a[0])
    result = run(p for _, p in arrivals)
    assert result.pipe.stats["late"] == len(story)
    created = result.created()
    assert len(created) == 1
    assert {"zorblax", TAG.lower()} & set(created[0]["keywords"])
    assigned = {pid for a in result.assignments for pid in a["posts"]}
    assert len(assigned & {p.id for p in story}) >= 0.8 * len(story)


# -- (b) assignments ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_stories():
    """Chatter with two separate stories, the second an hour after the first."""
    rng = random.Random(4)
    first = organic_story(4)
    later = [Post(id=f"quake{k}", ts=STORY_AT + 40 * MIN + rng.uniform(0, 20 * MIN),
                  text="earthquake shaking " + " ".join(rng.sample(["strong", "felt", "downtown", "building",
                                                                    "scary", "tremor", "walls", "still"], 4)
                                                         + rng.sample(vocabulary(), 2)),
                  author=rng.choice(AUTHORS), lang="en") for k in range(200)]
    posts = merge(chatter(), first, later)
    return posts, run(posts)


def test_assignments_are_consistent(two_stories):
    posts, result = two_stories
    assert len(result.created()) >= 2, [r["keywords"][:3] for r in result.created()]
    ts_of = {p.id: p.ts for p in posts}
    record_ids = {r["id"] for _, r in result.records}
    alerts = [a["alert"] for a in result.assignments]
    assert len(alerts) == len(set(alerts)), "one entry per alert"
    assert set(alerts) == {r["id"] for r in result.created()}
    for entry in result.assignments:
        assert set(entry) == {"alert", "t", "posts"}
        assert entry["alert"] in record_ids
        counts = Counter(entry["posts"])
        assert all(n == 1 for n in counts.values()), [pid for pid, n in counts.items() if n > 1]
        assert set(entry["posts"]) <= ts_of.keys(), "only posts of the stream"
        assert entry["t"] in set(ts_of.values()), "t is the time of a real post"
        # the alert cannot be known before its first post
        assert entry["t"] >= min(ts_of[pid] for pid in entry["posts"])
    # online assignment: a post goes to one alert only
    every = [pid for entry in result.assignments for pid in entry["posts"]]
    assert len(every) == len(set(every))


def test_assignments_follow_the_stories(two_stories):
    posts, result = two_stories
    by_alert = {a["alert"]: set(a["posts"]) for a in result.assignments}
    for prefix in ("story", "quake"):
        ids = {p.id for p in posts if p.id.startswith(prefix)}
        best = max(by_alert.values(), key=lambda s: len(s & ids))
        assert len(best & ids) >= 0.5 * len(ids), prefix
        assert len(best & ids) >= 0.9 * len(best), f"{prefix}: its alert is mostly its own posts"


# -- (c) a brigade ------------------------------------------------------------------------------


def brigade(seed: int, n_posts: int = 300, minutes: int = 30) -> list[Post]:
    """5 accounts pushing one hashtag with near-identical posts, mentioning each other."""
    rng = random.Random(seed)
    accounts = [f"brig{i}" for i in range(5)]
    templates = [f"{TAG} zorblax phones melted and they hid it, share this everywhere",
                 f"{TAG} zorblax lied about the battery recall, share this everywhere",
                 f"{TAG} never buy zorblax phones again, the battery explodes"]
    posts = []
    for k in range(n_posts):
        author = accounts[k % 5]
        others = [a for a in accounts if a != author]
        text = rng.choice(templates) + rng.choice(["", "!", "!!", " 😡", " now", f" {k}"])
        posts.append(Post(id=f"brigade{k}", ts=STORY_AT + rng.uniform(0, minutes * MIN), text=text,
                          author=author, lang="en", mentions=tuple(rng.sample(others, 2)),
                          hashtags=(TAG,)))
    return posts


def test_brigade_does_not_alert():
    result = run(merge(chatter(), brigade(5)))
    assert result.created() == [], [(r["keywords"][:4], r["voices"], r["communities"])
                                    for r in result.created()]


def test_same_volume_from_many_communities_alerts():
    story = organic_story(5, n_posts=300, n_authors=200)
    result = run(merge(chatter(), story))
    created = result.created()
    assert len(created) == 1
    (alert,) = created
    assert {"zorblax", TAG.lower()} & set(alert["keywords"])
    assert alert["communities"] >= 3 and alert["voices"] >= 15
    emitted_at = next(ts for ts, r in result.records if r["type"] == "created")
    assert STORY_AT <= emitted_at <= STORY_AT + 30 * MIN


# -- (d) near-duplicates --------------------------------------------------------------------------

COPIED = "Breaking: huge fire at the zorblax factory near the river, everyone evacuated now"


def reposts(seed: int, n_copies: int = 200, n_originals: int = 4, minutes: int = 30) -> list[Post]:
    """One text reposted verbatim by ``n_copies`` distinct authors (half as retweets,
    half copy-paste; accounts that post nothing else), plus a few originals in
    other words by chatter authors."""
    rng = random.Random(seed)
    authors = rng.sample(AUTHORS, n_originals + 1)
    posts = [Post(id="orig", ts=STORY_AT, text=COPIED, author=authors[0], lang="en")]
    for k in range(n_copies):
        retweet = k % 2 == 0
        posts.append(Post(id=f"copy{k}", ts=STORY_AT + rng.uniform(1, minutes * MIN),
                          text=f"RT @{authors[0]}: {COPIED}" if retweet else COPIED,
                          author=f"reposter{k}", lang="en", repost_of="orig" if retweet else None))
    for k in range(n_originals):
        posts.append(Post(id=f"own{k}", ts=STORY_AT + rng.uniform(1, minutes * MIN),
                          text=f"fire at zorblax factory {' '.join(rng.sample(vocabulary(), 4))}",
                          author=authors[1 + k], lang="en"))
    return posts


def test_verbatim_reposts_are_few_voices():
    """pipeline.py: "A copy (repost, copy-paste) adds no voice, whoever posts
    it".  200 reposts by 200 people (retweets and copy-paste alike) add nothing
    to the first post's voice; with 4 originals that is far too few voices to alert."""
    story = reposts(6)
    result = run(merge(chatter(), story))
    assert result.created() == [], [(r["keywords"][:4], r["voices"]) for r in result.created()]
    story_ids = {p.id for p in story}
    copiers = {p.author for p in story if p.id.startswith("copy")}
    (ev,) = [ev for ev in result.pipe.tracker.events.values()
             if any(s["id"] in story_ids for s in ev.samples)]  # a candidate that never spread
    assert ev.posts >= 200
    assert not copiers & set(ev.voices), "a copier is not a voice"
    assert len(ev.voices) < result.pipe.config.policy.min_voices


def test_reposts_by_people_who_write_are_their_voices():
    """The other side: the same 200 reposts (half retweets, half copy-paste), but
    by the stream's own authors, each of whom has written posts of their own in
    the chatter before.  People passing a story on spread it: it alerts."""
    story = reposts(6)
    writers = iter(random.Random(6).sample(AUTHORS, len(story)))  # chatter authors, all of them
    story = [p if not p.id.startswith("copy") else dataclasses.replace(p, author=next(writers)) for p in story]
    result = run(merge(chatter(), story))
    created = [r for r in result.created() if "zorblax" in " ".join(r["keywords"])]
    assert len(created) == 1, [(r["keywords"][:4], r["voices"]) for r in result.created()]
    assert created[0]["voices"] >= result.pipe.config.policy.min_voices


def test_same_count_of_own_words_alerts():
    """The contrast: as many people each writing their own text is many voices."""
    story = organic_story(6, n_posts=205, n_authors=205)
    result = run(merge(chatter(), story))
    assert len(result.created()) == 1


def test_an_alert_holds_the_posts_that_made_it_an_event():
    """The storyline's evidence, gathered while it was a candidate, is the alert's
    from its first record on (the assignments a scorer reads), not only what came after."""
    story = organic_story(6, n_posts=120, n_authors=120, minutes=60)  # slow: a candidate for a while
    result = run(merge(chatter(), story))
    (created,) = result.created()
    (entry,) = [a for a in result.assignments if a["alert"] == created["id"]]
    when = {p.id: p.ts for p in story}
    first_record = min(t for t, r in result.records if r["id"] == created["id"])
    before = [pid for pid in entry["posts"] if pid in when and when[pid] < first_record]
    assert len(before) >= created["posts"], (len(before), created["posts"])  # every one it counted
    assert len(entry["posts"]) == len(set(entry["posts"]))  # each post once


def test_a_checkpoint_from_before_writers_were_kept_still_restores():
    """Checkpoints pickle the pipeline (streams/assembly.py): one taken before the
    authors who write were tracked has no ``_writers`` and must still run."""
    import pickle

    pipe = Pipeline()
    for p in chatter(minutes=3):
        pipe.process(p)
    del pipe._writers  # as a pipeline pickled by the previous version
    old = pickle.loads(pickle.dumps(pipe))
    more = chatter(seed=2, minutes=3)
    for p in more:
        old.process(dataclasses.replace(p, ts=p.ts + 600.0, id=f"later-{p.id}"))
    assert old.stats["posts"] >= len(more)
