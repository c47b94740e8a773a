"""Tests of streams.evaluate on small hand-built runs (expected values by hand)."""

from __future__ import annotations

import json
import math

import pytest

from streams.evaluate import (
    METRIC_KEYS,
    _segments,
    details,
    event_onsets,
    format_table,
    plot_timeline,
    score,
)

H = 3600.0
T0 = 472_222 * H  # 2023-11-14 22:00:00 UTC, start of a clock hour


def recs(*ids):
    return [{"id": i, "severity": "low"} for i in ids]


def asg(alert, t, posts):
    return {"alert": alert, "t": t, "posts": list(posts)}


# A: 3 posts, B: 2 posts, 2 background posts, all within the hour starting T0.
BASE_TRUTH = [
    ("a1", T0 + 0, "A"),
    ("a2", T0 + 60, "A"),
    ("a3", T0 + 120, "A"),
    ("b1", T0 + 100, "B"),
    ("b2", T0 + 400, "B"),
    ("n1", T0 + 10, None),
    ("n2", T0 + 20, None),
]


def test_perfect_run():
    a = [asg("x", T0 + 60, ["a1", "a2", "a3"]), asg("y", T0 + 400, ["b1", "b2"])]
    m = score(BASE_TRUTH, recs("x", "y"), a, min_event_posts=2, elapsed_s=3.5)
    assert tuple(m) == METRIC_KEYS
    json.dumps(m)  # serialisable
    assert m["posts"] == 7
    assert m["events_total"] == m["events_eligible"] == m["events_detected"] == 2
    assert m["recall"] == 1.0 and m["precision"] == 1.0 and m["derate"] == 0.0
    assert m["alerts_total"] == m["alerts_matched"] == 2
    # delays: A 60-0 = 60, B 400-100 = 300 -> median 180, p90 60 + 0.9*240 = 276
    assert m["delay_median_s"] == 180.0 and m["delay_p90_s"] == 276.0
    # onsets are both T0: A 60, B 400 -> median 230, p90 60 + 0.9*340 = 366
    assert m["delay_onset_median_s"] == 230.0 and m["delay_onset_p90_s"] == 366.0
    assert m["nmi"] == 1.0 and m["ami"] == 1.0
    assert m["assigned_share"] == 1.0
    assert m["posts_per_s"] == 2.0
    assert all(isinstance(m[k], float) for k in ("recall", "precision", "derate", "nmi"))


def test_false_alarm_on_background():
    a = [asg("x", T0 + 60, ["a1", "a2", "a3"]), asg("z", T0 + 20, ["n1", "n2"])]
    m = score(BASE_TRUTH, recs("x", "z"), a, min_event_posts=2)
    assert m["alerts_total"] == 2 and m["alerts_matched"] == 1
    assert m["precision"] == 0.5
    assert m["events_detected"] == 1 and m["recall"] == 0.5
    d = details(BASE_TRUTH, recs("x", "z"), a, min_event_posts=2)
    z = next(r for r in d["alerts"] if r["alert"] == "z")
    assert z["matched_event"] is None and z["top_event"] is None and z["purity"] == 0.0


@pytest.mark.parametrize(
    "posts, matched",
    [
        (["a1", "a2", "n1", "n2"], True),  # 2/4 = 50% -> matched
        (["a1", "a2", "n1", "n2", "b1"], False),  # 2/5 = 40% -> false alarm
        (["a1", "a2", "n1", "unknown"], True),  # unknown id in denominator: 2/4
        (["a1", "a2", "n1", "unknown", "unknown2"], False),  # 2/5
        (["a1", "b1"], True),  # 1/1 tie between events: still >= 50%
    ],
)
def test_purity_threshold(posts, matched):
    m = score(BASE_TRUTH, recs("x"), [asg("x", T0 + 120, posts)], min_event_posts=2)
    assert m["alerts_matched"] == int(matched)
    assert m["precision"] == (1.0 if matched else 0.0)


