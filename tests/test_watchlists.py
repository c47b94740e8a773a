"""PR watchlists: YAML loading and validation, matching, and the WatchlistTracker
on a synthetic brand-crisis stream (event time, brigades, lifecycle, determinism,
pickling, reloads, odd posts).

The ``wl_*`` functions at the end follow tests/test_detector_contract.py's
:class:`Case` shape, so the tracker can be registered there::

    from tests.test_watchlists import (wl_make, wl_stream, wl_learn, wl_score, wl_finish,
                                       wl_new_keys, wl_emerging)
    Case("WatchlistTracker", wl_make, wl_stream, wl_learn, wl_score, wl_finish,
         wl_new_keys, wl_emerging, split=0.8),   # pickled mid-crisis
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest

from detectors.events import Event
from detectors.text import Tokenizer
from detectors.watchlists import (WatchConfig, WatchlistError, WatchlistSet, WatchlistTracker, WatchPost,
                                  load_watchlists)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "watchlists.example.yaml"
T0 = 1_700_000_000.0 - 1_700_000_000.0 % 3600  # on an hour
TOK = Tokenizer()


# -- YAML loading ---------------------------------------------------------------------------------


def test_example_file_loads():
    ws = load_watchlists(EXAMPLE)
    assert ws.source == str(EXAMPLE)
    assert ws.teams() == ["acme-pr", "levant-desk", "nordic-retail"]
    acme = ws.get("acme-pr", "acme")
    assert acme.overrides == {"min_posts": 5}
    assert acme.queries[1].hashtags == ("#acmefail", "#acme")
    assert acme.queries[2].handles == ("@acme", "@acmesupport")
    assert acme.queries[3].domains == ("acme.com",)
    assert acme.queries[5].terms == ("acme", "recall")
    assert ws.get("nordic-retail", "ahlens").overrides == {"prior_per_minute": 0.5}
    # Arabic folded like the tokenizer (ة -> ه)
    assert ws.get("levant-desk", "aqaba-port").queries[0].terms == ("ميناء العقبه",)
    described = ws.describe()
    assert json.loads(json.dumps(described)) == described
    assert {(d["team"], d["name"]) for d in described} == {w.key for w in ws}
    # the same from text, from a str path and from parsed data
    text = EXAMPLE.read_text(encoding="utf-8")
    import yaml

    for other in (load_watchlists(text), load_watchlists(str(EXAMPLE)), load_watchlists(yaml.safe_load(text))):
        assert other.describe() == described


BASE = """\
teams:
  - name: acme-pr
    watchlists:
      - name: acme
        queries:
          - terms: ["acme"]
      - name: acme-2
        queries:
          - terms: ["acme"]
          - hashtags: ["#acme"]
          - {queries_2}
{extra}"""


def broken(queries_2: str = 'handles: ["@acme"]', extra: str = "") -> str:
    return BASE.format(queries_2=queries_2, extra=extra)


BROKEN = [
    # (file text, line, field, reason)
    pytest.param(broken("terms: acme"), 11, "teams[0].watchlists[1].queries[2].terms",
                 "must be a non-empty list of strings", id="terms-not-a-list"),
    pytest.param(broken("terms: []"), 11, "teams[0].watchlists[1].queries[2].terms",
                 "must be a non-empty list of strings", id="terms-empty"),
    pytest.param(broken("terms: [acme, 5]"), 11, "teams[0].watchlists[1].queries[2].terms",
                 "must be a non-empty list of strings", id="terms-number"),
    pytest.param(broken("terms: [acme, '  ']"), 11, "teams[0].watchlists[1].queries[2].terms",
                 "must be a non-empty list of strings", id="terms-blank"),
    pytest.param(broken("keywords: [acme]"), 11, "teams[0].watchlists[1].queries[2].keywords",
                 "unknown field", id="unknown-clause"),
    pytest.param(broken("{}"), 11, "teams[0].watchlists[1].queries[2]", "needs at least one of", id="empty-query"),
    pytest.param(broken('hashtags: ["#acme fail"]'), 11, "teams[0].watchlists[1].queries[2].hashtags[0]",
                 "is not a hashtag", id="bad-hashtag"),
    pytest.param(broken('handles: ["@ac me"]'), 11, "teams[0].watchlists[1].queries[2].handles[0]",
                 "is not a handle", id="bad-handle"),
    pytest.param(broken('domains: ["acme"]'), 11, "teams[0].watchlists[1].queries[2].domains[0]",
                 "is not a domain", id="bad-domain"),
    pytest.param(broken(extra="        min_posts: 0\n"), 12, "teams[0].watchlists[1].min_posts",
                 "must be an integer >= 1", id="override-range"),
    pytest.param(broken(extra="        min_ratio: lots\n"), 12, "teams[0].watchlists[1].min_ratio",
                 "must be a number >= 1", id="override-type"),
    pytest.param(broken(extra="        min_posts: 2.5\n"), 12, "teams[0].watchlists[1].min_posts",
                 "must be an integer", id="override-float-for-int"),
    pytest.param(broken(extra="        colour: red\n"), 12, "teams[0].watchlists[1].colour",
                 "unknown field", id="unknown-watchlist-field"),
    pytest.param(broken(extra="      - name: acme\n        queries: [{terms: [x1]}]\n"), 12,
                 "teams[0].watchlists[2].name", "duplicate watchlist 'acme'", id="duplicate-watchlist"),
    pytest.param(broken(extra="      - queries: [{terms: [x1]}]\n"), 12, "teams[0].watchlists[2].name",
                 "missing required field", id="watchlist-without-name"),
    pytest.param(broken(extra="      - name: other\n"), 12, "teams[0].watchlists[2].queries",
                 "missing required field", id="watchlist-without-queries"),
    pytest.param(broken(extra="      - name: other\n        queries: {terms: [x]}\n"), 13,
                 "teams[0].watchlists[2].queries", "must be a non-empty list of queries", id="queries-not-a-list"),
    pytest.param(broken(extra="  - name: acme-pr\n    watchlists: [{name: a, queries: [{terms: [b]}]}]\n"), 12,
                 "teams[1].name", "duplicate team 'acme-pr'", id="duplicate-team"),
    pytest.param(broken(extra="  - name: other\n    watchlists: []\n"), 13, "teams[1].watchlists",
                 "must be a non-empty list of watchlists", id="no-watchlists"),
    pytest.param(broken(extra="  - name: ''\n    watchlists: [{name: a, queries: [{terms: [b]}]}]\n"), 12,
                 "teams[1].name", "must be non-empty text", id="blank-team-name"),
    pytest.param(broken(extra="        name: again\n"), 12, "teams[0].watchlists[1].name",
                 "duplicate key", id="duplicate-key"),
    pytest.param(broken('terms: ["unclosed'), 12, "", "while scanning a quoted scalar, line 11", id="yaml-syntax"),
    pytest.param(broken("terms: [acme]\n   bad: indent"), 12, "", "invalid YAML", id="yaml-indent"),
    pytest.param("teams: acme-pr\n", 1, "teams", "must be a list of teams", id="teams-not-a-list"),
    pytest.param("team:\n  - name: x\n", 1, "team", "unknown field", id="unknown-top-level"),
    pytest.param("# nothing here\n", None, "", "empty", id="empty-file"),
    pytest.param("- just\n- a list\n", 1, "", "must be a mapping with 'teams'", id="not-a-mapping"),
]


@pytest.mark.parametrize("text,line,field,reason", BROKEN)
def test_broken_files_name_file_line_and_field(tmp_path, text, line, field, reason):
    path = tmp_path / "team-watchlists.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WatchlistError) as info:
        load_watchlists(path)
    err = info.value
    message = str(err)
    assert message.startswith(f"{path}:{line}: " if line else f"{path}: "), message
    assert err.source == str(path) and err.line == line and err.field == field, message
    assert reason in message, message
    if field:
        assert f": {field}: " in message
    assert isinstance(err, ValueError)


def test_error_message_format_as_documented(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(broken("terms: acme"), encoding="utf-8")
    with pytest.raises(WatchlistError, match=r"w\.yaml:11: teams\[0\]\.watchlists\[1\]\.queries\[2\]\.terms: "
                                             r"must be a non-empty list of strings$"):
        load_watchlists(str(path))


def test_unreadable_and_text_sources():
    with pytest.raises(WatchlistError, match="no-such-file.yaml: cannot read"):
        load_watchlists("no-such-file.yaml")
    assert load_watchlists("teams: []\n").describe() == []  # nothing watched (a file emptied while running)
    with pytest.raises(WatchlistError, match=r"^<watchlists>: teams\[0\]: must be a mapping"):
        load_watchlists({"teams": ["x"]})


# -- matching ------------------------------------------------------------------------------------------

MATCH_YAML = """
teams:
  - name: acme-pr
    watchlists:
      - name: acme
        queries:
          - terms: ["Acme"]
          - hashtags: ["#AcmeFail", "＃acme"]
          - handles: ["@AcmeSupport"]
          - domains: ["https://www.acme.com/products"]
          - terms: ["艾克美"]
      - name: recall
        queries:
          - terms: ["acme", "recall"]
      - name: ceo
        queries:
          - terms: ["Jane Roe"]
      - name: next
        queries:
          - terms: ["Next"]
          - terms: ["at&t"]
  - name: nordic
    watchlists:
      - name: zabka
        queries:
          - terms: ["Żabka"]
          - {terms: ["łódź"], hashtags: ["#pożar"]}
      - name: ahlens
        queries:
          - terms: ["Åhléns"]
  - name: levant
    watchlists:
      - name: aqaba
        queries:
          - terms: ["العقبة"]
          - hashtags: ["#سيول_الأردن"]
