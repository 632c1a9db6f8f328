"""The OpenAPI 3.1 document of the API (public, and staff with bearer tokens); tests check
it against the code."""

from flask import current_app

from casework.core.i18n import LANGUAGES

CATEGORIES = ["vote_buying", "voter_coercion", "multiple_voting", "evoting_irregularity",
              "paper_ballot_irregularity", "campaign_violation", "abuse_of_office",
              "defamation", "other"]
STATUSES = ["received", "under_review", "info_requested", "decided", "closed", "rejected",
            "merged"]


def _names() -> dict:
    return {"type": "object", "required": list(LANGUAGES),
            "properties": {lang: {"type": "string"} for lang in LANGUAGES}}


def _problem_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


# casework.core.security refuses any form whose fields hold a NUL character, before the view.
FORBIDDEN_CHARACTER = _problem_response("A form field holds a character that is not allowed")


TRACKING_CODE = {"name": "code", "in": "path", "required": True,
                 "description": "The tracking code, with or without dashes.",
                 "schema": {"type": "string", "maxLength": 40}}

SCHEMAS = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "integer"}, "detail": {"type": "string"},
            "errors": {"type": "array", "items": {
                "type": "object", "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        },
    },
    "Election": {
        "type": "object", "required": ["code", "name", "timezone", "calendar", "regions",
                                       "stations", "candidates"],
        "properties": {
            "code": {"type": "string"}, "name": _names(), "timezone": {"type": "string"},
            "calendar": {"type": "object", "additionalProperties": {"type": ["string", "null"],
                                                                    "format": "date-time"}},
            "regions": {"type": "array", "items": {
                "type": "object", "required": ["code", "parent", "kind", "name"],
                "properties": {"code": {"type": "string"}, "parent": {"type": ["string", "null"]},
                               "kind": {"enum": ["region", "city", "district"]}, "name": _names()}}},
            "stations": {"type": "array", "items": {
                "type": "object", "required": ["code", "kind", "region", "address"],
                "properties": {"code": {"type": "string"}, "kind": {"enum": ["paper", "electronic"]},
                               "region": {"type": ["string", "null"]}, "address": {"type": "string"}}}},
            "candidates": {"type": "array", "items": {
                "type": "object", "required": ["code", "region", "name"],
                "properties": {"code": {"type": "string"}, "region": {"type": "string"},
                               "name": _names()}}},
        },
    },
    "ComplaintInput": {
        "type": "object", "required": ["category", "region", "narrative", "anonymous"],
        "properties": {
            "category": {"enum": CATEGORIES},
            "region": {"type": "string", "description": "Region, city or district code."},
            "station": {"type": ["string", "null"], "description": "Polling station code; the electronic vote has its own."},
            "narrative": {"type": "string", "description": "What happened: what, where, when, who."},
            "anonymous": {"type": "boolean"},
            "occurred_at": {"type": ["string", "null"], "format": "date-time",
                            "description": "Local time of the election unless an offset is given."},
            "learned_on": {"type": ["string", "null"], "format": "date",
                           "description": "The local day the complainant learned of the facts; "
                                          "the filing limit counts from it (default: the day of "
                                          "occurred_at)."},
            "accused_candidates": {"type": "array", "items": {"type": "string"}},
            "accused_other": {"type": ["string", "null"]},
            "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "witnesses": {"type": ["string", "null"]},
            "language": {"enum": list(LANGUAGES)},
            "contact": {"type": "object", "properties": {
                "name": {"type": "string"}, "phone": {"type": "string"},
                "email": {"type": "string", "format": "email"},
                "role": {"enum": ["voter", "candidate", "observer", "party_member", "other"]},
                "consent_to_contact": {"type": "boolean"}}},
        },
    },
    "Evidence": {
        "type": "object", "required": ["filename", "size", "sha256", "content_type"],
        "properties": {"filename": {"type": "string"}, "size": {"type": "integer"},
                       "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                       "content_type": {"type": "string"}},
    },
    "Receipt": {
        "type": "object", "required": ["reference", "tracking_code", "status", "evidence"],
        "properties": {"reference": {"type": "string"}, "tracking_code": {"type": "string"},
                       "status": {"enum": STATUSES},
                       "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}}},
    },
    "Tracking": {
        "type": "object", "required": ["reference", "status", "reason", "received_at", "messages"],
        "properties": {
            "reference": {"type": "string"}, "status": {"enum": STATUSES},
            "reason": {"type": ["string", "null"]},
            "received_at": {"type": "string", "format": "date-time"},
            "messages": {"type": "array", "items": {
                "type": "object", "required": ["from", "body", "at"],
                "properties": {"from": {"enum": ["committee", "complainant"]},
                               "body": {"type": "string"},
                               "at": {"type": "string", "format": "date-time"}}}},
        },
    },
}

LIMITED = _problem_response("Too many requests from this client; wait and try again.")


# -- the staff API (personal bearer tokens) --------------------------------------------------

CASE_STATES = ["received", "screening", "inadmissible", "investigation", "info_requested",
               "findings_ready", "decided", "closed", "appealed", "merged"]
CHANNELS = ["web", "api", "hotline", "email", "sms", "social_media", "letter", "walk_in", "own_finding"]
SORTS = ["newest", "oldest", "due", "updated"]
API_ACTIONS = ["start_screening", "admit", "reject", "merge", "request_cure", "cure_received",
               "request_info", "info_received", "ready_findings", "close", "appeal", "reopen"]
CHECKLIST_NAMES = ["within_remit", "within_filing_window", "specific_facts",
                   "evidence_or_source", "accused_identified", "not_duplicate"]
DATE_TIME = {"type": "string", "format": "date-time"}
OPTIONAL_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
BEARER = [{"bearerToken": []}]

STAFF_SCHEMAS = {
    "CaseSummary": {
        "type": "object",
        "required": ["reference", "state", "public_status", "category", "region", "station",
                     "created_at", "state_changed_at", "assignee", "due_at", "overdue"],
        "properties": {
            "reference": {"type": "string"}, "state": {"enum": CASE_STATES},
            "public_status": {"enum": STATUSES}, "category": {"enum": CATEGORIES},
            "region": {"type": ["string", "null"], "description": "Region code; null until set."},
            "station": {"type": ["string", "null"], "description": "Polling station code."},
            "created_at": DATE_TIME, "state_changed_at": DATE_TIME,
            "assignee": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}]},
            "due_at": OPTIONAL_DATE_TIME,
            "overdue": {"type": "boolean"},
        },
    },
    "CasePage": {
        "type": "object", "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/CaseSummary"}},
            "next": {"type": ["string", "null"],
                     "description": "Pass as `after` for the next page; null on the last one."},
        },
    },
    "TimelineEntry": {
        "type": "object", "required": ["kind", "at", "title", "body", "actor", "details"],
        "properties": {
            "kind": {"enum": ["complaint", "call", "mail", "evidence", "note", "message",
                              "transition", "notice", "reply"]},
            "at": DATE_TIME, "title": {"type": "string"}, "body": {"type": ["string", "null"]},
            "actor": {"type": ["string", "null"]},
            "details": {"type": "object", "description": "By kind; a transition has action, "
                        "from_state, to_state, reason_code, outcome_code."},
        },
    },
    "Case": {
        "allOf": [{"$ref": "#/components/schemas/CaseSummary"}, {
            "type": "object",
            "required": ["paused", "has_evidence", "outcome", "public_reason", "accused",
                         "actions", "timeline"],
            "properties": {
                "paused": {"type": "boolean"}, "has_evidence": {"type": "boolean"},
                "outcome": {"type": ["string", "null"]},
                "public_reason": {"type": ["string", "null"]},
                "accused": {"type": "array", "items": {
                    "type": "object", "required": ["code", "name", "names"],
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                   "names": _names()}}},
                "actions": {"type": "array", "description": "The moves open to you now.",
                            "items": {
                                "type": "object",
                                "required": ["action", "label", "to_state", "fields", "api"],
                                "properties": {
                                    "action": {"type": "string"}, "label": {"type": "string"},
                                    "to_state": {"enum": CASE_STATES},
                                    "fields": {"type": "array", "items": {"type": "string"}},
                                    "api": {"type": "boolean", "description":
                                            "false: decisions are taken on the decision form"}}}},
                "timeline": {"type": "array",
                             "items": {"$ref": "#/components/schemas/TimelineEntry"}},
            },
        }],
    },
    "TransitionInput": {
        "type": "object", "required": ["action", "expected_state"],
        "description": "The action's own fields: reject (reason_code, public_reason), merge "
                       "(into: a case reference), request_info and request_cure (question), appeal "
                       "(reason). "
                       "admit and reject rest on the admissibility checklist: send its items "
                       "in `checklist` (true passes, false fails, null unchecked; items left "
                       "out keep what the case page recorded). decide and redecide are not "
                       "taken here.",
        "properties": {
            "action": {"enum": API_ACTIONS},
            "expected_state": {"enum": CASE_STATES,
                               "description": "The state you saw; 409 if the case moved."},
            "reason_code": {"enum": ["outside_remit", "outside_filing_window",
                                     "no_specific_facts", "no_evidence_or_source", "duplicate",
                                     "withdrawn"]},
            "public_reason": {"type": "string", "maxLength": 10000},
            "into": {"type": "string", "maxLength": 40},
            "question": {"type": "string", "maxLength": 10000},
            "reason": {"type": "string", "maxLength": 10000},
            "checklist": {"type": "object", "additionalProperties": False,
                          "properties": {name: {"type": ["boolean", "null"]}
                                         for name in CHECKLIST_NAMES}},
            "checklist_notes": {"type": "string", "maxLength": 10000},
        },
    },
    "TransitionResult": {
        "type": "object", "required": ["reference", "state", "public_status", "transition"],
        "properties": {
            "reference": {"type": "string"}, "state": {"enum": CASE_STATES},
            "public_status": {"enum": STATUSES},
            "transition": {"type": "object",
                           "required": ["id", "action", "from_state", "to_state", "at"],
                           "properties": {"id": {"type": "integer"},
                                          "action": {"type": "string"},
                                          "from_state": {"enum": CASE_STATES},
                                          "to_state": {"enum": CASE_STATES}, "at": DATE_TIME}},
        },
    },
    "Statistics": {"type": "object", "description": "The staff dashboard's figures for your "
                   "regions (casework.reports.figures.Dashboard.to_dict)."},
}

