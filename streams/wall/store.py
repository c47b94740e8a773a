"""The wall's event store: the latest version of every event, its history, and
what the newsroom did about it (acknowledge, mute, false alarm), in SQLite.

* :meth:`EventStore.apply` upserts an event record (``detectors/events.py``
  ``Event.record``).  Only a *newer* version replaces the latest one: the events
  topic redelivers, so an older or equal version is ignored (``False``).  Every
  version, late ones included, is kept in the ``history`` table for the event
  page's timeline.
* :meth:`EventStore.search` finds events by text in any language and script:
  ``q`` matches the keywords, the sample posts' texts, the id, the team and the
  watchlist, as a case-insensitive *substring* (so a part of a Chinese keyword
  matches).  Terms of three or more characters use an SQLite FTS5 table with the
  ``trigram`` tokenizer when this SQLite has it (>= 3.34); shorter terms (``停电``)
  and older SQLite use ``LIKE``.  Text is case-folded in Python before it is
  stored or searched, so ``Pożar`` finds ``POŻAR`` (SQLite's own folding is
  ASCII-only).
* :meth:`EventStore.act` records an action with its wall-clock time.
  ``unmute`` lifts both a mute and a false-alarm mark (the undo for either).
* :meth:`EventStore.suppressed` says whether a record should stay quiet: its
  event is muted or marked a false alarm, or it is a *recurrence* of such a
  story -- another event whose top-5 keywords overlap the muted event's top-5
  keywords with a Jaccard similarity of at least ``recurrence_jaccard`` (0.5),
  and whose event time (``ts``) is within ``recurrence_window_s`` (14 days) of
  the muted event's last update.
* :meth:`EventStore.subscribe` hands out an :class:`asyncio.Queue` that receives
  ``("event", record)`` for every applied record and ``("action", action)`` for
  every action, from any thread (``loop.call_soon_threadsafe``).

One connection, guarded by a lock: safe to call from the pipeline's thread and
from the web server's event loop at once.  Files use WAL journaling.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import threading
import time
from datetime import datetime, timezone
from typing import Any, Iterable

ACTIONS = ("acknowledge", "mute", "unmute", "false_alarm")
STATES = ("emerging", "active", "fading", "resolved")
SEVERITIES = ("info", "warning", "critical")
MAX_BY, MAX_NOTE = 200, 2000
RECURRENCE_WINDOW_S = 14 * 86400.0
RECURRENCE_JACCARD = 0.5
TOP_K = 5

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.I)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def fts5_trigram_available(conn: sqlite3.Connection | None = None) -> bool:
    """True when this SQLite has FTS5 with the ``trigram`` tokenizer (SQLite >= 3.34)."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    c = conn or sqlite3.connect(":memory:")
    try:
        c.execute("CREATE VIRTUAL TABLE temp.fp_probe USING fts5(x, tokenize='trigram')")
        c.execute("DROP TABLE temp.fp_probe")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        if conn is None:
            c.close()


def parse_time(value: Any) -> float:
    """Epoch seconds from an ISO 8601 time (``Z`` allowed) or a number.

    >>> parse_time("2026-03-02T01:50:00Z")
    1772416200.0
    >>> parse_time(1772416200)
    1772416200.0
    """
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def top_keywords(record: dict, k: int = TOP_K) -> set[str]:
    return {str(w).casefold() for w in (record.get("keywords") or [])[:k]}


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard similarity of two sets (0 for two empty sets).

    >>> jaccard({"pożar", "szczecin", "ogień"}, {"pożar", "szczecin", "dym"})
    0.5
    """
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 0.0


def _body(record: dict) -> str:
    """The searchable text of a record, case-folded."""
    parts = [str(record.get("id", ""))]
    parts += [str(w) for w in record.get("keywords") or []]
    parts += [str(s.get("text", "")) for s in record.get("samples") or [] if isinstance(s, dict)]
    parts += [str(record[k]) for k in ("team", "watchlist") if record.get(k)]
    return "\n".join(parts).casefold()


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _csv(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


class _Subscriber:
    __slots__ = ("loop", "queue")

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue):
        self.loop, self.queue = loop, queue


def _offer(queue: asyncio.Queue, item) -> None:
    """Runs in the subscriber's loop: put, dropping the oldest item when full."""
    try:
        queue.put_nowait(item)
    except asyncio.QueueFull:
        try:
            queue.get_nowait()
        except asyncio.QueueEmpty:
            pass
        queue.put_nowait(item)


