"""PR teams' watchlists: the YAML file, its validation, and fast post matching.

Schema (see ``watchlists.example.yaml``)::

    teams:                              # non-empty list
      - name: acme-pr                   # unique team name
        watchlists:                     # non-empty list
          - name: acme                  # unique within the team
            description: "..."          # optional, free text
            queries:                    # non-empty; a post matches if ANY query matches
              - terms: ["acme"]         # ALL terms must appear (AND)
              - hashtags: ["#acmefail", "#acme"]    # ANY of them (OR)
              - handles: ["@acme"]      # ANY, as a mention or as the post's author
              - domains: ["acme.com"]   # ANY, a link to the domain or a subdomain
              - {terms: ["acme"], hashtags: ["#fail"]}  # several clauses in one query: all must hold
            # optional per-watchlist overrides of WatchlistTracker's defaults:
            min_posts: 5                # int >= 1
            min_authors: 8              # int >= 1
            min_ratio: 2.0              # number >= 1
            min_z: 4.0                  # number >= 0
            min_communities: 2          # int >= 0
            max_brigade_share: 0.5      # number in (0, 1]
            prior_per_minute: 1.0       # number >= 0: expected matching posts/min before any history

Normalization is the tokenizer's (:mod:`detectors.text`): lowercase, Arabic
spelling variants folded (``normalize_arabic``), hashtags as ``#tag``, handles as
``@name``, domains as ``url:domain`` without scheme, ``www.`` or path.

How a term matches
  A term is split like the tokenizer splits a post.  One word matches the
  post's term of that word (also its possessive, ``acme's``): never a substring
  of another word (``acmeister`` is not ``acme``), nor a hashtag or mention of
  it.  Several words match the tokenizer's bigrams of adjacent words (a
  phrase: ``acme bank``).  Chinese/Japanese (no spaces) matches when every
  character bigram of the phrase is among the post's terms.  Where the
  tokenizer drops a word (a stopword in the post's language, e.g. "next" in
  English, or too short: "x", "7up", "at&t"), the term is matched on the post's
  raw text instead (lowercased, Arabic folded, with word boundaries; no
  boundaries around Chinese/Japanese), only for posts in those languages.
  Terms in hyphenated compounds (``acme-branded``) do not match ``acme``; the
  tokenizer keeps at most 64 terms of a post, so a word far into a very long
  post can be missed when the caller passes the pipeline's terms.

>>> ws = load_watchlists('''
... teams:
...   - name: acme-pr
...     watchlists:
...       - name: acme
...         queries:
...           - terms: ["Acme", "recall"]
...           - hashtags: ["#AcmeFail"]
...           - terms: ["艾克美"]
... ''')
>>> ws.match("ACME announces a recall", ["acme", "announces", "recall", "acme announces", "announces recall"])
[('acme-pr', 'acme')]
>>> ws.match("Acmeister recall", None, lang="en"), ws.match("艾克美的产品", None, lang="zh")
([], [('acme-pr', 'acme')])
>>> load_watchlists("teams:\\n  - name: x\\n    watchlists: []\\n")
Traceback (most recent call last):
...
detectors.watchlist_queries.WatchlistError: <string>:3: teams[0].watchlists: must be a non-empty list of watchlists
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from detectors.stopwords import stopwords_for
from detectors.text import Tokenizer, normalize_arabic

__all__ = ["OVERRIDES", "Query", "Watchlist", "WatchlistError", "WatchlistSet", "load_watchlists"]

#: Per-watchlist overrides: name -> (type, check, description of the check).
OVERRIDES: dict[str, tuple[type, Any, str]] = {
    "min_posts": (int, lambda v: v >= 1, "must be an integer >= 1"),
    "min_authors": (int, lambda v: v >= 1, "must be an integer >= 1"),
    "min_communities": (int, lambda v: v >= 0, "must be an integer >= 0"),
    "min_ratio": (float, lambda v: v >= 1.0, "must be a number >= 1"),
    "min_z": (float, lambda v: v >= 0.0, "must be a number >= 0"),
    "max_brigade_share": (float, lambda v: 0.0 < v <= 1.0, "must be a number in (0, 1]"),
    "prior_per_minute": (float, lambda v: v >= 0.0, "must be a number >= 0"),
}
_CLAUSES = ("terms", "hashtags", "handles", "domains")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # as detectors.text
_CJK_CHAR = re.compile(f"[{_CJK}]")
_ARABIC = re.compile("[\u0600-\u06ff]")
_TAG_BODY = re.compile(r"[^\W_]\w*")
_HANDLE_BODY = re.compile(r"\w+")
_DOMAIN = re.compile(r"[^\s/?#:…@]+\.[^\s/?#:…@.]+")
_MIN_WORD_LEN = 2  # Tokenizer default
_POSSESSIVE = ("'s", "’s")


class WatchlistError(ValueError):
    """A watchlist file that cannot be used: names the file, the line (when known)
    and the field (``teams[0].watchlists[1].queries[2].terms``)."""

    def __init__(self, source: str, line: int | None, field: str, reason: str):
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {field}: {reason}" if field else f"{where}: {reason}")
        self.source, self.line, self.field, self.reason = source, line, field, reason


def _normalize(text: str) -> str:
    text = text.lower()
    return normalize_arabic(text) if _ARABIC.search(text) else text


@lru_cache(maxsize=256)
def _lang_code(lang: str | None) -> str:
    """The stopword list a post's ``lang`` gets (:func:`stopwords_for`'s rule)."""
    import stopwordsiso

    code = (lang or "en").split("-")[0].lower()
    return code if stopwordsiso.has_lang(code) else "en"


@lru_cache(maxsize=1)
def _stop_langs() -> tuple[tuple[str, frozenset[str]], ...]:
    import stopwordsiso

    return tuple((code, stopwords_for(code)) for code in sorted(stopwordsiso.langs()))


# -- compiled queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    """One term of a ``terms`` clause.  ``keys``: what the post's terms must all
    hold (each a tuple of alternatives), ``None`` when the tokenizer cannot
    produce it; ``text_langs``: languages whose posts are checked with
    ``pattern`` on the raw text instead (``"*"``: all)."""

    label: str
    keys: tuple[tuple[str, ...], ...] | None
    text_langs: frozenset[str]
    pattern: re.Pattern

    def matches(self, have, code: str, low: str | None) -> bool:
        if self.keys is not None and code not in self.text_langs and "*" not in self.text_langs:
            return all(any(k in have for k in alts) for alts in self.keys)
        return low is not None and self.pattern.search(low) is not None


@dataclass(frozen=True)
class Query:
    """One query: ``terms`` all, and any of ``hashtags``, any of ``handles``, any of
    ``domains`` (each clause only when given).  Stored normalized."""

    terms: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    compiled: tuple[_Term, ...] = field(default=(), repr=False, compare=False)

    def describe(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in _CLAUSES if getattr(self, name)}

    def _anchor(self) -> tuple[str, ...] | None:
        """Alternatives of one requirement every match has, to index the query by."""
        best = None
        for t in self.compiled:
            if t.keys is None:
                continue
            for alts in t.keys:
                rank = (len(alts[0]), -len(alts))  # longer words are rarer
                if best is None or rank > best[0]:
                    best = (rank, alts)
        if best is not None:
            return best[1]
        for alts in (self.hashtags, self.handles, tuple("url:" + d for d in self.domains)):
            if alts:
                return alts
        return None

    def check(self, have, code: str, low: str | None) -> list[str] | None:
        """The labels of what matched, or None."""
        labels = []
        for t in self.compiled:
            if not t.matches(have, code, low):
                return None
            labels.append(t.label)
        for alts, prefix in ((self.hashtags, ""), (self.handles, ""), (self.domains, "url:")):
            if alts:
                hit = next((a for a in alts if prefix + a in have), None)
                if hit is None:
                    return None
                labels.append(prefix + hit)
        return labels


@dataclass(frozen=True)
class Watchlist:
    team: str
    name: str
    queries: tuple[Query, ...]
    overrides: Mapping[str, float] = field(default_factory=dict)
    description: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.team, self.name)

    def keys(self) -> set[str]:
        """Every normalized term, hashtag, handle and domain (for keyword filtering)."""
        out: set[str] = set()
        for q in self.queries:
            for t in q.compiled:
                out.add(t.label)
                for alts in t.keys or ():
                    out.update(alts)
            out.update(q.hashtags)
            out.update(q.handles)
            out.update("url:" + d for d in q.domains)
        return out


def compile_term(raw: str) -> _Term | None:
    """A term as the matcher uses it; None if nothing of it could ever match."""
    norm = " ".join(_normalize(raw).split())
    if not norm:
        return None
    tokens = [("#" + w[1:]) if w[:1] == "＃" else w for w in Tokenizer.words(norm)]
    pattern = _text_pattern(norm)
    if norm.startswith("@") and _HANDLE_BODY.fullmatch(norm[1:]):
        return _Term(norm, (("@" + norm[1:],),), frozenset(), pattern)
    if " ".join(tokens) != norm:  # punctuation, digits, symbols: only the raw text has it
        return _Term(norm, None, frozenset({"*"}), pattern)
    keys: list[tuple[str, ...]] = []
    units: list[list[str]] = []  # what the tokenizer must keep, per key
    run: list[str] = []  # adjacent plain words

    def possessive(key: str) -> tuple[str, ...]:
        return (key, *(key + p for p in _POSSESSIVE)) if key[-1].isascii() else (key,)

    def flush_run() -> None:
        if len(run) == 1:
            keys.append(possessive(run[0]))
            units.append([run[0]])
        for a, b in zip(run, run[1:]):
            keys.append(possessive(f"{a} {b}"))
            units.append([a, b])
        run.clear()

    for tok in tokens:
        if tok.startswith("#"):
            flush_run()
            keys.append((tok,))
            units.append([])
        elif _CJK_CHAR.match(tok):
            flush_run()
            pairs = [tok] if len(tok) == 1 else [tok[i:i + 2] for i in range(len(tok) - 1)]
            for pair in pairs:
                keys.append((pair,))
                units.append([pair])
        else:
            run.append(tok)
    flush_run()
    if any(len(w) < _MIN_WORD_LEN and not _CJK_CHAR.match(w) for u in units for w in u):
        return _Term(norm, None, frozenset({"*"}), pattern)
    dropped = frozenset(code for code, stop in _stop_langs() if any(w in stop for u in units for w in u))
    return _Term(norm, tuple(dict.fromkeys(keys)), dropped, pattern)


def _text_pattern(norm: str) -> re.Pattern:
    parts = [re.escape(chunk) for chunk in norm.split(" ")]
    body = r"[\W_]+".join(parts)
    head = "" if _CJK_CHAR.match(norm[0]) or not (norm[0].isalnum()) else r"(?<![\w#@＃])"
    tail = "" if _CJK_CHAR.match(norm[-1]) or not norm[-1].isalnum() else r"(?!\w)"
    return re.compile(head + body + tail)


# -- the set, and matching ---------------------------------------------------------------------------


class WatchlistSet:
    """Every team's watchlists, indexed for matching.

    :meth:`match` costs one C-level set intersection test for a post that
    matches nothing (plus a dictionary look-up for the author, and a regex over
    the text only in languages where a watched word is a stopword)."""

    def __init__(self, watchlists: Iterable[Watchlist], source: str = "<watchlists>"):
        self.source = source
        self.watchlists: tuple[Watchlist, ...] = tuple(sorted(watchlists, key=lambda w: w.key))
        self._tokenizer = Tokenizer()
        index: dict[str, list[tuple[int, int]]] = {}
        text_queries: dict[str, list[tuple[int, int]]] = {}  # lang code ("*": all) -> queries
        text_patterns: dict[str, list[str]] = {}
        domains = False
        for wi, wl in enumerate(self.watchlists):
            for qi, q in enumerate(wl.queries):
                anchor = q._anchor()
                for key in anchor or ():
                    index.setdefault(key, []).append((wi, qi))
                domains = domains or bool(q.domains)
                for t in q.compiled:
                    for code in sorted(t.text_langs):
                        text_queries.setdefault(code, []).append((wi, qi))
                        text_patterns.setdefault(code, []).append(t.pattern.pattern)
        self._index = {k: tuple(dict.fromkeys(v)) for k, v in index.items()}
        self._keys = frozenset(self._index)
        self._text_queries = {c: tuple(dict.fromkeys(v)) for c, v in text_queries.items()}
        self._text_any = {c: re.compile("|".join(dict.fromkeys(p))) for c, p in text_patterns.items()}
        self._domains = domains

    def __len__(self) -> int:
        return len(self.watchlists)

    def __iter__(self):
        return iter(self.watchlists)

    def get(self, team: str, name: str) -> Watchlist | None:
        return next((w for w in self.watchlists if w.key == (team, name)), None)

    def teams(self) -> list[str]:
        return sorted({w.team for w in self.watchlists})

    def describe(self) -> list[dict]:
        """JSON-ready: ``[{"team", "name", "description", "queries", "overrides"}]`` (the wall's list)."""
        return [{"team": w.team, "name": w.name, "description": w.description,
                 "queries": [q.describe() for q in w.queries], "overrides": dict(w.overrides)}
                for w in self.watchlists]

    def match(self, text: str, terms: Sequence[str] | None = None, author: str | None = None,
              mentions: Sequence[str] = (), hashtags: Sequence[str] = (), lang: str | None = None
              ) -> list[tuple[str, str]]:
        """``[(team, watchlist), ...]`` the post matches, sorted.  ``terms``: the
        tokenizer's terms of ``text`` (:meth:`Tokenizer.analyze`); None to tokenize
        here (slower).  ``mentions``/``author``/``hashtags``: with or without ``@``/``#``."""
        return [self.watchlists[wi].key for wi in self.match_labels(text, terms, author, mentions, hashtags, lang)]

    def match_labels(self, text: str, terms: Sequence[str] | None = None, author: str | None = None,
                     mentions: Sequence[str] = (), hashtags: Sequence[str] = (), lang: str | None = None
                     ) -> dict[int, list[str]]:
        """Index in :attr:`watchlists` -> labels of the matched terms/hashtags/handles/domains."""
        if terms is None:
            terms = self._tokenizer.terms(text or "", lang)
        keys = self._keys
        extra: list[str] | None = None
        handle = None
        if author:
            handle = "@" + (author[1:] if author[0] == "@" else author).lower()
            if handle in keys:
                extra = [handle]
        if mentions or hashtags:
            more = [_handle(m) for m in mentions] + [_hashtag(h) for h in hashtags]
            extra = (extra or []) + more
        if self._domains and text and "://" in text:
            more = _parent_domains(terms)
            if more:
                extra = (extra or []) + more
        code = _lang_code(lang) if self._text_queries else "en"
        text_any = self._text_any
        low = None
        scan = None
        if text_any and text:
            for c in (code, "*"):
                pat = text_any.get(c)
                if pat is not None:
                    if low is None:
                        low = _normalize(text)
                    if pat.search(low):
                        scan = (scan or ()) + self._text_queries[c]
        if keys.isdisjoint(terms) and (extra is None or keys.isdisjoint(extra)) and scan is None:
            return {}
        # -- something may match: the full check ---------------------------------------------
        have = set(terms)
        if extra:
            have.update(extra)
        if handle is not None:
            have.add(handle)  # a handle in a query anchored on another of its terms
        candidates: list[tuple[int, int]] = []
        index = self._index
        for k in (have if len(have) < len(index) else index):
            if k in index and k in have:
                candidates.extend(index[k])
        if scan:
            candidates.extend(scan)
        if low is None and text and any(self.watchlists[wi].queries[qi].compiled and not _keys_only(
                self.watchlists[wi].queries[qi], code) for wi, qi in candidates):
            low = _normalize(text)
        out: dict[int, list[str]] = {}
        for wi, qi in sorted(set(candidates)):
            labels = self.watchlists[wi].queries[qi].check(have, code, low)
            if labels is not None:
                got = out.setdefault(wi, [])
                got.extend(label for label in labels if label not in got)
        return out


def _keys_only(q: Query, code: str) -> bool:
    return all(t.keys is not None and code not in t.text_langs and "*" not in t.text_langs for t in q.compiled)


def _handle(name: str) -> str:
    return "@" + name.lstrip("@＠").lower()


def _hashtag(tag: str) -> str:
    return "#" + _normalize(tag.lstrip("#＃"))


def _parent_domains(terms: Sequence[str]) -> list[str]:
    out = []
    for t in terms:
        if t.startswith("url:"):
            parts = t[4:].split(".")
            out.extend("url:" + ".".join(parts[i:]) for i in range(1, len(parts) - 1))
    return out


# -- loading and validation ----------------------------------------------------------------------------


class _Fields(dict):
    """A mapping's fields: key -> (value or node, node for line numbers); ``key_nodes``: the keys' nodes."""

    def __init__(self, *args):
        super().__init__(*args)
        self.key_nodes: dict[str, Any] = {}


class _Loader:
    """Walks the YAML node tree (for line numbers) and builds the watchlists."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, node, path: str, reason: str):
        line = node.start_mark.line + 1 if node is not None and getattr(node, "start_mark", None) else None
        raise WatchlistError(self.source, line, path, reason)

    # plain values from nodes (or from plain Python data, node=None)
    def value(self, node):
        import yaml

        if isinstance(node, yaml.ScalarNode):
            return yaml.SafeLoader("").construct_object(node) if node.tag != "tag:yaml.org,2002:str" else node.value
        return node

    def mapping(self, node, path: str, what: str) -> dict[str, tuple[Any, Any]]:
        """key -> (value node or value, node for marks)."""
        import yaml

        if isinstance(node, yaml.MappingNode):
            out = _Fields()
            for k, v in node.value:
                key = self.value(k)
                if not isinstance(key, str):
                    self.fail(k, path, f"keys must be text, got {key!r}")
                if key in out:
                    self.fail(k, _join(path, key), "duplicate key")
                out[key] = (v, v)
                out.key_nodes[key] = k
            return out
        if isinstance(node, Mapping):
            return _Fields((str(k), (v, None)) for k, v in node.items())
        self.fail(node if isinstance(node, yaml.Node) else None, path, f"must be a mapping with {what}")

    def sequence(self, node, path: str, what: str, *, empty: bool = False) -> list[tuple[Any, Any]]:
        """``empty``: an empty list is allowed (``teams: []``: nothing watched now)."""
        import yaml

        if isinstance(node, yaml.SequenceNode) and (node.value or empty):
            return [(v, v) for v in node.value]
        if isinstance(node, (list, tuple)) and (node or empty):
            return [(v, None) for v in node]
        kind = "a list" if empty else "a non-empty list"
        self.fail(node if isinstance(node, yaml.Node) else None, path, f"must be {kind} of {what}")

    def scalar(self, node, mark, path: str):
        import yaml

        if isinstance(node, yaml.Node):
            if not isinstance(node, yaml.ScalarNode):
                self.fail(node, path, "must be a single value, not a list or mapping")
            return self.value(node)
        return node

    def text(self, node, mark, path: str) -> str:
        v = self.scalar(node, mark, path)
        if not isinstance(v, str) or not v.strip():
            self.fail(mark, path, f"must be non-empty text, got {v!r}")
        return v.strip()

    def strings(self, node, mark, path: str) -> list[tuple[str, Any, str]]:
        import yaml

        items = None
        if isinstance(node, yaml.SequenceNode) and node.value:
            items = [(self.value(v) if isinstance(v, yaml.ScalarNode) else None, v) for v in node.value]
        elif isinstance(node, (list, tuple)) and node:
            items = [(v, None) for v in node]
        if items is None or any(not isinstance(v, str) or not v.strip() for v, _ in items):
            self.fail(mark, path, "must be a non-empty list of strings")
        return [(v.strip(), m or mark, f"{path}[{i}]") for i, (v, m) in enumerate(items)]

    # -- the schema --------------------------------------------------------------------------------
    def load(self, root) -> WatchlistSet:
        if root is None:
            raise WatchlistError(self.source, None, "", "empty: expected a mapping with 'teams'")
        top = self.mapping(root, "", "'teams'")
        self.unknown(top, "", ("teams",))
        if "teams" not in top:
            self.fail(root, "teams", "missing required field")
        node, mark = top["teams"]
        watchlists: list[Watchlist] = []
        teams_seen: dict[str, int] = {}
        for ti, (tnode, tmark) in enumerate(self.sequence(node, "teams", "teams", empty=True)):
            tpath = f"teams[{ti}]"
            team = self.mapping(tnode, tpath, "'name' and 'watchlists'")
            self.unknown(team, tpath, ("name", "watchlists"))
            name = self.required_text(team, tnode, tpath, "name")
            if name in teams_seen:
                self.fail(team["name"][1] or tmark, f"{tpath}.name", f"duplicate team {name!r} (also teams[{teams_seen[name]}])")
            teams_seen[name] = ti
            if "watchlists" not in team:
                self.fail(tnode, f"{tpath}.watchlists", "missing required field")
            wnode, wmark = team["watchlists"]
            names: dict[str, int] = {}
            for wi, (w, m) in enumerate(self.sequence(wnode, f"{tpath}.watchlists", "watchlists")):
                wl = self.watchlist(w, m, f"{tpath}.watchlists[{wi}]", name)
                if wl.name in names:
                    self.fail(self.mapping(w, "", "")["name"][1] or m, f"{tpath}.watchlists[{wi}].name",
                              f"duplicate watchlist {wl.name!r} in team {name!r} (also watchlists[{names[wl.name]}])")
                names[wl.name] = wi
                watchlists.append(wl)
        return WatchlistSet(watchlists, source=self.source)

    def unknown(self, fields: "_Fields", path: str, allowed: Sequence[str]) -> None:
        for k, (v, m) in fields.items():
            if k not in allowed:
                self.fail(fields.key_nodes.get(k, m), _join(path, k),
                          f"unknown field (expected one of: {', '.join(allowed)})")

    def required_text(self, fields, node, path: str, name: str) -> str:
        if name not in fields:
            self.fail(node, f"{path}.{name}", "missing required field")
        v, m = fields[name]
        return self.text(v, m or node, f"{path}.{name}")

    def watchlist(self, node, mark, path: str, team: str) -> Watchlist:
        fields = self.mapping(node, path, "'name' and 'queries'")
        self.unknown(fields, path, ("name", "description", "queries", *OVERRIDES))
        name = self.required_text(fields, node, path, "name")
        description = self.text(*fields["description"], f"{path}.description") if "description" in fields else ""
        if "queries" not in fields:
            self.fail(node, f"{path}.queries", "missing required field")
        qnode, qmark = fields["queries"]
        queries = tuple(self.query(q, m or qmark or node, f"{path}.queries[{i}]")
                        for i, (q, m) in enumerate(self.sequence(qnode, f"{path}.queries", "queries")))
        overrides: dict[str, float] = {}
        for key, (kind, ok, reason) in OVERRIDES.items():
            if key in fields:
                v, m = fields[key]
                v = self.scalar(v, m or node, f"{path}.{key}")
                if isinstance(v, bool) or not isinstance(v, (int, float)) or (kind is int and not isinstance(v, int)) \
                        or v != v or not ok(v):
                    self.fail(m or node, f"{path}.{key}", f"{reason}, got {v!r}")
                overrides[key] = kind(v)
        return Watchlist(team, name, queries, overrides, description)

    def query(self, node, mark, path: str) -> Query:
        fields = self.mapping(node, path, "one or more of terms, hashtags, handles, domains")
        self.unknown(fields, path, _CLAUSES)
        if not fields:
            self.fail(mark, path, "needs at least one of: terms, hashtags, handles, domains")
        clauses: dict[str, tuple[str, ...]] = {}
        compiled: list[_Term] = []
        for clause in _CLAUSES:
            if clause not in fields:
                continue
            v, m = fields[clause]
            items = self.strings(v, m or mark, f"{path}.{clause}")
            out: list[str] = []
            for raw, imark, ipath in items:
                if clause == "terms":
                    term = compile_term(raw)
                    if term is None:
                        self.fail(imark, ipath, f"{raw!r} has nothing to match")
                    compiled.append(term)
                    out.append(term.label)
                elif clause == "hashtags":
                    body = _normalize(raw.lstrip("#＃"))
                    if not _TAG_BODY.fullmatch(body):
                        self.fail(imark, ipath, f"{raw!r} is not a hashtag (a letter, then letters, digits or _)")
                    out.append("#" + body)
                elif clause == "handles":
                    body = raw.lstrip("@＠").lower()
                    if not _HANDLE_BODY.fullmatch(body):
                        self.fail(imark, ipath, f"{raw!r} is not a handle (letters, digits or _)")
                    out.append("@" + body)
                else:
                    dom = re.sub(r"^[a-z][a-z0-9+.-]*://", "", raw.lower()).split("/")[0].rstrip(".")
                    dom = dom[4:] if dom.startswith("www.") else dom
                    if not _DOMAIN.fullmatch(dom):
                        self.fail(imark, ipath, f"{raw!r} is not a domain (like acme.com)")
                    out.append(dom)
            clauses[clause] = tuple(dict.fromkeys(out))
        return Query(**clauses, compiled=tuple(compiled))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def load_watchlists(source: str | os.PathLike | Mapping) -> WatchlistSet:
    """Load and validate watchlists from a YAML file path, YAML text, or already
    parsed data (a mapping).  Raises :class:`WatchlistError` (a ``ValueError``)
    naming the file, the line and the field."""
    if isinstance(source, Mapping):
        return _Loader("<watchlists>").load(source)
    import yaml

    if isinstance(source, os.PathLike) or ("\n" not in source and (
            source.endswith((".yaml", ".yml")) or os.path.exists(source))):
        path = Path(source)
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WatchlistError(name, None, "", f"cannot read: {exc}") from None
    else:
        name, text = "<string>", source
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.problem and exc.context_mark is not None:
            reason += f" ({exc.context}, line {exc.context_mark.line + 1})"
        raise WatchlistError(name, mark.line + 1 if mark else None, "", reason) from None
    except yaml.YAMLError as exc:
        raise WatchlistError(name, None, "", f"invalid YAML: {exc}") from None
    return _Loader(name).load(root)