def test_exact_half_purity_details():
    d = details(BASE_TRUTH, recs("x"), [asg("x", T0 + 120, ["a1", "a2", "n1", "n2"])], min_event_posts=2)
    (row,) = d["alerts"]
    assert row == {
        "alert": "x",
        "t": T0 + 120,
        "n_posts": 4,
        "matched_event": "A",
        "top_event": "A",
        "purity": 0.5,
        "in_assignments": True,
    }


def test_duplicate_alert_derate():
    a = [
        asg("x1", T0 + 200, ["a2", "a3"]),
        asg("x2", T0 + 60, ["a1", "a2"]),  # earlier duplicate on A
        asg("y", T0 + 400, ["b1", "b2"]),
    ]
    m = score(BASE_TRUTH, recs("x1", "x2", "y"), a, min_event_posts=2)
    assert m["alerts_matched"] == 3 and m["precision"] == 1.0
    assert m["derate"] == round(1 / 3, 4)  # (3 matched - 2 events) / 3 alerts
    # A's delay uses the earliest matched alert (x2 at +60): delays 60, 300
    assert m["delay_median_s"] == 180.0
    d = details(BASE_TRUTH, recs("x1", "x2", "y"), a, min_event_posts=2)
    ev_a = next(e for e in d["events"] if e["event"] == "A")
    assert ev_a["alerts"] == ["x2", "x1"] and ev_a["delay_s"] == 60.0


def test_alert_in_records_missing_from_assignments():
    a = [asg("x", T0 + 60, ["a1", "a2", "a3"]), asg("orphan", T0, ["b1"])]
    # "x" appears twice in records (e.g. a severity update): still one alert
    r = recs("x", "ghost", "x")
    m = score(BASE_TRUTH, r, a, min_event_posts=2)
    assert m["alerts_total"] == 2 and m["alerts_matched"] == 1 and m["precision"] == 0.5
    # the orphan assignment (id not in records) is ignored: B undetected, b1 unassigned
    assert m["events_detected"] == 1
    assert m["assigned_share"] == round(3 / 5, 4)
    d = details(BASE_TRUTH, r, a, min_event_posts=2)
    ghost = next(x for x in d["alerts"] if x["alert"] == "ghost")
    assert ghost["n_posts"] == 0 and ghost["matched_event"] is None
    assert ghost["in_assignments"] is False and ghost["t"] is None and ghost["purity"] is None
    assert d["orphan_assignments"] == ["orphan"]


def _burst_truth(hour_counts: dict[int, int], event="E"):
    """Posts of one event: hour offset (from T0) -> count, spread within the hour."""
    out = []
    for h, n in hour_counts.items():
        for i in range(n):
            out.append((f"{event}{h}_{i}", T0 + h * H + 10 + i, event))
    return out


@pytest.mark.parametrize(
    "hour_counts, onset_hour",
    [
        ({0: 3}, 0),
        ({0: 1, 9: 1, 10: 20}, 10),  # 1 < 10% of 20: strays skipped
        ({0: 1, 8: 2, 10: 20}, 8),  # exactly 10% of the busiest hour counts
        ({0: 1, 8: 1, 10: 9}, 0),  # 1 >= 0.9: the stray hour is the onset
        ({2: 4, 5: 50, 6: 4}, 5),  # 4 < 5: hour 2 skipped
        ({2: 5, 5: 50, 6: 4}, 2),  # 5 >= 5
    ],
)
def test_event_onsets(hour_counts, onset_hour):
    assert event_onsets(_burst_truth(hour_counts)) == {"E": T0 + onset_hour * H}


