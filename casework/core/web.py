"""The one skeleton of a staff view: load or 404, check or 403, validate, one service call,
commit once, flash, redirect. A view states only what differs.

    case = load_or_404(case_for(current_user, reference))
    require(case.can_work(current_user))
    return submit(form, lambda: notes.add_note(case, current_user, form.body.data),
                  done=url_for(...), flash_message=_("Note added."),
                  page=lambda status, errors: render_case(case, status, note_form=form, errors=errors))
"""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect
from flask.typing import ResponseReturnValue

from casework.core.refusal import Refusal, on_form, status_of
from casework.extensions import db

T = TypeVar("T")

# page(status, errors) -> the form's page again, with the refusal's loose messages on top.
Page = Callable[[int, list[str]], ResponseReturnValue]


def load_or_404(found: T | None) -> T:
    """The object, or 404: for a missing object and one outside the user's scope alike."""
    if found is None:
        abort(404)
    return found


def require(allowed: bool) -> None:
    """403 unless allowed; call after load_or_404 so that existence is answered first."""
    if not allowed:
        abort(403)


def submit(form: Any, action: Callable[[], Any], *, page: Page,
           done: str | Callable[[Any], str], flash_message: str | None = None,
           flash_category: str = "success", validate: bool = True) -> ResponseReturnValue:
    """Validate `form`, run the one service call, commit once, flash and redirect to `done`
    (a URL, or a function of what the service returned). A form that does not validate is
    shown again with 422; a refusal rolls back and is shown on the form with its status."""
    if validate and not form.validate_on_submit():
        return page(422, [])
    try:
        result = action()
    except Refusal as refusal:
        db.session.rollback()
        return page(status_of(refusal), on_form(form, refusal))
    db.session.commit()
    if flash_message:
        flash(flash_message, flash_category)
    return redirect(done(result) if callable(done) else done)
