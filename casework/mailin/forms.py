"""Forms of the quarantine page (shape only; the rules are in services)."""

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from casework.core.forms import Form


class ReleaseForm(Form):
    pass


class DiscardForm(Form):
    reason = TextAreaField(_l("Why is this message not a complaint?"),
                           validators=[DataRequired(_l("Give the reason for discarding the message.")),
                                       Length(max=400)])