@pytest.mark.parametrize(
    "alert_t, delay, delay_onset",
    [
        # first post at T0+10 (a stray); onset is T0+10h
        (T0 + 10 * H + 300, 10 * H + 290, 300.0),
        # alert triggered by the pre-burst post at T0+9h+10: negative onset delay
        (T0 + 9 * H + 10, 9 * H, -3590.0),
    ],
)
def test_onset_delay_with_stray_posts(alert_t, delay, delay_onset):
    truth = _burst_truth({0: 1, 9: 1, 10: 20})
    posts = [p for p, _, _ in truth]
    m = score(truth, recs("x"), [asg("x", alert_t, posts)], min_event_posts=20)
    assert m["delay_median_s"] == m["delay_p90_s"] == delay
    assert m["delay_onset_median_s"] == m["delay_onset_p90_s"] == delay_onset
    assert m["delay_onset_median_s"] < m["delay_median_s"]
    d = details(truth, recs("x"), [asg("x", alert_t, posts)], min_event_posts=20)
    assert d["events"][0]["first_post"] == T0 + 10
    assert d["events"][0]["onset"] == T0 + 10 * H


@pytest.mark.parametrize(
    "min_posts, eligible, detected, recall, delay",
    [
        (2, 1, 0, 0.0, None),  # B (2 posts) is eligible, A is not
        (1, 2, 1, 0.5, 300.0),  # both eligible, A detected
        (3, 0, 0, 0.0, None),  # none eligible: recall 0/0 -> 0.0
    ],
)
def test_min_event_posts(min_posts, eligible, detected, recall, delay):
    truth = [("a1", T0, "A"), ("b1", T0 + 50, "B"), ("b2", T0 + 60, "B"), ("n1", T0, None)]
    m = score(truth, recs("x"), [asg("x", T0 + 300, ["a1"])], min_event_posts=min_posts)
    assert m["events_total"] == 2
    assert (m["events_eligible"], m["events_detected"], m["recall"]) == (eligible, detected, recall)
    assert m["alerts_matched"] == 1 and m["precision"] == 1.0  # precision ignores eligibility
    assert m["delay_median_s"] == delay


NMI_TRUTH = [
    ("a1", T0, "A"),
    ("a2", T0 + 1, "A"),
    ("b1", T0 + 2, "B"),
    ("b2", T0 + 3, "B"),
    ("n1", T0 + 4, None),
]


def test_nmi_post_in_two_alerts_counts_for_earliest():
    # b1 is in x (t=100, listed first) and y (t=50): it counts for y -> perfect split.
    a = [asg("x", T0 + 100, ["a1", "a2", "b1", "n1"]), asg("y", T0 + 50, ["b1", "b2"])]
    m = score(NMI_TRUTH, recs("x", "y"), a, min_event_posts=1)
    assert m["nmi"] == 1.0 and m["ami"] == 1.0
    assert m["assigned_share"] == 1.0  # background n1 is not a labeled post


def test_nmi_tie_on_t_uses_assignment_order():
    # same t: b1 counts for x (first in assignments): true A,A,B,B vs pred x,x,x,y
    a = [asg("x", T0 + 50, ["a1", "a2", "b1"]), asg("y", T0 + 50, ["b1", "b2"])]
    m = score(NMI_TRUTH, recs("y", "x"), a, min_event_posts=1)
    # by hand: H(true)=ln2, H(pred)=-(.75 ln.75 + .25 ln.25),
    # MI = .5 ln(4/3) + .25 ln(2/3) + .25 ln 2; NMI (arithmetic) = 2 MI / (H1 + H2)
    h1 = math.log(2)
    h2 = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    mi = 0.5 * math.log(4 / 3) + 0.25 * math.log(2 / 3) + 0.25 * math.log(2)
    assert m["nmi"] == pytest.approx(2 * mi / (h1 + h2), abs=1e-4)
    assert m["nmi"] == pytest.approx(0.3437, abs=1e-4)
    assert m["ami"] is not None and m["ami"] < m["nmi"]


def test_nmi_none_below_two_posts_and_assigned_share():
    m = score(NMI_TRUTH, recs("x"), [asg("x", T0, ["a1", "n1"])], min_event_posts=1)
    assert m["nmi"] is None and m["ami"] is None
    assert m["assigned_share"] == 0.25


