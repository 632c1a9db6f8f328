"""What may enter, checked before any view or extension reads the body: a size cap per
endpoint (413 at once, from the Content-Length alone) and text nobody types (core/text.py)
in the query string, the path, JSON bodies and the form bodies that no WTForms form checks.

Every request gets the small cap (MAX_CONTENT_LENGTH); only the endpoints listed here, which
take files, get the evidence limits. An urlencoded body is read and parsed whole, so it is
capped at MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS here (Werkzeug applies neither to it). A
chunked body without a length is cut at the cap while it is read (Werkzeug's limited stream).
"""

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from casework.core import jsontext, multipart, text
from casework.core.errors import render_error
from casework.core.problems import problem

# The endpoints that take files (a FileField or request.files): the evidence limits apply.
FILE_ENDPOINTS: frozenset[str] = frozenset({
    "intake.new_complaint",  # the public complaint form
    "intake.tracked_reply",  # a complainant's reply with files
    "intake_staff.published",  # a published complaint recorded with its saved copies
    "hotline.complaint",  # the hotline's complaint form (the public form's fields)
    "cases.accused_reply",  # the accused candidate's reply and the files sent
    "results.import_results",  # the results CSV
    "api.complaints_create",  # the public API: complaint JSON and evidence
    "api.track_message",  # the public API: a reply with files
})

# Endpoints that take a short text body only: a smaller cap than MAX_CONTENT_LENGTH.
SMALL_BODY_ENDPOINTS: dict[str, int] = {
    "sms.kannel": 16 * 1024,  # one SMS as Kannel posts it (joined parts: a few KB at most)
}

# Views that read form fields without a WTForms form (which would check them itself).
RAW_FORM_BLUEPRINTS: frozenset[str] = frozenset({"api", "staff_api", "passkeys", "cti"})

URLENCODED = "application/x-www-form-urlencoded"


def body_cap() -> int | None:
    """The largest body this request's endpoint accepts."""
    config = current_app.config
    if request.endpoint in FILE_ENDPOINTS:
        cap = config["CASEWORK_UPLOAD_MAX_CONTENT_LENGTH"]
    else:
        cap = config["MAX_CONTENT_LENGTH"]
    if request.endpoint in SMALL_BODY_ENDPOINTS:
        cap = SMALL_BODY_ENDPOINTS[request.endpoint]
    if request.mimetype == URLENCODED and config["MAX_FORM_MEMORY_SIZE"] is not None:
        cap = config["MAX_FORM_MEMORY_SIZE"] if cap is None else min(cap, config["MAX_FORM_MEMORY_SIZE"])
    return cap


def _cap_body():
    cap = body_cap()
    request.max_content_length = cap
    length = request.content_length
    if cap is not None and length is not None and length > cap:
        return render_error(413)  # from the header alone: nothing of the body is read
    if request.mimetype == URLENCODED:
        try:
            data = request.get_data(cache=True)  # within the cap; parsed from this cache later
        except RequestEntityTooLarge:  # a chunked body beyond the cap
            return render_error(413)
        parts = request.max_form_parts
        if parts is not None and data.count(b"&") >= parts:
            return render_error(413)
    return None


def _refused(field: str, where: str):
    message = _("The field “%(field)s” contains a character that is not allowed "
                "(a control character or an invalid one). Remove it and send again.", field=field)
    if request.path.startswith("/api/"):  # the statuses the OpenAPI document names
        status = 404 if where == "path" else 422
        return problem(status, _("The request was not accepted"), detail=message,
                       errors={field: str(text.MESSAGE)})
    return render_error(404 if where == "path" else 400, message)


def _guard_text():
    field = text.unsafe_pair((request.view_args or {}).items())
    if field is not None:
        return _refused(field, "path")
    field = text.unsafe_pair(request.args.items(multi=True))
    if field is not None:
        return _refused(field, "query")
    if request.is_json:
        data = jsontext.request_json()
        field = jsontext.unsafe_field(data) if data is not None else None
        return _refused(field, "body") if field is not None else None
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            URLENCODED, "multipart/form-data"):
        pairs = request.form.items(multi=True)
        if request.blueprint in RAW_FORM_BLUEPRINTS:
            field = text.unsafe_pair(pairs)
        else:
            # WTForms forms put the message on the field; NUL is refused for any form here,
            # as PostgreSQL cannot store it, in case a view reads a field it did not validate.
            field = next((name or "(no name)" for name, value in pairs
                          if not isinstance(name, str) or "\x00" in name + value), None)
            field = text.printable(field) if field is not None else None
        if field is not None:
            return _refused(field, "body")
    return None


def init_app(app: Flask) -> None:
    """Register before everything else that may read the body (CSRF, login, the limiter)."""
    multipart.install()  # the same parse, without compiling patterns per request
    app.before_request(_cap_body)
    app.before_request(_guard_text)
