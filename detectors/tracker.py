"""The event tracker: storylines in, events with a lifecycle out.

Stages, in order, once per closed bucket (``update``):

1. bursting terms not yet explained by a live event are grouped into storylines;
2. a storyline whose posts repeat an existing event's defining terms joins it:
   one story, one alert (a resolved, remembered event is reopened only when its
   volume rises again).  Otherwise it becomes a *candidate* event;
3. the bucket's posts are assigned, online and once: a reply, quote or repost
   to the event of the post it answers; others by content: among the events
   with keyword evidence for a post, the one whose term profile
   (:mod:`detectors.profiles`) covers most of it, when it covers enough; a post
   that says more of a new story than the event covers stays out, and a story
   gone quiet takes only posts that name it;
4. the alert policy promotes spreading candidates to emitted events, or folds a
   candidate into the alert whose facet it is;
5. lifecycles advance (an event that stops growing fades and resolves, even at
   a steady rate) and change records are emitted.

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
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from detectors.bursts import TermScore
from detectors.events import ACTIVE, EMERGING, FADING, RESOLVED, AlertPolicy, Event, event_id
from detectors.profiles import TermProfile, idf_of
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
    max_keyword_share: float = 0.01  # keywords are rare in normal times
    expand_min_posts: int = 20
    expand_top: int = 20
    expand_min_frac: float = 0.2
    expand_trigger_frac: float = 0.4
    expand_lift: float = 4.0
    expand_own_share: float = 0.6
    sibling_similarity: float = 0.3
    resolved_similarity: float = 0.5  # a resolved event's return must talk much more alike
    sibling_overlap: float = 0.15
    # Two stories emerging close together by chance: how many unrelated alerts the
    # stream's own alert rate expects in the gap between them.  Below this, the
    # link they need shrinks in proportion (a story's first hours spawn facets in
    # other words and languages); on a busy stream, time proximity proves nothing.
    coincidence_max: float = 0.05
    # ... but within one language never below this share of the full link: there
    # their words can be compared, and time alone is no link
    min_link: float = 0.5
    alert_rate_prior_per_day: float = 1.0  # pseudo-count until the stream has history
    # Content (detectors.profiles): a post joins the event whose profile covers at
    # least this share of its IDF weight; a storyline joins an event (one story
    # bursting in new words), and a candidate returns to a resolved alert, when its
    # posts carry the event's defining terms (see _defining) this much as often as
    # the event's own posts do.
    join_similarity: float = 0.1
    merge_similarity: float = 0.6
    defining_terms: int = 2
    profile_half_life_buckets: float = 72.0
    profile_terms: int = 200
    candidate_ttl_buckets: int = 12
    emerging_buckets: int = 3
    fading_level: float = 0.25  # of the peak level
    resolve_after_seconds: float = 6 * 3600.0  # without a post
    # Steady is not news: an event grows while its last hour holds this many times
    # its hour before (and a few posts more); one that has not grown for half of
    # steady_after_seconds fades, and for all of it resolves, even while its posts
    # keep coming at the new rate.  It reopens (same id) only on a new rise.
    growth_factor: float = 1.5
    steady_after_seconds: float = 12 * 3600.0
    reopen_window_seconds: float = 14 * 24 * 3600.0
    update_every_buckets: int = 12
    # A story gone quiet (no post for this long while the stream carried this many
    # others) takes a post by content only when the post names it: the next
    # debate of the same candidates is another story.
    quiet_gap_seconds: float = 3600.0
    quiet_gap_posts: int = 150
    remembered_posts: int = 100_000  # post id -> event, for replies to recent posts


class EventTracker:
    def __init__(
        self,
        config: TrackerConfig | None = None,
        policy: AlertPolicy | None = None,
        baseline_share: Callable[[list[str]], Sequence[float]] | None = None,
        commonness=None,
        community_share: Callable[[str], float] | None = None,
        community_of: Callable[[str], str | None] | None = None,
    ):
        self.config = config or TrackerConfig()
        self.policy = policy or AlertPolicy()
        # Baseline share of posts carrying each term (from the burst detector):
        # lets an event adopt the words its own posts are made of.
        self.baseline_share = baseline_share
        self.commonness = commonness  # detectors.commonness.Commonness, or None
        self.community_share = community_share  # a community's share of the stream's authors
        self.community_of = community_of  # an author's community now (labels move)
        self.events: dict[str, Event] = {}
        self._index: dict[str, list[Event]] = defaultdict(list)  # keyword -> events
        self._buckets_since_record: dict[str, int] = {}
        self.alert_rate = AlertRate(self.config.alert_rate_prior_per_day)
        self._idf_cache: dict[str, float] = {}
        self._idf_since = -math.inf
        # recent post id -> the event it joined, and folded event -> its host: a
        # reply, quote or repost belongs to the story of the post it answers
        # ("@anna unbelievable" says nothing of its own, yet is one more voice)
        self._post_event: OrderedDict[str, str] = OrderedDict()
        self._folded: OrderedDict[str, str] = OrderedDict()
        # for telling a story gone quiet (see _quiet)
        self._stream_posts = 0  # posts the tracker has been given, each once
        self._last_join: dict[str, int] = {}  # event id -> _stream_posts at its last post
        self._pending_ids: frozenset[str] = frozenset()  # posts given again (unmatched last bucket)

    def __setstate__(self, state: dict) -> None:
        # a checkpoint pickled before replies followed their parents still restores
        self.__dict__.update(state)
        self.__dict__.setdefault("_post_event", OrderedDict())
        self.__dict__.setdefault("_folded", OrderedDict())
        self.__dict__.setdefault("_stream_posts", 0)
        self.__dict__.setdefault("_last_join", {})
        self.__dict__.setdefault("_pending_ids", frozenset())

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
        self._last_join.pop(ev.id, None)

    # -- content ---------------------------------------------------------------------
    def _idf(self, terms) -> dict[str, float]:
        """IDF of each term (from the stream's baseline share), cached for an hour of event time."""
        cache = self._idf_cache
        missing = [t for t in dict.fromkeys(terms) if t not in cache]
        if missing:
            shares = self.baseline_share(missing) if self.baseline_share else [0.0] * len(missing)
            cache.update(zip(missing, idf_of(shares, self.config.min_share / 10)))
        return cache

    def vector(self, p) -> tuple[dict[str, float], float]:
        """A post's content as IDF-weighted units (words, hashtags, mentions, domains,
        CJK bigrams; not word pairs, which only repeat their words) and their total
        weight (kept on the post)."""
        vec = p.vec
        if vec is None:
            units = _units(p.terms)
            weights = self._idf(units)
            v = {t: weights[t] for t in units}
            vec = p.vec = (v, sum(v.values()))
        return vec

    def _vectors(self, posts) -> None:
        """:meth:`vector` for many posts, with one baseline look-up for all their terms."""
        todo = [p for p in posts if p.vec is None]
        if todo:
            self._idf([t for p in todo for t in _units(p.terms)])
            for p in todo:
                self.vector(p)

    def _candidates(self, terms, include_resolved: bool) -> dict[str, Event]:
        found: dict[str, Event] = {}
        index = self._index
        for t in terms:
            for ev in index.get(t, ()):
                if include_resolved or ev.state != RESOLVED:
                    found[ev.id] = ev
        return found

    def best_match(self, terms, *, include_resolved: bool = False, vec=None, news=frozenset(),
                   now: float | None = None) -> Event | None:
        """The event a post with these terms joins: among the events with keyword
        evidence for it (one trigger term or three attached), the one that covers
        most of its content, when that is at least ``join_similarity`` (ties go to
        the livelier event).  ``news``: bursting terms no event explains; a post
        that says more of them than the event covers is left to form its own
        storyline (another hurricane is not this one's new posts).  ``now``: the
        post's time; an event gone quiet by then (:meth:`_quiet`) takes it only
        when it names the event (:meth:`_name`)."""
        found = self._candidates(terms, include_resolved)
        if not found:
            return None
        # keyword evidence first: one trigger term, or three attached ones
        evidence: dict[str, float] = {}
        for t in terms:
            for ev in self._index.get(t, ()):
                if ev.id in found:
                    evidence[ev.id] = evidence.get(ev.id, 0.0) + ev.keywords[t]
        found = {eid: ev for eid, ev in found.items() if evidence[eid] >= TRIGGER}
        if not found:
            return None
        if vec is None:
            units = _units(terms)
            weights = self._idf(units)
            v = {t: weights[t] for t in units}
            vec = (v, sum(v.values()))
        v, total = vec
        best, best_key = None, None
        for ev in found.values():
            if now is not None and self._quiet(ev, now) and not self._name(ev).intersection(terms):
                continue
            sim = ev.profile.coverage(v, total)
            key = (sim, ev.level, ev.id)
            if sim >= self.config.join_similarity and (best_key is None or key > best_key):
                best, best_key = ev, key
        if best is not None and news:
            fresh = sum(x for t, x in v.items() if t in news and best.profile.share(t) < 0.05)
            if fresh > best_key[0] * total:
                return None
        return best

    def _join(self, ev: Event, p, bucket_start: float) -> None:
        """``p`` becomes one of ``ev``'s posts."""
        p.owner = ev.id
        self._last_join[ev.id] = self._stream_posts
        self._remember(p.id, ev.id)
        ev.add_post(p, bucket_start)
        ev.profile.add(self.vector(p)[0], bucket_start / self.config.bucket_seconds,
                       self.config.dup_weight if p.dup else 1.0)

    def _remember(self, post_id: str, event_id: str) -> None:
        self._post_event[post_id] = event_id
        if len(self._post_event) > self.config.remembered_posts:
            self._post_event.popitem(last=False)

    def parent_event(self, p) -> Event | None:
        """The live event (candidate or alert) holding the post that ``p`` replies
        to, quotes or reposts, following folds."""
        parent = getattr(p, "parent", None)  # a post restored from an older checkpoint has none
        if parent is None:
            return None
        eid = self._post_event.get(parent)
        for _ in range(8):  # a fold chain is short; bounded all the same
            if eid is None or eid in self.events:
                break
            eid = self._folded.get(eid)
        ev = self.events.get(eid) if eid is not None else None
        return ev if ev is not None and ev.state != RESOLVED else None

    def _quiet(self, ev: Event, now: float) -> bool:
        """The event's story has gone quiet: no post of it (nor a return: a reopened
        event has just grown) for ``quiet_gap_seconds`` while the stream carried
        ``quiet_gap_posts`` others."""
        cfg = self.config
        return (now - max(ev.last_post_ts, ev.growth_ts) >= cfg.quiet_gap_seconds
                and self._stream_posts - self._last_join.get(ev.id, self._stream_posts) >= cfg.quiet_gap_posts)

    def _similarity(self, a: TermProfile, b: TermProfile) -> float:
        return a.similarity(b, self._idf(list(a.weights) + list(b.weights)))

    def _new_profile(self) -> TermProfile:
        cfg = self.config
        return TermProfile(cfg.profile_half_life_buckets, cfg.profile_terms)

    def explained(self) -> set[str]:
        """The keywords of live events (held out of the baseline, no new storylines)."""
        out: set[str] = set()
        for ev in self.events.values():
            if ev.state != RESOLVED:
                out.update(ev.keywords)
        return out

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
        if bucket_start - self._idf_since >= 3600.0 or len(self._idf_cache) > 100_000:
            # baseline shares move slowly (a day's half-life): an hour-old IDF will do
            self._idf_cache, self._idf_since = {}, bucket_start
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
            host = self._covering_event(posts, bucket_start, story.terms)
            # Only terms far above their baseline describe the story; company
            # words ("today", "breaking") would make it claim anything later.
            specific = [t for t in sorted(story.terms) if bursting[t].ratio >= cfg.min_story_ratio
                        and bursting[t].share <= cfg.max_keyword_share]
            if not specific:
                continue
            if host is not None:
                for t in specific:
                    self._add_keyword(host, t, ATTACHED)
                if host.state == RESOLVED:
                    if not self._risen_again(host, posts, bucket_end):
                        continue  # the same story at its steady rate: nothing new
                    host.state, host.resolved_at = ACTIVE, None  # the story came back: same id
                    host.growth_ts = bucket_end
                    host.version += 1
                    changes.append(("updated", host))
                touched.add(host.id)
                continue
            ranked = sorted(story.terms, key=lambda t: (-bursting[t].z, t))  # ties by name: no set order
            ev = Event(id=event_id(bucket_start, ranked[:5]), created=bucket_start, keywords={},
                       profile=self._new_profile())
            if ev.id in self.events:
                continue
            for i, t in enumerate(t for t in ranked if t in specific):
                self._add_keyword(ev, t, TRIGGER if i < cfg.max_trigger_terms else ATTACHED)
            self.events[ev.id] = ev
            for p in posts:  # the evidence that made it a storyline
                if p.owner is None:
                    self._join(ev, p, bucket_start)

        for ev in self.events.values():
            if ev.state != RESOLVED:
                hits = [bursting[t].z for t in ev.keywords if t in bursting]
                ev.score = max(hits) if hits else ev.score * 0.8

        # 3. online assignment of this bucket's posts
        assigned, unmatched = [], []
        new_posts: dict[str, int] = defaultdict(int)
        index = self._index
        # content vectors only for posts that share a keyword with some event
        self._vectors([p for p in to_assign if p.owner is None and any(t in index for t in p.terms)])
        news = fresh - self.explained()  # bursting, and still no event's
        pending = self._pending_ids
        self._stream_posts += sum(1 for p in to_assign if p.id not in pending)
        for p in to_assign:
            if p.owner is not None:
                ev = self.events.get(p.owner)
            elif (ev := self.parent_event(p)) is not None:
                self._join(ev, p, bucket_start)
                new_posts[ev.id] += 1
            elif p.vec is None:  # no keyword of any event
                unmatched.append(p)
                continue
            else:
                ev = self.best_match(p.terms, vec=p.vec, news=news, now=p.ts)
                if ev is None:
                    unmatched.append(p)
                    continue
                self._join(ev, p, bucket_start)
                new_posts[ev.id] += 1
            if ev is not None and ev.emitted:
                assigned.append((ev, p))

        growing = [self.events[eid] for eid in new_posts if eid in self.events]
        self._expand_all(growing, window)

        self._pool_candidates(new_posts, window, to_assign, bucket_start)

        # 4. alert decision for candidates; 5. lifecycles
        for ev in list(self.events.values()):
            n = new_posts.get(ev.id, 0)
            ev.level = ev.level * 0.7 + n
            if ev.state == "candidate":
                age = (bucket_start - ev.created) / cfg.bucket_seconds
                spreading = self.policy.spreading(ev, hour_volume, self.community_share, self.community_of)
                sibling = spreading and self.sibling_of(ev, bucket_start)
                if sibling:  # a facet of a story already alerted (or its return): no second alert
                    mine = list(_unique(window, to_assign))
                    if sibling.state == RESOLVED and self._risen_again(
                            sibling, [p for p in mine if p.owner == ev.id], bucket_end):
                        sibling.state, sibling.resolved_at, sibling.growth_ts = ACTIVE, None, bucket_end
                        sibling.version += 1
                        changes.append(("updated", sibling))
                    self._fold(ev, sibling, mine, assigned, bucket_start)
                    touched.add(sibling.id)
                elif spreading:
                    ev.emitted, ev.state, ev.version = True, EMERGING, 1
                    self.alert_rate.record()
                    ev.severity = self.policy.severity(ev)
                    ev.peak_level = ev.level
                    ev.growth_ts = bucket_end
                    changes.append(("created", ev))
                    self._buckets_since_record[ev.id] = 0
                    # its evidence too: the posts that made it an event are the event's
                    assigned.extend((ev, p) for p in _unique(window, to_assign) if p.owner == ev.id)
                elif age >= cfg.candidate_ttl_buckets:
                    self._drop(ev)
                continue
            if ev.state == RESOLVED:
                if bucket_end - (ev.resolved_at or bucket_end) > cfg.reopen_window_seconds:
                    self._drop(ev)
                continue
            changes.extend(self._advance(ev, bucket_start, bucket_end, touched))
        # a reopened event may also have advanced in this bucket: one record each
        seen: set[tuple[str, str]] = set()
        changes = [c for c in changes if (c[0], c[1].id) not in seen and not seen.add((c[0], c[1].id))]
        self._pending_ids = frozenset(p.id for p in unmatched)
        return changes, assigned, unmatched

    def _pool_candidates(self, new_posts, window, to_assign, bucket_start: float) -> None:
        """Candidates that are fragments of one new story pool their evidence before
        the alert decision: when a large share of each one's posts carry the other's
        trigger terms (``sibling_overlap``, both ways), in one language, the smaller
        folds into the larger, so a story told in several words reaches its voices
        together, not each fragment alone."""
        cands = [ev for ev in self.events.values() if ev.state == "candidate"]
        if len(cands) < 2:
            return
        triggers = {ev.id: {t for t, w in ev.keywords.items() if w >= TRIGGER} for ev in cands}
        words = {eid: _tag_words(ts) for eid, ts in triggers.items()}
        posts = None
        for ev in [ev for ev in cands if new_posts.get(ev.id)]:
            lang = _main_language(ev)
            if ev.id not in self.events or lang is None:
                continue
            best, best_strength = None, 0.0
            for other in cands:
                if other is ev or other.id not in self.events or _main_language(other) != lang:
                    continue
                mine = sum(1 for ts in ev.recent_terms if _carries(ts, triggers[other.id], words[other.id]))
                theirs = sum(1 for ts in other.recent_terms if _carries(ts, triggers[ev.id], words[ev.id]))
                strength = min(mine / max(1, len(ev.recent_terms)), theirs / max(1, len(other.recent_terms)))
                if strength >= self.config.sibling_overlap and strength > best_strength:
                    best, best_strength = other, strength
            if best is None:
                continue
            small, big = sorted((ev, best), key=lambda e: (e.posts, e.id))
            if posts is None:
                posts = list(_unique(window, to_assign))
            self._fold(small, big, posts, [], bucket_start, keep_weights=True)
            triggers[big.id] |= triggers[small.id]
            words[big.id] = _tag_words(triggers[big.id])
            new_posts[big.id] = new_posts.get(big.id, 0) + new_posts.pop(small.id, 0)

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
            # again once it has grown by a tenth: its profile barely moves in between
            if ev.posts < max(cfg.expand_min_posts, 1.1 * ev.expanded_at + 5):
                continue
            ev.expanded_at = ev.posts
            # the share of its (recent, decayed) posts carrying each of its heaviest terms
            prof = ev.profile
            heavy = prof.top(cfg.expand_top, exclude=ev.keywords)
            top = [(t, prof.share(t)) for t in heavy if prof.share(t) >= cfg.expand_min_frac]
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
            for (t, frac), share in zip(top, shares):
                if frac < cfg.expand_lift * max(share, cfg.min_share):
                    continue
                if owned[t, eid] < cfg.expand_own_share * carried[t]:
                    continue
                self._add_keyword(ev, t, TRIGGER if frac >= cfg.expand_trigger_frac else ATTACHED)

    def sibling_of(self, cand: Event, bucket_start: float) -> Event | None:
        """The emitted event whose facet the candidate is: their posts talk alike
        (cosine of their IDF-weighted term shares, so shared place names count and
        shared "hope" or "fire" do not), or, while the event is still growing,
        carry each other's defining terms (one shared trigger word such as
        "surprise" is no link), or their hashtags spell each other's names.  A
        resolved event (remembered for a fortnight) must be named again, or talk
        much more alike (``resolved_similarity``): another storm is not its return.  Across
        languages, where words cannot be compared, the link needed is smaller the
        less likely two unrelated alerts are that close together in time (see
        ``coincidence_max``); within one language, time alone is no link."""
        cfg = self.config
        best, best_strength = None, 0.0
        rate = self.alert_rate.per_second(bucket_start)
        cand_triggers = set(self._defining(cand))
        cand_words = _tag_words(cand_triggers)
        recent = list(cand.recent_terms)
        lang = _main_language(cand)
        for ev in self.events.values():
            if not ev.emitted:
                continue
            same_language = lang is not None and _main_language(ev) == lang
            if ev.state == RESOLVED:  # a story that came back repeats its name, or talks just like it
                strength = max(cand.profile.reproduces(ev.profile, self._defining(ev)) / cfg.merge_similarity,
                               self._similarity(cand.profile, ev.profile) / cfg.resolved_similarity)
            else:  # their posts talk alike, ...
                strength = self._similarity(cand.profile, ev.profile) / cfg.sibling_similarity
            if ev.state != RESOLVED and bucket_start - ev.growth_ts < cfg.steady_after_seconds / 2:
                # ... or, while it is still unfolding, carry each other's defining
                # terms (its facets come while it grows; another storm's posts
                # that say "hurricane" a week later are another story)
                triggers = set(self._defining(ev))
                words = _tag_words(triggers)
                overlap = max(sum(1 for ts in recent if _carries(ts, triggers, words)) / max(1, len(recent)),
                              sum(1 for ts in ev.recent_terms if _carries(ts, cand_triggers, cand_words))
                              / max(1, len(ev.recent_terms)))
                strength = max(strength, overlap / cfg.sibling_overlap)
            if _hashtag_names(cand, ev) or _hashtag_names(ev, cand):
                strength = max(strength, 1.0)
            gap = max(bucket_start - ev.created, cfg.bucket_seconds)
            needed = min(1.0, rate * gap / cfg.coincidence_max)
            if ev.state == RESOLVED:
                needed = 1.0
            elif same_language:
                # words can be compared within a language: time is no link there
                needed = max(cfg.min_link, needed)
            if strength > 0.0 and strength >= needed and strength > best_strength:
                best, best_strength = ev, strength
        return best

    def _fold(self, cand: Event, host: Event, window, assigned, bucket_start: float,
              keep_weights: bool = False) -> None:
        """The candidate's recent posts (``window``) become the host's; its keywords
        are attached to the host (``keep_weights``: as they were, for a fragment of
        the same new story, whose own wording must keep matching)."""
        for t, w in cand.keywords.items():
            self._add_keyword(host, t, w if keep_weights else ATTACHED)
        host.profile.merge(cand.profile)
        for p in window:
            if p.owner == cand.id:
                p.owner = host.id
                self._remember(p.id, host.id)
                host.add_post(p, bucket_start)
                assigned.append((host, p))
        self._folded[cand.id] = host.id
        if len(self._folded) > self.config.remembered_posts // 10:  # folds are far fewer than posts
            self._folded.popitem(last=False)
        self._drop(cand)

    def _covering_event(self, posts: Sequence, bucket_start: float, terms=()) -> Event | None:
        """The event (live or remembered) this storyline is a new burst of: among
        those sharing a keyword with it, the one whose defining terms its posts
        repeat most (at least ``merge_similarity`` as often as the event's own posts
        do).  Content decides, not one shared word nor closeness in time."""
        self._vectors(posts)
        story = self._new_profile()
        step = bucket_start / self.config.bucket_seconds
        for p in posts:
            story.add(p.vec[0], step, self.config.dup_weight if p.dup else 1.0)
        found = self._candidates(story.weights, include_resolved=True)
        best, best_key = None, None
        own = None
        for ev in found.values():
            sim = story.reproduces(ev.profile, self._defining(ev))
            if ev.state == RESOLVED and sim >= self.config.merge_similarity:
                # a return must also be about what the event was about: its posts
                # said the storyline's own defining terms (another shooting's city not)
                if own is None:
                    own = self._defining_of(story, dict.fromkeys(terms, 1.0))
                sim = min(sim, ev.profile.reproduces(story, own))
            key = (sim, ev.level, ev.id)
            if sim >= self.config.merge_similarity and (best_key is None or key > best_key):
                best, best_key = ev, key
        return best

    def _defining_of(self, prof: TermProfile, keywords: Mapping[str, float]) -> dict[str, float]:
        """Of ``keywords`` (term -> weight), the ``defining_terms`` that the profile's
        posts carry most, weighted by IDF, with their weights."""
        units = _units(keywords)
        weights = self._idf(units)
        ranked = sorted(units, key=lambda t: (-keywords[t] * weights[t] * prof.share(t), t))
        return {t: keywords[t] * weights[t] for t in ranked[: self.config.defining_terms]}

    def _defining(self, ev: Event) -> dict[str, float]:
        """The event's defining terms, with their weights: of its single-word
        keywords, the ``defining_terms`` its posts carry most (weighted by IDF).  A facet of a story repeats them
        ("harvey" with "port arthur"); another story of its kind shares only its
        category ("hurricane" with "irma")."""
        return self._defining_of(ev.profile, ev.keywords)

    def _name(self, ev: Event) -> set[str]:
        """The word that names the event: the heaviest of its defining terms (keyword
        weight times IDF: "irma", not "hurricane").  Defining terms are single words,
        so an event whose specific keywords are all word pairs is named by a
        category word; one with no single-word keyword has no name."""
        defining = self._defining(ev)
        return {max(defining, key=lambda t: (defining[t], t))} if defining else set()

    def _risen_again(self, ev: Event, posts: Sequence, bucket_end: float) -> bool:
        """A storyline of a resolved event is news again when its last hour holds
        ``growth_factor`` times the event's last hour before it resolved."""
        recent = sum(1 for p in posts if p.ts >= bucket_end - 3600.0)
        return recent >= self.config.growth_factor * ev.resolved_rate + 3

    def _advance(self, ev: Event, bucket_start: float, bucket_end: float, touched: set[str]):
        cfg = self.config
        old_state, old_severity = ev.state, ev.severity
        ev.peak_level = max(ev.peak_level, ev.level)
        ev.severity = self.policy.severity(ev)
        hour = ev.posts_between(bucket_end - 3600.0, bucket_end)
        growing = hour >= cfg.growth_factor * ev.posts_between(bucket_end - 7200.0, bucket_end - 3600.0) + 3
        if growing:
            ev.growth_ts = bucket_end
        stale = bucket_end - ev.growth_ts
        if bucket_end - ev.last_post_ts >= cfg.resolve_after_seconds or stale >= cfg.steady_after_seconds:
            ev.state, ev.resolved_at, ev.resolved_rate = RESOLVED, bucket_end, float(hour)
            ev.compact()  # remembered for a fortnight: keep only what a reopening needs
        elif ev.state == EMERGING and bucket_start - ev.created >= cfg.emerging_buckets * cfg.bucket_seconds:
            ev.state = ACTIVE
        elif ev.state == ACTIVE and (ev.level < cfg.fading_level * ev.peak_level
                                     or stale >= cfg.steady_after_seconds / 2):
            ev.state = FADING
        elif ev.state == FADING and growing and ev.level >= 0.5 * ev.peak_level:
            ev.state = ACTIVE
        since = self._buckets_since_record.get(ev.id, 0) + 1
        if ev.state != old_state or ev.severity != old_severity or ev.id in touched or since >= cfg.update_every_buckets:
            ev.version += 1
            self._buckets_since_record[ev.id] = 0
            return [("resolved" if ev.state == RESOLVED else "updated", ev)]
        self._buckets_since_record[ev.id] = since
        return []


class AlertRate:
    """Alerts per second a stream produces, over the time it has carried posts
    (a gap counts for at most ``max_gap`` seconds: a post dated years before the
    rest, or a month without posts, does not make alerts look rare), with a
    prior of ``prior_per_day`` alerts over one extra day (no history yet)."""

    max_gap = 86400.0
    span = 0.0
    last: float | None = None  # class defaults: a tracker pickled before they existed

    def __init__(self, prior_per_day: float = 1.0):
        self.prior_per_day = prior_per_day
        self.alerts = 0
        self.since: float | None = None

    def start(self, ts: float) -> None:
        """A bucket starting at ``ts`` is closing."""
        if self.since is None:
            self.since = ts
        if self.last is None:  # first bucket, or a tracker pickled before gaps were capped: its history as it was
            self.span = max(0.0, ts - self.since)
        else:
            self.span += min(max(0.0, ts - self.last), self.max_gap)
        self.last = ts

    def record(self) -> None:
        self.alerts += 1

    def per_second(self, now: float) -> float:
        span = self.span + (min(max(0.0, now - self.last), self.max_gap) if self.last is not None else 0.0)
        return (self.alerts + self.prior_per_day) / (span + 86400.0)


def _unique(*groups):
    """The posts of several lists, each once (a pending post is also in the window)."""
    seen: set[int] = set()
    for group in groups:
        for p in group:
            if id(p) not in seen:
                seen.add(id(p))
                yield p


def _main_language(ev: Event) -> str | None:
    top = ev.languages.most_common(1)
    return top[0][0] if top else None


def _units(terms) -> list[str]:
    """The terms that stand alone (word pairs contain a space)."""
    return [t for t in terms if " " not in t]


def _tag_words(triggers: set[str]) -> list[str]:
    """The trigger words a hashtag can spell (see :func:`_carries`)."""
    return sorted(t for t in triggers if len(t) >= 4 and " " not in t and not t.startswith(("#", "@", "url:")))


def _carries(terms, triggers: set[str], words: list[str]) -> bool:
    """A post carries one of the trigger terms, or tags one of their ``words``
    (:func:`_tag_words`: "#husrasörebro" says "örebro")."""
    if not triggers.isdisjoint(terms):
        return True
    if not words:
        return False
    return any(w in t for t in terms if t.startswith("#") for w in words)


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