"""


@pytest.fixture(scope="module")
def match_set() -> WatchlistSet:
    return load_watchlists(MATCH_YAML)


MATCHES = [
    # (text, lang, extra fields, expected (team, watchlist) pairs)
    ("ACME blender broke again", "en", {}, [("acme-pr", "acme")]),
    ("Acme's recall notice is out", "en", {}, [("acme-pr", "acme"), ("acme-pr", "recall")]),
    ("acme recall", "en", {}, [("acme-pr", "acme"), ("acme-pr", "recall")]),
    ("recall of some blender", "en", {}, []),  # AND: one term is not enough
    ("acmeister and acmeville recall", "en", {}, []),  # no substrings of other words
    ("macme acme-branded thing", "en", {}, []),
    ("#AcmeFail happening", "en", {}, [("acme-pr", "acme")]),
    ("so bad", "en", {"hashtags": ("AcmeFail",)}, [("acme-pr", "acme")]),  # the post's hashtag field
    ("so bad ＃ACME", "en", {}, [("acme-pr", "acme")]),  # full-width hashtag sign
    ("#acmefails is another tag", "en", {}, []),
    ("hi @AcmeSupport my order?", "en", {}, [("acme-pr", "acme")]),  # mention in the text
    ("my order?", "en", {"mentions": ("acmesupport",)}, [("acme-pr", "acme")]),  # mentions field
    ("we are looking into it", "en", {"author": "AcmeSupport"}, [("acme-pr", "acme")]),  # the author
    ("see https://acme.com/x", "en", {}, [("acme-pr", "acme")]),
    ("see https://shop.acme.com/x?y=1", "en", {}, [("acme-pr", "acme")]),  # subdomain
    ("see https://notacme.com/x", "en", {}, []),
    ("Jane Roe resigns", "en", {}, [("acme-pr", "ceo")]),
    ("Roe, Jane: resigns", "en", {}, []),  # a phrase is adjacent words
    ("Next plc profit warning", "en", {}, [("acme-pr", "next")]),  # a stopword: matched on the text
    ("see you next week", "en", {}, [("acme-pr", "next")]),  # (a brand that is a word is a word)
    ("nextdoor app", "en", {}, []),
    ("AT&T outage", "en", {}, [("acme-pr", "next")]),
    ("that&this", "en", {}, []),
    ("ŻABKA znowu zamknięta", "pl", {}, [("nordic", "zabka")]),
    ("zabka bez ogonków", "pl", {}, []),  # diacritics matter
    ("Łódź płonie #Pożar", "pl", {}, [("nordic", "zabka")]),
    ("Łódź płonie", "pl", {}, []),  # query needs the hashtag too
    ("ÅHLÉNS stänger", "sv", {}, [("nordic", "ahlens")]),
    ("Ahlens stänger", "sv", {}, []),
    ("سيول في العقبه", "ar", {}, [("levant", "aqaba")]),  # teh marbuta folded
    ("سيول في العقبة", None, {}, [("levant", "aqaba")]),
    ("#سيول_الاردن الآن", "ar", {}, [("levant", "aqaba")]),  # alef variants folded
    ("我昨天买了艾克美的手机", "zh", {}, [("acme-pr", "acme")]),  # no spaces
    ("艾克美", None, {}, [("acme-pr", "acme")]),
    ("艾克和美", "zh", {}, []),  # its bigrams are not all there
    ("", None, {}, []),
    ("nothing to see here", "en", {}, []),
]


@pytest.mark.parametrize("text,lang,fields,expected", MATCHES)
def test_matching(match_set, text, lang, fields, expected):
    terms = TOK.terms(text, lang)
    assert match_set.match(text, terms, lang=lang, **fields) == expected
    assert match_set.match(text, None, lang=lang, **fields) == expected  # tokenized by the matcher
    assert match_set.match(text, terms, lang=lang, **fields) == expected  # no state


def test_match_labels_name_what_matched(match_set):
    wls = match_set.watchlists
    hits = match_set.match_labels("Acme recall #AcmeFail", TOK.terms("Acme recall #AcmeFail", "en"), lang="en")
    assert {wls[i].key: labels for i, labels in hits.items()} == {
        ("acme-pr", "acme"): ["acme", "#acmefail"], ("acme-pr", "recall"): ["acme", "recall"]}


def test_matching_pipeline_prepared_terms(match_set):
    """What the Pipeline's stateless stage makes of a post matches the same way."""
    from detectors.pipeline import DetectorConfig, Pipeline
    from detectors.post import Post

    pipe = Pipeline(DetectorConfig(identify_language=False))
    prep = pipe.prepare(Post(id="1", ts=T0, text="Nowa Żabka w Łodzi", author="Ola", lang="pl",
                             hashtags=("#AcmeFail",), mentions=("@someone",), followers=120))
    post = WatchPost.from_prepared(prep, community="c1")
    assert post.followers == 120 and post.community == "c1" and post.author == "ola"
    assert match_set.match(post.text, post.terms, post.author, post.mentions, post.hashtags, post.lang) == [
        ("acme-pr", "acme"), ("nordic", "zabka")]


