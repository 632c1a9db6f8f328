"""Claim and release on the case page (they join the cases blueprint): the case in scope or
404 → can_claim / can_release or 403 → one service call → commit → back to the case."""

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.cases import claims
from casework.cases.access import case_or_404
from casework.cases.views import _again, _back, bp
from casework.core.forms import Form
from casework.core.web import require, submit


class ClaimForm(Form):
    """Only the CSRF token: the case is in the URL."""


@bp.post("/<reference>/claim")
def claim(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_claim(current_user))
    form = ClaimForm()
    return submit(form, lambda: claims.claim(case, current_user), page=_again(case, "claim", form),
                  done=_back(case), flash_message=_("The case is yours now."))


@bp.post("/<reference>/release")
def release(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_release(current_user))
    form = ClaimForm()
    return submit(form, lambda: claims.release(case, current_user),
                  page=_again(case, "release", form),
                  done=url_for("cases.case_page", reference=case.reference),
                  flash_message=_("You released the case: it is unassigned again."))
