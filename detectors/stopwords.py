"""Stopwords per language, from the packaged stopwords-iso lists.

stopwords-iso is the broadest packaged collection (58 languages), but some of its
lists contain content words that matter in a crisis: the English list has
"fire", "help", "home", "world", "million", ...  Those are given back as content
words here.  Terms frequent in a particular stream are pruned later by their
learned document share (see :mod:`detectors.bursts`), so the lists only need to
catch function words.

>>> "the" in stopwords_for("en"), "fire" in stopwords_for("en")
(True, False)
>>> "się" in stopwords_for("pl"), "och" in stopwords_for("sv")
(True, True)
>>> stopwords_for("xx") == stopwords_for(None)
True
"""

from __future__ import annotations

from functools import lru_cache

import stopwordsiso

# Content words some stopwords-iso lists carry; a crisis is often about them.
CONTENT_WORDS = frozenset("""
fire fires help home homes world million millions billion state states system room rooms ring
open opened man men young old computer microsoft cry free high low dear bill great interest
line lines page problem problems serious test turn run side work worked working year years today
web website water power end ended house houses people person city area areas school police
information important large small big long short water case cases cause causes group groups
place places point points present order value kill killed dead death near second seconds found
shot down night day days week weeks hour hours money name names thank thanks member members
effect full half hundred thousand number numbers move moved part parts show shown sorry
incendie aide feu eau pomoc ogień woda brand hjälp vatten fuego ayuda agua fuoco aiuto acqua
""".split())


# Platform filler in any language: markers, laughter, HTML entities.
SOCIAL_STOPWORDS = frozenset(
    "rt via amp gt lt lol lmao lmfao rofl omg haha hahaha hahahaha jaja jajaja jajajaja kkk kkkk "
    "xd xoxo smh tbh idk ppl u ur im".split()
)


@lru_cache(maxsize=128)
def stopwords_for(lang: str | None) -> frozenset[str]:
    """The stopword set for an ISO 639-1 code; English when unknown."""
    code = (lang or "en").split("-")[0].lower()
    if not stopwordsiso.has_lang(code):
        code = "en"
    return (frozenset(stopwordsiso.stopwords(code)) - CONTENT_WORDS) | SOCIAL_STOPWORDS
