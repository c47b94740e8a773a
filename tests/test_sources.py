from __future__ import annotations

import csv
import gzip
import io
import json
import sys

import pytest

from detectors.post import Post
from streams.sources import (
    LabeledPost, Rejected, RejectCounter, iter_records, read_labeled, read_posts,
)

GOOD = [
    {"id": 1, "ts": "2013-04-15T18:50:00Z", "text": "Explosion at the finish line",
     "author": "alice", "lang": "EN", "hashtags": ["#Boston", "#marathon"],
     "mentions": ["@bob"], "followers": 120, "event": "boston", "label": "on-topic"},
    {"id": "2", "ts": 1366051860, "text": "Praying for Boston, stay safe",
     "reply_to": "1", "event": "boston", "label": "on-topic"},
    {"id": 3, "ts": "2013-04-15T18:52:00+00:00", "text": "Lunch was great",
     "hashtags": ["#food"], "event": None},
]

CSV_FIELDS = ["id", "ts", "text", "author", "lang", "reply_to", "mentions", "hashtags",
              "followers", "event", "label"]


def write_jsonl(path, lines):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")


def write_csv(path, records):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, CSV_FIELDS)
        writer.writeheader()
        for i, rec in enumerate(records):
            row = {k: v for k, v in rec.items() if v is not None}
            # Exercise both list separators the reader accepts.
            sep = " " if i % 2 else ","
            for name in ("mentions", "hashtags"):
                if name in row:
                    row[name] = sep.join(row[name])
            writer.writerow(row)


def write_posts(path, records):
    (write_csv if ".csv" in path.name else write_jsonl)(path, records)


def expected_posts():
    return [
        Post(id="1", ts=1366051800.0, text="Explosion at the finish line", author="alice",
             lang="en", mentions=("@bob",), hashtags=("#Boston", "#marathon"), followers=120),
        Post(id="2", ts=1366051860.0, text="Praying for Boston, stay safe", reply_to="1"),
        Post(id="3", ts=1366051920.0, text="Lunch was great", hashtags=("#food",)),
    ]


FORMATS = ["posts.jsonl", "posts.json", "posts.jsonl.gz", "posts.gz", "posts.csv", "posts.csv.gz"]


@pytest.mark.parametrize("name", FORMATS)
def test_formats_give_identical_posts(tmp_path, name):
    path = tmp_path / name
    write_posts(path, GOOD)
    rejects = []
    assert list(read_posts(str(path), on_reject=rejects.append)) == expected_posts()
    assert rejects == []


@pytest.mark.parametrize("name", FORMATS)
def test_read_labeled_keeps_truth_apart(tmp_path, name):
    path = tmp_path / name
    write_posts(path, GOOD)
    labeled = list(read_labeled(str(path)))
    assert [lp.post for lp in labeled] == expected_posts()
    assert [(lp.event, lp.label) for lp in labeled] == [
        ("boston", "on-topic"), ("boston", "on-topic"), (None, None)]
    assert all(isinstance(lp, LabeledPost) for lp in labeled)
    for lp in labeled:
        assert not hasattr(lp.post, "event") and not hasattr(lp.post, "label")
        assert "event" not in lp.post.to_dict()


def test_truth_is_converted_to_text(tmp_path):
    path = tmp_path / "p.jsonl"
    write_jsonl(path, [{"id": 1, "ts": 1366051800, "text": "x", "event": 42, "label": ""}])
    [lp] = read_labeled(str(path))
    assert (lp.event, lp.label) == ("42", None)