# -- the synthetic brand-crisis stream -----------------------------------------------------------------

BRAND_YAML = """
teams:
  - name: acme-pr
    watchlists:
      - name: acme
        queries:
          - terms: ["acme"]
          - hashtags: ["#acmefail"]
          - terms: ["艾克美"]
      - name: other-brand
        queries:
          - terms: ["zenith"]
  - name: quiet-team
    watchlists:
      - name: nothing
        queries:
          - terms: ["neverpostedbrand"]
"""
NEGATIVE = ("recall", "fire", "scam", "awful", "broken", "wadliwy", "召回", "farlig")


def negativity(text: str, lang: str | None) -> float:
    """A stand-in for NegativityScorer().score_one (module level: picklable)."""
    return 0.9 if any(w in text.lower() for w in NEGATIVE) else 0.2


@dataclasses.dataclass(frozen=True)
class BrandStream:
    posts: list[WatchPost]
    onset: float  # first crisis post
    crisis_end: float
    brigade: tuple[float, float] | None


def brand_stream(seed: int, *, hours: float = 7.0, crisis_at: float | None = 4.0, crisis_minutes: float = 25.0,
                 brigade_at: float | None = 2.5, chatter_per_min: float = 6.0, brand_per_min: float = 0.3,
                 second_crisis_at: float | None = None) -> BrandStream:
    """Background chatter (some of it about the brand at a low steady rate) from
    600 authors in 6 communities; a brigade (3 accounts of one community, 200
    posts in 10 min); a crisis (400 new authors of every community, negative,
    several languages, with followers); the background carries on."""
    rng = random.Random(seed)
    authors = [f"u{i}" for i in range(600)]
    community = {a: f"c{i % 6}" for i, a in enumerate(authors)}
    chatter = ["weather", "coffee", "train", "late", "again", "city", "music", "game", "news", "lunch",
               "friends", "weekend", "movie", "park", "school", "dinner", "holiday", "rain", "sun", "match"]
    happy = ["love my acme blender", "acme support was quick", "new acme kettle arrived", "acme sale today",
             "acme store downtown busy", "艾克美的新产品不错"]
    posts: list[tuple] = []  # (ts, id, text, author, lang, followers, community)

    def add(ts, text, author, lang="en", followers=None, comm="?"):
        posts.append((ts, f"{seed}-{len(posts)}", text, author, lang,
                      followers, community.get(author) if comm == "?" else comm))

    end = T0 + hours * 3600
    ts = T0
    rate = chatter_per_min + brand_per_min
    while True:
        ts += rng.expovariate(rate / 60.0)
        if ts >= end:
            break
        author = rng.choice(authors)
        if rng.random() < brand_per_min / rate:
            text = rng.choice(happy)
            add(ts, text + " " + " ".join(rng.sample(chatter, 2)), author, "zh" if "艾克美" in text else "en",
                rng.choice([None, rng.randrange(50, 5000)]))
        else:
            add(ts, " ".join(rng.sample(chatter, rng.randint(3, 7))), author, rng.choice(["en", "en", "pl", None]))
    brigade = None
    if brigade_at is not None:
        start = T0 + brigade_at * 3600
        brigade = (start, start + 600)
        for k in range(200):
            add(start + 3.0 * k + rng.uniform(0, 2), f"#acmefail acme is a scam {k % 7}", f"bot{k % 3}",
                "en", 10, "c-bots")
    onset = crisis_end = math.inf
    for at in (crisis_at, second_crisis_at):
        if at is None:
            continue
        start = T0 + at * 3600
        stop = start + crisis_minutes * 60
        t, k = start, 0
        while t < stop:
            minute = (t - start) / 60
            per_min = 40.0 if minute > 3 else 15.0 + 8.0 * minute  # a quick ramp
            t += rng.expovariate(per_min / 60.0)
            lang, text = rng.choice([
                ("en", "acme blender recall: it caught fire in my kitchen"),
                ("en", "#acmefail awful, my acme kettle is broken and dangerous"),
                ("pl", "acme wadliwy czajnik, zwrot pieniędzy? #acmefail"),
                ("zh", "艾克美召回了所有的搅拌机"),
                ("sv", "acme vattenkokare farlig, återkallas"),
            ])
            add(t, f"{text} {k}", f"angry{at}-{k}", lang, rng.randrange(10, 20_000), f"c{k % 6}")
            k += 1
        first = min(p[0] for p in posts if p[3].startswith(f"angry{at}-"))
        onset, crisis_end = min(onset, first), min(crisis_end, stop)
    posts.sort(key=lambda p: (p[0], p[1]))
    # a little disorder (within a few seconds), as a real source has
    for i in range(0, len(posts) - 1, 41):
        if posts[i + 1][0] - posts[i][0] < 5:
            posts[i], posts[i + 1] = posts[i + 1], posts[i]
    out = [WatchPost(pid, t, text, tuple(TOK.terms(text, lang)), author, (), (), lang, followers, comm)
           for t, pid, text, author, lang, followers, comm in posts]
    return BrandStream(out, onset, crisis_end, brigade)