def test_no_alerts():
    m = score(BASE_TRUTH, [], [], min_event_posts=2)
    assert tuple(m) == METRIC_KEYS
    assert m["alerts_total"] == 0 and m["precision"] == 0.0 and m["derate"] == 0.0
    assert m["recall"] == 0.0 and m["delay_median_s"] is None and m["nmi"] is None
    assert m["assigned_share"] == 0.0 and m["posts_per_s"] is None


def test_duplicate_truth_post_first_occurrence_wins():
    truth = [("p1", T0, "A"), ("p2", T0 + 1, "A"), ("p1", T0 + 2, None)]
    m = score(truth, recs("x"), [asg("x", T0 + 5, ["p1"])], min_event_posts=2)
    assert m["posts"] == 3  # raw length
    assert m["alerts_matched"] == 1  # p1 keeps label A
    assert m["delay_median_s"] == 5.0


def test_format_table():
    a = [asg("x", T0 + 60, ["a1", "a2", "a3"]), asg("z", T0 + 20, ["n1"])]
    m = score(BASE_TRUTH, recs("x", "z", "ghost"), a, min_event_posts=2)
    d = details(BASE_TRUTH, recs("x", "z", "ghost"), a, min_event_posts=2)
    json.dumps(d)
    txt = format_table(m, d)
    assert "precision" in txt and "FALSE ALARM" in txt and "2023-11-14 22:01" in txt
    assert txt.count("FALSE ALARM") == 2


def test_segments_split_on_long_gaps():
    times = [0, 10, 20, 10 * 86400, 10 * 86400 + 5, 100 * 86400]
    assert _segments(times, min_gap_s=3 * 86400, max_panels=8) == [
        (0, 20),
        (10 * 86400, 10 * 86400 + 5),
        (100 * 86400, 100 * 86400),
    ]
    # capped: only the largest gap is cut
    assert _segments(times, min_gap_s=3 * 86400, max_panels=2) == [(0, 10 * 86400 + 5), (100 * 86400, 100 * 86400)]


def test_plot_timeline_months_gap(tmp_path):
    jan = 1_704_067_200.0  # 2024-01-01 UTC
    may = jan + 130 * 86400
    truth = []
    for k, (base, ev) in enumerate([(jan, "quake"), (may, "flood"), (may + 3600, "strike")]):
        for i in range(40):
            truth.append((f"{ev}{i}", base + i * 300, ev))
    truth += [(f"n{i}", jan + i * 900, None) for i in range(30)]
    truth += [(f"m{i}", may + i * 900, None) for i in range(30)]
    a = [
        asg("e1", jan + 1500, [f"quake{i}" for i in range(10)]),
        asg("e2", may + 3000, [f"flood{i}" for i in range(10)]),
        asg("fa", may + 6000, ["m1", "m2", "m3"]),
    ]
    out = tmp_path / "timeline.png"
    plot_timeline(truth, a, str(out), title="test run")
    data = out.read_bytes()
    assert len(data) > 1000
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_timeline_empty(tmp_path):
    out = tmp_path / "empty.png"
    plot_timeline([], [], str(out))
    assert out.read_bytes()[:4] == b"\x89PNG"


# -- why an eligible event was missed -----------------------------------------------------------

# A and B: 10 posts each, C: 3 posts (not eligible at min_event_posts=5), 10 background posts.
MISS_TRUTH = (
    [(f"a{i}", T0 + 10 * i, "A") for i in range(10)]
    + [(f"b{i}", T0 + 10 * i + 5, "B") for i in range(10)]
    + [(f"c{i}", T0 + 200 + i, "C") for i in range(3)]
    + [(f"n{i}", T0 + 300 + i, None) for i in range(10)]
)


def _ids(prefix, idx):
    return [f"{prefix}{i}" for i in idx]


