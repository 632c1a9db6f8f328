"""The one evidence form: confirming the download of a file with active content."""

from casework.core.forms import Form


class ConfirmDownloadForm(Form):
    """Nothing to fill in: the CSRF token and the deliberate POST are the confirmation."""
