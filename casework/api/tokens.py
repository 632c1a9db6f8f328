"""Bearer-token authentication of the staff API (blueprint "staff_api", /api/v1/cases...).

Flask-Login's request loader acts only on requests to the staff API that carry
`Authorization: Bearer cw_...`; every other page keeps using the session cookie alone. The
gate answers 401 (problem+json, `WWW-Authenticate: Bearer`) to a staff API request that did
not authenticate by a valid token, even when a session cookie is present: a browser's
cookie never works on the API, which is why the API needs no CSRF token. Nothing here
writes to the session, so API responses set no cookie.
"""

from flask import Flask, Request, Response, abort, g, request
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts import tokens
from casework.accounts.models import User
from casework.core.problems import problem
from casework.extensions import db, login_manager

API_BLUEPRINT = "staff_api"


def bearer_token(req: Request) -> str | None:
    scheme, _sep, value = req.headers.get("Authorization", "").partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


def load_user_from_request(req: Request) -> User | None:
    """Flask-Login's request loader: the token's user, for staff API requests only."""
    if req.blueprint != API_BLUEPRINT:
        return None
    token = tokens.find_active(bearer_token(req))
    if token is None:
        return None
    user = token.user
    if tokens.touch(token):
        db.session.commit()  # the only write of the request so far: when it was last used
    g.api_token_id = token.id
    return user


def token_authenticated() -> bool:
    return current_user.is_authenticated and g.get("api_token_id") is not None


def unauthorized() -> Response:
    given = bearer_token(request) is not None
    if current_user.is_authenticated:  # logged in by the session cookie, which is not enough
        detail = _("The API does not accept the session cookie: send your personal API token "
                   "alone, without cookies.")
    elif given:
        detail = _("The token is unknown, revoked or expired.")
    else:
        detail = _("Send a personal API token: “Authorization: Bearer cw_…”. Create one on "
                   "your account page.")
    response = problem(401, _("Authentication required"), detail=detail)
    response.headers["WWW-Authenticate"] = ('Bearer realm="casework", error="invalid_token"'
                                            if given else 'Bearer realm="casework"')
    return response


def require_token() -> None:
    """Before every staff API request: a valid bearer token, or 401 (raised, with its
    problem+json answer)."""
    if request.blueprint != API_BLUEPRINT or token_authenticated():
        return
    abort(unauthorized())


def init_app(app: Flask) -> None:
    """Call from create_app, after casework.core.public.init_app."""
    login_manager.request_loader(load_user_from_request)
    # First of all before-request functions, ahead of the login check, so that a request
    # without a valid token gets the API's own 401 rather than the pages' answer.
    app.before_request_funcs.setdefault(None, []).insert(0, require_token)
