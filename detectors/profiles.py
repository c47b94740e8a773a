"""Term profiles: what an event's posts are about.

An event is defined by its content, not by one shared word.  Its profile holds,
per term, the decayed number of its posts carrying the term, so ``share(t)`` is
the share of its recent posts that say ``t``.  Two measures use it, both with
each term weighted by how rare it is in the stream at large (an IDF: a place
name counts, "hurricane" in hurricane season or "today" do not):

* :meth:`TermProfile.coverage` of a post: the share of the post's weight that
  the event's posts typically carry.  A post about another story that shares
  one word with the event is mostly *not* covered: its names and places are
  not the event's.
* :meth:`TermProfile.similarity` of two profiles: cosine of their weighted
  term shares (a candidate against an alert);
* :meth:`TermProfile.reproduces`: how often one profile's posts say another's
  defining terms, against how often its own posts do (a storyline against an
  event: a facet repeats the story's name).

Decay runs in event time and is lazy: counts are rescaled only when a post
arrives in a later bucket, so adding a post costs time in its own terms.  At
most ``2 * max_terms`` terms are kept; past that the rarest go.

>>> prof = TermProfile(half_life=12.0)
>>> for step, words in enumerate([("quake", "lisbon", "today"), ("quake", "lisbon", "felt"),
...                               ("quake", "shaking", "lisbon")]):
...     prof.add(words, step)
>>> round(prof.share("lisbon"), 2), round(prof.share("felt"), 2)
(1.0, 0.33)
>>> idf = {"quake": 3.0, "lisbon": 4.0, "shaking": 2.0, "today": 0.5, "coffee": 2.0, "rome": 4.0}
>>> round(prof.coverage({t: idf[t] for t in ("quake", "lisbon", "shaking")}), 2)
0.86
>>> round(prof.coverage({t: idf[t] for t in ("quake", "rome", "coffee")}), 2)   # another quake
0.33
>>> prof.top(2)
['lisbon', 'quake']
"""

from __future__ import annotations

import heapq
import math
from typing import Iterable, Mapping

import numpy as np


def idf_of(shares, floor: float) -> list[float]:
    """Inverse document frequency of terms from their shares of posts."""
    return (-np.log(np.maximum(np.asarray(shares, np.float64), floor))).tolist()


class TermProfile:
    """Decayed per-term post counts of one event (see the module doc)."""

    __slots__ = ("half_life", "max_terms", "weights", "mass", "_step")

    def __init__(self, half_life: float = 72.0, max_terms: int = 200):
        self.half_life = half_life  # in buckets
        self.max_terms = max_terms
        self.weights: dict[str, float] = {}  # term -> decayed posts carrying it
        self.mass = 0.0  # decayed number of posts
        self._step: float | None = None

    def __len__(self) -> int:
        return len(self.weights)

    def _age_to(self, step: float) -> None:
        if self._step is None:
            self._step = step
            return
        if step <= self._step:
            return
        keep = 0.5 ** ((step - self._step) / self.half_life)
        if keep >= 0.999:  # too little to be worth a pass: age it later, all at once
            return
        self._step = step
        w = self.weights
        for t in w:
            w[t] *= keep
        self.mass *= keep

    def add(self, terms: Iterable[str], step: float, scale: float = 1.0) -> None:
        """One post carrying ``terms``, at bucket ``step`` (``scale``: a copy counts less)."""
        self._age_to(step)
        w = self.weights
        for t in terms:
            w[t] = w.get(t, 0.0) + scale
        self.mass += scale
        if len(w) > 2 * self.max_terms:
            self.prune(self.max_terms)

    def merge(self, other: "TermProfile") -> None:
        """Fold another profile in (a facet joining its story)."""
        if other._step is None:
            return
        self._age_to(other._step)
        keep = 0.5 ** ((self._step - other._step) / other.half_life)
        w = self.weights
        for t, x in other.weights.items():
            w[t] = w.get(t, 0.0) + x * keep
        self.mass += other.mass * keep
        if len(w) > 2 * self.max_terms:
            self.prune(self.max_terms)

    def prune(self, keep: int) -> None:
        """Keep only the ``keep`` most carried terms."""
        self.weights = dict(heapq.nlargest(keep, self.weights.items(), key=lambda kv: (kv[1], kv[0])))

    def share(self, term: str) -> float:
        """The share of the event's (decayed) posts that carry ``term``."""
        return min(1.0, self.weights.get(term, 0.0) / self.mass) if self.mass > 0.0 else 0.0

    def coverage(self, vector: Mapping[str, float], total: float | None = None) -> float:
        """The share of a post's weight (``vector``: term -> weight; ``total``: the
        sum of its weights, when known) typical of this event's posts."""
        if self.mass <= 0.0 or not vector:
            return 0.0
        total = sum(vector.values()) if total is None else total
        if total <= 0.0:
            return 0.0
        w, mass = self.weights, self.mass
        return sum(x * min(1.0, w[t] / mass) for t, x in vector.items() if t in w) / total

    def similarity(self, other: "TermProfile", weights: Mapping[str, float]) -> float:
        """Cosine of the two profiles' term shares, each term weighted by ``weights``
        (IDF; a term missing there weighs 0)."""
        if self.mass <= 0.0 or other.mass <= 0.0:
            return 0.0
        wa, wb = self.weights, other.weights
        if len(wa) > len(wb):
            wa, wb = wb, wa
        get = weights.get
        dot = sum(x * wb[t] * get(t, 0.0) ** 2 for t, x in wa.items() if t in wb)
        if dot <= 0.0:
            return 0.0
        na = math.sqrt(sum((x * get(t, 0.0)) ** 2 for t, x in wa.items()))
        nb = math.sqrt(sum((x * get(t, 0.0)) ** 2 for t, x in wb.items()))
        return dot / (na * nb)

    def reproduces(self, other: "TermProfile", weights: Mapping[str, float]) -> float:
        """How much of ``other``'s defining terms (``weights``: term -> weight, e.g.
        its keywords) this profile's posts carry as often as ``other``'s do: a facet
        of a story repeats its name, another story of its kind only its category."""
        if self.mass <= 0.0 or other.mass <= 0.0:
            return 0.0
        want = have = 0.0
        for t, w in weights.items():
            theirs = other.share(t)
            want += w * theirs
            have += w * min(theirs, self.share(t))
        return have / want if want > 0.0 else 0.0

    def top(self, k: int, exclude: Iterable[str] = ()) -> list[str]:
        """The ``k`` most carried terms (ties by name), most carried first."""
        skip = set(exclude)
        items = ((t, x) for t, x in self.weights.items() if t not in skip)
        return [t for t, _ in sorted(heapq.nlargest(k, items, key=lambda kv: (kv[1], kv[0])),
                                     key=lambda kv: (-kv[1], kv[0]))]

    # -- state as plain data --------------------------------------------------------------
    def snapshot(self) -> dict:
        return {"version": 1, "half_life": self.half_life, "max_terms": self.max_terms,
                "step": self._step, "mass": self.mass, "weights": dict(self.weights)}

    @classmethod
    def restore(cls, state: Mapping) -> "TermProfile":
        if state.get("version") != 1:
            raise ValueError(f"unknown TermProfile state version {state.get('version')!r}")
        prof = cls(state["half_life"], state["max_terms"])
        prof.weights = dict(state["weights"])
        prof.mass = state["mass"]
        prof._step = state["step"]
        return prof
