"""The data `make bench-compare` runs on: Casework's SQLite instance with N cases, and the
baseline's database with the same number of complaints and the same select lists.

Casework: `flask db upgrade`, `demo seed` and `demo cases` (the demo primary, its accounts, 300
complaints worked through the real workflow), then the rest of the N cases in bulk through the
models' tables (references made by `cases.services.reference_for`, the state counters kept by
their triggers), the search documents by `reindex_all()`, the statistics' rollup, ANALYZE.
KEYWORD is in 1 % of the narratives and no other seeded word starts with it; MISS in none.
"""

import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLASK = Path(sys.executable).with_name("flask")
KEYWORD = "фальсификация"
MISS = "zzyzx"
WORDS = [
    "сайлау", "дауыс", "бюллетень", "учаске", "комиссия", "кандидат", "ақша", "берді", "мектеп",
    "әкімдік", "қысым", "автобус", "әкелді", "куә", "видео", "фото", "байқаушы", "жәшік", "электрондық",
    "жүйе", "голосование", "избиратель", "участок", "деньги", "раздавали", "школа", "давление",
    "привезли", "свидетель", "наблюдатель", "не", "пустили", "урна", "система", "зависла", "карусель",
    "вброс", "подкуп", "агитация", "листовки", "день", "тишины", "Балқаш", "Қарағанды", "Алматы",
    "Астана", "Шымкент", "Павлодар", "Темиртау"
]
# (weight, value): the shares of the bulk cases.
STATES = [(13, "received"), (14, "screening"), (22, "investigation"), (5, "info_requested"),
          (5, "findings_ready"), (10, "decided"), (16, "closed"), (10, "inadmissible"),
          (2, "appealed"), (3, "merged")]
CHANNELS = [(45, "web"), (25, "hotline"), (15, "email"), (5, "api"), (5, "social_media"),
            (3, "letter"), (2, "walk_in")]
DECIDED = {"decided", "closed", "appealed"}
BATCH = 10_000


def narrative(rnd: random.Random, with_keyword: bool) -> str:
    words = rnd.choices(WORDS, k=rnd.randint(30, 60))
    if with_keyword:
        words.insert(rnd.randrange(len(words)), KEYWORD)
    return " ".join(words).capitalize() + "."


def moves(state: str, rnd: random.Random) -> list[tuple[str, str, str, dict]]:
    """The recorded state moves that lead to `state` (what the reports read)."""
    # Every row has the same keys: an executemany takes its columns from the first row.
    path = [("start_screening", "received", "screening", {"reason_code": None, "outcome": None})]
    if state == "inadmissible":
        from casework.cases.workflow import InadmissibleReason
        return path + [("reject", "screening", "inadmissible",
                        {"reason_code": rnd.choice(list(InadmissibleReason)).value,
                         "outcome": None})]
    if state not in ("screening", "merged"):
        path.append(("admit", "screening", "investigation", path[0][3]))
    if state in DECIDED:
        path.append(("decide", "findings_ready", "decided",
                     {"reason_code": None,
                      "outcome": rnd.choice(["confirmed", "partly_confirmed", "not_confirmed"])}))
    return path


def casework_env(folder: Path) -> dict[str, str]:
    """Production settings on the instance folder; the keys are files in it (`make secret`)."""
    return dict(os.environ, CASEWORK_ENV="production",
                CASEWORK_DATABASE_URL=f"sqlite:///{folder / 'casework.db'}",
                CASEWORK_INSTANCE_PATH=str(folder), CASEWORK_EVIDENCE_DIR=str(folder / "evidence"),
                CASEWORK_LOG_LEVEL="WARNING")


