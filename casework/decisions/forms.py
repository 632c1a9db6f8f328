"""Forms for findings and decisions: the shape of what is sent; the rules are in services."""

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from casework.accounts.models import User
from casework.cases.workflow import TEXT_MAX, Outcome
from casework.core.forms import Form
from casework.decisions.models import ALLEGATION_MAX, Vote
from casework.evidence.models import EvidenceItem

HASH_PREFIX = 12  # characters of the SHA-256 shown next to an evidence label


def outcome_choices(blank: bool = True) -> list[SelectChoice]:
    choices = [SelectChoice(outcome.value, outcome.label) for outcome in Outcome]
    return [SelectChoice("", _l("Choose…")), *choices] if blank else choices


def vote_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—"),
            *(SelectChoice(vote.value, vote.label) for vote in Vote)]


def evidence_choices(items: Iterable[EvidenceItem]) -> list[SelectChoice]:
    return [SelectChoice(str(item.id), f"{item.label} · {item.sha256[:HASH_PREFIX]}")
            for item in items]


def member_choices(members: Iterable[User]) -> list[SelectChoice]:
    return [SelectChoice(str(member.id), member.full_name) for member in members]


class CheckboxesField(SelectMultipleField):
    """Several ids chosen with checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int, **kwargs)


class FindingForm(Form):
    allegation = TextAreaField(_l("What was alleged"),
                               validators=[InputRequired(), Length(max=ALLEGATION_MAX)])
    conclusion = SelectField(_l("Conclusion"), choices=outcome_choices(),
                             validators=[InputRequired()])
    reasoning = TextAreaField(_l("Reasoning"), validators=[InputRequired(), Length(max=TEXT_MAX)])
    evidence_ids = CheckboxesField(_l("Evidence it rests on"), choices=[])


class DecisionForm(Form):
    meeting_at = DateTimeLocalField(_l("Date and time of the meeting"),
                                    format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                    validators=[InputRequired()])
    present_ids = CheckboxesField(_l("Members present"), choices=[])
    chair_id = SelectField(_l("Chaired by"), choices=[], validators=[Optional()])
    outcome = SelectField(_l("Outcome"), choices=outcome_choices(), validators=[InputRequired()])
    reasons = TextAreaField(_l("Reasons"), validators=[InputRequired(), Length(max=TEXT_MAX)])

    def vote_field(self, user_id: int):
        return self[f"vote_{user_id}"]

    def votes(self) -> dict[int, str]:
        """The votes sent, by member id (a disabled or blank select sends no vote)."""
        return {int(name.removeprefix("vote_")): field.data for name, field in self._fields.items()
                if name.startswith("vote_") and field.data}


def decision_form(members: list[User], **kwargs) -> DecisionForm:
    """A DecisionForm with one vote select per committee member (field `vote_<user id>`)."""

    class MembersDecisionForm(DecisionForm):
        pass

    for member in members:
        setattr(MembersDecisionForm, f"vote_{member.id}",
                SelectField(_l("Vote of %(name)s", name=member.full_name),
                            choices=vote_choices(), validators=[Optional()]))
    form = MembersDecisionForm(**kwargs)
    form.present_ids.choices = member_choices(members)
    form.chair_id.choices = [SelectChoice("", _l("The chair present")), *member_choices(members)]
    return form
