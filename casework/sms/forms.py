from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from casework.core.forms import Form
from casework.sms.text import MAX_PARTS


class SmsReplyForm(Form):
    # Two SMS at most: 134 characters in Kazakh or Russian, 306 in plain Latin letters.
    body = TextAreaField(_l("SMS text"), validators=[
        DataRequired(message=_l("Write the text of the SMS.")), Length(max=306)])
    max_parts = MAX_PARTS
