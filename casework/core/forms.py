"""Forms shared by every page."""

from flask import Request
from flask_wtf import FlaskForm
from flask_wtf.csrf import ValidationError, validate_csrf
from wtforms import Field, HiddenField

from casework.core.text import MESSAGE, is_safe


def _safe_text(_form, field: Field) -> None:
    """Every text the field received (files are not text) is free of unsafe characters."""
    if any(isinstance(raw, str) and not is_safe(raw) for raw in field.raw_data or ()):
        raise ValidationError(str(MESSAGE))


class Form(FlaskForm):
    """The base of every form of the application: each field refuses text with characters
    nobody types (core/text.py) with a message on that field, so the page comes back (422)
    with everything else the visitor typed."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: [*(extra_validators or {}).get(name, ()), _safe_text] for name in self._fields}
        return super().validate(extra_validators=extra)


class LanguageForm(Form):
    """The language switch on every page. Its token is checked by `switch_allowed`: a
    staff session needs the CSRF token; an anonymous visitor's switch carries none, so
    that public pages put nothing in the session and stay cacheable by anyone."""

    class Meta:
        csrf = False

    lang = HiddenField()
    next = HiddenField()


def same_site(request: Request) -> bool:
    """Whether the browser says the request comes from our own pages. Sec-Fetch-Site is
    sent by current browsers; the Origin is "null" under our no-referrer policy, so it
    counts only when it names a site."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin.rstrip("/") == request.host_url.rstrip("/")
    return True


def switch_allowed(request: Request, authenticated: bool) -> bool:
    """Staff: the CSRF token (their account's preference changes). Anyone else: only a
    cookie changes, so a same-site request is enough."""
    if not same_site(request):
        return False
    if not authenticated:
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True
