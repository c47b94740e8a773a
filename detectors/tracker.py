"""The event tracker: storylines in, events with a lifecycle out.

Stages, in order, once per closed bucket (``update``):

1. bursting terms not yet explained by a live event are grouped into storylines;
2. a storyline whose recent posts mostly match an existing event (live, or
   resolved but still remembered) joins it: one story, one alert.  Otherwise it
   becomes a *candidate* event;
3. the bucket's posts are assigned, online and once, to the best-matching event;
4. the alert policy promotes spreading candidates to emitted events;
5. lifecycles advance and change records are emitted.

A seeded example: a new word that 6 authors use is not a storyline yet (8 posts
are needed); by the next bucket 15 distinct voices carry it, enough to alert.

>>> import random
>>> from detectors.pipeline import PostInfo
>>> rng, tracker, window = random.Random(5), EventTracker(), []
>>> def post(i, t, words):
...     return PostInfo(f"p{i}", t, tuple(words), f"u{i}", f"u{i}", None, "en", " ".join(words), False)
>>> for step, authors in enumerate([0, 0, 6, 9, 12, 0]):
...     start = 300.0 * step
...     posts = [post(100 * step + k, start + 10 * k, ["quake", rng.choice(["scary", "felt", "big"])])
...              for k in range(authors)]
...     window += posts
...     burst = {"quake": TermScore(recent=8.0 * authors, expected=0.1, z=9.0, ratio=20.0, share=0.0)} if authors else {}
...     changes, _, _ = tracker.update(start, burst, window, posts)
...     print(step, [(kind, ev.state, len(ev.voices)) for kind, ev in changes])
0 []
1 []
2 []
3 [('created', 'emerging', 15)]
4 []
5 []
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from detectors.bursts import TermScore
from detectors.events import ACTIVE, EMERGING, FADING, RESOLVED, AlertPolicy, Event, event_id
from detectors.storylines import group_terms

TRIGGER, ATTACHED = 1.0, 0.34  # keyword weights: a post matches with one trigger or three attached


@dataclass(frozen=True)
class TrackerConfig:
    bucket_seconds: float = 300.0
    min_story_posts: int = 8
    # storyline thresholds: its posts (decayed like the term levels) against the
    # sum of what its terms' baselines expect
    min_story_z: float = 5.0
    min_story_ratio: float = 3.0
    story_prior: float = 1.0
    min_share: float = 0.002
    dup_weight: float = 0.25
    max_trigger_terms: int = 12  # strongest terms of a new storyline that match alone
    attach_overlap: float = 0.3
    max_keyword_share: float = 0.01  # keywords are rare in normal times
    expand_min_posts: int = 20
    expand_top: int = 20
    expand_min_frac: float = 0.2
    expand_trigger_frac: float = 0.4
    expand_lift: float = 4.0
    expand_own_share: float = 0.6
    sibling_similarity: float = 0.3
    sibling_overlap: float = 0.15
    # Two stories emerging close together by chance: how many unrelated alerts the
    # stream's own alert rate expects in the gap between them.  Below this, the
    # link they need shrinks in proportion (a story's first hours spawn facets in
    # other words and languages); on a busy stream, time proximity proves nothing.
    coincidence_max: float = 0.05
    alert_rate_prior_per_day: float = 1.0  # pseudo-count until the stream has history
    profile_terms: int = 50  # share of a storyline's posts an event must already match
    candidate_ttl_buckets: int = 12
    emerging_buckets: int = 3
    fading_level: float = 0.25  # of the peak level
    resolve_after_seconds: float = 6 * 3600.0
    reopen_window_seconds: float = 14 * 24 * 3600.0
    update_every_buckets: int = 12


class EventTracker:
    def __init__(
        self,
        config: TrackerConfig | None = None,
        policy: AlertPolicy | None = None,
        baseline_share: Callable[[list[str]], Sequence[float]] | None = None,
        commonness=None,
    ):
        self.config = config or TrackerConfig()
        self.policy = policy or AlertPolicy()
        # Baseline share of posts carrying each term (from the burst detector):
        # lets an event adopt the words its own posts are made of.
        self.baseline_share = baseline_share
        self.commonness = commonness  # detectors.commonness.Commonness, or None
        self.events: dict[str, Event] = {}
        self._index: dict[str, list[Event]] = defaultdict(list)  # keyword -> events
        self._buckets_since_record: dict[str, int] = {}
        self.alert_rate = AlertRate(self.config.alert_rate_prior_per_day)

    # -- keyword index -------------------------------------------------------------
    def _add_keyword(self, ev: Event, term: str, weight: float) -> None:
        if term not in ev.keywords:
            self._index[term].append(ev)
        ev.keywords[term] = max(weight, ev.keywords.get(term, 0.0))

    def _drop(self, ev: Event) -> None:
        for term in ev.keywords:
            holders = self._index.get(term)
            if holders is not None:
                holders[:] = [e for e in holders if e is not ev]
                if not holders:
                    del self._index[term]
        self.events.pop(ev.id, None)

    def best_match(self, terms, *, include_resolved: bool = False, threshold: float = TRIGGER) -> Event | None:
        scores: dict[str, float] = {}
        found: dict[str, Event] = {}
        index = self._index
        for t in terms:
            for ev in index.get(t, ()):
                if ev.state == RESOLVED and not include_resolved:
                    continue
                scores[ev.id] = scores.get(ev.id, 0.0) + ev.keywords[t]
                found[ev.id] = ev
        best = None
        for eid, s in scores.items():
            if s >= threshold:
                ev = found[eid]
                # Ties go to the livelier event: an old story's generic keyword
                # ("explosion") should not pull in posts of today's.
                if best is None or (s, ev.level, ev.id) > (best[0], best[1].level, best[1].id):
                    best = (s, ev)
        return best[1] if best else None

    def _trigger_match(self, terms) -> Event | None:
        """The livelier event one of whose trigger terms the post carries."""
        best = None
        for t in terms:
            for ev in self._index.get(t, ()):
                if ev.keywords[t] >= TRIGGER and (best is None or (ev.level, ev.id) > (best.level, best.id)):
                    best = ev
        return best

    def explained(self) -> set[str]:
        return {t for t, evs in self._index.items() if any(e.state != RESOLVED for e in evs)}

    # -- one closed bucket ---------------------------------------------------------------
    def update(
        self,
        bucket_start: float,
        bursting: Mapping[str, TermScore],
        window: Sequence,
        to_assign: Sequence,
        hour_volume: float = float("inf"),
    ) -> tuple[list[tuple[str, Event]], list, list]:
        """Returns (changes, assigned (event, post) pairs for emitted events, unmatched posts).
        ``hour_volume``: the stream's usual posts per hour (a quiet stream needs fewer voices)."""
        cfg = self.config
        bucket_end = bucket_start + cfg.bucket_seconds
        self.alert_rate.start(bucket_start)
        changes: list[tuple[str, Event]] = []
        touched: set[str] = set()

        # 1-2. storylines from bursting terms no live event explains yet
        explained = self.explained()
        fresh = {t for t in bursting if t not in explained}
        window_volume = sum(cfg.dup_weight if p.dup else 1.0 for p in window)
        for story in group_terms(fresh, [p.terms for p in window]):
            posts = [window[i] for i in story.posts]
            if not self._significant(story.terms, posts, bursting, window_volume):
                continue
            host = self._covering_event(posts, bucket_start)
            # Only terms far above their baseline describe the story; company
            # words ("today", "breaking") would make it claim anything later.
            specific = [t for t in sorted(story.terms) if bursting[t].ratio >= cfg.min_story_ratio
                        and bursting[t].share <= cfg.max_keyword_share]
            if not specific:
                continue
            if host is not None:
                for t in specific:
                    self._add_keyword(host, t, ATTACHED)
                if host.state == RESOLVED:  # the story came back: same id
                    host.state, host.resolved_at = ACTIVE, None
                    host.version += 1
                    changes.append(("updated", host))
                touched.add(host.id)
                continue
            ranked = sorted(story.terms, key=lambda t: (-bursting[t].z, t))  # ties by name: no set order
            ev = Event(id=event_id(bucket_start, ranked[:5]), created=bucket_start, keywords={})
            if ev.id in self.events:
                continue
            for i, t in enumerate(t for t in ranked if t in specific):
                self._add_keyword(ev, t, TRIGGER if i < cfg.max_trigger_terms else ATTACHED)
            self.events[ev.id] = ev
            for p in posts:  # the evidence that made it a storyline
                if p.owner is None:
                    p.owner = ev.id
                    ev.add_post(p, bucket_start)

        for ev in self.events.values():
            if ev.state != RESOLVED:
                hits = [bursting[t].z for t in ev.keywords if t in bursting]
                ev.score = max(hits) if hits else ev.score * 0.8

        # 3. online assignment of this bucket's posts
        assigned, unmatched = [], []
        new_posts: dict[str, int] = defaultdict(int)
        for p in to_assign:
            if p.owner is not None:
                ev = self.events.get(p.owner)
            else:
                ev = self.best_match(p.terms)
                if ev is None:
                    unmatched.append(p)
                    continue
                p.owner = ev.id
                ev.add_post(p, bucket_start)
                new_posts[ev.id] += 1
            if ev is not None and ev.emitted:
                assigned.append((ev, p))

        growing = [self.events[eid] for eid in new_posts if eid in self.events]
        self._expand_all(growing, window)

        # 4. alert decision for candidates; 5. lifecycles
        for ev in list(self.events.values()):
            n = new_posts.get(ev.id, 0)
            ev.level = ev.level * 0.7 + n
            if ev.state == "candidate":
                age = (bucket_start - ev.created) / cfg.bucket_seconds
                spreading = self.policy.spreading(ev, hour_volume)
                sibling = spreading and self.sibling_of(ev, bucket_start)
                if sibling:  # a facet of a story already alerted: no second alert
                    self._fold(ev, sibling, to_assign, assigned)
                    touched.add(sibling.id)
                elif spreading:
                    ev.emitted, ev.state, ev.version = True, EMERGING, 1
                    self.alert_rate.record()
                    ev.severity = self.policy.severity(ev)
                    ev.peak_level = ev.level
                    changes.append(("created", ev))
                    self._buckets_since_record[ev.id] = 0
                    assigned.extend((ev, p) for p in to_assign if p.owner == ev.id)
                elif age >= cfg.candidate_ttl_buckets:
                    self._drop(ev)
                continue
            if ev.state == RESOLVED:
                if bucket_end - (ev.resolved_at or bucket_end) > cfg.reopen_window_seconds:
                    self._drop(ev)
                continue
            changes.extend(self._advance(ev, bucket_start, bucket_end, touched))
        return changes, assigned, unmatched

    def _significant(self, terms, posts, scores, window_volume: float) -> bool:
        """Storyline threshold: posts in the recent window carrying its *new*
        terms (far above their baselines) against what those baselines expect of
        the window's volume.  Terms with a baseline ("boston" on marathon day)
        only help group; a story whose terms are all known is a rise, not an
        emergence."""
        cfg = self.config
        new = {t for t in terms if scores[t].ratio >= cfg.min_story_ratio}
        if not new:
            return False
        carriers = [p for p in posts if not new.isdisjoint(p.terms)]
        if len(carriers) < cfg.min_story_posts:
            return False
        if self.commonness is not None:
            langs = Counter(p.lang for p in carriers if p.lang)
            lang = langs.most_common(1)[0][0] if langs else None
            if all(self.commonness.is_common(t, lang) for t in new):
                return False  # everyday words only ("stay safe"): a reaction to some story, not one
        observed = sum(cfg.dup_weight if p.dup else 1.0 for p in carriers)
        # Union bound on the share of posts carrying any new term; the floor
        # applies once, or a big story (many new terms) would expect too much.
        expected = max(sum(scores[t].share for t in new), cfg.min_share) * window_volume
        z = (observed - expected) / (expected + cfg.story_prior) ** 0.5
        return z >= cfg.min_story_z and (observed + 1.0) / (expected + 1.0) >= cfg.min_story_ratio

    def _expand_all(self, events: list[Event], window: Sequence) -> None:
        """Let each growing event adopt as keywords the terms that a large share
        of its own posts carry, that are far more common there than in the
        stream at large (a crawl's hashtag learned before the burst,
        "#yycflood"), and that are its own: most recent posts carrying them
        belong to it, not to a story running alongside ("stay safe")."""
        cfg = self.config
        if self.baseline_share is None:
            return
        wanted: dict[str, list] = {}
        for ev in events:
            if ev.posts < cfg.expand_min_posts:
                continue
            top = [(t, c) for t, c in ev.term_counts.most_common(cfg.expand_top)
                   if t not in ev.keywords and c >= cfg.expand_min_frac * ev.posts]
            if top:
                wanted[ev.id] = top
        if not wanted:
            return
        terms = {t for top in wanted.values() for t, _ in top}
        carried: Counter = Counter()
        owned: Counter = Counter()
        for p in window:
            for t in terms.intersection(p.terms):
                carried[t] += 1
                if p.owner is not None:
                    owned[t, p.owner] += 1
        for eid, top in wanted.items():
            ev = self.events[eid]
            shares = self.baseline_share([t for t, _ in top])
            for (t, c), share in zip(top, shares):
                frac = c / ev.posts
                if frac < cfg.expand_lift * max(share, cfg.min_share):
                    continue
                if owned[t, eid] < cfg.expand_own_share * carried[t]:
                    continue
                self._add_keyword(ev, t, TRIGGER if frac >= cfg.expand_trigger_frac else ATTACHED)

    def sibling_of(self, cand: Event, bucket_start: float) -> Event | None:
        """The live, emitted event whose posts talk like the candidate's: cosine
        similarity of their term profiles, each term weighted by how rare it is in
        the stream at large, so shared place names count and shared "hope" or
        "fire" (two fires at once) do not carry two stories into one.  The link
        needed is smaller the less likely two unrelated alerts are that close
        together in time (see ``coincidence_max``)."""
        cfg = self.config
        best, best_strength = None, 0.0
        cand_vec = self._profile(cand)
        cand_triggers = {t for t, w in cand.keywords.items() if w >= TRIGGER}
        theirs = list(cand.recent_terms)
        rate = self.alert_rate.per_second(bucket_start)
        for ev in self.events.values():
            if not ev.emitted or ev.state == RESOLVED:
                continue
            sim = _cosine(cand_vec, self._profile(ev))
            # ... or their posts carry each other's trigger terms
            triggers = {t for t, w in ev.keywords.items() if w >= TRIGGER}
            mine = ev.recent_terms
            overlap = max(sum(1 for ts in theirs if not triggers.isdisjoint(ts)) / max(1, len(theirs)),
                          sum(1 for ts in mine if not cand_triggers.isdisjoint(ts)) / max(1, len(mine)))
            strength = max(sim / cfg.sibling_similarity, overlap / cfg.sibling_overlap)
            if _hashtag_names(cand, ev) or _hashtag_names(ev, cand):
                strength = max(strength, 1.0)
            gap = max(bucket_start - ev.created, cfg.bucket_seconds)
            needed = min(1.0, rate * gap / cfg.coincidence_max)
            if strength > 0.0 and strength >= needed and strength > best_strength:
                best, best_strength = ev, strength
        return best

    def _profile(self, ev: Event) -> dict[str, float]:
        """tf-idf of the event's most frequent terms (idf from the baseline share)."""
        top = ev.term_counts.most_common(self.config.profile_terms)
        if not top:
            return {}
        shares = self.baseline_share([t for t, _ in top]) if self.baseline_share else [0.0] * len(top)
        floor = self.config.min_share / 10
        return {t: c * math.log(1.0 / max(share, floor)) for (t, c), share in zip(top, shares)}

    def _fold(self, cand: Event, host: Event, to_assign, assigned) -> None:
        for t in cand.keywords:
            self._add_keyword(host, t, ATTACHED)
        for p in to_assign:
            if p.owner == cand.id:
                p.owner = host.id
                host.add_post(p, cand.created)
                assigned.append((host, p))
        self._drop(cand)

    def _covering_event(self, posts: Sequence, bucket_start: float) -> Event | None:
        """The event (live or remembered) whose trigger terms most of these posts
        carry.  A storyline born in this same close also claims posts that share
        only a weaker keyword with it: one story often bursts in several words at once."""
        votes: dict[str, int] = defaultdict(int)
        found: dict[str, Event] = {}
        for p in posts:
            ev = self.best_match(p.terms, include_resolved=True, threshold=ATTACHED)
            if ev is not None and ev.created < bucket_start:
                ev = self._trigger_match(p.terms)
            if ev is not None:
                votes[ev.id] += 1
                found[ev.id] = ev
        if not votes:
            return None
        eid = max(votes, key=lambda k: (votes[k], k))
        return found[eid] if votes[eid] >= self.config.attach_overlap * len(posts) else None

    def _advance(self, ev: Event, bucket_start: float, bucket_end: float, touched: set[str]):
        cfg = self.config
        old_state, old_severity = ev.state, ev.severity
        ev.peak_level = max(ev.peak_level, ev.level)
        ev.severity = self.policy.severity(ev)
        if bucket_end - ev.last_post_ts >= cfg.resolve_after_seconds:
            ev.state, ev.resolved_at = RESOLVED, bucket_end
            ev.compact()  # remembered for a fortnight: keep only what a reopening needs
        elif ev.state == EMERGING and bucket_start - ev.created >= cfg.emerging_buckets * cfg.bucket_seconds:
            ev.state = ACTIVE
        elif ev.state == ACTIVE and ev.level < cfg.fading_level * ev.peak_level:
            ev.state = FADING
        elif ev.state == FADING and ev.level >= 0.5 * ev.peak_level:
            ev.state = ACTIVE
        since = self._buckets_since_record.get(ev.id, 0) + 1
        if ev.state != old_state or ev.severity != old_severity or ev.id in touched or since >= cfg.update_every_buckets:
            ev.version += 1
            self._buckets_since_record[ev.id] = 0
            return [("resolved" if ev.state == RESOLVED else "updated", ev)]
        self._buckets_since_record[ev.id] = since
        return []


