"""The public register of decisions (HTML, Atom, JSON) and the public standings: what is
listed and what never is, filters, keyset pages, caching, three languages."""

import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from casework.cases.models import CaseState
from casework.core.cache import app_cache
from casework.core.db import utcnow
from casework.decisions import services
from casework.decisions.models import Finding
from casework.elections import current
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from casework.register import queries as register_queries
from casework.results.certification import certify
from casework.sanctions.appeals import decide_appeal, record_appeal
from casework.sanctions.services import approve_sanction, propose_sanction, reject_sanction
from tests import factories
from tests.factories import region, station
from tests.plugin.queries import counted_queries

PASSWORD = factories.PASSWORD
ATOM = "{http://www.w3.org/2005/Atom}"
MARKER = "Qx7MarkerZ"  # in the complainant's name, e-mail and phone: must never be published
SUMMARY = "Vote buying at BAL-001 confirmed by video and witnesses."


# -- set-up helpers ------------------------------------------------------------------------

def name_the_complainant(case) -> None:
    db.session.add(Complaint(
        case_id=case.id, channel=Channel.EMAIL, submission_key=secrets.token_hex(16),
        tracking_hash=secrets.token_hex(32), anonymous=False, name=f"Zhanna {MARKER}",
        email=f"{MARKER.lower()}@example.kz", phone="+7 701 555 0199",
        language="ru", category=case.category,
        narrative=f"I, Zhanna {MARKER}, saw money handed out.", links=[]))
    db.session.commit()


def propose(case, committee, kind="warning", **kwargs):
    kwargs.setdefault("finding_ids", list(db.session.scalars(
        select(Finding.id).where(Finding.case_id == case.id))))
    kwargs.setdefault("summary", SUMMARY)
    if kind in ("candidate_disqualification", "warning", "reprimand"):
        kwargs.setdefault("candidate_id", case.accused[0].id)
    sanction = propose_sanction(case, committee["secretary"], kind=kind, **kwargs)
    db.session.commit()
    return sanction


def enforce(case, committee, kind="warning", at: datetime | None = None, **kwargs):
    sanction = propose(case, committee, kind, **kwargs)
    approve_sanction(sanction, committee["chair"], now=at)
    db.session.commit()
    return sanction


def reverse(sanction, committee):
    filed = sanction.enforced_at + timedelta(hours=1)
    record_appeal(sanction, committee["secretary"], filed_at=filed, grounds="Not me.",
                  now=filed)
    decide_appeal(sanction, committee["chair"], outcome="reversed", reasons="Recount clean.",
                  now=filed + timedelta(hours=1))
    db.session.commit()


@pytest.fixture
def decided_in(make_case, committee, results_world, finding):
    """decided_in(region_code, accused): a case of that region decided confirmed."""
    def make(region_code: str, accused: str):
        case = make_case(region_code=region_code, accused=accused)
        finding(case)
        services.record_decision(
            case, committee["secretary"], meeting_at=utcnow() - timedelta(hours=1),
            present_ids=[committee[n].id for n in ("chair", "r1", "r2")],
            votes={committee[n].id: "for" for n in ("chair", "r1", "r2")},
            outcome="confirmed", reasons="The video and two witnesses show money offered.")
        db.session.commit()
        return case

    return make


def parse_atom(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own feed, parsed as a feed reader would


def listed(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-sanction="(\d+)"', html)]


def get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:2000])
    return response


def atom_entries(client, url="/decisions/feed.atom") -> tuple[ET.Element, list[ET.Element]]:
    response = get(client, url)
    root = parse_atom(response.data)
    return root, root.findall(f"{ATOM}entry")


def json_ids(client, url="/decisions.json") -> list[int]:
    return [item["id"] for item in get(client, url).get_json()["items"]]


# -- what is listed ------------------------------------------------------------------------

def test_register_lists_enforced_and_reversed_only(client, decided_case, committee):
    case = decided_case()
    warning = enforce(case, committee, "warning")
    removal = enforce(case, committee, "candidate_disqualification")
    reverse(removal, committee)
    proposed = propose(case, committee, "reprimand")
    rejected = propose(case, committee, "referral", referred_to="Prosecutor's office")
    reject_sanction(rejected, committee["chair"], reason="Not needed.")
    db.session.commit()

    html = get(client, "/decisions").get_data(as_text=True)
    # newest enforced first: the removal was enforced after the warning
    assert listed(html) == [removal.id, warning.id]
    assert "reversed on appeal on" in html and SUMMARY in html and case.reference in html
    assert json_ids(client) == [removal.id, warning.id]
    assert len(atom_entries(client)[1]) == 2
    for hidden in (proposed, rejected):
        get(client, f"/decisions/{hidden.id}", 404)
    get(client, "/decisions/999999", 404)