def make_tracker(**kw) -> WatchlistTracker:
    return WatchlistTracker(load_watchlists(BRAND_YAML), negativity=negativity, **kw)


def run_stream(tracker: WatchlistTracker, posts) -> list[dict]:
    out = []
    for p in posts:
        out += tracker.update(p)
    return out


@pytest.fixture(scope="module")
def crisis():
    stream = brand_stream(1)
    tracker = make_tracker()
    records = run_stream(tracker, stream.posts)
    records += tracker.advance(stream.posts[-1].ts + 1)
    return stream, records


EVENT_KEYS = set(Event("x", 0.0, {}).record("created", 0.0)) | {"team", "watchlist", "kind", "crisis"}


def test_crisis_alerts_within_a_minute_of_event_time(crisis):
    stream, records = crisis
    assert records, "the crisis should alert"
    created = [r for r in records if r["type"] == "created"]
    assert len(created) == 1
    first = records[0]
    assert first is created[0]
    assert first["team"] == "acme-pr" and first["watchlist"] == "acme" and first["kind"] == "watchlist"
    from datetime import datetime

    ts = datetime.fromisoformat(first["ts"].replace("Z", "+00:00")).timestamp()
    assert stream.onset <= ts <= stream.onset + 60, (ts - stream.onset)
    assert first["state"] == "emerging" and first["version"] == 1 and first["id"].startswith("wl-")
    assert set(first) == EVENT_KEYS
    crisis_part = first["crisis"]
    assert set(crisis_part) == {"score", "volume", "negativity", "spread", "reach"}
    for name in ("score", "volume", "negativity", "spread", "reach"):
        assert 0.0 <= crisis_part[name] <= 1.0, name
    assert crisis_part["score"] == first["score"]
    assert crisis_part["negativity"] >= 0.8  # the crisis posts are negative
    assert crisis_part["spread"] >= 0.5  # from every community
    assert crisis_part["reach"] > 0  # followers were given
    assert "acme" in first["keywords"]
    assert first["voices"] >= 8 and first["posts"] >= 10 and first["communities"] >= 2
    assert 1 <= len(first["samples"]) <= 5
    assert len({s["author"] for s in first["samples"]}) == len(first["samples"])
    assert all(set(s) == {"id", "author", "lang", "ts", "text"} and len(s["text"]) <= 280 for s in first["samples"])
    assert all(isinstance(m, str) and isinstance(n, int) for m, n in first["volume"])


