"""The one evidence form: confirming the download of a file with active content."""

from flask_wtf import FlaskForm


class ConfirmDownloadForm(FlaskForm):
    """Nothing to fill in: the CSRF token and the deliberate POST are the confirmation."""
