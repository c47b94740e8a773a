"""The wall's OpenAPI 3.1 document, written by hand (served at ``GET /openapi.json``)."""

from __future__ import annotations

import copy

from streams.wall.store import ACTIONS, SEVERITIES, STATES

_ERROR = {"$ref": "#/components/responses/Error"}
_UNAUTHORIZED = {"$ref": "#/components/responses/Unauthorized"}


def _json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _html(summary: str, description: str, params: list | None = None) -> dict:
    op = {
        "summary": summary,
        "description": description + " The page loads without a token; it sends the token (from `?token=` or "
                                     "localStorage) with its API calls.",
        "tags": ["pages"],
        "security": [],
        "responses": {"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}},
    }
    if params:
        op["parameters"] = params
    return {"get": op}


_ID = {"name": "id", "in": "path", "required": True, "description": "Event id (`ev-...`).",
       "schema": {"type": "string"}}

_DOC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Flashpoint wall",
        "version": "1.0.0",
        "description": (
            "Emerging events detected by Flashpoint, what the newsroom did about them, and a live stream of both. "
            "When the wall runs with a token, every `/api/` route needs `Authorization: Bearer <token>`; "
            "`/api/stream` also accepts `?access_token=<token>` (a browser EventSource cannot send headers)."),
    },
    "servers": [{"url": "/"}],
    "tags": [{"name": "events"}, {"name": "watchlists"}, {"name": "pages"}, {"name": "meta"}],
    "security": [{"bearer": []}],
    "paths": {
        "/": _html("The wall", "Live list of emerging and active events."),
        "/events/{id}": _html("Event page", "Keywords, volume, samples, history and actions of one event.", [_ID]),
        "/watchlists": _html("Watchlists", "Each team's watchlists, their queries and current events."),
        "/api/events": {"get": {
            "operationId": "listEvents",
            "summary": "Search events (latest version of each), most recently updated first",
            "tags": ["events"],
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
                 "description": "Whitespace-separated terms; each must be a case-insensitive substring of the "
                                "keywords, sample texts, id, team or watchlist. Any language or script."},
                {"name": "since", "in": "query", "schema": {"type": "string"},
                 "description": "Last update (event time) at or after: ISO 8601, epoch seconds, or a duration "
                                "(`30m`, `2h`, `1d`) back from the newest event time in the store."},
                {"name": "team", "in": "query", "schema": {"type": "string"}},
                {"name": "watchlist", "in": "query", "schema": {"type": "string"}},
                {"name": "state", "in": "query", "schema": {"type": "string"},
                 "description": f"Comma-separated: {', '.join(STATES)}."},
                {"name": "severity", "in": "query", "schema": {"type": "string"},
                 "description": f"Comma-separated: {', '.join(SEVERITIES)}."},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500,
                                                            "default": 50}},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
            ],
            "responses": {
                "200": {"description": "Matching events", "content": _json_content({
                    "type": "object",
                    "required": ["events", "count", "total"],
                    "properties": {
                        "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                        "count": {"type": "integer"}, "total": {"type": "integer"},
                        "limit": {"type": "integer"}, "offset": {"type": "integer"},
                        "newest_ts": {"type": ["string", "null"], "format": "date-time"},
                    }})},
                "400": _ERROR, "401": _UNAUTHORIZED,
            },
        }},
        "/api/events/{id}": {"get": {
            "operationId": "getEvent",
            "summary": "One event: its latest record and status, every version, and its actions",
            "tags": ["events"],
            "parameters": [_ID],
            "responses": {
                "200": {"description": "The event", "content": _json_content({
                    "type": "object",
                    "required": ["event", "history", "actions"],
                    "properties": {
                        "event": {"$ref": "#/components/schemas/Event"},
                        "history": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryItem"}},
                        "actions": {"type": "array", "items": {"$ref": "#/components/schemas/Action"}},
                    }})},
                "401": _UNAUTHORIZED, "404": _ERROR,
            },
        }},
        "/api/events/{id}/actions": {"post": {
            "operationId": "actOnEvent",
            "summary": "Acknowledge, mute, unmute or mark an event a false alarm",
            "description": "`unmute` lifts a mute and a false-alarm mark. A muted or false-alarm event, and a "
                           "recurrence of it (another event whose top-5 keywords overlap with Jaccard >= 0.5 "
                           "within 14 days), is reported as `status.suppressed`.",
            "tags": ["events"],
            "parameters": [_ID],
            "requestBody": {"required": True, "content": _json_content({"$ref": "#/components/schemas/ActionRequest"})},
            "responses": {
                "201": {"description": "Stored", "content": _json_content({
                    "type": "object", "required": ["action", "status"],
                    "properties": {"action": {"$ref": "#/components/schemas/Action"},
                                   "status": {"$ref": "#/components/schemas/Status"}}})},
                "400": _ERROR, "401": _UNAUTHORIZED, "404": _ERROR, "415": _ERROR,
            },
        }},
        "/api/watchlists": {"get": {
            "operationId": "listWatchlists",
            "summary": "Watchlists of every team, with their current (not resolved) events",
            "tags": ["watchlists"],
            "responses": {
                "200": {"description": "Watchlists", "content": _json_content({
                    "type": "object", "required": ["watchlists", "teams"],
                    "properties": {
                        "watchlists": {"type": "array", "items": {"$ref": "#/components/schemas/Watchlist"}},
                        "teams": {"type": "array", "items": {"type": "string"}},
                    }})},
                "401": _UNAUTHORIZED, "500": _ERROR,
            },
        }},
        "/api/stream": {"get": {
            "operationId": "stream",
            "summary": "Server-sent events: every applied record and every action, live",
            "description": "`event: event` with a record (plus `status`) as `data`, `event: action` with an "
                           "action as `data`; a `: ping` comment every 15 s. Reconnect and reload the list "
                           "after a disconnect (no replay).",
            "tags": ["events"],
            "parameters": [{"name": "access_token", "in": "query", "required": False,
                            "description": "The bearer token, for clients that cannot send headers.",
                            "schema": {"type": "string"}}],
            "security": [{"bearer": []}, {"queryToken": []}],
            "responses": {
                "200": {"description": "An endless text/event-stream",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                "401": _UNAUTHORIZED,
            },
        }},
        "/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document", "tags": ["meta"], "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1", "content": _json_content({"type": "object"})}},
        }},
        "/healthz": {"get": {
            "operationId": "healthz", "summary": "Liveness", "tags": ["meta"], "security": [],
            "responses": {"200": {"description": "OK", "content": _json_content({
                "type": "object", "required": ["status"],
                "properties": {"status": {"const": "ok"}, "events": {"type": "integer"},
                               "subscribers": {"type": "integer"}, "fts": {"type": "boolean"}}})}},
        }},
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "Needed only when the wall runs with a token."},
            "queryToken": {"type": "apiKey", "in": "query", "name": "access_token",
                           "description": "For /api/stream only."},
        },
        "responses": {
            "Error": {"description": "An error", "content": _json_content({"$ref": "#/components/schemas/Error"})},
            "Unauthorized": {"description": "Missing or wrong bearer token",
                             "content": _json_content({"$ref": "#/components/schemas/Error"})},
        },
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"},
                               "field": {"type": "string", "description": "The bad parameter or body field."}}}}},
            "Sample": {"type": "object", "properties": {
                "id": {"type": "string"}, "author": {"type": ["string", "null"]},
                "lang": {"type": ["string", "null"]}, "ts": {"type": "string", "format": "date-time"},
                "text": {"type": "string"}}},
            "EventRecord": {
                "type": "object",
                "description": "A record of the events topic (detectors/events.py Event.record).",
                "required": ["id", "version"],
                "properties": {
                    "type": {"enum": ["created", "updated", "resolved"]},
                    "id": {"type": "string"}, "version": {"type": "integer"},
                    "ts": {"type": "string", "format": "date-time", "description": "Event time."},
                    "state": {"enum": list(STATES)}, "severity": {"enum": list(SEVERITIES)},
                    "score": {"type": "number"},
                    "keywords": {"type": "array", "items": {"type": "string"}},
                    "languages": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "posts": {"type": "integer"}, "voices": {"type": "integer"}, "communities": {"type": "integer"},
                    "volume": {"type": "array", "items": {"type": "array", "prefixItems": [
                        {"type": "string", "format": "date-time"}, {"type": "integer"}]}},
                    "samples": {"type": "array", "items": {"$ref": "#/components/schemas/Sample"}},
                    "first_seen": {"type": "string", "format": "date-time"},
                    "team": {"type": "string"}, "watchlist": {"type": "string"},
                    "crisis": {"type": "object", "additionalProperties": {"type": "number"}},
                },
            },
            "Status": {"type": "object", "properties": {
                "acknowledged": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                    "by": {"type": ["string", "null"]}, "at": {"type": "string", "format": "date-time"}}}]},
                "muted": {"type": "boolean"}, "false_alarm": {"type": "boolean"},
                "recurrence_of": {"type": ["string", "null"],
                                  "description": "The muted/false-alarm event this one recurs."},
                "suppressed": {"type": "boolean"},
                "received_at": {"type": "string", "format": "date-time"}}},
            "Event": {"allOf": [{"$ref": "#/components/schemas/EventRecord"}, {
                "type": "object", "properties": {"status": {"$ref": "#/components/schemas/Status"}}}]},
            "HistoryItem": {"type": "object", "properties": {
                "type": {"type": "string"}, "version": {"type": "integer"}, "ts": {"type": "string"},
                "state": {"type": "string"}, "severity": {"type": "string"}, "score": {"type": "number"},
                "posts": {"type": "integer"}, "voices": {"type": "integer"}, "communities": {"type": "integer"},
                "keywords": {"type": "array", "items": {"type": "string"}},
                "languages": {"type": "object", "additionalProperties": {"type": "integer"}},
                "received_at": {"type": "string", "format": "date-time"}}},
            "ActionRequest": {"type": "object", "required": ["action"], "additionalProperties": False,
                              "properties": {"action": {"enum": list(ACTIONS)},
                                             "by": {"type": "string", "maxLength": 200},
                                             "note": {"type": "string", "maxLength": 2000}}},
            "Action": {"type": "object", "required": ["event_id", "action", "at"], "properties": {
                "seq": {"type": "integer"}, "event_id": {"type": "string"}, "action": {"enum": list(ACTIONS)},
                "by": {"type": ["string", "null"]}, "note": {"type": ["string", "null"]},
                "at": {"type": "string", "format": "date-time", "description": "Wall-clock time."},
                "team": {"type": ["string", "null"]}, "watchlist": {"type": ["string", "null"]},
                "keywords": {"type": "array", "items": {"type": "string"}},
                "severity": {"type": ["string", "null"]},
                "status": {"$ref": "#/components/schemas/Status"}}},
            "Watchlist": {"type": "object", "required": ["name", "events"], "properties": {
                "team": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]},
                "queries": {"type": "array"},
                "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}},
        },
    },
}


def openapi_document(token: bool = True) -> dict:
    """The OpenAPI document; without a token the API needs no security."""
    doc = copy.deepcopy(_DOC)
    if not token:
        doc["security"] = []
        doc["paths"]["/api/stream"]["get"]["security"] = []
    return doc