class EventStore:
    """SQLite store of event records and newsroom actions (see the module doc)."""

    def __init__(self, path: str = ":memory:", *, recurrence_window_s: float = RECURRENCE_WINDOW_S,
                 recurrence_jaccard: float = RECURRENCE_JACCARD):
        self.path = path
        self.recurrence_window_s = recurrence_window_s
        self.recurrence_jaccard = recurrence_jaccard
        self._lock = threading.RLock()
        self._subs: list[_Subscriber] = []
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if path != ":memory:" and not path.startswith("file::memory:"):
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self.fts = fts5_trigram_available(self._db)
        self._schema()

    # -- schema ---------------------------------------------------------------------------

    def _schema(self) -> None:
        with self._lock:
            self._db.executescript("""
                CREATE TABLE IF NOT EXISTS events (
                    rid INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    version INTEGER NOT NULL,
                    state TEXT, severity TEXT, score REAL,
                    team TEXT, watchlist TEXT,
                    updated REAL NOT NULL,          -- event time of the latest record
                    first_seen REAL,
                    received_at TEXT NOT NULL,      -- wall clock
                    keywords TEXT NOT NULL,         -- JSON list of the top-5, case-folded
                    body TEXT NOT NULL,             -- searchable text, case-folded
                    record TEXT NOT NULL,           -- the latest record, JSON
                    muted INTEGER NOT NULL DEFAULT 0,
                    false_alarm INTEGER NOT NULL DEFAULT 0,
                    ack_by TEXT, ack_at TEXT
                );
                CREATE INDEX IF NOT EXISTS events_updated ON events(updated);
                CREATE INDEX IF NOT EXISTS events_team ON events(team, watchlist);
                CREATE INDEX IF NOT EXISTS events_quiet ON events(muted, false_alarm);
                CREATE TABLE IF NOT EXISTS history (
                    id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    ts TEXT, received_at TEXT NOT NULL,
                    record TEXT NOT NULL,
                    PRIMARY KEY (id, version)
                );
                CREATE TABLE IF NOT EXISTS actions (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL,
                    action TEXT NOT NULL,
                    by TEXT, note TEXT,
                    at TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS actions_event ON actions(event_id, seq);
            """)
            if self.fts:
                self._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS events_fts "
                                 "USING fts5(body, tokenize='trigram')")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- records --------------------------------------------------------------------------

    def apply(self, record: dict) -> bool:
        """Store ``record`` if it is newer than the stored version of its event.

        Returns True when it became the event's latest version (and was published
        to subscribers); False for an older or equal version (a redelivery).  Every
        version is kept in the history either way.
        """
        if not isinstance(record, dict):
            raise ValueError("an event record must be a JSON object")
        event_id, version = record.get("id"), record.get("version")
        if not isinstance(event_id, str) or not event_id:
            raise ValueError("event record without an 'id'")
        if isinstance(version, bool) or not isinstance(version, int):
            raise ValueError(f"event record {event_id} without an integer 'version'")
        try:
            updated = parse_time(record["ts"]) if record.get("ts") else time.time()
        except ValueError as exc:
            raise ValueError(f"event record {event_id}: bad 'ts' {record.get('ts')!r}") from exc
        try:
            first_seen = parse_time(record["first_seen"]) if record.get("first_seen") else None
        except ValueError:
            first_seen = None
        doc = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        now = iso_now()
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("INSERT OR IGNORE INTO history(id, version, ts, received_at, record) VALUES (?,?,?,?,?)",
                           (event_id, version, record.get("ts"), now, doc))
                row = db.execute("SELECT rid, version FROM events WHERE id=?", (event_id,)).fetchone()
                if row is not None and row["version"] >= version:
                    db.execute("COMMIT")
                    return False
                values = (version, record.get("state"), record.get("severity"), record.get("score"),
                          record.get("team"), record.get("watchlist"), updated, first_seen, now,
                          json.dumps(sorted(top_keywords(record)), ensure_ascii=False), _body(record), doc)
                if row is None:
                    cur = db.execute("INSERT INTO events(version, state, severity, score, team, watchlist, updated, "
                                     "first_seen, received_at, keywords, body, record, id) "
                                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", (*values, event_id))
                    rid = cur.lastrowid
                else:
                    rid = row["rid"]
                    db.execute("UPDATE events SET version=?, state=?, severity=?, score=?, team=?, watchlist=?, "
                               "updated=?, first_seen=?, received_at=?, keywords=?, body=?, record=? WHERE rid=?",
                               (*values, rid))
                if self.fts:
                    db.execute("DELETE FROM events_fts WHERE rowid=?", (rid,))
                    db.execute("INSERT INTO events_fts(rowid, body) VALUES (?,?)", (rid, values[10]))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            status = self._status_locked(event_id)
        self._publish("event", {**record, "status": status})
        return True

    def get(self, event_id: str) -> dict | None:
        """The latest record of an event plus its ``status`` (see :meth:`status`), or None."""
        with self._lock:
            row = self._db.execute("SELECT * FROM events WHERE id=?", (event_id,)).fetchone()
            if row is None:
                return None
            quiet = self._quiet_locked()
            return self._out(row, quiet)

    def history(self, event_id: str) -> list[dict]:
        """Every stored version of an event, oldest first (full records, ``received_at`` added)."""
        with self._lock:
            rows = self._db.execute("SELECT record, received_at FROM history WHERE id=? ORDER BY version",
                                    (event_id,)).fetchall()
        return [{**json.loads(r["record"]), "received_at": r["received_at"]} for r in rows]

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def teams(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT team FROM events WHERE team IS NOT NULL ORDER BY team")
            return [r[0] for r in rows]

    def newest_ts(self) -> float | None:
        """Event time of the most recent update in the store."""
        with self._lock:
            return self._db.execute("SELECT MAX(updated) FROM events").fetchone()[0]

    def parse_since(self, since: Any) -> float:
        """``since`` as epoch seconds: ISO 8601, epoch seconds, or a duration (``30m``,
        ``2h``, ``1d``) back from the newest event time in the store (event time, so a
        replayed stream filters the same as a live one)."""
        if isinstance(since, str):
            m = _DURATION.match(since)
            if m:
                newest = self.newest_ts()
                ref = newest if newest is not None else time.time()
                return ref - float(m.group(1)) * _UNIT[m.group(2).lower()]
        return parse_time(since)

    def search(self, q: str | None = None, since: Any = None, team: str | None = None,
               state: str | Iterable[str] | None = None, severity: str | Iterable[str] | None = None,
               limit: int = 50, offset: int = 0, *, watchlist: str | None = None,
               with_total: bool = False) -> list[dict] | tuple[list[dict], int]:
        """Latest records matching every given filter, most recently updated first.

        ``q``: whitespace-separated terms, each a case-insensitive substring of the
        keywords, sample texts, id, team or watchlist (all terms must match).
        ``since``: last update (event time) at or after it (see :meth:`parse_since`).
        ``state``/``severity``: one value, a comma-separated string or a list.
        With ``with_total`` returns ``(events, total matching)``.
        """
        where, args = [], []
        for term in (q or "").casefold().split():
            if self.fts and len(term) >= 3:
                where.append("e.rid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
                args.append('"' + term.replace('"', '""') + '"')
            else:
                where.append("e.body LIKE ? ESCAPE '\\'")
                args.append(f"%{_like_escape(term)}%")
        if since is not None and since != "":
            where.append("e.updated >= ?")
            args.append(self.parse_since(since))
        if team:
            where.append("e.team = ?")
            args.append(team)
        if watchlist:
            where.append("e.watchlist = ?")
            args.append(watchlist)
        for column, values in (("state", _csv(state)), ("severity", _csv(severity))):
            if values:
                where.append(f"e.{column} IN ({','.join('?' * len(values))})")
                args.extend(values)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        with self._lock:
            rows = self._db.execute(f"SELECT e.* FROM events e{clause} ORDER BY e.updated DESC, e.score DESC, e.id "
                                    "LIMIT ? OFFSET ?", (*args, int(limit), int(offset))).fetchall()
            quiet = self._quiet_locked() if rows else []
            events = [self._out(r, quiet) for r in rows]
            if not with_total:
                return events
            total = self._db.execute(f"SELECT COUNT(*) FROM events e{clause}", args).fetchone()[0]
        return events, total

    # -- actions --------------------------------------------------------------------------

    def act(self, event_id: str, action: str, by: str | None = None, note: str | None = None,
            at: str | None = None) -> dict:
        """Record an action on a known event; returns it (``seq``, ``event_id``,
        ``action``, ``by``, ``note``, ``at``, plus the event's ``team``/``watchlist``/
        ``keywords``/``severity`` for whoever publishes it).

        Raises KeyError for an unknown event, ValueError (its ``field`` attribute
        names the bad argument) for a bad action, ``by`` or ``note``.
        """
        if action not in ACTIONS:
            raise _field_error("action", f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
        for name, value, limit in (("by", by, MAX_BY), ("note", note, MAX_NOTE)):
            if value is not None and not isinstance(value, str):
                raise _field_error(name, f"{name} must be a string")
            if value is not None and len(value) > limit:
                raise _field_error(name, f"{name} is longer than {limit} characters")
        at = at or iso_now()  # given: an action taken elsewhere, read back from the actions topic
        with self._lock:
            db = self._db
            row = db.execute("SELECT record FROM events WHERE id=?", (event_id,)).fetchone()
            if row is None:
                raise KeyError(event_id)
            db.execute("BEGIN IMMEDIATE")
            try:
                cur = db.execute("INSERT INTO actions(event_id, action, by, note, at) VALUES (?,?,?,?,?)",
                                 (event_id, action, by, note, at))
                seq = cur.lastrowid
                if action == "acknowledge":
                    db.execute("UPDATE events SET ack_by=?, ack_at=? WHERE id=?", (by, at, event_id))
                elif action == "mute":
                    db.execute("UPDATE events SET muted=1 WHERE id=?", (event_id,))
                elif action == "false_alarm":
                    db.execute("UPDATE events SET false_alarm=1 WHERE id=?", (event_id,))
                else:  # unmute: lifts a mute and a false-alarm mark
                    db.execute("UPDATE events SET muted=0, false_alarm=0 WHERE id=?", (event_id,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            status = self._status_locked(event_id)
        record = json.loads(row["record"])
        out = {"seq": seq, "event_id": event_id, "action": action, "by": by, "note": note, "at": at,
               "team": record.get("team"), "watchlist": record.get("watchlist"),
               "keywords": list(record.get("keywords") or []), "severity": record.get("severity"),
               "status": status}
        self._publish("action", out)
        return out

    def actions(self, event_id: str) -> list[dict]:
        """The actions on an event, oldest first ([] for an unknown event)."""
        with self._lock:
            rows = self._db.execute("SELECT seq, event_id, action, by, note, at FROM actions WHERE event_id=? "
                                    "ORDER BY seq", (event_id,)).fetchall()
        return [dict(r) for r in rows]

    def status(self, event_id: str) -> dict | None:
        """``{"acknowledged": {"by", "at"} | None, "muted", "false_alarm", "suppressed"}``;
        ``suppressed`` includes a recurrence of a muted story.  None for an unknown event."""
        with self._lock:
            return self._status_locked(event_id)

    def suppressed(self, record: dict) -> bool:
        """True when ``record`` should not alert: its event is muted or marked a false
        alarm, or it is a recurrence of such a story (module doc)."""
        with self._lock:
            row = self._db.execute("SELECT muted, false_alarm FROM events WHERE id=?",
                                   (record.get("id"),)).fetchone()
            if row is not None and (row["muted"] or row["false_alarm"]):
                return True
            return self._recurrence(record, self._quiet_locked()) is not None

    def recurrence_of(self, record: dict) -> str | None:
        """Id of the muted/false-alarm event ``record`` recurs, else None."""
        with self._lock:
            return self._recurrence(record, self._quiet_locked())

    # -- internals (call with the lock held) -------------------------------------------------

    def _quiet_locked(self) -> list[tuple[str, set[str], float]]:
        rows = self._db.execute("SELECT id, keywords, updated FROM events WHERE muted=1 OR false_alarm=1")
        return [(r["id"], set(json.loads(r["keywords"])), r["updated"]) for r in rows]

    def _recurrence(self, record: dict, quiet: list[tuple[str, set[str], float]]) -> str | None:
        if not quiet:
            return None
        words = top_keywords(record)
        if not words:
            return None
        try:
            ts = parse_time(record["ts"]) if record.get("ts") else time.time()
        except ValueError:
            ts = time.time()
        for other_id, other_words, other_ts in quiet:
            if other_id == record.get("id"):
                continue
            if abs(ts - other_ts) <= self.recurrence_window_s and \
                    jaccard(words, other_words) >= self.recurrence_jaccard:
                return other_id
        return None

    def _status_locked(self, event_id: str) -> dict | None:
        row = self._db.execute("SELECT * FROM events WHERE id=?", (event_id,)).fetchone()
        return None if row is None else self._status_row(row, self._quiet_locked())

    def _status_row(self, row: sqlite3.Row, quiet) -> dict:
        recurs = None
        if not (row["muted"] or row["false_alarm"]):
            recurs = self._recurrence(json.loads(row["record"]), quiet)
        return {
            "acknowledged": {"by": row["ack_by"], "at": row["ack_at"]} if row["ack_at"] else None,
            "muted": bool(row["muted"]),
            "false_alarm": bool(row["false_alarm"]),
            "recurrence_of": recurs,
            "suppressed": bool(row["muted"] or row["false_alarm"] or recurs),
            "received_at": row["received_at"],
        }

    def _out(self, row: sqlite3.Row, quiet) -> dict:
        return {**json.loads(row["record"]), "status": self._status_row(row, quiet)}

    # -- live updates ---------------------------------------------------------------------------

    def subscribe(self, loop: asyncio.AbstractEventLoop | None = None, maxsize: int = 1000) -> asyncio.Queue:
        """A queue receiving ``("event", record)`` and ``("action", action)`` tuples.

        Call it in the event loop that reads the queue (or pass that ``loop``); items
        published from any thread arrive through ``loop.call_soon_threadsafe``.  A
        subscriber that falls ``maxsize`` items behind loses the oldest ones.  Call
        :meth:`unsubscribe` when done.
        """
        loop = loop or asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
        with self._lock:
            self._subs.append(_Subscriber(loop, queue))
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        with self._lock:
            self._subs = [s for s in self._subs if s.queue is not queue]

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subs)

    def _publish(self, kind: str, payload: dict) -> None:
        with self._lock:
            subs = list(self._subs)
        dead = []
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(_offer, sub.queue, (kind, payload))
            except RuntimeError:  # its loop is closed
                dead.append(sub.queue)
        for queue in dead:
            self.unsubscribe(queue)


class FieldError(ValueError):
    """A bad argument; ``field`` names it (for a 400 response)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _field_error(field: str, message: str) -> FieldError:
    return FieldError(field, message)


def load_jsonl(store: EventStore, path: str) -> int:
    """Apply every record of an event log (``flashpoint replay --out``); returns how many applied."""
    applied = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                applied += store.apply(json.loads(line))
    return applied
