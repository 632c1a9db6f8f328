"""Hotline console forms (shape only; the rules are in services)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms import Form as FilterForm  # GET filters: no CSRF; checked by the request guard
from wtforms.validators import Length, Optional

from casework.core.forms import Form
from casework.core.i18n import LANGUAGES
from casework.hotline.models import CallPurpose


def purpose_choices() -> list[SelectChoice]:
    return [SelectChoice(p.value, p.label) for p in CallPurpose]


# Alt+key (Chromium, Firefox: Alt+Shift+key) chooses the purpose; shown next to each label.
PURPOSE_KEYS = {
    CallPurpose.COMPLAINT: "c",
    CallPurpose.FOLLOW_UP: "u",
    CallPurpose.VOTING_QUESTION: "q",
    CallPurpose.EVOTING_PROBLEM: "e",
    CallPurpose.OTHER: "o",
}


class StartCallForm(Form):
    number = TelField(_l("Caller's number"), validators=[Optional(), Length(max=40)])
    language = RadioField(_l("Language"), default="kk", choices=[
        SelectChoice(code, name) for code, name in LANGUAGES.items()])


class FinishCallForm(Form):
    purpose = RadioField(_l("The call was about"), choices=purpose_choices(),
                         validate_choice=False)
    note = StringField(_l("Short note"), validators=[Optional(), Length(max=1000)])


class FollowUpForm(Form):
    q = StringField(_l("Tracking code, case reference or phone number"),
                    validators=[Optional(), Length(max=60)])
    target = RadioField(_l("Case"), validate_choice=False)
    message = TextAreaField(_l("What the caller said (added to the case)"),
                            validators=[Optional(), Length(max=10000)])
    # Enter in the search box presses the first button: "find".
    find = SubmitField(_l("Find"))
    add = SubmitField(_l("Add to the case"))


class CallLogFilters(FilterForm):
    """Read from the query string: a GET form, no CSRF."""

    operator = SelectField(_l("Operator"), validate_choice=False)
    purpose = SelectField(_l("Purpose"), validate_choice=False)
    date = DateField(_l("Date"), validators=[Optional()])
    number = StringField(_l("Number"), validators=[Optional(), Length(max=40)])
