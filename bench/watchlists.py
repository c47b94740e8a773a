"""What watchlists cost a post, against the tokenizer every post already pays,
measured in the same run (``python -m bench.watchlists [POSTS]``).

* ``tokenize``: the pipeline's tokenizer (the bare baseline);
* ``match, no hit``: :meth:`WatchlistSet.match` on posts that match nothing (most posts);
* ``match, hit``: the same on posts that match a watchlist;
* ``tracker, no hit`` / ``tracker, hit``: :meth:`WatchlistTracker.update` for such posts
  (a hit updates the watchlist's windows and, with negativity, scores the text).

Each figure is the best of 5 passes (noise on a shared machine only slows a pass down).
"""

from __future__ import annotations

import random
import sys
import time

from detectors.negativity import NegativityScorer
from detectors.text import Tokenizer
from detectors.watchlists import WatchlistTracker, WatchPost, load_watchlists

WATCHLISTS = """
teams:
  - name: acme-pr
    watchlists:
      - name: acme
        queries:
          - terms: ["acme"]
          - hashtags: ["#acmefail"]
          - handles: ["@acmesupport"]
          - domains: ["acme.com"]
          - terms: ["艾克美"]
  - name: nordic
    watchlists:
      - name: zabka
        queries: [{terms: ["żabka"]}]
"""
WORDS = ["weather", "coffee", "train", "late", "again", "city", "music", "game", "news", "lunch", "friends",
         "pociąg", "spóźniony", "kawa", "天气", "咖啡"]


def _best(fn, items, passes: int = 5) -> float:
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, (time.perf_counter() - start) / len(items))
    return best


def run(posts: int = 20_000, seed: int = 0) -> dict:
    rng = random.Random(seed)
    tok = Tokenizer()
    watchlists = load_watchlists(WATCHLISTS)
    texts = [" ".join(rng.sample(WORDS, 6)) + (" https://example.com/a" if i % 10 == 0 else "")
             for i in range(posts)]
    hits = [f"{t} acme #acmefail" for t in texts[: posts // 10]]
    rows = {}
    rows["tokenize"] = _best(lambda t: tok.terms(t, None), texts)
    prepared = [(t, tuple(tok.terms(t, None))) for t in texts]
    prepared_hits = [(t, tuple(tok.terms(t, None))) for t in hits]
    rows["match, no hit"] = _best(lambda p: watchlists.match(p[0], p[1], "user", ()), prepared)
    rows["match, hit"] = _best(lambda p: watchlists.match(p[0], p[1], "user", ()), prepared_hits)
    for name, items in (("tracker, no hit", prepared), ("tracker, hit", prepared_hits)):
        tracker = WatchlistTracker(watchlists, negativity=NegativityScorer())
        clock = iter(range(10**9))  # a post a second of event time
        rows[name] = _best(lambda p: tracker.update(WatchPost(f"p{next(clock)}", 1.7e9 + next(clock), p[0], p[1],
                                                              f"user{rng.randrange(5000)}")), items)
    base = rows["tokenize"]
    return {name: {"us_per_post": round(v * 1e6, 2), "ratio_to_tokenize": round(v / base, 3)}
            for name, v in rows.items()}


if __name__ == "__main__":  # pragma: no cover
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
    for name, row in result.items():
        print(f"{name:<16} {row['us_per_post']:>8.2f} µs a post   {row['ratio_to_tokenize']:>6.3f}× tokenize")
