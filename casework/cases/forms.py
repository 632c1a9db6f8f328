"""Forms of the case page and the conflicts page (shape only; the rules are in services).

Several forms share the case page, so each is created with a prefix (its action's name):
field names and element ids never collide."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from casework.cases.models import REASON_MAX, InadmissibleReason, NoticeMethod
from casework.cases.workflow import CHECKLIST_ITEMS, TEXT_MAX
from casework.core.forms import Form

CHOOSE = _l("Choose…")


def _text(label, limit: int = TEXT_MAX, rows: int = 3) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=limit)],
                         render_kw={"rows": rows})


class ActionForm(Form):
    """A move that needs nothing but the click (and the CSRF token)."""

    def visible_fields(self) -> list:
        return [f for name, f in self._fields.items() if name != "csrf_token"]

    def payload(self) -> dict[str, Any]:
        return {name: f.data for name, f in self._fields.items()
                if name != "csrf_token" and f.data not in (None, "")}


class RejectForm(ActionForm):
    reason_code = SelectField(_l("Reason"), validate_choice=False, choices=[
        SelectChoice("", CHOOSE), *(SelectChoice(r.value, r.label) for r in InadmissibleReason)])
    public_reason = _text(_l("Explanation for the complainant"))


class MergeForm(ActionForm):
    into = StringField(_l("Reference of the case that continues"),
                       validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})


class RequestInfoForm(ActionForm):
    question = _text(_l("Question for the complainant"))


class AppealForm(ActionForm):
    reason = _text(_l("Grounds of the appeal"))


# The moves taken through a recorded decision (decide, redecide) have their form on the
# decisions page.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    "reject": RejectForm, "merge": MergeForm, "request_info": RequestInfoForm,
    "appeal": AppealForm,
}


def action_form(action: str, **kwargs: Any) -> ActionForm:
    return ACTION_FORMS.get(action, ActionForm)(prefix=action, **kwargs)


YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


class ChecklistForm(Form):
    """The admissibility checklist: each item yes (passes), no (fails) or not answered yet."""

    notes = _text(_l("Notes"))

    def items(self) -> dict[str, bool | None]:
        return {name: {"yes": True, "no": False}.get(getattr(self, name).data)
                for name, _label in CHECKLIST_ITEMS}

    def item_fields(self) -> list:
        return [getattr(self, name) for name, _label in CHECKLIST_ITEMS]


for _name, _label in CHECKLIST_ITEMS:
    setattr(ChecklistForm, _name, RadioField(_label, choices=YES_NO, validate_choice=False,
                                             validators=[Optional()]))


class NoteForm(Form):
    body = _text(_l("Internal note"), rows=3)


class MessageForm(Form):
    body = _text(_l("Message to the complainants"), rows=4)


class IdentityRequestForm(Form):
    reason = _text(_l("Why you need the complainant's identity"), limit=1000, rows=2)


class GroupMergeForm(Form):
    """Mass complaints: the case that continues; the group's others merge into it."""

    target = RadioField(_l("The case that continues"), validate_choice=False)
    # Only when the others are marked as duplicates: added to their public reason.
    note = _text(_l("Added to the reason the complainants are given (optional)"), rows=2)


class IdentityDecisionForm(Form):
    note = _text(_l("Note to the requester (required to refuse)"), limit=1000, rows=2)


class CustodianForm(Form):
    user = SelectField(_l("Committee member"), validate_choice=False)


class AssignForm(Form):
    assignee = SelectField(_l("Assigned to"), validate_choice=False)


class NotifyAccusedForm(Form):
    candidate = SelectField(_l("Candidate"), validate_choice=False)
    method = SelectField(_l("How the candidate was told"), validate_choice=False, choices=[
        SelectChoice(m.value, m.label) for m in NoticeMethod])


class AccusedReplyForm(Form):
    text = _text(_l("The candidate's reply"), rows=4)
    files = MultipleFileField(_l("Files the candidate sent"))


class ConflictForm(Form):
    candidate = SelectField(_l("Candidate"), validate_choice=False)
    reason = _text(_l("The conflict of interest (relationship, work, party role…)"),
                   limit=REASON_MAX)
