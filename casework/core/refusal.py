"""The one refusal: a business rule's "no", raised by every service and shown by every view.

A `Refusal` carries a `code` (what kind of "no" — the table below gives its HTTP status), a
translated `message`, and the form field at fault (`field`) or several at once (`errors`,
field -> message). Views put it on their form with `on_form`; the JSON APIs send `status_of`
with the message and the field errors.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# code -> HTTP status. Every code a service raises is here; an unknown code is a 422.
STATUS: dict[str, int] = {
    "missing": 422,          # a required field is empty
    "invalid": 422,          # a field's value is not acceptable
    "inconsistent": 422,     # fields that do not agree with each other
    "password": 422,         # the password re-entered for an act is wrong
    "quorum": 422,           # too few members present to decide
    "no_majority": 422,      # the votes carry no outcome
    "too_large": 413,        # a file or body beyond its limit
    "forbidden": 403,        # the user may not do this on this object
    "self_approval": 403,    # the four-eyes rule: not on one's own proposal
    "conflict_of_interest": 422,  # a member with a declared conflict given a vote (a field)
    "not_found": 404,        # nothing with this name in the user's scope
    "not_allowed": 409,      # not from the object's present state
    "conflict": 409,         # someone else changed it meanwhile: reload and retry
    "certified": 422,        # the region's results are certified: withdraw first
    "open_cases": 422,       # open cases or sanctions could still change the results: the
                             # form asks for an override reason
    "throttled": 429,        # too many attempts: wait
    "unreachable": 503,      # a part the act needs is down: try again later
    "bad_filter": 400,       # a list's query parameter (filter, day, page link) it cannot use
    "too_many_rows": 422,    # more rows than a spreadsheet export holds: narrow it, or CSV
}


class Refusal(ValueError):
    """Raised by services; nothing the refused call did is kept (the view rolls back)."""

    def __init__(self, code: str, message: LazyString | str | None = None, *,
                 field: str | None = None, errors: Mapping[str, Any] | None = None):
        errors = dict(errors or {})
        if message is None:
            message = next(iter(errors.values()), None) or _l("This cannot be done.")
        if field is not None and field not in errors:
            errors[field] = message
        super().__init__(code, field)
        self.code = code
        self.message = message
        self.field = field
        self.errors: dict[str, Any] = errors

    @property
    def status(self) -> int:
        return status_of(self)

    def __str__(self) -> str:
        return str(self.message)


def status_of(refusal: Refusal) -> int:
    return STATUS.get(refusal.code, 422)


def on_form(form: Any, refusal: Refusal) -> list[str]:
    """Put the refusal's messages on the form's fields; return those that belong to no field
    (shown at the top of the form)."""
    fields = getattr(form, "_fields", {}) if form is not None else {}
    loose: list[str] = []
    for name, message in (refusal.errors or {None: refusal.message}).items():
        field = fields.get(name or "")
        if field is None:
            loose.append(str(message))
        else:
            field.errors = [*field.errors, str(message)]
    return loose


def required_text(value: object, field: str, missing: LazyString | str, limit: int) -> str:
    """The stripped text; refused as "missing" when empty and "invalid" when too long."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise Refusal("missing", missing, field=field)
    if len(text) > limit:
        raise Refusal("invalid", _l("The text is too long (at most %(n)d characters).", n=limit),
                      field=field)
    return text


def selected_ids(values: Iterable[Any] | None, field: str) -> list[int]:
    """The chosen ids as integers, in order and without repeats; "invalid" for anything that
    is not a number."""
    ids: list[int] = []
    for value in values or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise Refusal("invalid", _l("Unknown selection."), field=field) from None
        if number not in ids:
            ids.append(number)
    return ids
