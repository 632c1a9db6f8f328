"""Forms of the staff results pages: the shape of what is sent; the rules are in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from casework.cases.workflow import TEXT_MAX
from casework.core.forms import Form


class CertifyForm(Form):
    # Required only while blockers remain: that rule is certification.certify()'s.
    override_reason = TextAreaField(_l("Reason for the override"),
                                    validators=[Optional(), Length(max=TEXT_MAX)],
                                    render_kw={"rows": 4})


class WithdrawForm(Form):
    reason = TextAreaField(_l("Reason for the withdrawal"),
                           validators=[InputRequired(), Length(max=TEXT_MAX)],
                           render_kw={"rows": 3})


class ResultsImportForm(Form):
    file = FileField(_l("Results file (CSV)"),
                     validators=[FileRequired(_l("Choose the CSV file to import."))],
                     render_kw={"accept": ".csv,text/csv"})
