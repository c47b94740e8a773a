"""Storylines: bursting terms that burst *together* are one story.

Bursting terms are joined when they co-occur in the same recent posts (their
shared posts are at least ``min_overlap`` of *each* term's posts); the
connected groups are storylines, each with the recent posts that carry it.

River's online clusterers were measured against this on labeled crisis windows
(``python -m bench.storyline_clustering``; figures in ``docs/storylines.md``):
``DBSTREAM`` missed about half the stories or merged them with background;
``TextClust`` at radius 0.9 grouped sparse windows better, but its cost grows
with the stream's rate (4-13 ms a post at 1-10 posts/s, still rising) where
co-occurrence over the few bursting terms stays near 0.2 ms.  So co-occurrence
it is, and the tracker folds the fragments it leaves (one story in several
words) back into one event.

>>> posts = [{"quake", "tokyo"}, {"quake", "tokyo", "tsunami"}, {"tsunami", "quake"},
...          {"quake", "tokyo"}, {"final", "goal"}, {"final", "goal"}, {"goal", "final"}]
>>> [sorted(g.terms) for g in group_terms({"quake", "tokyo", "tsunami", "goal", "final"}, posts)]
[['quake', 'tokyo', 'tsunami'], ['final', 'goal']]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Iterable, Sequence


@dataclass
class Storyline:
    terms: set[str]
    posts: list[int] = field(default_factory=list)  # indices into the posts given


def group_terms(
    bursting: Iterable[str],
    posts: Sequence[Iterable[str]],
    min_overlap: float = 0.3,
    min_shared: int = 2,
) -> list[Storyline]:
    """Group ``bursting`` terms by co-occurrence in ``posts`` (each a set of terms).

    Groups come largest first; ties keep first-seen order.
    """
    wanted = set(bursting)
    if not wanted:
        return []
    df: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    carriers: dict[str, list[int]] = defaultdict(list)
    for i, terms in enumerate(posts):
        present = sorted(wanted.intersection(terms))
        if not present:
            continue
        for t in present:
            df[t] += 1
            carriers[t].append(i)
        if len(present) > 1:
            pairs.update(combinations(present, 2))

    parent = {t: t for t in df}

    def find(t: str) -> str:
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    for (a, b), shared in pairs.items():
        # Both ways: a common word ("breaking") that rides along with several
        # stories must not chain them into one.
        if shared >= min_shared and shared >= min_overlap * max(df[a], df[b]):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

    groups: dict[str, Storyline] = {}
    for t in df:  # df keeps first-seen order
        groups.setdefault(find(t), Storyline(set())).terms.add(t)
    for story in groups.values():
        story.posts = sorted({i for t in story.terms for i in carriers[t]})
    return sorted(groups.values(), key=lambda s: -len(s.posts))
