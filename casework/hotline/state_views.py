"""What the open console asks every 2 seconds (static/js/hotline.js): the operator's call in
progress and what its line is doing, so that a call the telephone system reports pops up.

Short polling with an ETag rather than Server-Sent Events: gunicorn's gthread workers have a
few threads each (2 in `make run`), and an event stream holds one for as long as a console
is open, so two operators would take every thread of a worker. A poll holds a thread for a
few milliseconds, and when nothing changed it answers 304 with no body. The poll is not the
operator's activity: it does not keep an idle session alive (accounts/sessions.py).
"""

import hashlib
import json

from flask import Response, jsonify, request, url_for
from flask_login import current_user

from casework.accounts.roles import HOTLINE_CONSOLE
from casework.accounts.sessions import not_activity
from casework.core.web import require
from casework.hotline import services
from casework.hotline.views import bp, call_timer


@bp.get("/console/state")
def console_state():
    require(HOTLINE_CONSOLE.can_open(current_user))
    not_activity()
    call = services.open_call(current_user)
    state, seconds = call_timer(call) if call is not None else (None, 0)
    # The ETag covers what changes the page, not the running seconds.
    shown = {"call": call.id if call else None, "state": state}
    etag = hashlib.sha256(json.dumps([current_user.id, shown]).encode()).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        unchanged = Response(status=304)
        unchanged.set_etag(etag, weak=True)
        return unchanged
    body = {"call": None}
    if call is not None:
        body["call"] = {"id": call.id, "state": state, "seconds": seconds,
                        "url": url_for("hotline.console")}
    response = jsonify(body)
    response.set_etag(etag, weak=True)
    return response
