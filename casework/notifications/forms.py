"""The outbox page's one form: "retry now" carries only its CSRF token."""

from casework.core.forms import Form


class RetryForm(Form):
    pass