def _missed(assignments, ids=None):
    ids = ids or [a["alert"] for a in assignments]
    d = details(MISS_TRUTH, recs(*ids), assignments, min_event_posts=5)
    return {m["event"]: (m["reason"], m["alert"], m["alert_event"]) for m in d["missed"]}, d


@pytest.mark.parametrize(
    "assignments, expected",
    [
        # nothing assigned: both eligible events never surfaced; C (3 posts) is not eligible
        ([], {"A": ("never_surfaced", None, None), "B": ("never_surfaced", None, None)}),
        # 1 of A's 10 posts (10% < 20%) in a pure alert of its own -> A matched; 1 in a false alarm:
        ([asg("x", T0 + 60, ["a0"] + _ids("n", range(5))), asg("y", T0 + 90, _ids("b", range(10)))],
         {"A": ("never_surfaced", None, None)}),
        # exactly 20% assigned is surfaced: a0, a1 in a background-heavy alert of A -> impure
        ([asg("x", T0 + 60, ["a0", "a1"] + _ids("n", range(5))), asg("y", T0 + 90, _ids("b", range(10)))],
         {"A": ("impure", "x", "A")}),
        # absorbed by an alert matched to another event: x holds all of B and 5 of A (B 10/15)
        ([asg("x", T0 + 60, _ids("b", range(10)) + _ids("a", range(5)))],
         {"A": ("absorbed", "x", "B")}),
        # absorbed by an unmatched alert dominated by another event: B 4, A 3, background 3 ->
        # top B at 40% (no match): A absorbed by B's alert, B itself impure
        ([asg("y", T0 + 60, _ids("b", range(4)) + _ids("a", range(3)) + _ids("n", range(3)))],
         {"A": ("absorbed", "y", "B"), "B": ("impure", "y", "B")}),
        # impure: 4 of A's posts with 6 background -> top A at 40%
        ([asg("z", T0 + 60, _ids("a", range(4)) + _ids("n", range(6))), asg("y", T0 + 90, _ids("b", range(10)))],
         {"A": ("impure", "z", "A")}),
        # a post in two alerts counts for the earliest only: p (t=100) gets a0-a2, q (t=500) only a3;
        # counted in both, q would hold 4 of A's posts and A would be "absorbed" by B
        ([asg("q", T0 + 500, _ids("a", range(4)) + _ids("b", range(6))),
          asg("p", T0 + 100, _ids("a", range(3)) + _ids("n", range(5)))],
         {"A": ("impure", "p", "A")}),  # q: B 6/10, matched
        # plurality, not majority: A 3 in its impure alert z, 2 + 2 in two alerts of B
        ([asg("z", T0 + 60, _ids("a", range(3)) + _ids("n", range(7))),
          asg("y1", T0 + 30, ["a3", "a4"] + _ids("b", range(5))),
          asg("y2", T0 + 40, ["a5", "a6"] + _ids("b", range(5, 10)))],
         {"A": ("impure", "z", "A")}),
    ],
)
def test_missed_reasons(assignments, expected):
    missed, d = _missed(assignments)
    assert missed == expected
    rows = {e["event"]: e for e in d["events"]}
    for ev, row in rows.items():
        if ev in expected:
            assert row["missed"] == dict(zip(("reason", "alert", "alert_event"), expected[ev]))
        else:  # detected, or (C) not eligible
            assert row["missed"] is None
    assert [m["posts"] for m in d["missed"]] == [rows[ev]["posts"] for ev in missed]


@pytest.mark.parametrize("t_mixed, reason, alert, alert_event", [
    (T0 + 50, "absorbed", "s", "B"),  # 2-2 tie: the earliest alert (s) is "the" alert
    (T0 + 150, "impure", "r", "A"),
])
def test_missed_tie_goes_to_earliest_alert(t_mixed, reason, alert, alert_event):
    a = [asg("r", T0 + 100, ["a0", "a1"] + _ids("n", range(3))),
         asg("s", t_mixed, ["a2", "a3"] + _ids("b", range(10)))]
    missed, _ = _missed(a)
    assert missed == {"A": (reason, alert, alert_event)}