def test_nothing_about_the_complainant_or_staff_is_published(client, decided_case, committee,
                                                             election):
    case = decided_case()
    name_the_complainant(case)
    annulment = enforce(case, committee, "vote_annulment",
                        station_ids=[station(election, "BAL-001").id])
    warning = enforce(case, committee, "warning")
    pages = [get(client, url).get_data(as_text=True) for url in (
        "/decisions", f"/decisions/{annulment.id}", f"/decisions/{warning.id}",
        "/decisions/feed.atom", "/decisions.json", "/standings/KZ-KAR")]
    assert all(case.reference in page for page in pages[:5])
    secret = [MARKER, MARKER.lower(), "555 0199", "saw money handed out",  # the complaint
              "Money was offered.", "Two witnesses agree.",  # the finding's text
              "The video and two witnesses show money offered.",  # the decision's reasons
              *(member.full_name for member in committee.values()),
              *(member.email for member in committee.values())]
    for page in pages:
        for text in secret:
            assert text not in page


def test_entry_page_shows_decision_scope_votes_and_reversal(client, decided_case, committee,
                                                            election, login):
    case = decided_case()
    annulment = enforce(case, committee, "vote_annulment",
                        station_ids=[station(election, "BAL-001").id], annul_electronic=True)
    html = get(client, f"/decisions/{annulment.id}").get_data(as_text=True)
    assert "Annulment of the voting result" in html and "BAL-001" in html
    assert "The electronic vote" in html and "Karaganda Region" in html
    # BAL-001 (60 + 20 + 10) and E-VOTE (30 + 50 + 20) of Karaganda's candidates
    assert "190 votes annulled" in html
    assert "Confirmed: 1" in html  # the conclusions of the cited findings, not their text
    assert "The committee's decision" in html and "Reversed on appeal" not in html
    assert "/sanctions/" not in html  # no staff link for visitors

    reverse(annulment, committee)
    html = get(client, f"/decisions/{annulment.id}").get_data(as_text=True)
    assert "Reversed on appeal on" in html and "The effects were undone." in html
    assert "190 votes annulled" in html  # what it did stays on the record

    login(client, committee["r1"])
    html = get(client, f"/decisions/{annulment.id}").get_data(as_text=True)
    assert f'href="/sanctions/{annulment.id}"' in html


@pytest.mark.parametrize("who,opens", [("secretary", 200), ("auditor", 200), ("operator", 403),
                                      ("admin", 403), ("outsider", 404)])
def test_the_staff_link_is_shown_only_to_whoever_may_open_the_staff_page(
        client, decided_case, committee, outsider, make_user, login, who, opens):
    sanction = enforce(decided_case(), committee)
    user = {"secretary": committee["secretary"], "outsider": outsider}.get(who) \
        or make_user(who)
    login(client, user)
    html = get(client, f"/decisions/{sanction.id}").get_data(as_text=True)
    assert (f'href="/sanctions/{sanction.id}"' in html) is (opens == 200)
    assert client.get(f"/sanctions/{sanction.id}").status_code == opens


def test_removed_candidate_is_marked_and_referral_names_the_body(client, decided_case,
                                                                 committee):
    case = decided_case()
    removal = enforce(case, committee, "candidate_disqualification")
    referral = enforce(case, committee, "referral", referred_to="Prosecutor's Office of Balkhash")
    html = get(client, "/decisions").get_data(as_text=True)
    assert "removed from registration" in html
    assert "Referred to: Prosecutor&#39;s Office of Balkhash" in html
    items = {i["id"]: i for i in get(client, "/decisions.json").get_json()["items"]}
    assert items[removal.id]["candidate"]["status"] == "disqualified"
    assert items[referral.id]["referred_to"] == "Prosecutor's Office of Balkhash"
    assert items[referral.id]["candidate"] is None


# -- filters -------------------------------------------------------------------------------