def test_no_false_alarm_in_quiet_hours_nor_for_the_brigade(crisis):
    stream, records = crisis
    assert stream.brigade is not None
    assert all(r["id"] == records[0]["id"] for r in records)  # only the crisis, ever
    # the brigade alone: 3 accounts posting 200 times in 10 minutes do not page
    only_brigade = brand_stream(1, crisis_at=None)
    tracker = make_tracker()
    assert run_stream(tracker, only_brigade.posts) + tracker.advance(only_brigade.posts[-1].ts + 1) == []
    status = {s["watchlist"]: s for s in tracker.status()}
    assert status["acme"]["minutes"] > 300 and status["acme"]["event"] is None
    assert status["acme"]["baseline_per_minute"] < 1.0  # the brigade did not become the normal


def test_crisis_escalates_fades_and_resolves(crisis):
    stream, records = crisis
    states = [r["state"] for r in records]
    assert "active" in states and "fading" in states
    assert states.index("active") < states.index("fading")
    assert records[-1]["type"] == "resolved" and records[-1]["state"] == "resolved"
    assert [r["type"] for r in records].count("resolved") == 1
    from datetime import datetime

    resolved_at = datetime.fromisoformat(records[-1]["ts"].replace("Z", "+00:00")).timestamp()
    assert resolved_at >= stream.crisis_end + WatchConfig().resolve_quiet_seconds
    assert [r["version"] for r in records] == list(range(1, len(records) + 1))
    assert max(r["severity"] for r in records if r["severity"] == "critical") == "critical"
    # severity never goes down within an event
    order = {"info": 0, "warning": 1, "critical": 2}
    assert [order[r["severity"]] for r in records] == sorted(order[r["severity"]] for r in records)
    # at most one update per event-time minute, unless the state or severity changes
    for a, b in zip(records, records[1:]):
        if a["ts"][:16] == b["ts"][:16] and b["type"] == "updated":
            assert (a["state"], a["severity"]) != (b["state"], b["severity"])
    assert records[-2]["posts"] <= records[-1]["posts"]
    assert all(set(r) == EVENT_KEYS for r in records)


