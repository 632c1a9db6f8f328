"""Public pages: the register of decisions (HTML, Atom, JSON) and the standings.

Everything here is public (see casework.core.public) and read-only. The register shows
enforced sanctions and those reversed on appeal: never the complainant, internal notes,
findings' text or staff names. The pages are the same for every anonymous visitor, so they
are cacheable for a minute; publicly only when the response sets no cookie (`_cacheable`).
The register's HTML page is rendered once a minute per (language, filters, page) and process,
and sooner when a sanction is enforced or reversed or the reference data change (the key
names them, `register_key`); only the frame around it is rendered per request.
"""

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from casework.core.cache import app_cache
from casework.core.errors import render_error
from casework.core.i18n import LANGUAGES
from casework.core.refusal import Refusal
from casework.elections.models import CandidateStatus, Election
from casework.elections.queries import current_election
from casework.elections.standings import standings as standings_of
from casework.register import queries
from casework.results.certification import certification_of
from casework.sanctions.models import AppealOutcome, SanctionStatus, SanctionType

bp = Blueprint("register", __name__)

CACHE_SECONDS = 60
CACHE_PUBLIC = f"public, max-age={CACHE_SECONDS}"
CACHE_PRIVATE = f"private, max-age={CACHE_SECONDS}"
# Pages of the register kept per process: the first pages of the common filters fit.
CACHED_PAGES = 256
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


# -- caching --------------------------------------------------------------------------------

@bp.after_request
def _cacheable(response: Response) -> Response:
    """Cacheable for a minute: these pages are the same for every visitor. HTML for logged-in
    staff keeps the default no-store. A response that sets a cookie is only ever `private`:
    a shared cache would hand that visitor's session (which for an anonymous complainant can
    hold a tracking reference) to everyone. Today every anonymous HTML page sets one (the
    language switch's CSRF token lives in the session, and strong session protection
    rewrites a session without a login), so HTML is cached by browsers only; JSON and Atom
    fetched without a session are public."""
    if response.status_code != 200:
        return response
    if response.mimetype == "text/html" and current_user.is_authenticated:
        return response
    sets_cookie = current_app.session_interface.should_set_cookie(current_app, session)
    response.headers["Cache-Control"] = CACHE_PRIVATE if sets_cookie else CACHE_PUBLIC
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")  # the language cookie and the session change the page
    return response


@bp.context_processor
def _numbers() -> dict:
    """Vote counts with the page language's grouping (a comma is a decimal point in ru)."""
    return {"number": format_decimal}


# -- helpers --------------------------------------------------------------------------------

def _election_or_none() -> Election | None:
    return current_election()


def _filters(election: Election | None):
    """(filters, cursor) from the query string; a "bad_filter" Refusal for a value we cannot use."""
    if election is None:
        return queries.Filters(), None
    filters = queries.parse_filters(request.args, election)
    return filters, queries.Cursor.decode(request.args.get("after"))


def _utc_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


def _names(obj) -> dict[str, str] | None:
    if obj is None:
        return None
    return {lang: obj.name(lang) for lang in LANGUAGES}


def _title(entry: queries.Entry) -> str:
    sanction = entry.sanction
    kind = str(sanction.kind.label)
    if sanction.candidate is not None:
        title = _("%(type)s: %(code)s %(name)s, case %(reference)s", type=kind,
                  code=sanction.candidate.code,
                  name=sanction.candidate.name(str(get_locale())),
                  reference=sanction.case.reference)
    else:
        title = _("%(type)s, case %(reference)s", type=kind, reference=sanction.case.reference)
    if sanction.status is SanctionStatus.REVERSED:
        title = _("%(title)s (reversed on appeal)", title=title)
    return title


# -- the register ---------------------------------------------------------------------------

@bp.get("/decisions")
def index():
    election = _election_or_none()
    try:
        filters, after = _filters(election)
    except Refusal as error:
        return _index_page(election, queries.Filters(), None, error), error.status
    after_arg = request.args.get("after") or ""
    key = (str(get_locale()), tuple(sorted(filters.args().items())), after_arg,
           queries.register_key(election))
    body = app_cache("register.index", size=CACHED_PAGES, ttl=CACHE_SECONDS).get_or_make(
        key, lambda: _index_body(election, filters, after))
    return render_template("register/index.html",
                           body=Markup(body))  # noqa: S704 - our own rendered template


def _index_body(election, filters, after) -> str:
    page = queries.register_page(election, filters, after) if election else None
    return _index_template("register/_index_body.html", election, filters, page)


def _index_page(election, filters, page, error: Refusal) -> str:
    """The register with a filter it cannot use: rendered for this request only."""
    body = _index_template("register/_index_body.html", election, filters, page, error)
    return render_template("register/index.html",
                           body=Markup(body))  # noqa: S704 - our own rendered template


def _index_template(template: str, election, filters, page, error: Refusal | None = None) -> str:
    args = filters.args()
    return render_template(
        template, election=election, filters=filters, page=page, error=error,
        values=request.args if error else args, types=SanctionType,
        regions=queries.top_level_regions(election, str(get_locale())) if election else [],
        next_url=url_for("register.index", **args, after=page.next_cursor.encode())
        if page and page.next_cursor else None,
        first_url=url_for("register.index", **args) if request.args.get("after") else None,
        feed_url=url_for("register.feed", **args), json_url=url_for("register.json_index", **args),
        disqualified=CandidateStatus.DISQUALIFIED)


