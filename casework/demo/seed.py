"""The demo primary: modelled on the 2020 primaries in Kazakhstan, all people fictional.

Seeding goes through the same CSV importers as real data, so it is idempotent and
checked by the same rules. The calendar is set relative to the day of the first
seed so that the demo is always "during the primary".
"""

import csv
import io
import random
import secrets
from datetime import timedelta

from sqlalchemy import select

from casework.accounts.factors import activate_totp
from casework.accounts.models import Role, User
from casework.accounts.passwords import hash_password
from casework.accounts.services import create_user
from casework.core.db import utcnow
from casework.demo import data as demo_data
from casework.elections.importers import run_import
from casework.elections.legal_clock import set_clock
from casework.elections.legal_clock_models import LegalClock
from casework.elections.models import Election
from casework.extensions import db

ELECTION_CODE = "DEMO2020"
ELECTRONIC_STATION = "E-VOTE"

# One account per role; the README lists them. Demo only: never seed in production.
DEMO_ACCOUNTS = [
    ("operator@example.kz", "Гүлнар Операторова", Role.OPERATOR, ["KZ-KAR", "KZ-AST"], "operator-demo-2020"),
    ("reviewer@example.kz", "Ерлан Тексерушіов", Role.REVIEWER, ["KZ-KAR"], "reviewer-demo-2020"),
    ("secretary@example.kz", "Айгүл Хатшыева", Role.SECRETARY, [], "secretary-demo-2020"),
    ("chair@example.kz", "Нұрлан Төрағаев", Role.CHAIR, [], "chair-demo-2020"),
    ("admin@example.kz", "Admin Demo", Role.ADMIN, [], "admin-demo-2020"),
    ("auditor@example.kz", "Сәуле Аудиторова", Role.AUDITOR, [], "auditor-demo-2020"),
]
# The demo accounts' TOTP secrets (base32), published in the README so that a person trying
# the demo adds them to an authenticator app. Demo data only: a real account enrols its own
# secret at its first sign-in.
DEMO_TOTP_SECRETS = {
    "operator@example.kz": "ETKNDEFCYLU6VD2LTRLQHGKYO3VCMVLN",
    "reviewer@example.kz": "ANNG6PNPU5DVFP66PJMOUB3C2ZHMMCJN",
    "secretary@example.kz": "67IVQQ7Y7MNQGOTRNL3LMKBUEWLJQWH4",
    "chair@example.kz": "RF7XVJVEIFCPJJPKI346CLEONM4BL2YN",
    "admin@example.kz": "WPHS7YNW3MCYHGJL7UET6W6RMXAOUBTF",
    "auditor@example.kz": "B2S4WI65UWRD5WXWRNLFKFAUZLVWDJUV",
}


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _election_csv() -> bytes:
    day = utcnow().replace(hour=3, minute=0, second=0, microsecond=0)  # 08:00 in Almaty
    at = {
        "filing_opens_at": day - timedelta(days=7),
        "voting_starts_at": day - timedelta(days=1),
        "voting_ends_at": day + timedelta(days=5, hours=12),
        "filing_closes_at": day + timedelta(days=7),
        "decision_deadline_at": day + timedelta(days=10),
        "results_certification_at": day + timedelta(days=12),
    }
    header = ["code", "name_kk", "name_ru", "name_en", "timezone", "default_locale", *at]
    row = [ELECTION_CODE, "Партиялық праймериз (демо, 2020 үлгісі)",
           "Партийные праймериз (демо, по образцу 2020 года)",
           "Party primary (demo, modelled on 2020)", "Asia/Almaty", "kk",
           *[value.isoformat() + "+00:00" for value in at.values()]]
    return _csv(header, [row])


# Kazakhstan's public holidays on fixed dates (month, day, name).
HOLIDAYS = [(1, 1, "Жаңа жыл"), (1, 2, "Жаңа жыл"), (3, 8, "Халықаралық әйелдер күні"),
            (3, 21, "Наурыз мейрамы"), (3, 22, "Наурыз мейрамы"), (3, 23, "Наурыз мейрамы"),
            (5, 1, "Қазақстан халқының бірлігі мерекесі"), (5, 7, "Отан қорғаушы күні"),
            (5, 9, "Жеңіс күні"), (7, 6, "Астана күні"), (8, 30, "Конституция күні"),
            (10, 25, "Республика күні"), (12, 16, "Тәуелсіздік күні")]


def _holidays_csv(election: Election) -> bytes:
    years = range(election.filing_opens_at.year, election.results_certification_at.year + 2)
    return _csv(["date", "name"], [[f"{year}-{month:02d}-{day:02d}", name]
                                   for year in years for month, day, name in HOLIDAYS])


