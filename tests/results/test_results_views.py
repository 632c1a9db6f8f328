"""Staff results pages over HTTP: the overview, a region's standings and blockers, the
certification guard with its override, the results import; scope (404), roles (403), CSRF."""

import io
import re

import pytest
from sqlalchemy import func, select

from casework.core.audit import AuditEntry
from casework.decisions.models import Finding
from casework.elections.models import PollingStation, RegionCertification, Result, StationKind
from casework.extensions import db
from tests.factories import member, region, station
from tests.plugin.data import csrf_from

OVERVIEW = "/staff/results/"
IMPORT = "/staff/results/import"


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def table_row(html: str, attribute: str, value: str) -> str:
    """The <tr> whose data attribute has `value`, as text."""
    match = re.search(rf'<tr {attribute}="{re.escape(value)}".*?</tr>', html, re.S)
    assert match, f"no row {attribute}={value}"
    return match.group(0)


def certify(client, code: str, reason: str | None = None, token: bool = True):
    data = {"csrf_token": csrf_from(client, f"/staff/results/{code}")} if token else {}
    if reason is not None:
        data["override_reason"] = reason
    return client.post(f"/staff/results/{code}/certify", data=data)


def certifications() -> list[RegionCertification]:
    db.session.expire_all()
    return list(db.session.scalars(select(RegionCertification)))


def upload(client, content: str, token: bool = True):
    data = {"file": (io.BytesIO(content.encode()), "results.csv")}
    if token:
        data["csrf_token"] = csrf_from(client, IMPORT)
    return client.post(IMPORT, data=data, content_type="multipart/form-data")


def votes(election, station_code: str, candidate) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Result.votes).where(
        Result.station_id == station(election, station_code).id,
        Result.candidate_id == candidate.id))


@pytest.fixture
def scoped_secretary(election):
    """A secretary of Almaty only."""
    return member(election, "secretary", "Saule Almaty", regions=["KZ-ALA"])


# -- overview and region page -------------------------------------------------------------------

def test_overview_lists_top_regions_with_totals_and_blockers(client, make_user, results_world,
                                                             make_case, login):
    make_case(accused="C01")  # an open Balkhash case: one blocker for Karaganda
    login(client, make_user("auditor"))
    html = page(client, OVERVIEW)
    karaganda = table_row(html, "data-region", "KZ-KAR")
    assert "Karaganda Region" in karaganda
    cells = re.findall(r'<td class="num">([^<]*)</td>', karaganda)
    assert cells == ["310", "0", "1"]  # votes counted, annulled, blockers
    almaty = table_row(html, "data-region", "KZ-ALA")
    assert re.findall(r'<td class="num">([^<]*)</td>', almaty) == ["100", "0", "0"]
    assert "Not certified" in karaganda
    assert 'data-region="KZ-KAR-BAL"' not in html  # districts are certified with their region


def test_overview_shows_only_the_regions_in_scope(client, scoped_secretary, results_world, login):
    login(client, scoped_secretary)
    html = page(client, OVERVIEW)
    assert 'data-region="KZ-ALA"' in html
    assert 'data-region="KZ-KAR"' not in html


def test_region_page_shows_standings_blockers_and_the_override_form(client, committee,
                                                                    results_world, make_case,
                                                                    login):
    case = make_case(accused="C01")
    login(client, committee["chair"])
    html = page(client, "/staff/results/KZ-KAR")
    first = table_row(html, "data-candidate", "C01")
    assert ">1</td>" in first and "130" in first and "Winning" in first
    assert "Winning" not in table_row(html, "data-candidate", "C02")
    assert f'href="/cases/{case.reference}"' in html
    assert "Findings ready" in html  # the case's state label
    assert 'name="override_reason"' in html
    assert "1 open case or pending sanction could still change" in html
    assert "Margin: 10 votes" in html