UNAUTHORIZED = _problem_response("No valid personal API token (a session cookie is not enough)")
FORBIDDEN = _problem_response("Your role may not use this endpoint")
CASE_NOT_FOUND = _problem_response("No case with this reference in your regions")
INVALID = _problem_response("A parameter or field is missing or wrong (named in `errors`)")
REFERENCE = {"name": "reference", "in": "path", "required": True,
             "description": "The case reference, e.g. DEMO2020-KAR-00012.",
             "schema": {"type": "string", "maxLength": 40}}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


QUEUE_PARAMETERS = [
    _query("state", "Cases in this state.", {"enum": CASE_STATES}),
    _query("region", "A region code of your regions, with the regions below it; `none`: "
           "cases whose region is not set (staff of all regions only).",
           {"type": "string", "maxLength": 20}),
    _query("category", "Cases of this category.", {"enum": CATEGORIES}),
    _query("channel", "Cases with a complaint from this channel.", {"enum": CHANNELS}),
    _query("candidate", "Cases accusing the candidate with this code.",
           {"type": "string", "maxLength": 20}),
    _query("assignee", "A user id, `me` or `none`.", {"type": "string", "maxLength": 12}),
    _query("overdue", "Past their deadline (true) or not (false).", {"type": "boolean"}),
    _query("has_evidence", "With evidence (true) or without (false).", {"type": "boolean"}),
    _query("q", "Words to find in the texts of the case.", {"type": "string", "maxLength": 200}),
    _query("sort", "Order of the list.", {"enum": SORTS, "default": "newest"}),
    _query("after", "The `next` cursor of the previous page (same sort).",
           {"type": "string", "maxLength": 200}),
    _query("limit", "Cases per page.", {"type": "integer", "minimum": 1, "maximum": 100,
                                        "default": 50}),
]


