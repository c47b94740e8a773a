"""Alert-stage rules of the event tracker: voices needed and facet folding."""

from __future__ import annotations

import math

import pytest

from detectors.events import EMERGING, AlertPolicy, Event
from detectors.pipeline import PostInfo
from detectors.tracker import TRIGGER, EventTracker


@pytest.mark.parametrize(
    "hour_volume, needed",
    [(math.inf, 15), (1000.0, 15), (30.0, 15), (20.0, 10), (4.0, 8), (0.0, 8)],
)
def test_quiet_streams_need_fewer_voices(hour_volume, needed):
    assert AlertPolicy().voices_needed(hour_volume) == needed


def _event(eid: str, created: float, triggers: list[str], posts: list[list[str]], lang: str) -> Event:
    ev = Event(id=eid, created=created, keywords={t: TRIGGER for t in triggers})
    for i, terms in enumerate(posts):
        info = PostInfo(f"{eid}-{i}", created + i, tuple(terms), f"{eid}-v{i}", None, None, lang, " ".join(terms), False)
        ev.add_post(info, created)
        ev.profile.add([t for t in terms if " " not in t], created / 300.0)
    return ev


def _tracker_with_story(alerts_so_far: int) -> tuple[EventTracker, Event]:
    """A live English story alerted at t=0 on a stream that has produced
    ``alerts_so_far`` alerts in the day before it."""
    tracker = EventTracker()
    tracker.alert_rate.start(-86400.0)
    for _ in range(alerts_so_far):
        tracker.alert_rate.record()
    story = _event("ev-en", 0.0, ["earthquake", "costa", "rica", "costa rica"],
                   [["earthquake", "costa", "rica", "costa rica", "magnitude"]] * 30, "en")
    story.emitted, story.state = True, EMERGING
    tracker.events[story.id] = story
    return tracker, story


# A Spanish hashtag of the same quake: 2 of its 20 posts carry a trigger of the
# English story, a weak link (10% overlap, below the 15% that links any two events).
FACET = [["#temblorcr", "fuerte", "sintió"]] * 18 + [["#temblorcr", "costa", "rica", "costa rica"]] * 2
UNRELATED = [["#eleccion", "votos", "mesa"]] * 20


@pytest.mark.parametrize(
    "alerts_so_far, posts, gap_s, folds",
    [
        (0, FACET, 600.0, True),  # quiet stream, 10 min apart: the same story
        (0, FACET, 6 * 3600.0, False),  # quiet stream, hours apart: the weak link is not enough
        (2000, FACET, 600.0, False),  # busy stream: stories start together all the time
        (0, UNRELATED, 600.0, False),  # no link at all never folds, however close in time
    ],
)
def test_facet_folds_when_coincidence_is_unlikely(alerts_so_far, posts, gap_s, folds):
    tracker, story = _tracker_with_story(alerts_so_far)
    story.growth_ts = gap_s  # still growing: only the coincidence decides
    cand = _event("ev-es", gap_s, [posts[0][0]], posts, "es")
    assert (tracker.sibling_of(cand, gap_s) is story) is folds


@pytest.mark.parametrize("hours_since_growth, folds", [(1.0, True), (8.0, False)])
def test_a_story_that_stopped_growing_does_not_take_another_of_its_kind(hours_since_growth, folds):
    """Facets come while a story unfolds: posts that carry its defining word
    ("hurricane") fold into it while it grows; two days after it stopped growing,
    another storm's posts that say "hurricane" are another story (Maria is not
    Irma's facet), unless they talk alike.  (8 h: fading; at 12 h without growth
    the story resolves.)"""
    tracker = EventTracker(baseline_share=lambda terms: [0.05 if t == "hurricane" else 1e-4 for t in terms])
    now = 3 * 86400.0
    story = _event("ev-irma", 0.0, ["hurricane", "irma florida"],
                   [["hurricane", "irma", "florida", "keys", "irma florida"]] * 30, "en")
    story.emitted, story.state, story.growth_ts = True, EMERGING, now - hours_since_growth * 3600.0
    tracker.events[story.id] = story
    words = ["maria", "puerto", "rico", "san", "juan", "power", "grid", "dominica", "landfall", "category"]
    posts = [["hurricane", words[i % 10], words[(i + 3) % 10], words[(i + 7) % 10]] for i in range(20)]
    cand = _event("ev-maria", now, ["maria", "puerto"], posts, "en")
    assert (tracker.sibling_of(cand, now) is story) is folds


