"""Every page's header (templates/_site_header.html) rendered once and kept per process.

The header is the language switch and, for staff, the menu, the "go to case" box, the inbox
count, the name and the logout form: some 40 links and translations, a tenth of a staff
page's cost when rendered on each request (issue 16). It is kept under a key of all it
shows: the language, the signed-in user's id, role and name (the menu and the box follow the
role) and the inbox count (counted on each page, as before). The visitor's own parts, the
CSRF token and the address the language switch returns to, are marks replaced on each
request, so no kept value holds a token or a typed address (a search's words).
"""

import secrets

from flask import render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from casework.core.cache import app_cache
from casework.core.i18n import page_locale

TEMPLATE = "_site_header.html"
# Random per process: no name or translation can spell them.
_MARK = secrets.token_hex(12)
CSRF_MARK, NEXT_MARK = f"csrf-{_MARK}", f"next-{_MARK}"
KEPT_HEADERS = 256  # languages × staff on a worker; ~3 KB each: under 1 MB


def site_header(inbox_unread: int) -> Markup:
    """The header for this request, with its token and return address in place."""
    user = current_user
    signed_in = bool(user.is_authenticated)
    key = (page_locale(), user.id, user.role, user.full_name, inbox_unread) if signed_in \
        else (page_locale(),)
    html = app_cache("site.header", size=KEPT_HEADERS).get_or_make(key, lambda: render_template(
        TEMPLATE, csrf_mark=CSRF_MARK, next_mark=NEXT_MARK, inbox_unread=inbox_unread))
    back = request.full_path if request.query_string else request.path
    html = html.replace(NEXT_MARK, escape(back))
    if signed_in:
        html = html.replace(CSRF_MARK, escape(generate_csrf()))
    return Markup(html)  # noqa: S704 - our template; the replaced parts are escaped
