"""The throughput benchmark: its stream and its figures."""

from __future__ import annotations

import json

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
