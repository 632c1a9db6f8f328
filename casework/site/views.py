"""Public home, staff home, language switch, the audit log, and the staff menu
every page shows."""

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts.queries import scope_region_ids
from casework.accounts.roles import AUDIT_LOG
from casework.accounts.services import set_preferred_locale
from casework.core import audit, audit_checkpoints
from casework.core.errors import render_error
from casework.core.forms import LanguageForm, switch_allowed
from casework.core.i18n import LANG_COOKIE, LANGUAGES, page_locale
from casework.core.pages import kept_page
from casework.core.urls import safe_next
from casework.core.web import require
from casework.elections.queries import current_election, region_overview
from casework.extensions import csrf, db
from casework.site.frame import site_header
from casework.site.menu import can_find_cases, staff_menu

bp = Blueprint("site", __name__)

AUDIT_PAGE_SIZE = 50
PUBLIC_CHECKPOINTS = 200  # about two days at the default interval


@bp.get("/")
def home():
    election = current_election()
    hotline = current_app.config["CASEWORK_HOTLINE_PHONE"]
    public_email = current_app.config["CASEWORK_PUBLIC_EMAIL"]

    def render() -> str:
        return render_template("site/home.html", election=election, hotline=hotline,
                               public_email=public_email)

    # The calendar is the election's (its reference stamp changes with the row).
    key = (election.id, election.reference_stamp) if election else None
    return kept_page("site.home", (key, page_locale(), hotline, public_email), render)


@bp.post("/language")
@csrf.exempt  # checked by switch_allowed: the token for staff, the site for visitors
def set_language():
    form = LanguageForm()
    if not switch_allowed(request, current_user.is_authenticated):
        return render_error(400)
    if form.lang.data not in LANGUAGES:
        return render_error(400, _("Unknown language: %(lang)s. Choose one of: %(choices)s.",
                                   lang=(form.lang.data or "")[:10], choices=", ".join(LANGUAGES.values())))
    if current_user.is_authenticated:
        set_preferred_locale(current_user, form.lang.data)
        db.session.commit()
    response = make_response(redirect(safe_next(form.next.data, "/")))
    response.set_cookie(LANG_COOKIE, form.lang.data, max_age=365 * 24 * 3600, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/staff")
def staff_home():
    election = current_election()
    overview = []
    if election is not None:
        overview = region_overview(election, _scope_list(election.id), page_locale())
    return render_template("site/staff_home.html", election=election, overview=overview)


def _scope_list(election_id: int) -> list[int] | None:
    ids = scope_region_ids(current_user, election_id)
    return None if ids is None else sorted(ids)


@bp.get("/audit")
def audit_log():
    require(AUDIT_LOG.can_open(current_user))
    entries = audit.newest_first(request.args.get("before", type=int), AUDIT_PAGE_SIZE + 1)
    more = len(entries) > AUDIT_PAGE_SIZE
    entries = entries[:AUDIT_PAGE_SIZE]
    return render_template("site/audit_log.html", entries=entries,
                           next_before=entries[-1].id if more else None)


@bp.get("/transparency/audit")
def audit_transparency():
    return render_template("site/audit_transparency.html",
                           checkpoints=audit_checkpoints.newest_first(PUBLIC_CHECKPOINTS),
                           public_key=audit_checkpoints.public_key_b64(),
                           public_key_pem=audit_checkpoints.public_key_pem(),
                           key_id=audit_checkpoints.key_id())


@bp.get("/transparency/audit.json")
def audit_transparency_json():
    return jsonify(algorithm="Ed25519", key_id=audit_checkpoints.key_id(),
                   public_key=audit_checkpoints.public_key_b64(),
                   public_key_pem=audit_checkpoints.public_key_pem(),
                   checkpoints=[checkpoint.published() for checkpoint in
                                audit_checkpoints.newest_first(PUBLIC_CHECKPOINTS)])


@bp.app_context_processor
def _staff_menu():
    return {"staff_menu": staff_menu, "can_find_cases": can_find_cases,
            "site_header": site_header}