def _json(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


STAFF_PATHS = {
    "/cases": {"get": {
        "operationId": "listCases", "tags": ["staff"], "security": BEARER,
        "summary": "The case queue in your regions, filtered, one keyset page at a time",
        "description": "Roles: reviewer, secretary, chair, auditor.",
        "parameters": QUEUE_PARAMETERS,
        "responses": {"200": _json("One page of cases", "CasePage"), "401": UNAUTHORIZED,
                      "403": FORBIDDEN, "404": _problem_response("No election"),
                      "422": INVALID}}},
    "/cases/{reference}": {"get": {
        "operationId": "getCase", "tags": ["staff"], "security": BEARER,
        "summary": "A case with its accused, its timeline and the moves open to you",
        "description": "Roles: reviewer, secretary, chair, auditor.",
        "parameters": [REFERENCE],
        "responses": {"200": _json("The case", "Case"), "401": UNAUTHORIZED, "403": FORBIDDEN,
                      "404": CASE_NOT_FOUND}}},
    "/cases/{reference}/transitions": {"post": {
        "operationId": "moveCase", "tags": ["staff"], "security": BEARER,
        "summary": "Take a workflow action on a case, as on the case page",
        "description": "Roles: reviewer, secretary, chair (and the action's own roles).",
        "parameters": [REFERENCE],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/TransitionInput"}}}},
        "responses": {"200": _json("Done: the new state", "TransitionResult"),
                      "401": UNAUTHORIZED, "403": FORBIDDEN, "404": CASE_NOT_FOUND,
                      "409": _problem_response("Not possible in the case's state, or the case "
                                               "changed meanwhile: reload and retry"),
                      "422": INVALID}}},
    "/statistics": {"get": {
        "operationId": "getStatistics", "tags": ["staff"], "security": BEARER,
        "summary": "The dashboard figures for your regions",
        "description": "Roles: reviewer, secretary, chair, auditor.",
        "responses": {"200": _json("The figures", "Statistics"), "401": UNAUTHORIZED,
                      "403": FORBIDDEN, "404": _problem_response("No election")}}},
}


def document() -> dict:
    config = current_app.config
    return {
        "openapi": "3.1.0",
        "info": {"title": "Casework API", "version": "1.1.0",
                 "description": "Public: file complaints about violations in the primary "
                                "election and follow them by tracking code (no "
                                "authentication; rate limited). Staff (tag `staff`): the "
                                "case queue, cases and their workflow with a personal API "
                                "token from your account page, as `Authorization: Bearer "
                                "cw_...`; the same roles and regions as on the pages."},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/elections/current": {"get": {
                "operationId": "getCurrentElection",
                "summary": "The current election with regions, stations and registered candidates",
                "responses": {"200": {"description": "The election", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Election"}}}},
                    "404": _problem_response("No election has been set up")}}},
            "/complaints": {"post": {
                "operationId": "fileComplaint",
                "summary": "File a complaint with evidence files",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "description": "Send the same key to retry safely: one complaint is created.",
                                "schema": {"type": "string", "maxLength": 200}}],
                "requestBody": {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "required": ["complaint"], "properties": {
                        "complaint": {"$ref": "#/components/schemas/ComplaintInput"},
                        "evidence": {"type": "array", "maxItems": config["CASEWORK_EVIDENCE_MAX_FILES"],
                                     "items": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
                    "encoding": {"complaint": {"contentType": "application/json"}}}}},
                "responses": {
                    "201": {"description": "Received", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Receipt"}}}},
                    "200": {"description": "Already received with this Idempotency-Key", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}}},
                    "400": FORBIDDEN_CHARACTER,
                    "413": _problem_response("Files too large"),
                    "422": _problem_response("Fields missing or wrong, or a file refused"),
                    "429": LIMITED}}},
            "/track/{code}": {"get": {
                "operationId": "trackComplaint", "summary": "Public status and messages of a complaint",
                "parameters": [TRACKING_CODE],
                "responses": {"200": {"description": "The complaint's status", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Tracking"}}}},
                    "404": _problem_response("Unknown code"), "429": LIMITED}}},
            "/track/{code}/messages": {"post": {
                "operationId": "replyToCommittee", "summary": "Write to the committee and/or add evidence",
                "parameters": [TRACKING_CODE],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"type": "object", "required": ["body"],
                                                    "properties": {"body": {"type": "string", "maxLength": 10000}}}},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "body": {"type": "string"},
                        "evidence": {"type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"}}}}}}},
                "responses": {"201": {"description": "Added; the updated status", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Tracking"}}}},
                    "400": FORBIDDEN_CHARACTER,
                    "404": _problem_response("Unknown code"),
                    "422": _problem_response("Empty or wrong message, or a file refused"),
                    "429": LIMITED}}},
            "/openapi.json": {"get": {
                "operationId": "getOpenApi", "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {
                    "application/json": {"schema": {"type": "object"}}}}}}},
            **STAFF_PATHS,
        },
        "components": {
            "schemas": {**SCHEMAS, **STAFF_SCHEMAS},
            "securitySchemes": {"bearerToken": {
                "type": "http", "scheme": "bearer", "bearerFormat": "cw_ personal API token",
                "description": "Created and revoked on your account page (/account)."}},
        },
    }