def fake_stdin(monkeypatch, data: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_stdin(monkeypatch):
    data = "".join(json.dumps(r) + "\n" for r in GOOD).encode()
    fake_stdin(monkeypatch, b"\n" + data)
    assert list(read_posts("-")) == expected_posts()


def test_stdin_rejects_use_stdin_name(monkeypatch):
    fake_stdin(monkeypatch, b'{"id": 1, "ts": 1366051800, "text": "ok"}\nnot json\n')
    rejects = []
    assert [p.id for p in read_posts("-", on_reject=rejects.append)] == ["1"]
    assert [(r.path, r.line, r.field) for r in rejects] == [("<stdin>", 2, "<json>")]


def test_stdin_without_buffer(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": 1, "ts": 1366051800, "text": "ok"}\n'))
    assert [p.id for p in read_posts("-")] == ["1"]


MALFORMED = [
    json.dumps(GOOD[0]),                                     # 1 good
    '{"id": 10, "ts": "2013-04-15T18:50:00Z", "text": "x"',  # 2 bad JSON
    "",                                                      # 3 blank: skipped silently
    json.dumps({"id": 11, "text": "no time"}),               # 4 missing ts
    json.dumps({"id": 12, "ts": "yesterday", "text": "x"}),  # 5 bad ts
    json.dumps(GOOD[1]),                                     # 6 good
    json.dumps({"id": 13, "ts": 1366051800, "text": 5}),              # 7 text not a string
    "[1, 2, 3]",                                             # 8 not an object
    "   ",                                                   # 9 blank: skipped silently
    json.dumps({"id": 14, "ts": 1366051800, "text": "x", "followers": -3}),  # 10 negative followers
    '{"id": 15, "ts": NaN, "text": "x"}',                    # 11 NaN is not JSON
    json.dumps(GOOD[2]),                                     # 12 good
]
EXPECTED_REJECTS = [(2, "<json>"), (4, "ts"), (5, "ts"), (7, "text"), (8, "<record>"),
                    (10, "followers"), (11, "<json>")]


@pytest.mark.parametrize("name", ["bad.jsonl", "bad.jsonl.gz"])
def test_malformed_records_are_rejected_and_reading_goes_on(tmp_path, name):
    path = tmp_path / name
    write_jsonl(path, MALFORMED)
    rejects: list[Rejected] = []
    assert list(read_posts(str(path), on_reject=rejects.append)) == expected_posts()
    assert [(r.line, r.field) for r in rejects] == EXPECTED_REJECTS
    assert all(r.path == str(path) for r in rejects)
    assert [r.raw for r in rejects] == [MALFORMED[line - 1] for line, _ in EXPECTED_REJECTS]


def test_rejects_without_callback_are_skipped(tmp_path):
    path = tmp_path / "bad.jsonl"
    write_jsonl(path, MALFORMED)
    assert list(read_posts(str(path))) == expected_posts()


def test_invalid_utf8_is_rejected_not_fatal(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": 1, "ts": 1366051800, "text": "caf\xe9"}\r\n{"id": 2, "ts": 1366051800, "text": "ok"}\r\n')
    rejects = []
    assert [p.id for p in read_posts(str(path), on_reject=rejects.append)] == ["2"]
    [r] = rejects
    assert (r.line, r.field) == (1, "<json>") and "UTF-8" in r.reason
    assert r.raw == '{"id": 1, "ts": 1366051800, "text": "caf\\xe9"}'


def test_byte_order_mark_is_tolerated(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": 1, "ts": 1366051800, "text": "ok"}\n')
    assert [p.id for p in read_posts(str(path))] == ["1"]


def test_iter_records(tmp_path):
    path = tmp_path / "r.jsonl"
    write_jsonl(path, ['{"id": 1}', "", "oops", "7"])
    out = list(iter_records(str(path)))
    assert [n for n, _ in out] == [1, 3, 4]
    assert out[0][1] == {"id": 1}
    assert [(r.field, r.line) for _, r in out[1:]] == [("<json>", 3), ("<record>", 4)]


def test_csv_line_numbers_follow_multiline_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,ts,text,followers\n"        # 1 header
        '1,1366051800,"two\nlines",5\n'  # 2-3 good, text spans two lines
        "\n"                            # 4 blank
        "2,,no time,\n"                 # 5 missing ts (empty cell = missing)
        '3,1366051800,"quoted, comma",-1\n'  # 6 negative followers
        "4,1366051800,too,many,cells\n"     # 7 more cells than header
        "5,1366051800,fine\n",              # 8 good, short row: followers missing
        encoding="utf-8")
    rejects = []
    posts = list(read_posts(str(path), on_reject=rejects.append))
    assert posts == [Post(id="1", ts=1366051800.0, text="two\nlines", followers=5),
                     Post(id="5", ts=1366051800.0, text="fine")]
    assert [(r.line, r.field) for r in rejects] == [(5, "ts"), (6, "followers"), (7, "<csv>")]
    assert rejects[1].raw == '3,1366051800,"quoted, comma",-1'


def test_csv_invalid_utf8(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,ts,text\n1,1366051800,caf\xe9\n2,1366051800,ok\n")
    rejects = []
    assert [p.id for p in read_posts(str(path), on_reject=rejects.append)] == ["2"]
    assert [(r.line, r.field) for r in rejects] == [(2, "<csv>")]


def test_unknown_file_type_fails_at_call(tmp_path):
    with pytest.raises(ValueError, match="unsupported"):
        read_posts(str(tmp_path / "posts.txt"))


def test_reject_counter(tmp_path):
    path = tmp_path / "posts.jsonl"
    write_jsonl(path, MALFORMED)
    counter = RejectCounter(keep=3)
    assert len(list(read_posts(str(path), on_reject=counter))) == 3
    assert counter.total == 7
    assert counter.by_field == {"<json>": 2, "ts": 2, "text": 1, "<record>": 1, "followers": 1}
    assert [r.line for r in counter.examples] == [2, 4, 5]
    out = io.StringIO()
    counter.report(out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{path}:2: field '<json>': " + counter.examples[0].reason
    assert lines[1].startswith(f"{path}:4: field 'ts': ")
    assert lines[-2] == "... and 4 more (--errors FILE lists every one)"
    assert lines[-1].startswith("7 records rejected")


def test_reject_counter_reports_to_stderr(capsys):
    counter = RejectCounter()
    counter(Rejected("posts.jsonl", 3, "ts", "missing required field", "{}"))
    counter.report()
    assert capsys.readouterr().err == (
        "posts.jsonl:3: field 'ts': missing required field\n1 record rejected (ts: 1)\n")


def test_reject_counter_silent_when_clean(capsys):
    RejectCounter().report()
    assert capsys.readouterr().err == ""