def flask(folder: Path, *command: str) -> None:
    started = time.perf_counter()
    done = subprocess.run([str(FLASK), "--app", "casework", *command], cwd=ROOT,  # noqa: S603
                          env=casework_env(folder), capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"flask {' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    print(f"  flask {' '.join(command):<14} {time.perf_counter() - started:6.1f} s", flush=True)


def write_keys(folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from casework.config import write_audit_signing_key, write_secret_key
    from casework.core.crypto import write_keys_file

    folder.mkdir(parents=True, exist_ok=True)
    write_secret_key(str(folder / "secret_key"))
    write_secret_key(str(folder / "audit_key"))
    write_audit_signing_key(str(folder / "audit_signing_key"))
    write_keys_file(folder / "data_keys")


def seed_casework(folder: Path, total: int, seed: int = 2020) -> dict:
    """Fill `folder` (casework.db, evidence/, keys); returns what was made."""
    started = time.perf_counter()
    write_keys(folder)
    for command in (("db", "upgrade"), ("demo", "seed"), ("demo", "cases")):
        flask(folder, *command)
    os.environ.update(casework_env(folder))
    from sqlalchemy import func, insert, select, text

    from casework import create_app
    from casework.accounts.models import User
    from casework.cases.models import Case, Category
    from casework.cases.search import reindex_all
    from casework.cases.services import reference_for
    from casework.elections.models import Candidate, Election, PollingStation, Region
    from casework.extensions import db
    from casework.intake.models import Complaint

    tables = db.metadata.tables
    app = create_app()
    rnd = random.Random(seed)  # noqa: S311 - benchmark data
    with app.app_context():
        session = db.session
        election = session.scalars(select(Election).order_by(Election.id)).first()
        regions = session.scalars(select(Region).where(Region.election_id == election.id)).all()
        # Regions weighted by voters (a district by a fifth), and ~3 % not known yet.
        pool = [r for r in regions for _ in range(max(1, (r.voters or 10_000) //
                                                       (5000 if r.parent_id else 1000)))]
        pool += [None] * max(1, len(pool) * 3 // 100)
        stations = session.scalars(select(PollingStation.id).where(
            PollingStation.election_id == election.id)).all()
        candidates = session.scalars(select(Candidate.id).where(
            Candidate.election_id == election.id)).all()
        members = session.scalars(select(User.id).where(
            User.role.in_(["reviewer", "secretary", "chair"]))).all()
        existing = session.scalar(select(func.count()).select_from(Case))
        first = session.scalar(select(func.min(Case.created_at)))
        last_number = session.execute(text("SELECT last_value FROM case_sequences "
                                           "WHERE election_id = :e"), {"e": election.id}).scalar()
        next_case = session.scalar(select(func.max(Case.id))) + 1
        next_complaint = session.scalar(select(func.max(Complaint.id))) + 1
        bulk = max(0, total - existing)
        keyword_every = 100
        states = [v for w, v in STATES for _ in range(w)]
        channels = [v for w, v in CHANNELS for _ in range(w)]
        categories = [c.value for c in Category]
        end = first - timedelta(hours=1)
        span = timedelta(days=10)
        rows: dict[str, list[dict]] = {t: [] for t in (
            "cases", "complaints", "case_deadlines", "case_candidates", "case_transitions")}

        def flush() -> None:
            for table, batch in rows.items():  # cases first: the others refer to them
                if batch:
                    session.execute(insert(tables[table]), batch)
                    batch.clear()

        for k in range(bulk):
            case_id, number = next_case + k, last_number + 1 + k
            created = end - span + span * (k / max(bulk, 1))
            state, region = rnd.choice(states), rnd.choice(pool)
            changed = created + timedelta(hours=rnd.random() * 48) if state != "received" else created
            category = rnd.choice(categories)
            station = rnd.choice(stations) if rnd.random() < 0.2 else None
            rows["cases"].append({
                "id": case_id, "election_id": election.id, "region_id": region.id if region else None,
                "reference": reference_for(election, region, number), "station_id": station,
                "category": category, "state": state, "created_at": created, "state_changed_at": changed,
                "has_evidence": rnd.random() < 0.45,
                "assignee_id": rnd.choice(members) if state not in ("received", "screening")
                and rnd.random() < 0.7 else None,
                "outcome": rnd.choice(["confirmed", "partly_confirmed", "not_confirmed"])
                if state in DECIDED else None})
            rows["complaints"].append({
                "id": next_complaint + k, "case_id": case_id, "channel": rnd.choice(channels),
                "submission_key": hashlib.sha256(b"s%d" % case_id).hexdigest(),
                "tracking_hash": hashlib.sha256(b"t%d" % case_id).hexdigest(), "anonymous": True,
                "consent_to_contact": False, "language": rnd.choice(["kk", "kk", "ru"]),
                "category": category, "region_id": region.id if region else None, "station_id": station,
                "narrative": narrative(rnd, k % keyword_every == 7), "links": [], "received_at": created})
            if state != "received":
                rows["case_deadlines"].append({
                    "case_id": case_id, "state": state, "started_at": changed, "paused_seconds": 0,
                    "due_at": changed + timedelta(hours=72), "paused_at": changed
                    if state == "info_requested" else None})
                rows["case_transitions"] += [dict(case_id=case_id, action=action, from_state=a,
                                                  to_state=b, at=changed, details={}, **extra)
                                             for action, a, b, extra in moves(state, rnd)]
            if rnd.random() < 0.4:
                rows["case_candidates"].append({"case_id": case_id,
                                                    "candidate_id": rnd.choice(candidates)})
            if len(rows["cases"]) >= BATCH:
                flush()
        flush()
        session.execute(text("UPDATE case_sequences SET last_value = :n WHERE election_id = :e"),
                        {"n": last_number + bulk, "e": election.id})
        print(f"  {bulk:,} bulk cases         {time.perf_counter() - started:6.1f} s", flush=True)
        documents = reindex_all()
        session.commit()
        print(f"  {documents:,} search documents {time.perf_counter() - started:6.1f} s", flush=True)
    return finish_casework(folder, started)


def finish_casework(folder: Path, started: float) -> dict:
    """The statistics' rollup, the full-text index merged, ANALYZE, the WAL folded in."""
    flask(folder, "reports", "refresh")
    connection = sqlite3.connect(folder / "casework.db")
    connection.execute("INSERT INTO case_search_fts(case_search_fts) VALUES ('optimize')")
    connection.commit()
    connection.execute("ANALYZE")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n = connection.execute("SELECT count(*) FROM cases").fetchone()[0]
    connection.close()
    print(f"  casework seeded: {n:,} cases in {time.perf_counter() - started:.0f} s", flush=True)
    return {"cases": n, "keyword": KEYWORD, "miss": MISS}


def reference_lists(casework_db: Path) -> dict[str, list]:
    """The complaint form's select lists as Casework's database holds them."""
    connection = sqlite3.connect(casework_db)
    try:
        regions = connection.execute(
            "SELECT id, code, name_kk, name_ru, name_en FROM regions "
            "ORDER BY parent_id IS NOT NULL, id").fetchall()
        stations = connection.execute(
            "SELECT id, code, address, address, address FROM polling_stations ORDER BY code"
        ).fetchall()
        candidates = connection.execute(
            "SELECT id, code, name_kk, name_ru, name_en FROM candidates ORDER BY code").fetchall()
    finally:
        connection.close()
    return {"regions": regions, "stations": stations, "candidates": candidates}


def seed_baseline(path: Path, casework_db: Path, total: int, seed: int = 2020) -> dict:
    """The baseline's SQLite database: the same select lists, `total` complaints."""
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    sys.path.insert(0, str(ROOT / "bench"))
    from baseline_app import create_baseline, db

    app = create_baseline(path, path.parent / "baseline-evidence")
    lists = reference_lists(casework_db)
    rnd = random.Random(seed)  # noqa: S311 - benchmark data
    with app.app_context():
        db.create_all()
        connection = db.session.connection()
        for table, items in lists.items():
            connection.exec_driver_sql(
                f"INSERT INTO {table} (id, code, name_kk, name_ru, name_en) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?)", [tuple(map(str, row)) for row in items])
        start = 1_700_000_000
        batch = []
        for k in range(total):
            batch.append((f"BASE-{k + 1:06d}", rnd.choice([r[0] for r in lists["regions"]]),
                          narrative(rnd, k % 100 == 7), start + k * 8, "received", "[]"))
            if len(batch) >= BATCH or k == total - 1:
                connection.exec_driver_sql(
                    "INSERT INTO complaints (reference, region_id, narrative, created, state, "
                    "evidence) VALUES (?, ?, ?, ?, ?, ?)", batch)
                batch.clear()
        db.session.commit()
    connection = sqlite3.connect(path)
    connection.execute("ANALYZE")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    print(f"  baseline seeded: {total:,} complaints in {time.perf_counter() - started:.0f} s",
          flush=True)
    return {"complaints": total, "lists": {k: len(v) for k, v in lists.items()}}


def write_marker(folder: Path, facts: dict) -> None:
    (folder / "seeded.json").write_text(json.dumps(facts, ensure_ascii=False, indent=1))