@bp.get("/decisions/<int:sanction_id>")
def entry(sanction_id: int):
    election = _election_or_none()
    found = queries.public_entry(election, sanction_id) if election else None
    if found is None:
        abort(404)
    decision = found.sanction.decision
    appeal = found.sanction.appeal
    return render_template(
        "register/entry.html", entry=found, sanction=found.sanction, decision=decision,
        decided_on=format_date(decision.decided_on, "long") if decision else None,
        appeal=appeal,
        reversed_outcome=AppealOutcome.REVERSED, disqualified=CandidateStatus.DISQUALIFIED,
        annulment=found.sanction.kind is SanctionType.VOTE_ANNULMENT,
        # Staff who may open the sanction's staff page get a link to it; nobody else does.
        staff_link=found.sanction.can_view(current_user))


@bp.get("/decisions.json")
def json_index():
    election = _election_or_none()
    try:
        filters, after = _filters(election)
    except Refusal as error:
        return jsonify(error=error.code, field=error.field, message=str(error.message)), \
            error.status
    page = queries.register_page(election, filters, after) if election else None
    if page is None:
        return jsonify(items=[], next=None)
    next_url = url_for("register.json_index", **filters.args(), after=page.next_cursor.encode(),
                       _external=True) if page.next_cursor else None
    return jsonify(items=[_item(e) for e in page.entries], next=next_url)


def _item(entry: queries.Entry) -> dict:
    sanction = entry.sanction
    candidate = sanction.candidate
    return {
        "id": sanction.id,
        "type": sanction.kind.value,
        "status": sanction.status.value,
        "enforced_at": _utc_iso(sanction.enforced_at),
        "reversed_at": _utc_iso(sanction.reversed_at),
        "candidate": None if candidate is None else {
            "code": candidate.code, "name": _names(candidate), "status": candidate.status.value},
        "region": None if entry.region is None else {
            "code": entry.region.code, "name": _names(entry.region)},
        "case_reference": sanction.case.reference,
        "summary": sanction.summary,
        "referred_to": sanction.referred_to,
        "votes_annulled": entry.votes_annulled,
        "url": url_for("register.entry", sanction_id=sanction.id, _external=True),
    }


@bp.get("/decisions/feed.atom")
def feed():
    election = _election_or_none()
    try:
        filters, _after = _filters(election)
    except Refusal as error:
        return render_error(error.status, str(error.message))
    entries = (queries.register_page(election, filters, size=queries.FEED_SIZE).entries
               if election else [])
    return Response(_atom(entries, filters), content_type=ATOM_TYPE)


def _atom(entries: list[queries.Entry], filters: queries.Filters) -> bytes:
    """An Atom 1.0 document; ElementTree escapes every text."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    root = ET.Element(f"{{{ATOM_NS}}}feed", {f"{{{XML_NS}}}lang": str(get_locale())})
    alternate = url_for("register.index", **filters.args(), _external=True)
    sub(root, "id", url_for("register.feed", **filters.args(), _external=True))
    sub(root, "title", _("Register of the committee's decisions"))
    times = [t for e in entries for t in (e.sanction.enforced_at, e.sanction.reversed_at) if t]
    sub(root, "updated", _utc_iso(max(times) if times else datetime.now(UTC).replace(tzinfo=None)))
    sub(root, "link", rel="self", type="application/atom+xml",
        href=url_for("register.feed", **filters.args(), _external=True))
    sub(root, "link", rel="alternate", type="text/html", href=alternate)
    author = sub(root, "author")
    sub(author, "name", _("Party Control Committee"))
    for entry in entries:
        sanction = entry.sanction
        url = url_for("register.entry", sanction_id=sanction.id, _external=True)
        item = sub(root, "entry")
        sub(item, "id", url)
        sub(item, "title", _title(entry))
        sub(item, "published", _utc_iso(sanction.enforced_at))
        sub(item, "updated", _utc_iso(sanction.reversed_at or sanction.enforced_at))
        sub(item, "link", rel="alternate", type="text/html", href=url)
        sub(item, "category", term=sanction.kind.value, label=str(sanction.kind.label))
        sub(item, "summary", sanction.summary, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# -- standings ------------------------------------------------------------------------------

@bp.get("/standings")
def standings_index():
    election = _election_or_none()
    regions = queries.top_level_regions(election, str(get_locale())) if election else []
    return render_template("register/standings_index.html", election=election, regions=regions,
                           certified=queries.certifications(regions))


@bp.get("/standings/<region_code>")
def standings(region_code: str):
    election = _election_or_none()
    region = queries.region_by_code(election, region_code) \
        if election and len(region_code) <= queries.CODE_MAX else None
    if region is None or region.parent_id is not None:
        abort(404)
    return render_template("register/standings.html", election=election, region=region,
                           table=standings_of(region), certification=certification_of(region))