def test_a_later_crisis_is_a_new_event():
    stream = brand_stream(2, hours=8.0, crisis_at=3.0, second_crisis_at=6.0, brigade_at=None)
    tracker = make_tracker()
    records = run_stream(tracker, stream.posts) + tracker.advance(stream.posts[-1].ts + 1)
    created = [r for r in records if r["type"] == "created"]
    resolved = [r for r in records if r["type"] == "resolved"]
    assert len(created) == 2 and len(resolved) == 2
    assert created[0]["id"] != created[1]["id"]
    assert [r["type"] for r in records].index("resolved") < [r["type"] for r in records].index("created", 1)


def test_replay_is_deterministic(crisis):
    stream, records = crisis
    tracker = make_tracker()
    again = run_stream(tracker, stream.posts) + tracker.advance(stream.posts[-1].ts + 1)
    assert again == records


@pytest.mark.parametrize("batch", [1, 7, 250])
def test_result_does_not_depend_on_batching_or_advance_calls(crisis, batch):
    """Event time only: feeding the same posts in batches, with watermark
    ``advance`` calls in between (every 10 s of event time up to the next
    post), gives the same records."""
    stream, records = crisis
    tracker = make_tracker()
    posts = stream.posts
    out = []
    for i in range(0, len(posts), batch):
        chunk = posts[i:i + batch]
        for p in chunk:
            out += tracker.update(p)
        nxt = posts[i + batch].ts if i + batch < len(posts) else chunk[-1].ts + 1
        horizon = max(p.ts for p in posts[: i + batch])
        t = horizon
        while t + 10 < nxt and batch > 1:
            t += 10
            out += tracker.advance(t)
        out += tracker.advance(min(nxt, max(horizon, nxt - 0.001)))
    out += tracker.advance(posts[-1].ts + 1)
    assert out == records


def test_keyword_posts_also_accepted():
    tracker = make_tracker()
    post = brand_stream(1, hours=0.2, crisis_at=None, brigade_at=None).posts[0]
    other = make_tracker()
    assert tracker.update(**dataclasses.asdict(post)) == other.update(post)
    assert pickle.dumps(tracker.status()) == pickle.dumps(other.status())


