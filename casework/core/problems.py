"""Errors as application/problem+json (RFC 9457), naming the offending fields: the JSON
API's error documents, and the error pages' answer to a request under /api/."""

from flask import Response, json


def problem(status: int, title: str, *, detail: str | None = None,
            errors: dict[str, object] | None = None, type_: str = "about:blank") -> Response:
    body: dict[str, object] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = [{"field": name, "message": str(message)}
                          for name, message in errors.items()]
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/problem+json")
    return response