@pytest.mark.parametrize("who,linked", [("admin", False), ("auditor", True), ("secretary", True)])
def test_case_and_sanction_links_only_for_whoever_may_open_them(
        client, committee, make_user, decided_case, make_case, login, who, linked):
    from casework.results.certification import certify as certify_region
    from casework.sanctions.services import propose_sanction

    open_case = make_case(accused="C02")
    decided = decided_case()
    sanction = propose_sanction(
        decided, committee["secretary"], kind="candidate_disqualification",
        candidate_id=decided.accused[0].id, summary="Vote buying.",
        finding_ids=[f.id for f in db.session.scalars(select(Finding).where(
            Finding.case_id == decided.id))])
    certify_region(region(decided.election, "KZ-KAR"), committee["chair"],
                   override_reason="The count is final.")
    db.session.commit()
    login(client, committee["secretary"] if who == "secretary" else make_user(who))
    html = page(client, "/staff/results/KZ-KAR")
    assert f'data-case="{open_case.reference}"' in html and f'data-sanction="{sanction.id}"' in html
    assert "Cases overridden" in html
    for href in (f'href="/cases/{open_case.reference}"', f'href="/cases/{decided.reference}"',
                 f'href="/sanctions/{sanction.id}"'):
        assert (href in html) is linked, href
    opens = 200 if linked else 403
    assert client.get(f"/cases/{open_case.reference}").status_code == opens
    assert client.get(f"/sanctions/{sanction.id}").status_code == opens


def test_the_import_link_is_for_whoever_may_import(client, committee, scoped_secretary,
                                                   results_world, login):
    login(client, scoped_secretary)  # the import writes every region: not for a scoped one
    assert IMPORT not in page(client, OVERVIEW)
    assert client.get(IMPORT).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client, OVERVIEW)})
    login(client, committee["secretary"])
    assert f'href="{IMPORT}"' in page(client, OVERVIEW)
    assert client.get(IMPORT).status_code == 200


def test_a_disqualified_candidate_is_listed_apart(client, committee, results_world, login):
    results_world["C01"].status = results_world["C01"].status.DISQUALIFIED
    results_world["C01"].status_reason = "Vote buying."
    db.session.commit()
    login(client, committee["secretary"])
    html = page(client, "/staff/results/KZ-KAR")
    row = table_row(html, "data-candidate", "C01")
    assert "Removed from registration" in row and "—" in row
    assert "Winning" in table_row(html, "data-candidate", "C02")
    assert 'name="override_reason"' not in html  # a secretary does not certify


@pytest.mark.parametrize("path", ["/staff/results/KZ-KAR", "/staff/results/KZ-KAR/certify"])
def test_another_regions_staff_get_404(client, scoped_secretary, results_world, login, path):
    login(client, scoped_secretary)
    if path.endswith("certify"):
        response = client.post(path, data={"csrf_token": csrf_from(client, OVERVIEW)})
    else:
        response = client.get(path)
    assert response.status_code == 404
    assert client.get("/staff/results/KZ-ALA").status_code == 200


def test_districts_and_unknown_codes_are_404(client, committee, results_world, login):
    login(client, committee["chair"])
    assert client.get("/staff/results/KZ-KAR-BAL").status_code == 404
    assert client.get("/staff/results/KZ-NOPE").status_code == 404
    assert client.get("/staff/results/kz-kar").status_code == 200


def test_a_reviewer_gets_403(client, committee, results_world, login):
    login(client, committee["r1"])
    assert client.get(OVERVIEW).status_code == 403
    assert client.get("/staff/results/KZ-KAR").status_code == 403
    assert client.get(IMPORT).status_code == 403


# -- certification ---------------------------------------------------------------------------

