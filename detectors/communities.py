"""Authors grouped online into communities from who talks to whom.

Each interaction (a mention, a reply, a repost) adds weight to an undirected
edge; an author's community is the label carrying the most edge weight among
its neighbours (label propagation, one author at a time, as posts arrive).
Authors never seen interacting have no community (``None``): they still count
as voices, but cannot prove that a story crossed community lines.

Memory is bounded: at most ``max_neighbors`` edges per author (the lightest is
dropped) and ``max_authors`` authors (the oldest is forgotten).

>>> ct = CommunityTracker()
>>> for a, b in [("ann", "bob"), ("bob", "cat"), ("cat", "ann"),      # one circle
...              ("xi", "yu"), ("yu", "zoe"), ("zoe", "xi")] * 3:    # another
...     ct.learn_one({"author": a, "neighbors": [b]})
>>> ct.community("ann") == ct.community("cat"), ct.community("ann") == ct.community("xi")
(True, False)
>>> ct.community("nobody") is None
True
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Any, Mapping


class CommunityTracker:
    """Online label propagation over the interaction graph."""

    def __init__(self, max_neighbors: int = 32, max_authors: int = 200_000):
        self.max_neighbors = max_neighbors
        self.max_authors = max_authors
        self._edges: OrderedDict[str, dict[str, float]] = OrderedDict()  # oldest first
        self._label: dict[str, str] = {}
        self._sizes: Counter[str] = Counter()  # label -> authors carrying it

    def _set(self, author: str, label: str) -> None:
        old = self._label.get(author)
        if old == label:
            return
        if old is not None:
            self._sizes[old] -= 1
            if self._sizes[old] <= 0:
                del self._sizes[old]
        self._label[author] = label
        self._sizes[label] += 1

    def share(self, label: str | None) -> float:
        """The share of the authors with a community that are in ``label``'s: a
        giant community (everyone who reposts one outlet) proves no closed group."""
        return self._sizes.get(label, 0) / len(self._label) if label and self._label else 0.0

    def community(self, author: str | None) -> str | None:
        return self._label.get(author) if author else None

    def learn_one(self, x: Mapping[str, Any]) -> None:
        """``x = {"author": a, "neighbors": [b, ...]}`` (mentions, reply and repost targets)."""
        author = x.get("author")
        neighbors = [n for n in (x.get("neighbors") or ()) if n and n != author]
        if not author or not neighbors:
            return
        for n in neighbors:
            self._link(author, n)
            self._link(n, author)
            if n not in self._label:
                self._set(n, n)
        if author not in self._label:
            self._set(author, author)
        self._relabel(author)
        for n in neighbors:
            self._relabel(n)
        while len(self._edges) > self.max_authors:
            gone, _ = self._edges.popitem(last=False)
            label = self._label.pop(gone, None)
            if label is not None:
                self._sizes[label] -= 1
                if self._sizes[label] <= 0:
                    del self._sizes[label]

    def score_one(self, x: Mapping[str, Any]) -> float:
        """How tied ``x["author"]`` is to its community: its edge weight (0 if unknown)."""
        return float(sum(self._edges.get(x.get("author"), {}).values()))

    def _link(self, a: str, b: str) -> None:
        edges = self._edges.setdefault(a, {})
        edges[b] = edges.get(b, 0.0) + 1.0
        if len(edges) > self.max_neighbors:
            del edges[min(edges, key=edges.__getitem__)]

    def _relabel(self, author: str) -> None:
        votes: Counter[str] = Counter()
        for n, w in self._edges.get(author, {}).items():
            votes[self._label.get(n, n)] += w
        if votes:
            # Highest weight wins; ties go to the smaller label so results do not
            # depend on dict order.
            best = max(votes.values())
            self._set(author, min(label for label, w in votes.items() if w == best))