class AlertRate:
    """Alerts per second a stream produces, counted from its first bucket, with a
    prior of ``prior_per_day`` alerts over one extra day (no history yet)."""

    def __init__(self, prior_per_day: float = 1.0):
        self.prior_per_day = prior_per_day
        self.alerts = 0
        self.since: float | None = None

    def start(self, ts: float) -> None:
        if self.since is None:
            self.since = ts

    def record(self) -> None:
        self.alerts += 1

    def per_second(self, now: float) -> float:
        span = max(0.0, now - self.since) if self.since is not None else 0.0
        return (self.alerts + self.prior_per_day) / (span + 86400.0)


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(w * b[t] for t, w in a.items() if t in b)
    if dot <= 0.0:
        return 0.0
    return dot / (math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values())))


def _hashtag_names(a: Event, b: Event) -> bool:
    """One of ``a``'s hashtags spells one of ``b``'s two main words
    (#prayforboston, #bostonstrong and "boston"), or is a variant of one of its
    hashtags (#abfloods and #abflood)."""
    tags = [t[1:] for t in a.top_keywords(10) if t.startswith("#")]
    if not tags:
        return False
    main = b.top_keywords(2)
    words = [w for t in main if not t.startswith(("#", "@", "url:")) for w in t.split() if len(w) >= 4]
    if any(w in tag for tag in tags for w in words):
        return True
    their_tags = [t[1:] for t in b.top_keywords(10) if t.startswith("#")]
    return any(len(x) >= 5 and len(y) >= 5 and (x.startswith(y) or y.startswith(x))
               for x in tags for y in their_tags)