def test_filters(client, decided_case, decided_in, committee):
    kar = decided_case()
    kar_c02 = decided_case(accused="C02")
    ala = decided_in("KZ-ALA", "A01")
    w1 = enforce(kar, committee, "warning", at=datetime(2020, 6, 1, 10))  # 16:00 in Almaty
    r1 = enforce(kar_c02, committee, "reprimand", at=datetime(2020, 6, 1, 20))  # 2 June 02:00
    w2 = enforce(ala, committee, "warning", at=datetime(2020, 6, 3, 10))

    def both(query: str) -> list[int]:
        html_ids = listed(get(client, f"/decisions?{query}").get_data(as_text=True))
        assert json_ids(client, f"/decisions.json?{query}") == html_ids
        assert len(atom_entries(client, f"/decisions/feed.atom?{query}")[1]) == len(html_ids)
        return html_ids

    assert both("") == [w2.id, r1.id, w1.id]
    assert both("region=KZ-KAR") == [r1.id, w1.id]
    assert both("region=kz-kar-bal") == [r1.id, w1.id]  # a district: its cases, any case
    assert both("region=KZ-ALA") == [w2.id]
    assert both("type=warning") == [w2.id, w1.id]
    assert both("type=reprimand&region=KZ-ALA") == []
    assert both("candidate=C02") == [r1.id]
    assert both("candidate=c01&type=warning") == [w1.id]
    # dates are days of the election's time zone (UTC+6 in 2020)
    assert both("from=2020-06-02") == [w2.id, r1.id]
    assert both("to=2020-06-01") == [w1.id]
    assert both("from=2020-06-02&to=2020-06-02") == [r1.id]
    html = get(client, "/decisions?type=warning&region=KZ-KAR").get_data(as_text=True)
    assert "type=warning" in html  # the feed and JSON links keep the filters


