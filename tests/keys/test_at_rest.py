"""A stolen database reveals no complainant: complaints filed through the web form, the API,
the hotline console and by mail, then the whole database dumped (pg_dump on PostgreSQL, the
file itself on SQLite) holds none of their names, phone numbers (in any notation) or
addresses, while the application still reads them and finds them by phone and address."""

import json
import re
import subprocess
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from casework.cases import search_pending
from casework.core.folding import fold
from casework.extensions import db
from casework.hotline import services as hotline
from casework.intake.models import Complaint
from casework.mailin import routing
from casework.mailin import services as mailin
from tests.intake.helpers import form_data
from tests.mailin import corpus
from tests.plugin.data import CSRF_RE, NARRATIVE, csrf_from

KEY_RE = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')
PEOPLE = {
    "web": ("Бақытгүл Жарылқасынова", "8 (701) 765-43-21", "bakytgul.zharylkassyn@example.kz"),
    "api": ("Quentin Vandersloot", "+7 702 888 77 66", "q.vandersloot@example.kz"),
    "hotline": ("Серікболат Тұрсынбаев", "8 705 444 33 22", None),
    "mail": ("Айнагүл Мұхаметжанова", None, "ainagul.mukhametzhan@example.kz"),
}
WITNESS = "Dauletkeldi Yermekbayev"


def phone_forms(written: str) -> set[str]:
    """Every way the number may sit in a dump: as typed, E.164, digits, 8..., local."""
    digits = re.sub(r"\D", "", written)
    national = digits[-10:]
    return {written, "+7" + national, "7" + national, "8" + national, national,
            f"{national[:3]} {national[3:6]} {national[6:8]} {national[8:]}"}


def needles() -> set[str]:
    found = {WITNESS.lower(), fold(WITNESS)}
    for name, phone, email in PEOPLE.values():
        for word in name.split():
            found |= {word.lower(), fold(word)}
        if phone:
            found |= phone_forms(phone)
        if email:
            found |= {email, email.split("@")[0]}
    return found


def file_everything(app, client, login, make_user):
    name, phone, email = PEOPLE["web"]
    data = form_data(client, identity="named", name=name, phone=phone, email=email,
                     witnesses=WITNESS, consent_to_contact="y", confirm_no_evidence="y")
    assert client.post("/complaints/new", data=data).status_code == 302

    name, phone, email = PEOPLE["api"]
    body = {"category": "vote_buying", "region": "KZ-KAR-BAL", "narrative": NARRATIVE,
            "anonymous": False, "language": "ru", "accused_candidates": [],
            "contact": {"name": name, "phone": phone, "email": email, "role": "voter"}}
    response = client.post("/api/v1/complaints", content_type="multipart/form-data",
                           data={"complaint": json.dumps(body, ensure_ascii=False)})
    assert response.status_code in (200, 201), response.get_data(as_text=True)

    name, phone, _ = PEOPLE["hotline"]
    console = app.test_client()
    login(console, make_user("operator", regions=None))
    console.post("/hotline/calls", data={"csrf_token": csrf_from(console, "/hotline/"),
                                         "number": phone, "language": "kk"})
    call_id = hotline_call_id()
    html = console.get(f"/hotline/calls/{call_id}/complaint").get_data(as_text=True)
    response = console.post(f"/hotline/calls/{call_id}/complaint", data={
        "csrf_token": CSRF_RE.search(html).group(1),
        "submission_key": KEY_RE.search(html).group(1), "identity": "named", "name": name,
        "phone": phone, "complainant_role": "voter", "category": "vote_buying",
        "region": "KZ-KAR-BAL", "station": "", "narrative": NARRATIVE,
        "confirm_no_evidence": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)

    name, _, email = PEOPLE["mail"]
    raw = bytes(corpus.message("Шағым", corpus.NARRATIVE_KK, sender=f"{name} <{email}>"))
    mailin.receive(raw, source="pipe")
    db.session.commit()
    search_pending.index_all_pending()  # the worker's search documents, with the contacts


def hotline_call_id() -> int:
    from casework.hotline.models import Call

    db.session.expire_all()
    return db.session.scalar(select(Call.id).order_by(Call.id.desc()).limit(1))


def database_bytes(app) -> bytes:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    db.session.commit()
    if url.drivername.startswith("postgresql"):
        return subprocess.run(
            ["pg_dump", "--no-owner", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
             "-U", url.username or "postgres", url.database],
            check=True, capture_output=True, timeout=300).stdout
    db.engine.dispose()  # every connection closed: the pages are in the file
    path = Path(url.database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
                    if p.exists())


def test_a_dump_of_the_database_holds_no_complainant(app, client, demo, login, make_user):
    file_everything(app, client, login, make_user)
    # The application reads them, and finds them by number and address.
    stored = {c.name: c for c in db.session.scalars(select(Complaint).where(
        Complaint.anonymous.is_(False)))}
    for key, (name, phone, email) in PEOPLE.items():
        assert name in stored, (key, sorted(stored))
        if phone:
            assert stored[name].phone == "+7" + re.sub(r"\D", "", phone)[-10:]
            assert stored[name].case_id in {m.case_id for m in hotline.find_cases(phone)}
        if email:
            assert routing._complaint_by_email({stored[name].case_id}, email) == stored[name]
    assert stored[PEOPLE["web"][0]].witnesses == WITNESS

    dump = database_bytes(app).decode("utf-8", "replace").lower()
    assert len(dump) > 10_000 and "cw1:" in dump
    leaked = sorted(n for n in needles() if n.lower() in dump)
    assert leaked == []

