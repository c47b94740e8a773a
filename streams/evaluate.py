"""Scoring of a detector run against ground truth.

Everything here is computed from exactly what a run wrote, so any run can be
re-scored later:

* ``truth``: ``[(post_id, ts, event_or_None), ...]`` for every post of the
  stream (``None`` = background).
* ``event_records``: the JSON lines the pipeline wrote; each has an ``"id"``.
  Every distinct id is one alert, whatever its severity.
* ``assignments``: ``[{"alert": id, "t": epoch_s, "posts": [post ids]}, ...]``,
  one per emitted event; ``t`` is the stream time of the post whose
  processing first emitted the event.

Conventions (beyond the definitions in the docstrings below):

* Duplicate post ids in ``truth``: the first occurrence wins (its label and
  timestamp); later occurrences are ignored for everything except ``posts``
  (which is ``len(truth)``).
* Duplicate post ids inside one alert's ``posts`` are counted once.
* Several assignment entries with the same alert id are merged (union of the
  posts, earliest ``t``).
* Assignment entries whose alert id never appears in ``event_records`` are not
  alerts of the run; they are ignored (and counted as ``orphan_assignments``
  in :func:`details`).
* Ties for an alert's majority event are broken by event name, so scoring is
  deterministic.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np

METRIC_KEYS = (
    "posts",
    "events_total",
    "events_eligible",
    "events_detected",
    "recall",
    "alerts_total",
    "alerts_matched",
    "precision",
    "derate",
    "delay_median_s",
    "delay_p90_s",
    "delay_onset_median_s",
    "delay_onset_p90_s",
    "nmi",
    "ami",
    "assigned_share",
    "posts_per_s",
)

#: An alert is matched when its majority event holds at least this share of
#: all the posts assigned to it.
MATCH_PURITY = 0.5
#: Onset = first UTC hour with at least this share of the busiest hour's posts.
ONSET_SHARE = 0.1
HOUR_S = 3600.0
#: A missed event whose assigned posts are under this share of its posts was
#: never surfaced (see :func:`details`).
SURFACED_SHARE = 0.2
#: Why an eligible event was missed (no matched alert), in the order reported.
MISSED_REASONS = ("never_surfaced", "absorbed", "impure")
#: What onset and the two delays mean, as printed under the metrics and in ``eval --help``.
ONSET_LEGEND = (
    f"onset = first UTC hour with >= {ONSET_SHARE:.0%} of the event's busiest hour; "
    "delay = first matched alert - first post; delay_onset = first matched alert - onset"
)

Truth = Sequence[tuple[str, float, "str | None"]]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _r(x: float | None, nd: int = 4) -> float | None:
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return None
    return round(x, nd)


def _truth_index(truth: Truth) -> dict[str, tuple[float, str | None]]:
    """post id -> (ts, event); first occurrence wins for duplicate ids."""
    index: dict[str, tuple[float, str | None]] = {}
    for pid, ts, ev in truth:
        if pid not in index:  # duplicate post id: keep the first occurrence
            index[pid] = (float(ts), ev)
    return index


def _event_posts(index: dict[str, tuple[float, str | None]]) -> dict[str, list[float]]:
    """event -> sorted timestamps of its (deduplicated) posts."""
    out: dict[str, list[float]] = defaultdict(list)
    for ts, ev in index.values():
        if ev is not None:
            out[ev].append(ts)
    return {ev: sorted(v) for ev, v in out.items()}


def _onset(timestamps: Iterable[float]) -> float | None:
    hours = Counter(math.floor(ts / HOUR_S) for ts in timestamps)
    if not hours:
        return None
    threshold = ONSET_SHARE * max(hours.values())
    first = min(h for h, n in hours.items() if n >= threshold)
    return first * HOUR_S


def _alert_ids(event_records: Iterable[dict]) -> list[str]:
    """Distinct alert ids in order of first appearance."""
    seen: dict[str, None] = {}
    for rec in event_records:
        seen.setdefault(rec["id"], None)
    return list(seen)


def _merge_assignments(assignments: Iterable[dict]) -> tuple[dict[str, dict], list[str]]:
    """alert id -> {"t", "posts" (unique, ordered), "order"}; plus id order."""
    merged: dict[str, dict] = {}
    for order, a in enumerate(assignments):
        aid = a["alert"]
        t = a.get("t")
        t = None if t is None else float(t)
        m = merged.get(aid)
        if m is None:
            m = merged[aid] = {"t": t, "posts": {}, "order": order}
        elif t is not None and (m["t"] is None or t < m["t"]):
            m["t"] = t
        for pid in a.get("posts") or ():
            m["posts"].setdefault(pid, None)
    for m in merged.values():
        m["posts"] = list(m["posts"])
    return merged, list(merged)


def _match_alert(posts: Sequence[str], index: dict[str, tuple[float, str | None]]):
    """Return (matched event or None, top event or None, top count, n posts)."""
    n = len(posts)
    counts = Counter(index[p][1] for p in posts if p in index and index[p][1] is not None)
    if not counts:
        return None, None, 0, n
    top_ev, top_n = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    matched = top_ev if top_n >= MATCH_PURITY * n else None
    return matched, top_ev, top_n, n


def _analyse(truth: Truth, event_records, assignments, min_event_posts: int) -> dict[str, Any]:
    index = _truth_index(truth)
    ev_posts = _event_posts(index)
    onsets = {ev: _onset(ts) for ev, ts in ev_posts.items()}
    alert_ids = _alert_ids(event_records)
    alert_set = set(alert_ids)
    merged, _ = _merge_assignments(assignments)
    orphans = sorted(aid for aid in merged if aid not in alert_set)

    alerts = []
    for aid in alert_ids:
        m = merged.get(aid)
        posts = m["posts"] if m else []
        t = m["t"] if m else None
        matched, top_ev, top_n, n = _match_alert(posts, index)
        alerts.append(
            {
                "alert": aid,
                "t": t,
                "n_posts": n,
                "matched_event": matched,
                "top_event": top_ev,
                "purity": (top_n / n) if n else None,
                "in_assignments": m is not None,
                "_order": m["order"] if m else math.inf,
                "_posts": posts,
            }
        )

    by_event: dict[str, list[dict]] = defaultdict(list)
    for a in alerts:
        if a["matched_event"] is not None:
            by_event[a["matched_event"]].append(a)

    # labeled post -> earliest alert (smallest t; ties by order in assignments)
    ranked = sorted(alerts, key=_alert_sort_key)
    rank = {a["alert"]: i for i, a in enumerate(ranked)}
    post_alert: dict[str, str] = {}
    for a in ranked:
        for pid in a["_posts"]:
            if pid in index and index[pid][1] is not None:
                post_alert.setdefault(pid, a["alert"])
    held: dict[str, Counter] = defaultdict(Counter)  # event -> alert id -> its posts counted there
    for pid, aid in post_alert.items():
        held[index[pid][1]][aid] += 1
    alert_by_id = {a["alert"]: a for a in alerts}

    events = []
    for ev in sorted(ev_posts, key=lambda e: (ev_posts[e][0], e)):
        ts = ev_posts[ev]
        hits = by_event.get(ev, [])
        times = [a["t"] for a in hits if a["t"] is not None]
        first_t = min(times) if times else None
        onset = onsets[ev]
        eligible = len(ts) >= min_event_posts
        assigned = sum(held[ev].values())
        why = _missed(ev, len(ts), held[ev], rank, alert_by_id) if eligible and not hits else None
        events.append(
            {
                "event": ev,
                "posts": len(ts),
                "eligible": eligible,
                "first_post": ts[0],
                "onset": onset,
                "alerts": [a["alert"] for a in sorted(hits, key=_alert_sort_key)],
                "first_alert_t": first_t,
                "delay_s": (first_t - ts[0]) if first_t is not None else None,
                "delay_onset_s": (first_t - onset) if first_t is not None else None,
                "assigned": assigned,
                "missed": why,
            }
        )
    return {"index": index, "alerts": alerts, "events": events, "orphans": orphans,
            "post_alert": post_alert}


def _missed(ev: str, n_posts: int, held: Counter, rank: dict[str, int], alerts: dict[str, dict]) -> dict:
    """Why eligible event ``ev`` (no matched alert) was missed; see :func:`details`."""
    if sum(held.values()) < SURFACED_SHARE * n_posts:
        return {"reason": "never_surfaced", "alert": None, "alert_event": None}
    aid = min(held, key=lambda a: (-held[a], rank[a]))  # most of its posts; ties: earliest alert
    a = alerts[aid]
    # holds ev's posts, so has a top event; matched to ev it would have detected ev
    owner = a["matched_event"] if a["matched_event"] is not None else a["top_event"]
    reason = "impure" if owner == ev else "absorbed"
    return {"reason": reason, "alert": aid, "alert_event": owner}


def _alert_sort_key(a: dict):
    t = a["t"]
    return (t is None, t if t is not None else 0.0, a["_order"])


def _median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    arr = np.asarray(values, dtype=float)
    return _r(np.median(arr)), _r(np.percentile(arr, 90))


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def event_onsets(truth: Truth) -> dict[str, float]:
    """Per ground-truth event: its onset (epoch seconds).

    The onset is the start of the first UTC clock hour holding at least 10% as
    many of the event's posts as its busiest clock hour. Labels often include
    stray posts long before the burst; the onset skips them.
    """
    return {ev: _onset(ts) for ev, ts in _event_posts(_truth_index(truth)).items()}


def score(
    truth: Truth,
    event_records: Sequence[dict],
    assignments: Sequence[dict],
    *,
    min_event_posts: int = 20,
    elapsed_s: float | None = None,
) -> dict[str, Any]:
    """Metrics of one run; the returned dict has exactly :data:`METRIC_KEYS`.

    * An alert (distinct id in ``event_records``) is matched to the event
      holding the most of its assigned posts when that event's posts are at
      least 50% of all its assigned posts (background and unknown post ids
      count in the denominator); otherwise it is a false alarm. Alerts absent
      from ``assignments`` have no posts and are false alarms.
    * recall = detected eligible events / eligible events (0.0 when none);
      precision = matched alerts / alerts (0.0 when there are no alerts);
      derate = (matched alerts - distinct matched events) / alerts (0.0 when
      no alerts).
    * delay = first matched alert ``t`` - event's first post ts;
      delay_onset = first matched alert ``t`` - event onset; median and p90
      over detected eligible events, ``None`` when there are none.
    * nmi / ami over labeled posts assigned to any alert (a post in several
      alerts counts for the earliest one); ``None`` with fewer than 2 posts.
    * assigned_share = labeled posts assigned to any alert / labeled posts.
    """
    an = _analyse(truth, event_records, assignments, min_event_posts)
    index, alerts, events = an["index"], an["alerts"], an["events"]

    eligible = [e for e in events if e["eligible"]]
    detected = [e for e in eligible if e["alerts"]]
    matched = [a for a in alerts if a["matched_event"] is not None]
    n_alerts = len(alerts)
    matched_events = {a["matched_event"] for a in matched}

    delays = [e["delay_s"] for e in detected if e["delay_s"] is not None]
    onset_delays = [e["delay_onset_s"] for e in detected if e["delay_onset_s"] is not None]
    d_med, d_p90 = _median_p90(delays)
    o_med, o_p90 = _median_p90(onset_delays)

    post_alert = an["post_alert"]
    nmi = ami = None
    if len(post_alert) >= 2:
        from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score

        pids = list(post_alert)
        y_true = [index[p][1] for p in pids]
        y_pred = [post_alert[p] for p in pids]
        nmi = _r(normalized_mutual_info_score(y_true, y_pred))
        ami = _r(adjusted_mutual_info_score(y_true, y_pred))

    n_labeled = sum(1 for _, ev in index.values() if ev is not None)
    posts = len(truth)
    return {
        "posts": posts,
        "events_total": len(events),
        "events_eligible": len(eligible),
        "events_detected": len(detected),
        "recall": _r(len(detected) / len(eligible)) if eligible else 0.0,
        "alerts_total": n_alerts,
        "alerts_matched": len(matched),
        # no alerts: precision is reported as 0.0 (not 1.0)
        "precision": _r(len(matched) / n_alerts) if n_alerts else 0.0,
        "derate": _r((len(matched) - len(matched_events)) / n_alerts) if n_alerts else 0.0,
        "delay_median_s": d_med,
        "delay_p90_s": d_p90,
        "delay_onset_median_s": o_med,
        "delay_onset_p90_s": o_p90,
        "nmi": nmi,
        "ami": ami,
        "assigned_share": _r(len(post_alert) / n_labeled) if n_labeled else 0.0,
        "posts_per_s": _r(posts / elapsed_s) if elapsed_s else None,
    }


def details(
    truth: Truth,
    event_records: Sequence[dict],
    assignments: Sequence[dict],
    *,
    min_event_posts: int = 20,
) -> dict[str, Any]:
    """Per-event and per-alert rows, and why events were missed (JSON-serialisable).

    ``events``: event, posts, eligible, first_post, onset, alerts (matched
    alert ids, earliest first), first_alert_t, delay_s, delay_onset_s,
    assigned (its posts assigned to any alert, each counted once, see below),
    missed (None, or ``{"reason", "alert", "alert_event"}`` for an eligible
    event with no matched alert).
    ``alerts``: alert, t, n_posts, matched_event (None = false alarm),
    top_event, purity (share of the top event among all assigned posts),
    in_assignments. ``orphan_assignments``: assigned alert ids not in records.
    ``missed``: one ``{"event", "posts", "reason", "alert", "alert_event"}``
    per missed eligible event, in the order of ``events``.

    Why an eligible event E was missed. E's (deduplicated) posts are counted
    where they were assigned; a post assigned to several alerts counts for the
    earliest one only (smallest ``t``, ties by order in ``assignments``: the
    rule used for NMI/AMI); unassigned posts and orphan assignments count
    nowhere. "The" alert is the one holding the most of E's assigned posts
    (a plurality, not necessarily a majority; ties go to the earliest alert
    in the same order). Its owner is its matched event or, when it is a false
    alarm, its top event (majority event, ties by name). Then:

    * ``never_surfaced``: fewer than 20% of E's posts are assigned to any
      alert; ``alert`` and ``alert_event`` are None.
    * ``absorbed``: otherwise, when the alert's owner is another event (the
      alert is matched to it, or unmatched but dominated by it);
      ``alert_event`` = that owner.
    * ``impure``: otherwise (the owner is E itself, but the alert's purity is
      under 50%, so it is not matched); ``alert_event`` = E.

    These three cover every missed eligible event: an alert owned by E with
    purity >= 50% would be matched to E, and E would be detected.
    """
    an = _analyse(truth, event_records, assignments, min_event_posts)
    alerts = [
        {k: (_r(v) if k == "purity" else v) for k, v in a.items() if not k.startswith("_")}
        for a in an["alerts"]
    ]
    missed = [{"event": e["event"], "posts": e["posts"], **e["missed"]} for e in an["events"] if e["missed"]]
    return {"events": an["events"], "alerts": alerts, "orphan_assignments": an["orphans"], "missed": missed}


def missed_summary(details: dict) -> dict[str, Any]:
    """The missed events for the ``eval --json`` file: ``missed`` (a list of
    ``{"event", "reason", "alert", "alert_event"}``) and ``missed_<reason>``
    counts for every reason in :data:`MISSED_REASONS` (zeros included)."""
    missed = details.get("missed", [])
    out: dict[str, Any] = {"missed": [{k: m[k] for k in ("event", "reason", "alert", "alert_event")}
                                      for m in missed]}
    for reason in MISSED_REASONS:
        out[f"missed_{reason}"] = sum(1 for m in missed if m["reason"] == reason)
    return out


def _fmt_ts(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")


def _dash(v: Any) -> str:
    return "-" if v is None else str(v)


def _fmt_dur(s: float | None) -> str:
    if s is None:
        return "-"
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s < 120:
        return f"{sign}{s:.0f}s"
    if s < 2 * 3600:
        return f"{sign}{s / 60:.1f}m"
    if s < 2 * 86400:
        return f"{sign}{s / 3600:.1f}h"
    return f"{sign}{s / 86400:.1f}d"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return out


def format_table(metrics: dict, details: dict) -> str:
    """Plain-text summary: metrics, then per-event, missed-event and per-alert tables."""
    lines = ["Metrics"]
    kw = max(len(k) for k in metrics) if metrics else 0
    for k in METRIC_KEYS:
        if k not in metrics:
            continue
        v = metrics[k]
        if v is None:
            s = "-"
        elif k.endswith("_s") and k.startswith("delay"):
            s = f"{v} ({_fmt_dur(v)})"
        else:
            s = str(v)
        lines.append(f"  {k.ljust(kw)}  {s}")

    ev_rows = [
        [
            str(e["event"]),
            str(e["posts"]),
            "yes" if e["eligible"] else "no",
            _fmt_ts(e["first_post"]),
            _fmt_ts(e["onset"]),
            ",".join(map(str, e["alerts"])) or "-",
            _fmt_dur(e["delay_s"]),
            _fmt_dur(e["delay_onset_s"]),
        ]
        for e in details.get("events", [])
    ]
    lines += ["", f"Events ({len(ev_rows)})", f"  {ONSET_LEGEND}"]
    lines += _table(
        ["event", "posts", "eligible", "first post (UTC)", "onset (UTC)", "alerts", "delay", "delay_onset"],
        ev_rows,
    )

    missed = details.get("missed", [])
    mi_rows = [
        [str(m["event"]), str(m["posts"]), m["reason"], _dash(m["alert"]), _dash(m["alert_event"])]
        for m in missed
    ]
    counts = Counter(m["reason"] for m in missed)
    lines += ["", f"Missed ({len(mi_rows)} eligible events without a matched alert"
              + "".join(f"; {r} {counts[r]}" for r in MISSED_REASONS if counts[r]) + ")",
              f"  never_surfaced = under {SURFACED_SHARE:.0%} of its posts in any alert; "
              "absorbed = most in an alert of another event; "
              f"impure = most in its own alert, purity under {MATCH_PURITY:.0%}"]
    lines += _table(["event", "posts", "reason", "alert", "alert_event"], mi_rows)

    al_rows = [
        [
            str(a["alert"]),
            _fmt_ts(a["t"]),
            str(a["n_posts"]),
            str(a["matched_event"]) if a["matched_event"] is not None else "FALSE ALARM",
            "-" if a["purity"] is None else f"{a['purity']:.2f}",
        ]
        for a in details.get("alerts", [])
    ]
    lines += ["", f"Alerts ({len(al_rows)})"]
    lines += _table(["alert", "t (UTC)", "posts", "matched event", "purity"], al_rows)
    orphans = details.get("orphan_assignments") or []
    if orphans:
        lines += ["", f"Assignments for ids not in records (ignored): {', '.join(map(str, orphans))}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# plotting
# ---------------------------------------------------------------------------


def _segments(times: Sequence[float], *, min_gap_s: float, max_panels: int) -> list[tuple[float, float]]:
    """Split sorted times into contiguous periods at gaps >= min_gap_s.

    At most ``max_panels`` periods: only the largest gaps are cut.
    """
    if not times:
        return []
    gaps = [(times[i + 1] - times[i], i) for i in range(len(times) - 1)]
    cuts = sorted(i for g, i in sorted(gaps, reverse=True)[: max_panels - 1] if g >= min_gap_s)
    segs, start = [], 0
    for i in cuts:
        segs.append((times[start], times[i]))
        start = i + 1
    segs.append((times[start], times[-1]))
    return segs


def plot_timeline(
    truth: Truth,
    assignments: Sequence[dict],
    path: str,
    *,
    title: str = "",
    min_gap_s: float = 3 * 86400.0,
    max_panels: int = 8,
    max_legend: int = 12,
) -> None:
    """Write a PNG of ground-truth event volumes with alert times marked.

    One line per event (background in grey); vertical markers at alert
    times, coloured like the matched event, false alarms dashed red. Long
    quiet gaps (``>= min_gap_s``, e.g. crawls months apart) split the stream
    into stacked panels, one per contiguous active period.
    """
    # Figure + Agg canvas directly: no pyplot global state, no GUI backend.
    import matplotlib
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    index = _truth_index(truth)
    merged, order = _merge_assignments(assignments)
    alerts = []
    for aid in order:
        m = merged[aid]
        if m["t"] is None:
            continue
        matched, *_ = _match_alert(m["posts"], index)
        alerts.append((m["t"], aid, matched))

    ev_posts = _event_posts(index)
    bg = sorted(ts for ts, ev in index.values() if ev is None)
    all_times = sorted([ts for ts, _ in index.values()] + [t for t, _, _ in alerts])
    segs = _segments(all_times, min_gap_s=min_gap_s, max_panels=max_panels)

    # one bin size for all panels, so heights are comparable
    longest = max((b - a for a, b in segs), default=0.0)
    if longest <= 14 * 86400:
        bin_s, bin_name = HOUR_S, "hour"
    elif longest <= 90 * 86400:
        bin_s, bin_name = 6 * HOUR_S, "6 h"
    else:
        bin_s, bin_name = 86400.0, "day"

    ranked = sorted(ev_posts, key=lambda e: (-len(ev_posts[e]), e))
    cmap = matplotlib.colormaps["tab20" if len(ranked) > 10 else "tab10"]
    colours = {ev: cmap(i % cmap.N) for i, ev in enumerate(ranked)}

    n = max(1, len(segs))
    fig = Figure(figsize=(12, 2.6 * n + 0.8))
    FigureCanvasAgg(fig)
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    to_dt = lambda s: datetime.fromtimestamp(s, tz=timezone.utc)  # noqa: E731

    def counts(ts_list: list[float], lo: float, hi: float):
        edges = np.arange(lo, hi + bin_s, bin_s)
        h, _ = np.histogram(ts_list, bins=edges)
        x = [to_dt(e + bin_s / 2) for e in edges[:-1]]
        return x, h

    legend_done: set[str] = set()
    handles: dict[str, Any] = {}
    for ax, (a, b) in zip(axes, segs):
        lo = math.floor(a / bin_s) * bin_s
        hi = math.floor(b / bin_s) * bin_s + bin_s
        if bg:
            sel = [t for t in bg if lo <= t < hi]
            if sel:
                x, h = counts(sel, lo, hi)
                handles["background"] = ax.plot(x, h, color="0.7", lw=1, label="background")[0]
        for ev in reversed(ranked):  # biggest drawn last (on top)
            sel = [t for t in ev_posts[ev] if lo <= t < hi]
            if not sel:
                continue
            x, h = counts(sel, lo, hi)
            (line,) = ax.plot(x, h, color=colours[ev], lw=1.4, label=str(ev))
            if ev not in legend_done:
                legend_done.add(ev)
                handles[ev] = line
        for t, aid, matched in alerts:
            if not (lo <= t < hi):
                continue
            if matched is None:
                handles["false alarm"] = ax.axvline(
                    to_dt(t), color="red", ls="--", lw=1, alpha=0.8, label="false alarm"
                )
            else:
                ax.axvline(to_dt(t), color=colours[matched], ls="-", lw=1.2, alpha=0.9)
                handles.setdefault(
                    "alert (event colour)",
                    Line2D([], [], color="k", lw=1.2, label="alert (event colour)"),
                )
        ax.set_xlim(to_dt(lo), to_dt(hi))
        ax.set_ylabel(f"posts / {bin_name}")
        loc = mdates.AutoDateLocator(tz=timezone.utc)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, tz=timezone.utc))
        ax.set_title(f"{_fmt_ts(a)} → {_fmt_ts(b)} UTC", fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    if not segs:
        axes[0].text(0.5, 0.5, "no posts", ha="center", va="center", transform=axes[0].transAxes)

    keep = [e for e in ranked if e in handles][:max_legend]
    extra = [k for k in ("background", "alert (event colour)", "false alarm") if k in handles]
    labels = keep + extra
    if labels:
        hidden = len([e for e in ranked if e in handles]) - len(keep)
        fig.legend(
            [handles[k] for k in labels],
            [str(k) for k in labels],
            loc="upper right",
            fontsize=8,
            ncol=min(4, len(labels)),
            title=f"+{hidden} more events" if hidden > 0 else None,
            title_fontsize=8,
        )
    if title:
        fig.suptitle(title, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.93 if labels or title else 1))
    fig.savefig(path, dpi=110, format="png")
