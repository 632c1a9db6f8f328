"""Evidence pages of a case: the safe preview, and the confirmation before downloading a file
that carries active content. (Plain downloads go through the case page: cases.evidence.)"""

from flask import Blueprint, render_template
from flask_login import current_user

from casework.cases.access import case_or_404
from casework.cases.models import Case
from casework.core.web import load_or_404, require
from casework.evidence.forms import ConfirmDownloadForm
from casework.evidence.models import EvidenceItem
from casework.evidence.photo_facts import describe
from casework.evidence.previews import preview_response
from casework.evidence.services import download_response
from casework.evidence.similar_images import reused_in
from casework.extensions import db

bp = Blueprint("evidence", __name__, url_prefix="/cases")
# The case page lists a photo's facts beside it (only where the file itself may be downloaded).
bp.add_app_template_global(describe, "photo_facts")


@bp.app_template_global("evidence_reused_in")
def evidence_reused_in(items: list[EvidenceItem]) -> dict[int, list[dict]]:
    """Per item of the page, where else the file, or a nearly identical picture, is evidence
    (only cases the reader may open)."""
    return reused_in(items, current_user)


def _item_or_404(case: Case, item_id: int) -> EvidenceItem:
    item = db.session.get(EvidenceItem, item_id)
    return load_or_404(item if item is not None and item.case_id == case.id else None)


@bp.get("/<reference>/evidence/<int:item_id>/preview")
def preview(reference: str, item_id: int):
    case = case_or_404(current_user, reference)
    item = _item_or_404(case, item_id)
    require(item.can_download(current_user))
    return preview_response(item, current_user)


@bp.route("/<reference>/evidence/<int:item_id>/confirm", methods=["GET", "POST"])
def confirm_download(reference: str, item_id: int):
    case = case_or_404(current_user, reference)
    item = _item_or_404(case, item_id)
    require(item.can_download(current_user))
    form = ConfirmDownloadForm()
    if not form.validate_on_submit():
        return render_template("evidence/confirm.html", case=case, item=item, form=form)
    response = download_response(item, current_user, confirmed=True)
    db.session.commit()  # keeps the confirmed download's audit entry
    return response