def test_an_open_case_blocks_certification_until_overridden(client, committee, results_world,
                                                            make_case, login):
    # The case is in Almaty but accuses C01 of Karaganda: it blocks Karaganda.
    case = make_case(accused="C01", region_code="KZ-ALA")
    login(client, committee["chair"])
    response = certify(client, "KZ-KAR")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Certify only with an override and its reason." in html
    assert 'id="override_reason-error"' in html  # the message sits on the field
    assert certifications() == []

    response = certify(client, "KZ-KAR", "The case concerns 20 votes; the margin is 10 but "
                                         "the committee resolved to certify on time.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/results/KZ-KAR")
    [cert] = certifications()
    assert cert.region_id == region(case.election, "KZ-KAR").id
    assert cert.certified_by_id == committee["chair"].id
    assert cert.override_reason.startswith("The case concerns 20 votes")
    assert cert.overridden_cases == case.reference
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.certified"))
    assert entry.object_id == "KZ-KAR" and entry.actor_id == committee["chair"].id
    assert entry.details["override"] is True
    assert entry.details["overridden_cases"] == [case.reference]

    html = page(client, "/staff/results/KZ-KAR")
    assert "are certified." in html  # the flash
    assert "Aigerim Chair" in html and "The case concerns 20 votes" in html
    assert 'name="override_reason"' not in html

    again = certify(client, "KZ-KAR", "Once more.")
    assert again.status_code == 409
    assert "already certified" in again.get_data(as_text=True)
    assert len(certifications()) == 1


def test_a_region_without_blockers_certifies_without_a_reason(client, committee, results_world,
                                                              make_case, login):
    make_case(accused="C01")  # blocks Karaganda only
    login(client, committee["chair"])
    assert "only with an override" not in page(client, "/staff/results/KZ-ALA")
    response = certify(client, "KZ-ALA")
    assert response.status_code == 302
    [cert] = certifications()
    assert cert.override_reason is None and cert.overridden_cases is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.certified"))
    assert entry.details["override"] is False
    row = table_row(page(client, OVERVIEW), "data-region", "KZ-ALA")
    assert "Certified on" in row and "Aigerim Chair" in row


def test_a_secretary_cannot_certify(client, committee, results_world, login):
    login(client, committee["secretary"])
    response = certify(client, "KZ-ALA", "Because.")
    assert response.status_code == 403
    assert certifications() == []


def test_certify_without_csrf_is_400(client, committee, results_world, login):
    login(client, committee["chair"])
    assert certify(client, "KZ-ALA", token=False).status_code == 400
    assert certifications() == []


def test_the_chair_withdraws_a_certification_with_a_reason(client, committee, results_world,
                                                             login):
    login(client, committee["chair"])
    assert certify(client, "KZ-ALA").status_code == 302
    assert 'name="reason"' in page(client, "/staff/results/KZ-ALA")
    token = csrf_from(client, "/staff/results/KZ-ALA")
    refused = client.post("/staff/results/KZ-ALA/withdraw", data={"csrf_token": token})
    assert refused.status_code == 422 and len(certifications()) == 1
    done = client.post("/staff/results/KZ-ALA/withdraw",
                       data={"csrf_token": token, "reason": "A late annulment."})
    assert done.status_code == 302 and certifications() == []
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "results.certification_withdrawn"))
    assert entry.details["reason"] == "A late annulment." and entry.object_id == "KZ-ALA"
    again = client.post("/staff/results/KZ-ALA/withdraw",
                        data={"csrf_token": token, "reason": "Twice."})
    assert again.status_code == 409


def test_a_secretary_cannot_withdraw(client, committee, results_world, login):
    login(client, committee["chair"])
    certify(client, "KZ-ALA")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/staff")})
    login(client, committee["secretary"])
    token = csrf_from(client, "/staff/results/KZ-ALA")
    response = client.post("/staff/results/KZ-ALA/withdraw",
                           data={"csrf_token": token, "reason": "Because."})
    assert response.status_code == 403 and len(certifications()) == 1


# -- import --------------------------------------------------------------------------------------

