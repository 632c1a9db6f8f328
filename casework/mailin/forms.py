"""Forms of the quarantine page (shape only; the rules are in services)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class ReleaseForm(FlaskForm):
    pass


class DiscardForm(FlaskForm):
    reason = TextAreaField(_l("Why is this message not a complaint?"),
                           validators=[DataRequired(_l("Give the reason for discarding the message.")),
                                       Length(max=400)])
