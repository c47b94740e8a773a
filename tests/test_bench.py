"""The throughput benchmark: its stream and its figures."""

from __future__ import annotations

import json

import pytest

from bench.throughput import REQUIRED_KEYS, format_result, run, stream_chunks


def test_stream_is_fresh_and_ordered():
    texts, langs = ["fire in the hall", "lunch was great today"], ["en", None]
    lines = [line for chunk in stream_chunks(1000, texts, langs, chunk=300) for line in chunk]
    posts = [json.loads(line) for line in lines]
    assert len(posts) == 1000
    assert len({p["id"] for p in posts}) == 1000
    assert [p["ts"] for p in posts] == sorted(p["ts"] for p in posts)
    assert all(p["text"].split()[0] in ("fire", "lunch") for p in posts)
    # a rare made-up word (or hashtag) per post: the vocabulary keeps growing
    tails = {p["text"].split(" ", 4)[-1] for p in posts}
    assert len(tails) > 990
    assert {("lang" in p) for p in posts} == {True, False}  # lang only where the source text has one
    assert lines == [line for chunk in stream_chunks(1000, texts, langs) for line in chunk]  # seeded


def test_run_small():
    result = run(posts=5000)
    assert set(REQUIRED_KEYS) <= result.keys()
    assert result["posts"] == 5000
    for key in ("posts_per_s", "baseline_posts_per_s", "ratio", "peak_rss_mb"):
        assert result[key] > 0, key
    assert result["distinct_terms"] > 5000
    assert "pipeline posts/s" in format_result(result)


def test_watchlist_bench_reports_every_case_against_the_tokenizer():
    from bench.watchlists import run as run_watchlists

    result = run_watchlists(posts=500)
    assert set(result) == {"tokenize", "match, no hit", "match, hit", "tracker, no hit", "tracker, hit"}
    assert result["tokenize"]["ratio_to_tokenize"] == 1.0
    assert all(row["us_per_post"] > 0 for row in result.values())


def _burst_file(path, n=3000, seed=7):
    """``n`` posts over 4 hours of chatter; a story bursts in the last 30% of them."""
    import random

    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            words = rng.sample(vocab, 8)
            if i > 0.7 * n and rng.random() < 0.5:
                words = ["bridge", "collapse", "riverside", rng.choice(["rescue", "injured", "divers"]), *words[:4]]
            rec = {"id": f"p{i}", "ts": 1_700_000_000.0 + 4 * 3600.0 * i / n, "text": " ".join(words),
                   "author": f"u{rng.randrange(900)}", "lang": "en"}
            f.write(json.dumps(rec) + "\n")
        f.write("{not json\n")  # a bad record is rejected, as replay would, not counted
    return n


def test_bench_stream_file(tmp_path, capsys):
    from streams.cli import main

    src, out = tmp_path / "burst.jsonl", tmp_path / "bench.json"
    n = _burst_file(src)
    assert main(["bench", "--stream", str(src), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(REQUIRED_KEYS) <= result.keys()
    assert result["stream"] == str(src)
    assert result["posts"] == n and result["rejected"] == 1
    assert result["events"] >= 1 and result["events"] == result["event_records"]
    assert result["distinct_events"] >= 1
    for key in ("posts_per_s", "baseline_posts_per_s", "ratio", "peak_rss_mb"):
        assert result[key] > 0, key
    printed = capsys.readouterr().out
    assert f"stream             {src}" in printed and "pipeline posts/s" in printed


def test_bench_stream_posts_caps_the_file(tmp_path):
    from streams.cli import main

    src, out = tmp_path / "burst.jsonl", tmp_path / "bench.json"
    _burst_file(src, n=1200)
    assert main(["bench", "--stream", str(src), "--posts", "500", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["posts"] == 500


@pytest.mark.parametrize("argv, message", [
    (["bench", "--stream", "{missing}"], "no such file"),
    (["bench", "--stream", "-"], "needs a file"),
    (["bench", "--stream", "{src}", "--no-lang"], "--no-lang does not apply"),
])
def test_bench_stream_usage_errors(tmp_path, capsys, argv, message):
    from streams.cli import main

    src = tmp_path / "s.jsonl"
    src.write_text('{"id": 1, "ts": 0, "text": "x"}\n', encoding="utf-8")
    argv = [a.format(missing=tmp_path / "nope.jsonl", src=src) for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