def test_a_good_results_file_is_imported_and_counted(client, election, committee, results_world,
                                                     login):
    kar = region(election, "KZ-KAR")
    db.session.add(PollingStation(election_id=election.id, code="KAR-002",
                                  kind=StationKind.PAPER, region_id=kar.id))
    db.session.commit()
    login(client, committee["secretary"])
    assert "station_code" in page(client, IMPORT)
    response = upload(client, "station_code,candidate_code,votes\n"
                              "KAR-002,C03,7\n"      # created
                              "BAL-001,C01,65\n"     # updated (was 60)
                              "E-VOTE,C02,50\n")     # unchanged
    assert response.status_code == 302
    assert response.headers["Location"].endswith(OVERVIEW)
    html = page(client, OVERVIEW)
    assert "3 rows, 1 created, 1 updated, 1 unchanged" in html
    assert re.findall(r'<td class="num">([^<]*)</td>',
                      table_row(html, "data-region", "KZ-KAR"))[0] == "322"
    assert votes(election, "BAL-001", results_world["C01"]) == 65
    assert votes(election, "KAR-002", results_world["C03"]) == 7
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.results"))
    assert entry.actor_id == committee["secretary"].id
    assert entry.details["created"] == 1 and entry.details["updated"] == 1


def test_a_bad_results_file_lists_every_bad_line_and_writes_nothing(client, election, committee,
                                                                    results_world, login):
    before = db.session.scalar(select(func.count()).select_from(Result))
    login(client, committee["chair"])
    response = upload(client, "station_code,candidate_code,votes\n"
                              "BAL-001,C01,99\n"     # valid on its own
                              "NOPE-001,C01,5\n"
                              "KAR-001,C02,many\n"
                              "ALA-001,C01,3\n")     # paper station outside C01's region
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported: 3 errors" in html
    lines = [int(n) for n in re.findall(r'<li data-line="(\d+)"', html)]
    assert lines == [3, 4, 5]
    assert "station_code NOPE-001 is not a known polling station" in html
    assert "is not a whole number" in html
    assert votes(election, "BAL-001", results_world["C01"]) == 60
    assert db.session.scalar(select(func.count()).select_from(Result)) == before
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.results")) \
        is None


def test_the_votes_of_an_annulled_result_are_not_changed_by_import(client, election, committee,
                                                                   results_world, login):
    annulled = db.session.scalar(select(Result).where(
        Result.station_id == station(election, "BAL-001").id,
        Result.candidate_id == results_world["C01"].id))
    annulled.annulled = True  # test set-up only: as an enforced annulment leaves it
    db.session.commit()
    login(client, committee["secretary"])
    response = upload(client, "station_code,candidate_code,votes\nBAL-001,C01,61\n")
    assert response.status_code == 422
    assert "this result is annulled; its votes cannot be changed by import" in \
        response.get_data(as_text=True)
    assert votes(election, "BAL-001", results_world["C01"]) == 60


def test_import_needs_a_file_and_csrf(client, election, committee, results_world, login):
    login(client, committee["secretary"])
    response = client.post(IMPORT, data={"csrf_token": csrf_from(client, IMPORT)},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the CSV file to import." in response.get_data(as_text=True)
    assert upload(client, "station_code,candidate_code,votes\nBAL-001,C01,61\n",
                  token=False).status_code == 400
    assert votes(election, "BAL-001", results_world["C01"]) == 60


def test_import_respects_the_upload_size_limit(app, client, election, committee, results_world,
                                               login, monkeypatch):
    login(client, committee["secretary"])
    token = csrf_from(client, IMPORT)
    monkeypatch.setitem(app.config, "CASEWORK_UPLOAD_MAX_CONTENT_LENGTH", 2048)
    body = "station_code,candidate_code,votes\n" + "BAL-001,C01,61\n" * 300
    response = client.post(IMPORT, data={"csrf_token": token,
                                         "file": (io.BytesIO(body.encode()), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert votes(election, "BAL-001", results_world["C01"]) == 60


@pytest.mark.parametrize("who", ["scoped", "auditor"])
def test_import_is_for_election_wide_importers(client, election, scoped_secretary, make_user,
                                               results_world, login, who):
    login(client, scoped_secretary if who == "scoped" else make_user("auditor"))
    assert client.get(IMPORT).status_code == 403