def test_detected_event_is_not_missed_and_table_lists_missed():
    a = [asg("x", T0 + 60, _ids("b", range(10)) + _ids("a", range(5))),
         asg("z", T0 + 70, _ids("a", range(5, 10)))]  # A detected by z (5/5) though x holds 5 too
    m = score(MISS_TRUTH, recs("x", "z"), a, min_event_posts=5)
    d = details(MISS_TRUTH, recs("x", "z"), a, min_event_posts=5)
    assert m["events_detected"] == 2 and d["missed"] == []
    assert all(e["missed"] is None for e in d["events"])
    assert {e["event"]: e["assigned"] for e in d["events"]} == {"A": 10, "B": 10, "C": 0}

    a2 = [asg("x", T0 + 60, _ids("b", range(10)) + _ids("a", range(5)))]
    d2 = details(MISS_TRUTH, recs("x"), a2, min_event_posts=5)
    txt = format_table(score(MISS_TRUTH, recs("x"), a2, min_event_posts=5), d2)
    missed_part = txt.split("\nMissed (", 1)[1].split("\nAlerts (", 1)[0]
    assert missed_part.startswith("1 eligible events without a matched alert; absorbed 1)")
    row = missed_part.splitlines()[4].split()
    assert row == ["A", "10", "absorbed", "x", "B"]
    assert "onset = first UTC hour with >= 10% of the event's busiest hour" in txt.split("Missed")[0]


def test_missed_summary_for_json():
    from streams.evaluate import missed_summary

    a = [asg("y", T0 + 60, _ids("b", range(4)) + _ids("a", range(3)) + _ids("n", range(3)))]
    out = missed_summary(details(MISS_TRUTH, recs("y"), a, min_event_posts=5))
    assert out == {
        "missed": [{"event": "A", "reason": "absorbed", "alert": "y", "alert_event": "B"},
                   {"event": "B", "reason": "impure", "alert": "y", "alert_event": "B"}],
        "missed_never_surfaced": 0, "missed_absorbed": 1, "missed_impure": 1,
    }
    json.dumps(out)


@pytest.mark.parametrize("extra, note", [({}, False), ({"event": None, "label": "not_humanitarian"}, True),
                                         ({"event": ""}, False)])
def test_eval_warns_on_a_file_without_labels(tmp_path, capsys, extra, note):
    from streams.cli import main

    src, out = tmp_path / "plain.jsonl", tmp_path / "m.json"
    words = ["bridge collapse downtown", "coffee this morning", "traffic on the ring road"]
    with open(src, "w", encoding="utf-8") as f:
        for i in range(60):
            rec = {"id": f"p{i}", "ts": T0 + 30 * i, "text": f"{words[i % 3]} {i}", "lang": "en", **extra}
            f.write(json.dumps(rec) + "\n")
    assert main(["eval", str(src), "--json", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"eval: {src} has no labeled posts (no 'event' field set)" in err
    assert "every alert counts as a false alarm" in err and "flashpoint replay" in err
    assert ("60 posts carry only a 'label'" in err) == note
    metrics = json.loads(out.read_text())
    assert metrics["warning"] in err
    assert metrics["posts"] == 60 and metrics["events_total"] == 0 and metrics["missed"] == []


def test_eval_no_warning_with_one_label(tmp_path, capsys):
    from streams.cli import main

    src, out = tmp_path / "one.jsonl", tmp_path / "m.json"
    src.write_text("".join(json.dumps({"id": f"p{i}", "ts": T0 + i, "text": "x y", "event": "E" if i == 3 else None})
                           + "\n" for i in range(10)), encoding="utf-8")
    assert main(["eval", str(src), "--json", str(out)]) == 0
    assert "no labeled posts" not in capsys.readouterr().err
    assert "warning" not in json.loads(out.read_text())
