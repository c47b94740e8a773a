"""How common a term is in its language at large (not in this stream).

A storyline built only of everyday words ("people", "stay safe", "thank god")
is a reaction rising with some other story, not a story of its own: news comes
with a name, a place, a hashtag or a rarer word ("fertilizer", "hurricane").
General-language frequencies come from ``wordfreq`` (offline word lists for 40+
languages, from Wikipedia, subtitles, news, books, web text and Twitter).

>>> common = Commonness()
>>> [common.is_common(t, "en") for t in ["people", "stay safe", "fertilizer", "#prayforboston", "boston"]]
[True, True, False, False, False]
>>> common.is_common("地震", "zh"), common.is_common("的", "zh")
(False, True)
"""

from __future__ import annotations

from functools import lru_cache

import wordfreq

_LANGS = frozenset(wordfreq.available_languages())


@lru_cache(maxsize=16)
def _frequencies(lang: str) -> dict[str, float]:
    return wordfreq.get_frequency_dict(lang)


class Commonness:
    """``is_common(term, lang)``: every word of the term is at least
    ``min_zipf`` on the Zipf scale (5 = once per 100,000 words) in ``lang``
    (English when the language is unknown or has no list)."""

    def __init__(self, min_zipf: float = 5.0):
        self.min_zipf = min_zipf
        self._min_freq = 10 ** (min_zipf - 9)

    def is_common(self, term: str, lang: str | None = None) -> bool:
        if term.startswith(("#", "@", "url:")):
            return False  # hashtags, handles and domains are names
        code = (lang or "en").split("-")[0].lower()
        freqs = _frequencies(code if code in _LANGS else "en")
        return all(freqs.get(word, 0.0) >= self._min_freq for word in term.split())
