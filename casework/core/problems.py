"""Errors as application/problem+json (RFC 9457), naming the offending fields: the JSON
API's error documents, and the error pages' answer to a request under /api/.

The API's views never return an error: they raise it (`refuse`, or `refused` for a service's
`Refusal`, whose code gives the status through core/refusal's one table), and the API's
HTTPException handler answers with the problem the exception carries.
"""

from typing import NoReturn

from flask import Response, abort, json
from werkzeug.exceptions import HTTPException

from casework.core.refusal import Refusal, status_of


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


def http_problem(error: HTTPException) -> Response:
    """The API blueprints' HTTPException handler: the problem an error was raised with, or
    one made from a plain HTTP error (abort(404), a rate limit, ...)."""
    if error.response is not None:
        return error.response
    return problem(error.code or 500, error.name, detail=error.description)


def refuse(status: int, title: str, *, detail: str | None = None,
           errors: dict[str, object] | None = None) -> NoReturn:
    """End the request with this problem (an HTTPException carrying the problem response)."""
    abort(problem(status, title, detail=detail, errors=errors))


def refused(refusal: Refusal, title: str | None = None, *, detail: str | None = None) -> NoReturn:
    """End the request with a service's refusal: its code's status, its message as the title
    unless one is given, the fields at fault in `errors`."""
    refuse(status_of(refusal), title or str(refusal), detail=detail, errors=refusal.errors)
