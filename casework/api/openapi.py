"""The OpenAPI 3.1 document of the public API; tests check it against the code."""

from flask import current_app

CATEGORIES = ["vote_buying", "voter_coercion", "multiple_voting", "evoting_irregularity",
              "paper_ballot_irregularity", "campaign_violation", "abuse_of_office",
              "defamation", "other"]
STATUSES = ["received", "under_review", "info_requested", "decided", "closed", "rejected",
            "merged"]


def _names() -> dict:
    return {"type": "object", "required": ["kk", "ru", "en"],
            "properties": {lang: {"type": "string"} for lang in ("kk", "ru", "en")}}


def _problem_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


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
            "accused_candidates": {"type": "array", "items": {"type": "string"}},
            "accused_other": {"type": ["string", "null"]},
            "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "witnesses": {"type": ["string", "null"]},
            "language": {"enum": ["kk", "ru", "en"]},
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


def document() -> dict:
    config = current_app.config
    return {
        "openapi": "3.1.0",
        "info": {"title": "Casework public API", "version": "1.0.0",
                 "description": "File complaints about violations in the primary election and "
                                "follow them by tracking code. No authentication; rate limited."},
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
                    "404": _problem_response("Unknown code"),
                    "422": _problem_response("Empty or wrong message, or a file refused"),
                    "429": LIMITED}}},
            "/openapi.json": {"get": {
                "operationId": "getOpenApi", "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {
                    "application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": SCHEMAS},
    }
