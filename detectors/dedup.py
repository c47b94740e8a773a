"""Near-duplicate collapse: reposts and copy-paste text count as one voice.

A post's signature is its first ``prefix_words`` words (hashtags and CJK runs
included; mentions, URLs and the "RT" marker left out), so a truncated retweet
("RT @a: the same words ...") and a copy with another link share it.  Short
posts (fewer than ``min_words``) are never collapsed: many people writing
"earthquake!" on their own are independent voices.

>>> dd = NearDuplicateFilter()
>>> [dd.update(t)[1] for t in ["Huge fire at the central station right now, avoid the area",
...                            "RT @news: Huge fire at the central station right now, avoid...",
...                            "Huge fire at the central station right now, avoid the area http://t.co/x",
...                            "fire!", "fire!"]]
[0, 1, 2, 0, 0]
"""

from __future__ import annotations

from collections import OrderedDict

import xxhash

from detectors.text import Tokenizer


class NearDuplicateFilter:
    """Counts earlier copies of a post's text within a bounded memory.

    Parameters
    ----------
    prefix_words
        Words of the signature; 8 survives retweet truncation at 140 characters.
    min_words
        Posts with fewer words are never treated as copies.
    max_signatures
        Memory bound: the oldest signatures are forgotten first.
    """

    def __init__(self, prefix_words: int = 8, min_words: int = 5, max_signatures: int = 200_000):
        self.prefix_words = prefix_words
        self.min_words = min_words
        self.max_signatures = max_signatures
        # OrderedDict: dropping the oldest is O(1) (a dict slows down as its front empties)
        self._seen: OrderedDict[int, int] = OrderedDict()

    def signature(self, text: str, words: list[str] | None = None) -> int | None:
        """``words``: the text's word sequence if already tokenized (Tokenizer.analyze)."""
        if words is None:
            words = Tokenizer.words(text)
        if "rt" in words:  # a C-speed scan first: most posts have no retweet marker
            words = [w for w in words if w != "rt"]
        if len(words) < self.min_words:
            return None
        # The last word may be cut by truncation ("avo..."): leave it out.
        keep = min(self.prefix_words, len(words) - 1)
        return xxhash.xxh3_64_intdigest(" ".join(words[:keep]).encode())

    def update(self, text: str, words: list[str] | None = None) -> tuple[int | None, int]:
        """Learn ``text``; return ``(signature, earlier copies seen)``."""
        sig = self.signature(text, words)
        return sig, self.learn_signature(sig)

    def learn_signature(self, sig: int | None) -> int:
        """Learn a signature computed earlier (elsewhere); return the earlier copies seen."""
        if sig is None:
            return 0
        seen = self._seen
        copies = seen.get(sig, 0)
        seen[sig] = copies + 1
        if copies == 0 and len(seen) > self.max_signatures:
            seen.popitem(last=False)  # drop the oldest
        return copies

    def learn_one(self, x: str) -> None:
        self.update(x)

    def score_one(self, x: str) -> int:
        """Earlier copies of ``x`` (0 for an original); does not learn."""
        sig = self.signature(x)
        return 0 if sig is None else self._seen.get(sig, 0)