@pytest.mark.parametrize("query, field", [
    ("region=KZ-XXX", "region"), ("type=execution", "type"), ("candidate=Z99", "candidate"),
    ("from=2020-13-01", "from"), ("to=yesterday", "to"), ("from=2020-06-05&to=2020-06-01", "to"),
    ("after=garbage", "after"), ("candidate=" + "C" * 300, "candidate"),
])
def test_a_bad_filter_is_a_clear_400(client, election, query, field):
    response = client.get(f"/decisions?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and 'id="filter-error"' in html
    assert "no-store" in response.headers["Cache-Control"]
    bad = client.get(f"/decisions.json?{query}")
    assert bad.status_code == 400 and bad.get_json()["field"] == field
    assert bad.get_json()["message"]
    assert client.get(f"/decisions/feed.atom?{query}").status_code == 400


# -- Atom and JSON -------------------------------------------------------------------------

def test_atom_feed_is_valid_and_escaped(client, decided_case, committee, election):
    case = decided_case()
    tricky = "Money & <b>gifts</b> \"offered\" at BAL-001 ]]>"
    warning = enforce(case, committee, "warning", summary=tricky)
    annulment = enforce(case, committee, "vote_annulment",
                        station_ids=[station(election, "BAL-001").id])
    response = get(client, "/decisions/feed.atom")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    root = parse_atom(response.data)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert urlsplit(links["self"]).path == "/decisions/feed.atom"
    assert urlsplit(links["alternate"]).path == "/decisions"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for tag in ("id", "title", "updated", "summary", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.findtext(f"{ATOM}updated"))
    newest, oldest = entries
    assert urlsplit(newest.find(f"{ATOM}link").get("href")).path == f"/decisions/{annulment.id}"
    assert oldest.findtext(f"{ATOM}summary") == tricky  # escaped in XML, intact once parsed
    title = oldest.findtext(f"{ATOM}title")
    assert "Warning" in title and "C01" in title and case.reference in title
    assert oldest.findtext(f"{ATOM}id").endswith(f"/decisions/{warning.id}")


def test_atom_titles_follow_the_language(client, decided_case, committee):
    enforce(decided_case(), committee, "warning")
    client.set_cookie("casework_lang", "ru")
    root, entries = atom_entries(client)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    client.set_cookie("casework_lang", "en")
    english = atom_entries(client)[1][0].findtext(f"{ATOM}title")
    assert english.startswith("Warning")


def test_json_items(client, decided_case, committee, election):
    case = decided_case()
    annulment = enforce(case, committee, "vote_annulment",
                        station_ids=[station(election, "BAL-001").id],
                        at=datetime(2020, 6, 1, 10, 30, 15, 123456))
    removal = enforce(case, committee, "candidate_disqualification",
                      at=datetime(2020, 6, 2, 9))
    reverse(removal, committee)
    response = get(client, "/decisions.json")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    body = response.get_json()
    assert body["next"] is None
    first, second = body["items"]
    assert first["id"] == removal.id and second["id"] == annulment.id
    assert first["status"] == "reversed" and first["reversed_at"] == "2020-06-02T11:00:00Z"
    assert first["candidate"] == {"code": "C01", "status": "registered",  # reinstated
                                  "name": {"kk": "Asan Usenov", "ru": "Asan Usenov",
                                           "en": "Asan Usenov"}}
    assert first["votes_annulled"] is None
    assert second == {
        "id": annulment.id, "type": "vote_annulment", "status": "enforced",
        "enforced_at": "2020-06-01T10:30:15Z", "reversed_at": None, "candidate": None,
        "region": {"code": "KZ-KAR", "name": {"kk": "Қарағанды облысы",
                                              "ru": "Карагандинская область",
                                              "en": "Karaganda Region"}},
        "case_reference": case.reference, "summary": SUMMARY, "referred_to": None,
        "votes_annulled": 90, "url": second["url"]}
    assert second["url"].startswith("http") and second["url"].endswith(
        f"/decisions/{annulment.id}")


# -- keyset pages --------------------------------------------------------------------------

def test_keyset_pages_return_every_entry_once(client, decided_case, committee, monkeypatch):
    monkeypatch.setattr(register_queries, "PAGE_SIZE", 2)
    case = decided_case()
    same = datetime(2020, 6, 2, 12)
    made = [enforce(case, committee, "warning", at=at).id for at in (
        datetime(2020, 6, 1, 8), same, same, same, datetime(2020, 6, 3, 8))]
    expected = [made[4], made[3], made[2], made[1], made[0]]  # newest first; ties by id

    seen, url = [], "/decisions"
    while url:
        html = get(client, url).get_data(as_text=True)
        ids = listed(html)
        assert len(ids) <= 2
        seen += ids
        match = re.search(r'href="([^"]+)" id="older"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == expected

    seen, url = [], "/decisions.json"
    while url:
        body = get(client, url).get_json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
    assert seen == expected


def test_a_page_takes_a_fixed_number_of_queries(client, decided_case, committee, app):
    case = decided_case()
    other = decided_case(accused="C02")
    def queries_for(url: str) -> int:
        app_cache("register.index", app=app).clear()  # the page rendered, not kept
        current.forget()  # and the election read, as after any commit
        with counted_queries() as statements:
            get(client, url)
        return len(statements)

    enforce(case, committee, "warning")
    get(client, "/decisions")  # the session cookie, so both requests are alike
    few = {url: queries_for(url) for url in ("/decisions", "/decisions.json")}
    for n in range(3):
        enforce(other if n % 2 else case, committee, "reprimand")
    enforce(case, committee, "candidate_disqualification")
    many = {url: queries_for(url) for url in ("/decisions", "/decisions.json")}
    assert few == many


# -- standings -----------------------------------------------------------------------------

def test_standings_without_annulled_votes_and_with_removed_candidates(
        client, decided_case, committee, election):
    case = decided_case()
    enforce(case, committee, "vote_annulment", station_ids=[station(election, "BAL-001").id])
    removal = enforce(decided_case(accused="C03"), committee, "candidate_disqualification")
    html = get(client, "/standings/KZ-KAR").get_data(as_text=True)

    def row(code: str) -> str:
        return re.search(rf'<tr data-candidate="{code}"[^>]*>(.*?)</tr>', html, re.S).group(1)

    # C01 130 - 60, C02 120 - 20: C02 now leads; C03 is removed and listed apart
    assert re.findall(r'<tr data-candidate="(\w+)"', html) == ["C02", "C01", "C03"]
    assert re.findall(r'<td class="num"[^>]*>([\d,\s ]+)</td>', row("C02"))[:3] == ["1", "100", "20"]
    assert "winning place" in row("C02") and "winning place" not in row("C01")
    assert re.findall(r'<td class="num"[^>]*>([\d\s ]+)</td>', row("C01"))[:3] == ["2", "70", "60"]
    assert "removed from registration" in row("C03")
    assert f'href="/decisions/{removal.id}"' in row("C03")
    assert re.search(r'id="total-votes">170<', html)  # ranked candidates, annulled apart
    assert re.search(r'id="annulled-votes">90<', html)
    assert re.search(r'id="margin">30<', html)
    assert "Results not yet certified" in html


def test_standings_certification_and_unknown_regions(client, election, committee):
    index = get(client, "/standings").get_data(as_text=True)
    assert 'href="/standings/KZ-KAR"' in index and 'href="/standings/KZ-ALA"' in index
    assert "/standings/KZ-KAR-BAL" not in index  # districts are part of their region
    get(client, "/standings/KZ-KAR-BAL", 404)
    get(client, "/standings/NOPE", 404)
    get(client, "/standings/" + "KZ-KAR" * 10, 404)
    certify(region(election, "KZ-ALA"), committee["chair"])
    db.session.commit()
    html = get(client, "/standings/kz-ala").get_data(as_text=True)
    assert "Results certified on" in html and "Aigerim" not in html


# -- caching and languages -----------------------------------------------------------------

PAGES = ["/decisions", "/decisions/{id}", "/standings", "/standings/KZ-KAR"]


def test_pages_are_cacheable_for_anonymous_visitors(client, decided_case, committee, login):
    sanction = enforce(decided_case(), committee, "warning")
    urls = [p.format(id=sanction.id) for p in PAGES]
    # JSON and Atom, fetched without a session: the same for everyone, publicly cacheable
    for url in ("/decisions.json", "/decisions/feed.atom"):
        response = get(client, url)
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert "Accept-Language" in response.headers["Vary"]
    # HTML: cacheable for a minute; a response that sets a cookie (the language switch's
    # CSRF token lives in the session) never goes to a shared cache
    for url in urls * 2:
        response = get(client, url)
        cache = response.headers["Cache-Control"]
        assert "max-age=60" in cache, url
        assert cache == ("private, max-age=60" if "Set-Cookie" in response.headers
                         else "public, max-age=60"), url
        assert "Accept-Language" in response.headers["Vary"]
    login(client, committee["r1"])
    for url in urls:
        assert get(client, url).headers["Cache-Control"] == "no-store", url


def test_home_links_to_the_register_and_standings(client, election):
    html = get(client, "/").get_data(as_text=True)
    assert 'href="/decisions"' in html and 'href="/standings"' in html


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_pages_render_in_each_language(client, decided_case, committee, election, lang):
    case = decided_case()
    annulment = enforce(case, committee, "vote_annulment",
                        station_ids=[station(election, "BAL-001").id])
    removal = enforce(case, committee, "candidate_disqualification")
    reverse(removal, committee)
    client.set_cookie("casework_lang", lang)
    region_name = {"kk": "Қарағанды облысы", "ru": "Карагандинская область",
                   "en": "Karaganda Region"}[lang]
    for url in [p.format(id=annulment.id) for p in PAGES] + [f"/decisions/{removal.id}",
                                                            "/decisions?type=warning"]:
        html = get(client, url).get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        if url != "/standings":
            assert region_name in html, url
    assert get(client, "/decisions/feed.atom").data.startswith(b"<?xml")


def test_no_election_yet(client):
    assert "No election has been set up yet." in get(client, "/decisions").get_data(as_text=True)
    assert get(client, "/decisions.json").get_json() == {"items": [], "next": None}
    assert parse_atom(get(client, "/decisions/feed.atom").data).findall(f"{ATOM}entry") == []
    get(client, "/standings")
    get(client, "/standings/KZ-KAR", 404)
    get(client, "/decisions/1", 404)


def test_a_case_in_another_state_does_not_matter(client, decided_case, committee):
    """A register entry stays when its case is closed later."""
    case = decided_case()
    warning = enforce(case, committee, "warning")
    case.state = CaseState.CLOSED  # test set-up only
    db.session.commit()
    assert listed(get(client, "/decisions").get_data(as_text=True)) == [warning.id]


# -- the page kept per process ---------------------------------------------------------------

def test_the_kept_page_changes_as_soon_as_the_register_does(client, decided_case, committee):
    case = decided_case()
    warning = enforce(case, committee, "warning")
    assert listed(get(client, "/decisions").get_data(as_text=True)) == [warning.id]
    removal = enforce(case, committee, "candidate_disqualification")
    assert listed(get(client, "/decisions").get_data(as_text=True)) == [removal.id, warning.id]
    reverse(removal, committee)
    html = get(client, "/decisions").get_data(as_text=True)
    assert "reversed on appeal on" in html
    case.accused[0].name_en = "Renamed Candidate"  # the reference data: a new stamp
    db.session.commit()
    assert "Renamed Candidate" in get(client, "/decisions").get_data(as_text=True)


def test_the_kept_page_is_per_language_and_filter(client, decided_case, committee):
    case = decided_case()
    enforce(case, committee, "warning")
    for lang, region_name in (("kk", "Қарағанды облысы"), ("ru", "Карагандинская область"),
                              ("en", "Karaganda Region"), ("kk", "Қарағанды облысы")):
        client.set_cookie("casework_lang", lang)
        html = get(client, "/decisions").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html and region_name in html
    assert listed(get(client, "/decisions?type=reprimand").get_data(as_text=True)) == []
    assert len(listed(get(client, "/decisions?type=warning").get_data(as_text=True))) == 1
