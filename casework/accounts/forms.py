"""Login and staff administration forms (shape only; rules live in services)."""

from flask_babel import lazy_gettext as _l
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
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from casework.accounts.models import Role
from casework.accounts.passwords import MAX_PASSWORD_LENGTH
from casework.core.forms import Form


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class LogoutForm(Form):
    pass


class UserForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, r.label) for r in Role])
    all_regions = BooleanField(_l("All regions"))
    regions = SelectMultipleField(_l("Regions"), choices=[], validate_choice=True)
    # The rules (length, common passwords, own name) are checked by the service.
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=1024)])


class ExtensionForm(Form):
    extension = StringField(_l("Telephone extension"), validators=[Optional(), Length(max=32)])


class DisableForm(Form):
    pass


class NewPasswordFields:
    """The new password, twice; the rules are checked by the service (passwords.py)."""

    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password",
                                            message=_l("The two passwords are not the same."))])


class ChangePasswordForm(NewPasswordFields, Form):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=1024)])


class ResetPasswordForm(NewPasswordFields, Form):
    pass


class DecisionForm(Form):
    """Only the CSRF token: approve, reject, send a link or propose a reset are in the URL."""
class CodeForm(Form):
    """The second step of the login, and the enrolment: the code of the authenticator app
    (or, at login, a recovery code)."""
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "autocapitalize": "off", "spellcheck": "false"})


class ConfirmForm(Form):
    """Step-up: both factors again before an act that changes outcomes."""
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "autocapitalize": "off", "spellcheck": "false"})
    next = HiddenField()


class ResetFactorForm(Form):
    """Only the CSRF token: the account is in the URL."""
