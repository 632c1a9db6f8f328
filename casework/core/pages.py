"""Public pages kept whole, once per process, for the visitors who all see the same page.

A page is the same for every visitor in a language when its frame (templates/base.html)
carries nothing of theirs: nobody signed in (no staff bar, no token in the frame), no
flashed message waiting, no query string (the language switch sends the visitor back to
the address they came from, query included). The key names everything else the page
depends on (the election and its reference stamp, the language); a page with a visitor's
part (a CSRF token) is kept with marks the view replaces.
"""

from collections.abc import Callable, Hashable

from flask import request, session
from flask_login import current_user

from casework.core.cache import app_cache


def frame_is_shared() -> bool:
    return (not current_user.is_authenticated and not request.query_string
            and "_flashes" not in session)


def kept_page(name: str, key: Hashable, render: Callable[[], str]) -> str:
    """`render()` once per `key` while the frame is everyone's; otherwise every time."""
    if not frame_is_shared():
        return render()
    return app_cache(name, size=16).get_or_make(key, render)