def test_pickle_mid_crisis_then_continue(crisis):
    stream, records = crisis
    posts = stream.posts
    cut = next(i for i, p in enumerate(posts) if p.ts > stream.onset + 300)  # live and emerging/active
    tracker = make_tracker()
    head = run_stream(tracker, posts[:cut])
    assert any(r["type"] == "created" for r in head) and tracker.live_events()
    copy = pickle.loads(pickle.dumps(tracker, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy.status() == tracker.status()
    tail = run_stream(tracker, posts[cut:]) + tracker.advance(posts[-1].ts + 1)
    tail_copy = run_stream(copy, posts[cut:]) + copy.advance(posts[-1].ts + 1)
    assert tail_copy == tail
    assert head + tail == records


SUBPROCESS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.test_watchlists import brand_stream, make_tracker, run_stream
s = brand_stream(4, hours=5.0, crisis_at=3.0, brigade_at=1.5)
t = make_tracker()
json.dump(run_stream(t, s.posts) + t.advance(s.posts[-1].ts + 1), sys.stdout, sort_keys=True)
"""


def test_same_output_across_processes():
    """No set or dict order leaks into the records (str hashes are salted per process)."""
    outputs = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run([sys.executable, "-c", SUBPROCESS, str(ROOT)], cwd=ROOT, env=env, text=True,
                              capture_output=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop()), "the stream should produce records to compare"


# -- warm-up, reloads, odd posts ---------------------------------------------------------------------------


def test_new_watchlist_needs_the_warmup_minimum():
    """No history yet: only a crowd of warmup_min_posts (30) in a window counts."""
    ws = load_watchlists(BRAND_YAML)
    tracker = WatchlistTracker(ws)
    out = []
    for i in range(25):  # 25 posts from 25 authors in 50 s: a burst, but under the warm-up minimum
        out += tracker.update(WatchPost(f"a{i}", T0 + 2.0 * i, "acme is down", author=f"a{i}", community=f"c{i % 3}"))
    assert out == []
    for i in range(25, 40):
        out += tracker.update(WatchPost(f"a{i}", T0 + 2.0 * i, "acme is down", author=f"a{i}", community=f"c{i % 3}"))
    assert [r["type"] for r in out] == ["created"] and out[0]["posts"] == 30
    assert out[0]["crisis"]["negativity"] == 0.5  # no scorer: unknown
    assert out[0]["crisis"]["reach"] is None  # no followers: skipped
    # ... unless the team states its expected volume
    ws2 = load_watchlists(BRAND_YAML.replace('- terms: ["zenith"]', '- terms: ["zenith"]\n        prior_per_minute: 0.5'))
    tracker = WatchlistTracker(ws2)
    out = []
    for i in range(12):
        out += tracker.update(WatchPost(f"z{i}", T0 + 3.0 * i, "zenith outage", author=f"z{i}", community=f"c{i % 3}"))
    assert [r["type"] for r in out] == ["created"] and out[0]["watchlist"] == "other-brand"


def test_set_watchlists_keeps_drops_and_starts_cold(crisis):
    stream, _ = crisis
    posts = stream.posts
    cut = next(i for i, p in enumerate(posts) if p.ts > stream.onset + 120)
    tracker = make_tracker()
    run_stream(tracker, posts[:cut])
    before = {s["watchlist"]: s for s in tracker.status()}
    assert before["acme"]["event"] is not None
    new = load_watchlists(BRAND_YAML.replace("other-brand", "brand-new"))
    assert tracker.set_watchlists(new) == []
    after = {s["watchlist"]: s for s in tracker.status()}
    assert after["acme"] == before["acme"]  # kept, with its live event
    assert "other-brand" not in after and after["brand-new"]["minutes"] == 0  # dropped; cold
    # dropping a watchlist with a live event resolves it
    without = load_watchlists(BRAND_YAML.replace("name: acme\n", "name: acme-renamed\n"))
    records = tracker.set_watchlists(without)
    assert [(r["type"], r["state"], r["watchlist"]) for r in records] == [("resolved", "resolved", "acme")]
    assert tracker.live_events() == []
    assert run_stream(tracker, posts[cut:cut + 200]) is not None


ODD = [
    dict(id="no-author", ts=0.0, text="acme acme acme"),
    dict(id="no-text", ts=0.0, text=""),
    dict(id="blank", ts=0.0, text="   \n", author="u1", lang="en"),
    dict(id="emoji", ts=0.0, text="😱🔥 acme", author="u2", followers=0),
    dict(id="no-terms", ts=0.0, text="#AcmeFail again", author="u3", terms=None, lang=None),
    dict(id="empty-terms", ts=0.0, text="acme", author="u4", terms=()),
    dict(id="odd-lang", ts=0.0, text="acme w Krakowie", author="u5", lang="xx-unknown"),
    dict(id="mentions", ts=0.0, text="hi", author="@U6", mentions=("@acme", "x"), hashtags=("#AcmeFail", "＃全角")),
    dict(id="huge-followers", ts=0.0, text="acme", author="u7", followers=10**12, community=None),
    dict(id="cjk-1", ts=0.0, text="艾", author="u8", lang="zh"),
]


@pytest.mark.parametrize("tracker_factory", [make_tracker, lambda: WatchlistTracker(),
                                             lambda: WatchlistTracker(WatchlistSet([]))],
                         ids=["brands", "no-watchlists", "empty-set"])
def test_odd_posts_and_missing_fields(tracker_factory):
    for warm in (False, True):
        tracker = tracker_factory()
        now = T0
        if warm:
            posts = brand_stream(3, hours=1.0, crisis_at=None, brigade_at=None).posts
            run_stream(tracker, posts)
            now = posts[-1].ts
        out = []
        for k, fields in enumerate(ODD):
            out += tracker.update(WatchPost(**{**fields, "ts": now + k}))
        out += tracker.advance(now + 7200)
        out += tracker.advance(now)  # time never goes back
        assert finite(out) and finite(tracker.status())
        for s in tracker.status():
            assert s["event"] is None


def finite(obj) -> bool:
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return True
    if isinstance(obj, (int, float)):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(finite(v) for v in obj.values())
    return all(finite(v) for v in obj)


# -- the shared detector contract, in its Case shape ------------------------------------------------------


def wl_make() -> WatchlistTracker:
    return make_tracker()


def wl_stream(seed: int) -> list[WatchPost]:
    """2 h of chatter with brand mentions, a brigade at 0:50, a crisis at 1:30."""
    return brand_stream(seed, hours=2.0, crisis_at=1.5, brigade_at=50 / 60, chatter_per_min=4.0, crisis_minutes=15).posts


def wl_learn(tracker: WatchlistTracker, post: WatchPost) -> list[dict]:
    return tracker.update(post)


def wl_score(tracker: WatchlistTracker, post: WatchPost) -> list:
    """Read-only: the watchlists the post matches and every watchlist's status."""
    return [tracker.watchlists.match(post.text, post.terms, post.author, post.mentions, post.hashtags, post.lang),
            tracker.status()]


def wl_finish(tracker: WatchlistTracker) -> list:
    return [tracker.advance(tracker._now + 3 * 3600) if math.isfinite(tracker._now) else [], tracker.status()]


def wl_new_keys(tracker: WatchlistTracker) -> None:
    now = tracker._now if math.isfinite(tracker._now) else T0
    before = {s["watchlist"]: s["event"] for s in tracker.status()}
    out = []
    for k, fields in enumerate(ODD):
        post = WatchPost(**{**fields, "ts": now + k})
        assert isinstance(wl_score(tracker, post), list)
        out += tracker.update(post)
    assert finite(out) and finite(tracker.status())
    # a handful of odd posts never starts an event
    assert all(r["type"] != "created" for r in out)
    assert {s["watchlist"]: (s["event"] or {}).get("id") for s in tracker.status()} == \
        {k: (v or {}).get("id") for k, v in before.items()}
    # a post about nothing watched matches nothing
    assert tracker.watchlists.match("zzyzx qwfp never seen words", None) == []


def wl_emerging(rng: random.Random) -> None:
    """The crisis score and its volume component rise with the burst."""
    stream = brand_stream(rng.randrange(1000), hours=5.0, crisis_at=3.0, brigade_at=None)
    tracker = make_tracker()
    records = run_stream(tracker, stream.posts)
    created = [r for r in records if r["type"] == "created"]
    assert len(created) == 1
    assert all(r["id"] == created[0]["id"] for r in records)
    peak = max(records, key=lambda r: r["crisis"]["volume"])
    assert peak["crisis"]["volume"] > created[0]["crisis"]["volume"] > 0
    assert peak["score"] > 0.5


CONTRACT_SEEDS = (3, 11)


@pytest.fixture(scope="module")
def contract_runs():
    cache = {}

    def get(seed):
        if seed not in cache:
            tracker = wl_make()
            cache[seed] = [(wl_score(tracker, x), wl_learn(tracker, x)) for x in wl_stream(seed)] + [wl_finish(tracker)]
        return cache[seed]

    return get


def test_contract_pickle_mid_stream(contract_runs):
    inputs = wl_stream(11)
    cut = int(len(inputs) * 0.8)
    assert inputs[cut].ts > T0 + 1.5 * 3600  # mid-crisis
    tracker = wl_make()
    head = [(wl_score(tracker, x), wl_learn(tracker, x)) for x in inputs[:cut]]
    copy = pickle.loads(pickle.dumps(tracker, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(copy) is WatchlistTracker and copy.live_events() == tracker.live_events() != []
    tail = [(wl_score(tracker, x), wl_learn(tracker, x)) for x in inputs[cut:]] + [wl_finish(tracker)]
    tail_copy = [(wl_score(copy, x), wl_learn(copy, x)) for x in inputs[cut:]] + [wl_finish(copy)]
    assert tail_copy == tail
    assert head + tail == contract_runs(11)


def test_contract_same_seed_same_outputs(contract_runs):
    tracker = wl_make()
    again = [(wl_score(tracker, x), wl_learn(tracker, x)) for x in wl_stream(3)] + [wl_finish(tracker)]
    assert again == contract_runs(3) and finite(again)
    assert wl_stream(3) == wl_stream(3) and wl_stream(3) != wl_stream(4)
    assert any(r["type"] == "created" for _, recs in contract_runs(3)[:-1] for r in recs)


def test_contract_new_and_missing_keys():
    wl_new_keys(wl_make())
    tracker = wl_make()
    for x in wl_stream(7)[:3000]:
        wl_learn(tracker, x)
    wl_new_keys(tracker)


def test_contract_high_score_means_emerging():
    wl_emerging(random.Random(1))
