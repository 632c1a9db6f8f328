"""Forms for sanctions: the proposal, the chair's review, the appeal and its decision. Only the
shape of what is sent: every rule (which findings, which candidate, which scope) is in
casework.sanctions.services."""

from collections.abc import Collection, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from casework.cases.workflow import TEXT_MAX
from casework.core.forms import Form
from casework.decisions.forms import CheckboxesField
from casework.elections.models import Candidate, PollingStation, Region
from casework.elections.queries import in_tree_order
from casework.sanctions.models import SUMMARY_MAX, AppealOutcome, SanctionType

REFERRAL_MAX = 300
ALL_CANDIDATES = "all"
NAMED_CANDIDATES = "named"


def type_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, kind.label) for kind in SanctionType]


def appeal_choices() -> list[SelectChoice]:
    return [SelectChoice(outcome.value, outcome.label) for outcome in AppealOutcome]


def candidate_choices(candidates: Iterable[Candidate], locale: str) -> list[SelectChoice]:
    return [SelectChoice(str(c.id), f"{c.code} · {c.name(locale)}") for c in candidates]


def station_choices(stations: Iterable[PollingStation],
                    named: Collection[int] = ()) -> list[SelectChoice]:
    """The stations, those the complaints name marked so (and listed first)."""
    def text(s: PollingStation) -> str:
        base = f"{s.code} · {s.address}" if s.address else s.code
        return _("%(station)s — named in a complaint", station=base) if s.id in named else base
    ordered = sorted(stations, key=lambda s: s.id not in named)  # stable: the order kept
    return [SelectChoice(str(s.id), text(s)) for s in ordered]


def region_choices(regions: Iterable[Region], locale: str) -> list[SelectChoice]:
    return [SelectChoice("", _l("No whole region")),
            *(SelectChoice(str(r.id), r.name(locale)) for r in in_tree_order(regions, locale))]


class ProposeForm(Form):
    kind = RadioField(_l("Type of sanction"), choices=type_choices(), validate_choice=False)
    finding_ids = CheckboxesField(_l("Findings it rests on"), choices=[])
    candidate_id = SelectField(_l("Candidate"), choices=[], validators=[Optional()])
    referred_to = StringField(_l("Body the case is referred to"),
                              validators=[Optional(), Length(max=REFERRAL_MAX)])
    summary = TextAreaField(_l("Public summary"),
                            description=_l("Shown in the public register; no personal data of "
                                           "the complainant."),
                            validators=[Length(max=SUMMARY_MAX)])
    station_ids = CheckboxesField(_l("Polling stations"), choices=[])
    annul_region_id = SelectField(_l("A whole region (its paper polling stations)"),
                                  choices=[], validators=[Optional()])
    annul_electronic = BooleanField(_l("The electronic vote"))
    candidates = RadioField(_l("Whose votes"), default=ALL_CANDIDATES, choices=[
        SelectChoice(ALL_CANDIDATES, _l("All candidates")),
        SelectChoice(NAMED_CANDIDATES, _l("Only the candidates named below"))])
    candidate_ids = CheckboxesField(_l("Candidates named"), choices=[])


def propose_form(*, findings, accused, stations, regions, candidates,
                 locale: str, named_stations: Collection[int] = ()) -> ProposeForm:
    """A ProposeForm whose choices are this case's findings, accused, stations and regions."""
    form = ProposeForm()
    form.finding_ids.choices = [SelectChoice(str(f.id), str(f.number)) for f in findings]
    form.candidate_id.choices = [SelectChoice("", _l("Choose…")),
                                 *candidate_choices(accused, locale)]
    form.station_ids.choices = station_choices(stations, named_stations)
    form.annul_region_id.choices = region_choices(regions, locale)
    form.candidate_ids.choices = candidate_choices(candidates, locale)
    return form


def preselect(form: ProposeForm, stations: Collection[int], candidates: Collection[int]) -> None:
    """A fresh proposal starts from what the complaints name: their stations and candidates
    (the one accused as the sanctioned candidate); only among the form's own choices."""
    offered = {int(choice.value) for choice in form.station_ids.choices}
    form.station_ids.data = sorted(set(stations) & offered)
    named = {int(choice.value) for choice in form.candidate_ids.choices} & set(candidates)
    form.candidate_ids.data = sorted(named)
    accused = [choice.value for choice in form.candidate_id.choices if choice.value]
    if len(accused) == 1:
        form.candidate_id.data = accused[0]


class ApproveForm(Form):
    """Only the CSRF token: the approval needs a fresh proof of both factors (step-up)."""


class RejectForm(Form):
    reason = TextAreaField(_l("Reason for the rejection"),
                           validators=[InputRequired(), Length(max=TEXT_MAX)])


class AppealForm(Form):
    filed_at = DateTimeLocalField(_l("Filed at"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                  validators=[InputRequired()])
    grounds = TextAreaField(_l("Grounds of the appeal"),
                            validators=[InputRequired(), Length(max=TEXT_MAX)])


class DecideAppealForm(Form):
    outcome = RadioField(_l("Decision on the appeal"), choices=appeal_choices(),
                         validators=[InputRequired()])
    reasons = TextAreaField(_l("Reasons"), validators=[InputRequired(), Length(max=TEXT_MAX)])
