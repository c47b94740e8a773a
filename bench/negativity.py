"""Negativity scorer (``detectors/negativity.py``) on labeled posts in 7 languages.

Run: ``python -m bench.negativity [--json OUT] [--repeat N]``.

Labeled set: ``bench/data/negativity_labels.jsonl``, one post a line:

* real tweets, stored as ``{"source", "id", "lang", "negative"}`` only; their
  text is read at run time from ``../shared/data/<source>.jsonl.gz`` (never
  copied into the project): en from CrisisLexT6 (on- and off-topic posts of the
  same crawls), es and fr from CrisisLexT26 (language from
  ``detectors.language``, checked by reading), ar from Arabic_7.  Samples were
  drawn at random (fixed seeds) from posts with distinct text (retweets of a
  sampled post skipped), plus for es a second draw from posts the source labels
  "Not related", "Donations" or "Sympathy", to get enough non-negative posts;
* written posts (``"source": "written"``, text stored): pl, sv, zh entirely
  (too few real posts in those languages), and 16 brand/PR posts each for en,
  es, fr, ar (complaints, praise, negated phrases, sarcasm).  The pl, sv and zh
  sets are parallel in topic (the same 32 negative and 32 non-negative
  situations written in each language): brand complaints, outages, crises,
  crime, grief, scams; neutral notices, praise, everyday chatter, negated
  negatives ("not bad at all"), sarcasm.

Labeling guideline (one reader labeled every post, by its text alone, not by the
source's annotation):

* **negative** = the post reports or expresses something bad: death, injury,
  damage, destruction, a disaster or accident happening, danger, an alert or
  warning in force, crime, arrest/charges/investigation over wrongdoing, a
  scam, an outage or failure, a complaint, anger, accusation, insult, scandal,
  fear, worry, sadness or grief of the author ("qué dolor", "so sad", "Día
  triste"), sarcasm about something bad;
* **not negative** = neutral information (schedules, logistics, phone numbers,
  forecasts without danger, hashtag-only posts that were kept), help, donations,
  relief, volunteering, solidarity, prayers and condolences that report no new
  harm and voice no negative feeling ("Pray for Oklahoma", "Un abrazo a las
  víctimas"), commemorations (minute of silence), good news (fire put out,
  "no damage", "alert cancelled", "we are fine"), praise, jokes and chatter
  unrelated to harm, negated negatives ("not bad at all");
* automated minor-quake feeds (magnitude < 5.5, no damage) are not negative;
* posts a careful reader could not label with confidence, posts in another
  language, empty or hashtag-only posts were left out (not stored).

Figures per language: n (negative), accuracy, precision / recall / F1 of the
negative class at the scorer's default threshold (score >= 0.5), ROC AUC
(scikit-learn), and the cost of ``score_one(text, lang)`` in microseconds a post,
tokenizing included (``us/post``) and with the tokenizer's word list passed in
as the pipeline would (``us/words``); median of ``--repeat`` passes, lexicons
loaded beforehand.  If a source file is missing in ``../shared/data``, the run
says so and uses the rest (at least the written posts).

The thresholds and weights in the scorer were chosen while looking at these
labels (there is no held-out set), so the figures are optimistic; each set has
89-156 posts, so an AUC carries about +-0.05 of sampling noise.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from sklearn.metrics import roc_auc_score

from detectors.negativity import MEASURED_LANGUAGES, NegativityScorer
from detectors.text import Tokenizer

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "bench" / "data" / "negativity_labels.jsonl"
DATA_DIR = ROOT.parent / "shared" / "data"


def load_labeled(labels: Path = LABELS, data_dir: Path = DATA_DIR) -> tuple[list[dict], list[str]]:
    """Labeled posts with their text, and the source files that were missing.

    Real posts whose source file is missing (or whose id is not in it) are left out."""
    rows = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines() if line.strip()]
    wanted: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["source"] != "written":
            wanted[r["source"]].add(r["id"])
    texts: dict[tuple[str, str], str] = {}
    missing: list[str] = []
    for source, ids in sorted(wanted.items()):
        path = data_dir / f"{source}.jsonl.gz"
        if not path.exists():
            missing.append(str(path))
            continue
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                if d["id"] in ids:
                    texts.setdefault((source, d["id"]), d["text"])
    out = []
    for r in rows:
        if r["source"] == "written":
            out.append(r)
        elif (r["source"], r["id"]) in texts:
            out.append({**r, "text": texts[(r["source"], r["id"])]})
    return out, missing


def evaluate(rows: list[dict], scorer: NegativityScorer | None = None, repeat: int = 5) -> dict[str, dict]:
    """Figures per language (and ``"all"`` pooled over languages, without timing)."""
    scorer = scorer or NegativityScorer()
    tok = Tokenizer(bigrams=False)
    by_lang: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_lang[r["lang"]].append(r)
    result: dict[str, dict] = {}
    pooled_y: list[bool] = []
    pooled_s: list[float] = []
    for lang in [l for l in MEASURED_LANGUAGES if l in by_lang] + sorted(set(by_lang) - set(MEASURED_LANGUAGES)):
        posts = by_lang[lang]
        texts = [p["text"] for p in posts]
        y = [bool(p["negative"]) for p in posts]
        s = [scorer.score_one(t, lang) for t in texts]  # also loads the lexicons before timing
        words = [tok.analyze(t, lang)[1] for t in texts]
        times, times_w = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            for t in texts:
                scorer.score_one(t, lang)
            times.append((time.perf_counter() - t0) / len(texts) * 1e6)
            t0 = time.perf_counter()
            for t, w in zip(texts, words):
                scorer.score_one(t, lang, w)
            times_w.append((time.perf_counter() - t0) / len(texts) * 1e6)
        result[lang] = _figures(y, s, scorer.threshold) | {
            "us_per_post": round(statistics.median(times), 1),
            "us_per_post_words_given": round(statistics.median(times_w), 1),
            "chars_mean": round(sum(map(len, texts)) / len(texts), 1),
            "written": sum(p["source"] == "written" for p in posts),
        }
        pooled_y += y
        pooled_s += s
    if pooled_y:
        result["all"] = _figures(pooled_y, pooled_s, scorer.threshold)
    return result


def _figures(y: list[bool], s: list[float], threshold: float) -> dict:
    pred = [x >= threshold for x in s]
    tp = sum(p and t for p, t in zip(pred, y))
    fp = sum(p and not t for p, t in zip(pred, y))
    fn = sum(t and not p for p, t in zip(pred, y))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    auc = roc_auc_score(y, s) if 0 < sum(y) < len(y) else float("nan")
    return {"n": len(y), "negative": sum(y), "accuracy": round(sum(p == t for p, t in zip(pred, y)) / len(y), 3),
            "precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3), "auc": round(auc, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--repeat", type=int, default=5, help="timing passes (median kept)")
    args = ap.parse_args(argv)
    rows, missing = load_labeled()
    for path in missing:
        print(f"note: {path} is missing; its labeled posts are skipped (running on the rest)", file=sys.stderr)
    result = evaluate(rows, repeat=args.repeat)
    cols = ["n", "negative", "accuracy", "precision", "recall", "f1", "auc", "us_per_post", "us_per_post_words_given"]
    short = {"us_per_post": "us/post", "us_per_post_words_given": "us/words"}
    print(f"{'lang':5s} " + " ".join(f"{short.get(c, c):>10s}" for c in cols))
    for lang, fig in result.items():
        print(f"{lang:5s} " + " ".join(f"{fig.get(c, ''):>10}" for c in cols))
    if args.json:
        args.json.write_text(json.dumps({"missing": missing, "threshold": NegativityScorer.threshold,
                                         "languages": result}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
