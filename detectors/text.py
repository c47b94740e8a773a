"""One-pass multilingual tokenizer.

Turns a post into the set of *terms* the detectors count: words in any script,
#hashtags and @mentions in any script, URL domains, emoji, Chinese/Japanese
character bigrams (those scripts put no spaces between words), and bigrams of
adjacent content words.  Stopwords are removed per language.

>>> tok = Tokenizer()
>>> sorted(tok.terms("Pożar w Krakowie! #PożarKraków @StrażPożarna https://www.tvn24.pl/x", "pl"))
['#pożarkraków', '@strażpożarna', 'krakowie', 'pożar', 'url:tvn24.pl']
>>> sorted(tok.terms("北京发生地震", "zh"))
['京发', '北京', '发生', '地震', '生地']
>>> sorted(tok.terms("Fire at the stadium, help needed", "en"))
['fire', 'help', 'stadium', 'stadium help']
"""

from __future__ import annotations

import re

from detectors.stopwords import stopwords_for

# Han (CJK ideographs and extensions) and Japanese kana: no spaces between words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_EMOJI = "\U0001F1E6-\U0001F1FF\U0001F300-\U0001FAFF\u2600-\u27BF"
_TOKEN = re.compile(
    r"(?P<url>https?://(?:www\.)?(?P<domain>[^\s/?#:…]+)\S*)"
    r"|(?P<tag>[#＃][^\W_][\w]*)"  # hashtags in any script (Arabic, Han, ...)
    r"|(?P<mention>@\w+)"
    rf"|(?P<cjk>[{_CJK}]+)"
    rf"|(?P<emoji>[{_EMOJI}])"
    rf"|(?P<word>[^\W\d_{_CJK}](?:[^\W{_CJK}]|['’\-](?=\w))*)",
)
_CJK_CHAR = re.compile(rf"[{_CJK}]")


# Link shorteners say nothing about a story (t.co is in every tweet with a link).
SHORTENERS = frozenset(
    "t.co bit.ly ow.ly goo.gl tinyurl.com fb.me dlvr.it buff.ly ift.tt is.gd j.mp lnkd.in "
    "tiny.cc wp.me shar.es su.pr trib.al".split()
)


class Tokenizer:
    """Extract the set of distinct terms of a text.

    Parameters
    ----------
    bigrams
        Also emit bigrams of adjacent content words ("west texas").
    min_word_len
        Shortest word kept (CJK runs are always kept).
    max_terms
        Cap on terms per post, so one giant post cannot dominate a bucket.
    """

    def __init__(self, bigrams: bool = True, min_word_len: int = 2, max_terms: int = 64):
        self.bigrams = bigrams
        self.min_word_len = min_word_len
        self.max_terms = max_terms

    def terms(self, text: str, lang: str | None = None) -> list[str]:
        """Distinct terms of ``text``, in first-seen order."""
        return self.analyze(text, lang)[0]

    def analyze(self, text: str, lang: str | None = None) -> tuple[list[str], list[str]]:
        """``(terms, words)`` in one pass: the distinct terms, and the plain word
        sequence (words, hashtags and CJK runs, no stopword removal) that
        near-duplicate signatures are made of."""
        stop = stopwords_for(lang)
        text = text.lower()
        if _ARABIC.search(text):
            text = normalize_arabic(text)
        out: dict[str, None] = {}
        words: list[str] = []
        prev: str | None = None
        min_len = self.min_word_len
        bigrams = self.bigrams
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup
            if kind == "word":
                word = m.group()
                words.append(word)
                if len(word) < min_len or word in stop:
                    prev = None
                    continue
                out[word] = None
                if prev is not None and bigrams:
                    out[f"{prev} {word}"] = None
                prev = word
                continue
            prev = None
            if kind == "cjk":
                run = m.group()
                words.append(run)
                if len(run) == 1:
                    if run not in stop:
                        out[run] = None
                    continue
                for i in range(len(run) - 1):
                    pair = run[i:i + 2]
                    if pair not in stop:
                        out[pair] = None
            elif kind == "url":
                domain = m.group("domain").rstrip(".")  # "t.co." cut off by a truncated retweet
                if domain not in SHORTENERS:
                    out["url:" + domain] = None
            elif kind == "tag":
                tag = "#" + m.group()[1:]
                words.append(tag)
                out[tag] = None
            else:  # mention, emoji
                out[m.group()] = None
        terms = list(out)
        return (terms[: self.max_terms] if len(terms) > self.max_terms else terms), words

    @staticmethod
    def words(text: str) -> list[str]:
        """Plain word-ish tokens (no stopword removal), for near-duplicate signatures."""
        return [m.group() for m in _TOKEN.finditer(text.lower()) if m.lastgroup in ("word", "cjk", "tag")]


_ARABIC = re.compile("[\u0600-\u06ff]")
# The usual orthographic normalisation for Arabic search: one alef, one yeh,
# teh marbuta as heh, no diacritics (tashkeel) or tatweel.  "#سيول_الأردن" and
# "#سيول_الاردن" are one hashtag.
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None,
                              **{chr(c): None for c in range(0x064B, 0x0660)}})


def normalize_arabic(text: str) -> str:
    """Fold Arabic spelling variants.

    >>> normalize_arabic("#سيول_الأردن") == normalize_arabic("#سيول_الاردن")
    True
    """
    return text.translate(_ARABIC_FOLD)


def has_cjk(text: str) -> bool:
    return _CJK_CHAR.search(text) is not None
