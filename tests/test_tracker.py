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
    return ev


def _tracker_with_story(alerts_so_far: int) -> tuple[EventTracker, Event]:
    """A live English story alerted at t=0 on a stream that has produced
    ``alerts_so_far`` alerts in the day before it."""
    tracker = EventTracker()
    tracker.alert_rate.start(-86400.0)
    for _ in range(alerts_so_far):
        tracker.alert_rate.record()
    story = _event("ev-en", 0.0, ["earthquake", "costa rica"],
                   [["earthquake", "costa rica", "magnitude"]] * 30, "en")
    story.emitted, story.state = True, EMERGING
    tracker.events[story.id] = story
    return tracker, story


# A Spanish hashtag of the same quake: 2 of its 20 posts carry a trigger of the
# English story, a weak link (10% overlap, below the 15% that links any two events).
FACET = [["#temblorcr", "fuerte", "sintió"]] * 18 + [["#temblorcr", "costa rica"]] * 2
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
    cand = _event("ev-es", gap_s, [posts[0][0]], posts, "es")
    assert (tracker.sibling_of(cand, gap_s) is story) is folds
