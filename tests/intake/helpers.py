"""The public complaint form as a browser fills it."""

import re

from tests.plugin.data import NARRATIVE, csrf_from


def form_data(client, **overrides) -> dict:
    """The form's fields with a valid anonymous complaint, its CSRF token and submission key."""
    token = csrf_from(client, "/complaints/new")
    html = client.get("/complaints/new").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    data = {
        "csrf_token": token, "submission_key": key.group(1) if key else "k" * 20,
        "identity": "anonymous", "category": "vote_buying", "region": "KZ-KAR-BAL",
        "station": "", "narrative": NARRATIVE, "complainant_role": "voter",
    }
    data.update(overrides)
    return data
