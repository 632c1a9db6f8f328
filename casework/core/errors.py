"""Friendly error pages in the user's language, JSON for API clients."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from casework.core.problems import problem
from casework.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("There is no page at this address. Check the address or go to the home page.")),
    405: (_l("Method not allowed"), _l("This page cannot be used this way.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept. Send smaller or fewer files.")),
    429: (_l("Too many requests"), _l("Please wait a little and try again.")),
    # We cannot tell here whether what was sent got stored: never claim it did or did not.
    500: (_l("Something went wrong"), _l("An error occurred on our side. What you sent may not have been stored: please check (for a complaint, with its tracking code) or try again in a few minutes.")),
    503: (_l("Temporarily unavailable"), _l("A part of the service is unavailable, so what you sent has NOT been stored. Please send the same form again in a little while: it will not be filed twice.")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, message: str | None = None, typed: str | None = None):
    """The error page; `typed` is what the visitor wrote, given back when it was not stored."""
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    text = message or str(default_message)
    if request.path.startswith("/api/"):
        return problem(code, str(title), detail=text)
    if _wants_json():
        return jsonify(error=code, title=str(title), message=text), code
    return render_template("errors/error.html", code=code, title=title, message=text,
                           typed=typed), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_error(400, str(_l("The form has expired or was sent from another page. "
                                         "Please reload the page and try again.")))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.response is not None:  # already rendered, e.g. by the rate limiter
            return error.response
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(OverflowError)
    def _date_out_of_range(_error):
        # Only date arithmetic on a typed-in date overflows here (year 1 moved to UTC, or
        # year 9999 plus a day): the visitor's input, not a fault of ours.
        db.session.rollback()
        return render_error(400, str(_l("A date is out of the range this system accepts.")))

    @app.errorhandler(InternalServerError)
    def _server(_error):
        return render_error(500)
