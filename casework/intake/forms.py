"""The public complaint form and the tracking forms (shape only; rules are in services)."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional

from casework.cases.models import Category
from casework.core.forms import Form
from casework.core.options import PrerenderedSelect
from casework.intake.models import ComplainantRole


class ComplaintForm(Form):
    """What happened, where and the narrative are required by the rules (intake/rules.py),
    which say what is missing in the complainant's terms and are checked in the same round
    as these shape checks."""

    identity = RadioField(_l("Who is complaining"), default="anonymous", choices=[
        SelectChoice("anonymous", _l("Anonymously")),
        SelectChoice("named", _l("With my name and contact details")),
    ])
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=200)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    complainant_role = SelectField(_l("You are"), default="voter", choices=[
        SelectChoice(role.value, role.label) for role in ComplainantRole])
    consent_to_contact = BooleanField(_l("The committee may contact me about this complaint"))
    category = RadioField(_l("What happened"), validate_choice=False, choices=[
        SelectChoice(c.value, c.label) for c in Category])
    occurred_on = DateField(_l("Date"), validators=[Optional()])
    occurred_time = TimeField(_l("Time"), validators=[Optional()])
    # The filing limit counts from it (cases/filing.py); empty: the day of the events.
    learned_on = DateField(_l("When did you learn of it?"), validators=[Optional()],
                           description=_l("Leave empty if on the day it happened."))
    # The election's lists are given rendered (intake/choices.py: with_reference_options).
    region = SelectField(_l("Region, city or district"), validate_choice=False,
                         widget=PrerenderedSelect())
    station = SelectField(_l("Polling station"), validate_choice=False,
                          widget=PrerenderedSelect())
    accused = SelectMultipleField(_l("Candidates concerned"), validate_choice=False,
                                  widget=PrerenderedSelect(multiple=True))
    accused_other = StringField(_l("Another person (describe)"),
                                validators=[Optional(), Length(max=500)])
    narrative = TextAreaField(_l("What happened"), validators=[Length(max=20000)])
    links = TextAreaField(_l("Links (one per line)"), validators=[Optional(), Length(max=11000)])
    witnesses = TextAreaField(_l("Witnesses"), validators=[Optional(), Length(max=5000)])
    evidence = MultipleFileField(_l("Files: photos, videos, audio, documents"))
    confirm_no_evidence = BooleanField(_l("I understand, send without evidence"))
    submission_key = HiddenField()
    # A field people never see; bots fill it in.
    website = StringField(_l("Leave this field empty"))


class TrackForm(Form):
    code = StringField(_l("Tracking code"), validators=[
        DataRequired(_l("Type the tracking code from your receipt.")), Length(max=60)])


class ReplyForm(Form):
    body = TextAreaField(_l("Your message"), validators=[Optional(), Length(max=10000)])
    evidence = MultipleFileField(_l("Add files"))


PLATFORMS = ["Facebook", "Instagram", "Telegram", "TikTok", "YouTube", "VK", "X (Twitter)",
             "WhatsApp"]


# The platforms that are not proper names, as the form labels them.
PLATFORM_LABELS = {"press": _l("Newspaper or news site"), "other": _l("Other")}


def platform_label(value: str | None) -> Any:
    """Where a published complaint appeared, in the page's language (None when not given)."""
    return PLATFORM_LABELS.get(value, value) if value else None


class PublishedComplaintForm(Form):
    """Staff record a complaint published elsewhere: social media or the press."""

    platform = SelectField(_l("Where it was published"), choices=[
        *[SelectChoice(p, p) for p in PLATFORMS],
        *[SelectChoice(value, label) for value, label in PLATFORM_LABELS.items()]])
    link = StringField(_l("Link to the publication"), validators=[
        DataRequired(_l("Give the link to the publication.")), Length(max=1000)])
    author = StringField(_l("Author (name or account)"), validators=[
        DataRequired(_l("Give the author: a name or an account.")), Length(max=200)])
    published_on = DateField(_l("Published on"), validators=[
        DataRequired(_l("Give the date it was published."))])
    published_time = TimeField(_l("Time"), validators=[Optional()])
    category = SelectField(_l("What is alleged"), choices=[
        SelectChoice(c.value, c.label) for c in Category])
    region = SelectField(_l("Region, city or district"), validate_choice=False,
                         widget=PrerenderedSelect())
    accused = SelectMultipleField(_l("Candidates concerned"), validate_choice=False,
                                  widget=PrerenderedSelect(multiple=True))
    narrative = TextAreaField(_l("What the publication says"), validators=[
        DataRequired(_l("Say what the publication says.")), Length(max=20000)])
    evidence = MultipleFileField(_l("Screenshots and saved copies"))
    submission_key = HiddenField()
