"""Login and staff administration forms (shape only; rules live in services)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from casework.accounts.models import Role


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, r.label) for r in Role])
    all_regions = BooleanField(_l("All regions"))
    regions = SelectMultipleField(_l("Regions"), choices=[], validate_choice=True)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=10, max=1024)])


class DisableForm(FlaskForm):
    pass


class CodeForm(FlaskForm):
    """The second step of the login, and the enrolment: the code of the authenticator app
    (or, at login, a recovery code)."""
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "autocapitalize": "off", "spellcheck": "false"})


class ConfirmForm(FlaskForm):
    """Step-up: both factors again before an act that changes outcomes."""
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "autocapitalize": "off", "spellcheck": "false"})
    next = HiddenField()


class ResetFactorForm(FlaskForm):
    """Only the CSRF token: the account is in the URL."""