def _regions_csv() -> bytes:
    rows = [[r["code"], "", r["kind"], r["name_kk"], r["name_ru"], r["name_en"], r["voters"]]
            for r in demo_data.REGIONS]
    rows += [[d["code"], d["parent"], d["kind"], d["name_kk"], d["name_ru"], d["name_en"], ""]
             for d in demo_data.DISTRICTS]
    return _csv(["code", "parent_code", "kind", "name_kk", "name_ru", "name_en", "voters"], rows)


def _station_plan(rng: random.Random) -> list[list]:
    """About 50 stations: the electronic one, then paper stations in regions and districts."""
    rows = [[ELECTRONIC_STATION, "", "electronic", "Электрондық дауыс беру / Электронное голосование"]]
    places = list(demo_data.REGIONS) + list(demo_data.DISTRICTS)
    for index in range(49):
        unit = places[index % len(places)]
        place_kk, place_ru = rng.choice(demo_data.STATION_PLACES)
        street_kk, street_ru = rng.choice(demo_data.STREETS)
        n, house = rng.randint(1, 60), rng.randint(1, 120)
        address = (f"{unit['name_kk']}, {street_kk}, {house}, {place_kk.format(n=n)} / "
                   f"{unit['name_ru']}, {street_ru}, {house}, {place_ru.format(n=n)}")
        code = f"{unit['code'][3:]}-{index + 1:03d}"
        rows.append([code, unit["code"], "paper", address])
    return rows


def _candidate_plan(rng: random.Random) -> list[list]:
    rows = []
    for number in range(1, 61):
        region = demo_data.REGIONS[(number - 1) % len(demo_data.REGIONS)]
        surname = rng.choice(demo_data.SURNAMES)
        if rng.random() < 0.4:
            first, (kk, ru, en) = rng.choice(demo_data.FEMALE_FIRST_NAMES), surname[3:]
        else:
            first, (kk, ru, en) = rng.choice(demo_data.MALE_FIRST_NAMES), surname[:3]
        rows.append([f"C-{number:03d}", region["code"], f"{kk} {first[0]}", f"{ru} {first[1]}",
                     f"{first[2]} {en}"])
    return rows


def _results_plan(rng: random.Random, stations: list[list], candidates: list[list]) -> list[list]:
    parent = {d["code"]: d["parent"] for d in demo_data.DISTRICTS}
    rows = []
    for code, region_code, *_names in candidates:
        rows.append([ELECTRONIC_STATION, code, rng.randint(300, 4000)])
        for station_code, station_region, kind, _address in stations:
            if kind == "paper" and parent.get(station_region, station_region) == region_code:
                rows.append([station_code, code, rng.randint(20, 600)])
    return rows


def seed() -> list[str]:
    """Load the demo primary and accounts; safe to run again (changes nothing the second time)."""
    rng = random.Random(2020)  # noqa: S311 - deterministic demo data, not security
    reports = []
    if db.session.scalar(select(Election).where(Election.code == ELECTION_CODE)) is None:
        reports.append(run_import("elections", _election_csv(), election=None, source="demo"))
    election = db.session.scalar(select(Election).where(Election.code == ELECTION_CODE))
    stations, candidates = _station_plan(rng), _candidate_plan(rng)
    results = _results_plan(rng, stations, candidates)
    plan = [
        ("regions", _regions_csv()),
        ("stations", _csv(["code", "region_code", "kind", "address"], stations)),
        ("candidates", _csv(["code", "region_code", "name_kk", "name_ru", "name_en"], candidates)),
        ("results", _csv(["station_code", "candidate_code", "votes"], results)),
    ]
    if db.session.get(LegalClock, election.id) is None:
        plan.append(("holidays", _holidays_csv(election)))
        # Working days while complaints are filed and after certification, calendar days
        # during the vote and the tally (as Indonesia's supervisory body counts them).
        set_clock(election, before_voting="working", voting="calendar",
                  after_certification="working")
    for kind, data in plan:
        reports.append(run_import(kind, data, election=election, source="demo"))
    lines = [str(report) for report in reports]
    for email, name, role, regions, password in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(actor=None, email=email, full_name=name, role=role,
                               password=secrets.token_hex(24),  # hex: never holds a name
                               all_regions=not regions,
                               region_codes=regions, election_id=election.id)
            # The published demo passwords ("operator-demo-2020") contain the account's name,
            # which the rules for a new password refuse: demo data only, set as a hash.
            user.password_hash = hash_password(password)
            lines.append(f"account {email} ({role.value}) created")
        if not user.has_second_factor:
            activate_totp(user, DEMO_TOTP_SECRETS[email])
            lines.append(f"account {email}: demo TOTP secret set (see the README)")
    return lines