def test_a_reply_joins_the_story_of_the_post_it_answers():
    """ "@anna unbelievable" says nothing of the story it answers, yet it is one
    more voice of that story: replies, quotes and reposts join their parent's event."""
    tracker, story = _tracker_with_story(0)
    parent = PostInfo("p0", 10.0, ("earthquake", "costa", "rica"), "v0", "v0", None, "en", "earthquake", False)
    tracker._join(story, parent, 0.0)
    reply = PostInfo("p1", 320.0, ("@anna", "unbelievable"), "v1", "v1", None, "en", "@anna unbelievable",
                     False, parent="p0")
    stray = PostInfo("p2", 330.0, ("@anna", "unbelievable"), "v2", "v2", None, "en", "@anna unbelievable", False)
    _, assigned, unmatched = tracker.update(300.0, {}, [parent, reply, stray], [reply, stray])
    assert [(ev.id, p.id) for ev, p in assigned] == [(story.id, "p1")]
    assert [p.id for p in unmatched] == ["p2"] and "v1" in story.voices


@pytest.mark.parametrize(
    "quiet_s, others, terms, joins",
    [
        (600.0, 500, ("debate", "moderator", "denver"), True),  # still talking: a post of it
        (2 * 3600.0, 500, ("debate", "moderator", "denver"), False),  # gone quiet: a later debate
        (2 * 3600.0, 20, ("debate", "moderator", "denver"), True),  # a sparse stream's night: not quiet
        (2 * 3600.0, 500, ("debate", "pittsburgh", "moderator"), True),  # names it: its own post
    ],
)
def test_a_story_gone_quiet_takes_no_later_story_of_its_kind(quiet_s, others, terms, joins):
    """A debate in Pittsburgh that has had no post for hours while the stream went
    on is over: a post about the next debate, which shares its category words, does
    not join it, while a post that names it still does."""
    tracker = EventTracker(baseline_share=lambda ts: [1e-3 if t == "pittsburgh" else 5e-3 for t in ts])
    story = Event(id="ev-debate", created=0.0, keywords={"debate": TRIGGER, "pittsburgh": TRIGGER},
                  emitted=True, state="active")
    tracker.events[story.id] = story
    for t in ("debate", "pittsburgh"):
        tracker._index[t].append(story)
    for i in range(20):
        tracker._join(story, PostInfo(f"d{i}", 10.0 * i, ("debate", "pittsburgh", "moderator"), f"v{i}", f"v{i}",
                                      None, "en", "debate", False), 0.0)
    tracker._stream_posts += others
    found = tracker.best_match(terms, now=story.last_post_ts + quiet_s)
    assert (found is story) is joins


def test_a_tracker_pickled_before_replies_and_quiet_stories_still_runs():
    """Checkpoints pickle the tracker (streams/assembly.py): one taken before replies
    followed their parents and quiet stories were told apart restores and runs."""
    import pickle

    tracker, story = _tracker_with_story(0)
    for t in story.keywords:
        tracker._index[t].append(story)
    for name in ("_post_event", "_folded", "_stream_posts", "_last_join", "_pending_ids"):
        delattr(tracker, name)  # as a tracker pickled by the previous version
    old = pickle.loads(pickle.dumps(tracker))
    reply = PostInfo("r1", 320.0, ("earthquake", "costa", "rica"), "v1", "v1", None, "en", "earthquake", False,
                     parent="nowhere")
    del reply.parent  # a post of the window pickled before posts had parents
    _, assigned, _ = old.update(300.0, {}, [reply], [reply])
    assert [p.id for _, p in assigned] == ["r1"] and old._stream_posts == 1
