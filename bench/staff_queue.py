"""The staff queue and its search on a large data set (PostgreSQL), through the real HTTP path.

    make bench-queue                                  # 1,000,000 cases, 2.5 minutes to seed
    make bench-queue BENCH_ARGS="--cases 100000 --runs 20 --explain"  #  + ~1 ms a case to sign

A fresh database casework_bench_queue_<hex>: the schema from the models (db.create_all, which
also runs ensure_search_schema), the demo election, then N cases seeded in SQL (INSERT ...
SELECT generate_series): regions weighted by voters, states, categories and channels with a
realistic spread, numbered in the order they arrived over 10 days; a complaint per case with
a Kazakh/Russian narrative from a small vocabulary (one word in ~1% of them), 2 % of them
pasted copies of 20 campaign texts (bench/mass_groups.py), every case signed and grouped as
the worker would have; deadlines, accused candidates, messages; the search documents by
reindex_all(); VACUUM ANALYZE.

Then, --runs times each, GET /cases through Flask's test client (routing, login, queries,
template) as the secretary (all regions) and as the KZ-KAR reviewer: the first page, a
filtered page, a page --deep pages in (the cursor followed in-process), searches, other
sorts and filters; then state_counts(), similar_cases(), index_case() and the cost of the
counting trigger on one UPDATE of a case; then --new-cases fresh complaints (5 % pasted)
grouped by the worker's group_new_cases (time, cases/s against --intake-rate) and the first
page again, groups folded and each complaint. Prints p50/p95 of the whole call and of the
database time inside it (cursor executions), the CPU of this process (the app's, not
PostgreSQL's) per request, and drops the database.
"""

import sys
from pathlib import Path

# This file is named like the standard library's `queue`, which psycopg imports: take the
# bench folder off the path (Python put it first) and put the project there instead.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import psycopg  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from bench.mass_groups import measure_grouping, plant_and_sign  # noqa: E402
from casework import create_app  # noqa: E402
from casework.extensions import db  # noqa: E402

PG = "host=127.0.0.1 port=5432 user=postgres"
PASSWORDS = {"secretary@example.kz": "secretary-demo-2020",
             "reviewer@example.kz": "reviewer-demo-2020"}
RARE_WORD = "фальсификация"  # in ~1% of narratives; no other word starts with it

VOCABULARY = [
    "сайлау", "сайлаушы", "сайлаушыларға", "дауыс", "бюллетень", "учаске", "комиссия",
    "кандидат", "ақша", "берді", "таратылды", "мектеп", "әкімдік", "қысым", "көрсетті",
    "автобус", "әкелді", "куә", "видео", "фото", "парақ", "тіркелмеген", "қол", "қойды",
    "байқаушы", "кіргізбеді", "жәшік", "электрондық", "жүйе", "баяу", "істеді", "голосование",
    "избиратель", "бюллетени", "участок", "комиссия", "кандидат", "деньги", "раздавали",
    "школа", "давление", "автобус", "привезли", "свидетель", "видео", "фото", "подписи",
    "наблюдатель", "не", "пустили", "урна", "электронное", "система", "зависла", "карусель",
    "вброс", "подкуп", "агитация", "листовки", "в", "день", "тишины", "Балқаш", "Қарағанды",
    "Алматы", "Астана", "Шымкент", "Павлодар", "Ақтөбе", "Темиртау",
]

# Half the complaints are named: a first name and a surname from these, and a phone.
NAMES = ["Айгүл", "Бауыржан", "Гүлнар", "Ерлан", "Жанар", "Нұрлан", "Сәуле", "Ирина", "Олег"]
SURNAMES = ["Сәрсенова", "Әбенов", "Құдайбергенов", "Нұрланова", "Өтепов", "Иванова",
            "Петров", "Ғалымов", "Үсенова", "Кузнецов", "Жұмабаев", "Мұхамедиев"]

# name: (percent, value) — the shares of the seeded cases.
STATES = [(13, "received"), (14, "screening"), (22, "investigation"), (5, "info_requested"),
          (5, "findings_ready"), (10, "decided"), (16, "closed"), (10, "inadmissible"),
          (2, "appealed"), (3, "merged")]
CATEGORIES = [(30, "vote_buying"), (12, "voter_coercion"), (8, "multiple_voting"),
              (15, "evoting_irregularity"), (10, "paper_ballot_irregularity"),
              (12, "campaign_violation"), (5, "abuse_of_office"), (4, "defamation"),
              (4, "other")]
CHANNELS = [(45, "web"), (25, "hotline"), (15, "email"), (5, "api"), (5, "social_media"),
            (3, "letter"), (2, "walk_in")]


# The indexes the queue's plans need on other areas' tables, as proposed for their models'
# __table_args__: (table, key columns, INCLUDE columns). Created here after the load (and an
# existing index of the same name replaced) while a model does not define it so yet.
FILTERS = "region_id, state, category, assignee_id, has_evidence, text_group_id"
PROPOSED_INDEXES = {
    "ix_cases_election_created": ("cases", "election_id, created_at, id", FILTERS),
    "ix_cases_election_changed": ("cases", "election_id, state_changed_at, id", FILTERS),
    "ix_cases_election_state_created": ("cases", "election_id, state, created_at, id",
                                        "region_id, category, assignee_id, has_evidence, "
                                        "text_group_id"),
    "ix_cases_region_created": ("cases", "region_id, created_at, id",
                                "state, category, assignee_id, has_evidence, text_group_id"),
    "ix_cases_assignee_created": ("cases", "assignee_id, created_at, id", "region_id, state"),
    "ix_cases_station_created": ("cases", "station_id, created_at, id", ""),
    "ix_case_candidates_candidate_case": ("case_candidates", "candidate_id, case_id", ""),
}


def index_sql(name: str) -> str:
    table, columns, include = PROPOSED_INDEXES[name]
    return (f"CREATE INDEX {name} ON public.{table} USING btree ({columns})"
            + (f" INCLUDE ({include})" if include else ""))


def weighted_array(pairs: list[tuple[int, object]]) -> str:
    """A SQL array literal with each value repeated by its weight: arr[1 + random() * len]."""
    items = [value for weight, value in pairs for _ in range(weight)]
    quoted = ",".join(str(v) if isinstance(v, int) else "'" + v + "'" for v in items)
    return f"ARRAY[{quoted}]"


def pick(array: str, size: int) -> str:
    return f"({array})[1 + floor(random() * {size})::int]"


def seed_cases(connection, n: int, election_id: int) -> None:
    """Everything in SQL, set-based; about a minute per million cases on two cores."""
    regions = connection.execute(text(
        "SELECT r.id, coalesce(r.voters, p.voters, 10000), r.parent_id FROM regions r "
        "LEFT JOIN regions p ON p.id = r.parent_id WHERE r.election_id = :e"),
        {"e": election_id}).all()
    # Top regions by voters (in thousands); each district takes a fifth of its region's share.
    weights = [(max(1, voters // (5000 if parent else 1000)), rid) for rid, voters, parent in regions]
    weights.append((max(1, sum(w for w, _ in weights) * 3 // 100), 0))  # ~3% with no region yet
    region_array = weighted_array(weights)
    region_size = sum(w for w, _ in weights)
    members = [r[0] for r in connection.execute(text(
        "SELECT id FROM users WHERE role IN ('reviewer', 'secretary', 'chair') ORDER BY id"))]
    stations = [r[0] for r in connection.execute(text(
        "SELECT id FROM polling_stations WHERE election_id = :e AND kind = 'paper'"),
        {"e": election_id})]
    candidates = [r[0] for r in connection.execute(text(
        "SELECT id FROM candidates WHERE election_id = :e ORDER BY id"), {"e": election_id})]
    vocabulary = "ARRAY[" + ",".join(f"'{w}'" for w in VOCABULARY) + "]"
    names = "ARRAY[" + ",".join(f"'{w}'" for w in NAMES) + "]"
    surnames = "ARRAY[" + ",".join(f"'{w}'" for w in SURNAMES) + "]"
    # Only numbers and this file's constants go into the SQL below.
    steps = [
        ("cases", f"""
            INSERT INTO cases (id, election_id, reference, region_id, station_id, category, state,
                               created_at, state_changed_at, has_evidence, assignee_id)
            SELECT i, {election_id}, 'BENCH-' || lpad(i::text, 8, '0'),
                   nullif({pick(region_array, region_size)}, 0),
                   CASE WHEN random() < 0.2 THEN {pick(f"ARRAY{stations}", len(stations))} END,
                   {pick(weighted_array(CATEGORIES), 100)}, s,
                   t, t + (now() AT TIME ZONE 'utc' - t) * random(),
                   random() < 0.45,
                   CASE WHEN s NOT IN ('received', 'screening') AND random() < 0.7
                        THEN {pick(f"ARRAY{members}", len(members))} END
            FROM (SELECT i, {pick(weighted_array(STATES), 100)} AS s,
                         now() AT TIME ZONE 'utc' - interval '10 days'
                         + (i::float / {n}) * interval '10 days' AS t
                  FROM generate_series(1, {n}) AS i) AS g"""),  # noqa: S608
        ("complaints", f"""
            INSERT INTO complaints (id, case_id, channel, submission_key, tracking_hash,
                                    anonymous, name, phone, consent_to_contact, language,
                                    category, region_id, narrative, links, received_at)
            SELECT c.id, c.id, {pick(weighted_array(CHANNELS), 100)},
                   md5('s' || c.id), md5('t' || c.id) || md5('u' || c.id), c.id % 2 = 1,
                   CASE WHEN c.id % 2 = 0 THEN {pick(names, len(NAMES))} || ' '
                        || {pick(surnames, len(SURNAMES))} END,
                   CASE WHEN c.id % 2 = 0 THEN '+7701' || lpad(c.id::text, 7, '0') END, false,
                   CASE WHEN c.id % 3 = 0 THEN 'ru' ELSE 'kk' END, c.category, c.region_id,
                   (SELECT string_agg({pick(vocabulary, len(VOCABULARY))}, ' ')
                    FROM generate_series(1, 10 + c.id % 12) AS w WHERE c.id > 0)
                   || CASE WHEN random() < 0.01 THEN ' {RARE_WORD}' ELSE '' END,
                   '[]', c.created_at
            FROM cases c"""),  # noqa: S608
        ("case_candidates", f"""
            INSERT INTO case_candidates (case_id, candidate_id)
            SELECT id, {pick(f"ARRAY{candidates}", len(candidates))} FROM cases
            WHERE random() < 0.4 ON CONFLICT DO NOTHING"""),  # noqa: S608
        ("case_deadlines", """
            INSERT INTO case_deadlines (case_id, state, started_at, due_at, paused_at,
                                        paused_seconds)
            SELECT id, state, state_changed_at,
                   CASE WHEN state IN ('screening') THEN created_at + interval '24 hours'
                        WHEN state IN ('investigation', 'info_requested')
                            THEN state_changed_at + interval '72 hours'
                        WHEN state = 'findings_ready' THEN state_changed_at + interval '5 days'
                        WHEN state = 'appealed' THEN state_changed_at + interval '72 hours'
                   END,
                   CASE WHEN state = 'info_requested' THEN state_changed_at END, 0
            FROM cases WHERE state <> 'received'"""),
        ("case_messages", """
            INSERT INTO case_messages (case_id, author, channel, body, created_at)
            SELECT id, 'committee', 'web',
                   'Қосымша ақпарат жіберіңіз / Пришлите, пожалуйста, фото или видео',
                   state_changed_at
            FROM cases WHERE state = 'info_requested' OR random() < 0.05"""),
    ]
    for name, sql in steps:
        started = time.perf_counter()
        rows = connection.execute(text(sql)).rowcount
        print(f"  {name:<16} {rows:>9,} rows  {time.perf_counter() - started:6.1f} s", flush=True)
    connection.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :n)"), {"n": n})
    connection.execute(text("SELECT setval(pg_get_serial_sequence('complaints', 'id'), :n)"),
                       {"n": n})
    connection.execute(text(
        "INSERT INTO case_sequences (election_id, last_value) VALUES (:e, :n) "
        "ON CONFLICT (election_id) DO UPDATE SET last_value = excluded.last_value"),
        {"e": election_id, "n": n})


class IsolatedClient(FlaskClient):
    """Each request in its own app context (own g and database session), as in production."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class Timer:
    """Wall time of each request and the database time inside it (cursor executions)."""

    def __init__(self, engine):
        self.db_time = 0.0
        self.statements: list[tuple[str, object]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()
        self.statements.append((statement, parameters))

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.db_time += time.perf_counter() - conn.info.pop("bench_t0")

    def run(self, action, runs: int) -> dict:
        walls, dbs, counts, cpus = [], [], [], []
        for _ in range(runs):
            self.db_time, self.statements = 0.0, []
            started, cpu = time.perf_counter(), time.process_time()
            action()
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            dbs.append(self.db_time)
            counts.append(len(self.statements))
        return {"wall": walls, "db": dbs, "queries": counts, "cpu": cpus}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def login(client, email: str) -> None:
    """Both sign-in steps: the password, then the code the demo account's authenticator
    shows now (from its stored secret)."""
    import pyotp

    from casework.accounts.models import User

    def token(path: str) -> str:
        html = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    first = client.post("/login", data={"email": email, "password": PASSWORDS[email],
                                        "csrf_token": token("/login"), "next": ""})
    secret = db.session.scalar(select(User.totp_secret).where(User.email == email))
    second = client.post("/login/code", data={"code": pyotp.TOTP(secret).now(),
                                              "csrf_token": token("/login/code")})
    db.session.rollback()
    assert first.status_code == 303 and second.status_code == 302, f"login as {email} failed"


def explain(timer: Timer, client, url: str) -> None:
    """EXPLAIN ANALYZE of the statements of one request that read cases or documents."""
    timer.statements = []
    client.get(url)
    captured = list(timer.statements)
    with db.engine.connect() as connection:
        for statement, parameters in captured:
            if not re.search(r"FROM (cases|case_state_counts)\b", statement):
                continue
            plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) "
                                              + statement, parameters).scalars().all()
            shown = [line for line in plan if "Planning" not in line][:40]
            print(f"    -- {statement.split(chr(10))[0][:90]}")
            print("\n".join("    " + line for line in shown))


def bench(args) -> None:
    name = args.database or f"casework_bench_queue_{secrets.token_hex(4)}"
    if not args.database:
        with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        engine_options = {"pool_pre_ping": True}
        if args.no_prepare:  # psycopg: never server-side prepared, so never a generic plan
            engine_options["connect_args"] = {"prepare_threshold": None}
        app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                          "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None,
                          "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
                          "CASEWORK_ARGON2_TIME_COST": 1, "CASEWORK_ARGON2_MEMORY_KIB": 1024,
                          "CASEWORK_LOG_LEVEL": "WARNING"})
        app.test_client_class = IsolatedClient
        with app.app_context():
            if not args.database:
                seed_all(app, args)
            elif apply_proposed_indexes():
                with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(text("VACUUM ANALYZE"))
            for setting in args.pg_set or []:
                key, value = setting.split("=", 1)
                with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql(
                        f'ALTER DATABASE "{name}" SET {key} = {value}')  # noqa: S608
            if args.pg_set:
                db.engine.dispose()  # new connections pick the settings up
                print(f"database settings: {', '.join(args.pg_set)}")
            if args.no_prepare:
                print("psycopg prepare_threshold=None: statements never prepared")
            measure(app, args)
    finally:
        with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as admin:
            if args.keep or args.database:
                print(f"database kept: {name}")
            else:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def apply_proposed_indexes() -> list[str]:
    """Create (or replace) each proposed index whose definition the database lacks."""
    current = dict(db.session.execute(text("SELECT indexname, indexdef FROM pg_indexes")).all())
    db.session.rollback()
    changed = [name for name in PROPOSED_INDEXES if current.get(name) != index_sql(name)]
    with db.engine.begin() as connection:
        connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for name in changed:
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
            connection.execute(text(index_sql(name)))
    return changed


def trigger_cost(case_id: int, triggers: bool, runs: int) -> list[float]:
    """Seconds of one UPDATE of a case's state, each rolled back to a savepoint; the triggers
    switched off inside the same (rolled back) transaction for the comparison."""
    times = []
    with db.engine.connect() as connection:
        transaction = connection.begin()
        if not triggers:
            connection.execute(text("ALTER TABLE cases DISABLE TRIGGER USER"))
        for i in range(runs):
            savepoint = connection.begin_nested()
            started = time.perf_counter()
            connection.execute(text("UPDATE cases SET state = :s WHERE id = :id"),
                               {"s": "investigation" if i % 2 else "screening", "id": case_id})
            times.append(time.perf_counter() - started)
            savepoint.rollback()
        transaction.rollback()
    return times


def seed_all(app, args) -> None:
    from casework.accounts.models import Role
    from casework.accounts.services import create_user
    from casework.cases.models import CaseSearchDocument
    from casework.cases.search import reindex_all
    from casework.demo.seed import ELECTION_CODE, seed
    from casework.elections.models import Election

    started = time.perf_counter()
    db.create_all()
    seed()
    election = db.session.scalar(select(Election).where(Election.code == ELECTION_CODE))
    for i in range(24):  # committee members to assign cases to
        create_user(actor=None, email=f"member{i}@example.kz", full_name=f"Member {i:02d}",
                    role=Role.REVIEWER, password=secrets.token_urlsafe(12), all_regions=i % 2 == 0,
                    region_codes=[] if i % 2 == 0 else ["KZ-KAR"], election_id=election.id)
    db.session.commit()
    print(f"schema and demo election: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    print(f"seeding {args.cases:,} cases:")
    with db.engine.begin() as connection:
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        connection.execute(text("SELECT setseed(0.2020)"))
        tsv_index = next(iter(CaseSearchDocument.__table__.indexes))
        tsv_index.drop(connection)  # built once after the load: faster than row by row
        seed_cases(connection, args.cases, election.id)
    plant_and_sign(args.cases, VOCABULARY)
    t = time.perf_counter()
    with app.app_context():
        written = reindex_all()
        db.session.commit()
    print(f"  {'search documents':<16} {written:>9,} rows  {time.perf_counter() - t:6.1f} s")
    t = time.perf_counter()
    with db.engine.begin() as connection:
        connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        tsv_index.create(connection)
    print(f"  {'GIN index':<16} {'':>9}       {time.perf_counter() - t:6.1f} s")
    t = time.perf_counter()
    changed = apply_proposed_indexes()
    if changed:
        print(f"  {'indexes':<16} {len(changed):>9} (proposed, not in the models yet: "
              f"{', '.join(changed)})  {time.perf_counter() - t:6.1f} s")
    t = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"  {'vacuum analyze':<16} {'':>9}       {time.perf_counter() - t:6.1f} s")
    size = db.session.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    print(f"seeded in {time.perf_counter() - started:.0f} s; database size {size}")


def measure(app, args) -> None:
    from casework.accounts.models import User
    from casework.cases.models import Case
    from casework.cases.queries import queue_page
    from casework.cases.queue_conditions import QueueFilters
    from casework.cases.queue_counts import state_counts
    from casework.cases.search import index_case
    from casework.cases.similar import similar_cases
    from casework.demo.seed import ELECTION_CODE
    from casework.elections.models import Election

    election = db.session.scalar(select(Election).where(Election.code == ELECTION_CODE))
    settings = db.session.execute(text(
        "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', "
        "'work_mem', 'max_parallel_workers_per_gather', 'random_page_cost', 'jit') "
        "ORDER BY name"))
    print("PostgreSQL: " + ", ".join(f"{n}={v}{'×' + u if u else ''}" for n, v, u in settings))
    db.session.rollback()

    timer = Timer(db.engine)
    scenarios: list[tuple[str, str, object]] = []
    clients = {}
    for who, email in (("secretary", "secretary@example.kz"), ("reviewer", "reviewer@example.kz")):
        client = app.test_client()
        login(client, email)
        clients[who] = client
    users = {who: db.session.scalar(select(User).where(User.email == email))
             for who, email in (("secretary", "secretary@example.kz"),
                                ("reviewer", "reviewer@example.kz"))}

    from urllib.parse import quote

    from casework.elections.models import Candidate, Region
    reference = db.session.scalar(select(Case.reference).join(Case.region).where(
        Region.code.like("KZ-KAR%")).order_by(Case.id.desc()).limit(1))
    candidate_name = quote(db.session.scalar(select(Candidate.name_ru).where(
        Candidate.election_id == election.id).order_by(Candidate.code).limit(1)))

    def deep_cursor(who: str, filters: QueueFilters) -> str:
        cursor = None
        for _ in range(args.deep):
            cursor = queue_page(users[who], election, filters, after=cursor).next_cursor
        db.session.rollback()
        return cursor

    for who in ("secretary", "reviewer"):
        scenarios += [
            (who, "first page (groups folded)", "/cases"),
            (who, "first page, each complaint", "/cases?groups=each"),
            (who, "folded, state=screening", "/cases?state=screening"),
            (who, "filtered: state+region+category",
             "/cases?state=investigation&region=KZ-KAR&category=vote_buying"),
            (who, f"deep page ({args.deep} pages in)",
             "/cases?after=" + deep_cursor(who, QueueFilters())),
            (who, f"search '{RARE_WORD}' (~1%)", f"/cases?q={RARE_WORD}"),
            (who, "search, 2 common words", "/cases?q=автобус+видео"),
            (who, "search folded 'караганды' (~1/60)", "/cases?q=караганды"),
            (who, "search a phone '8 (701) 000-12-34'", "/cases?q=8+(701)+000-12-34"),
            (who, "search a name 'сарсенова гулнар'", "/cases?q=сарсенова+гулнар"),
            (who, "search a candidate's name", f"/cases?q={candidate_name}"),
            (who, "reference typed (redirect)", f"/cases?q={reference.lower()}"),
            (who, "due soonest", "/cases?sort=due"),
            (who, "overdue, assigned to me", "/cases?overdue=yes&assignee=me"),
            (who, "channel=letter", "/cases?channel=letter"),
        ]
    print(f"\n{'who':<10} {'page (GET /cases, Flask test client)':<36} {'p50 ms':>7} {'p95 ms':>7}"
          f" {'db p50':>7} {'db p95':>7} {'queries':>7} {'cpu p50':>7}")
    if args.only:
        scenarios = [s for s in scenarios if args.only in s[1]]
    for who, label, url in scenarios:
        client = clients[who]
        response = client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        result = timer.run(lambda c=client, u=url: c.get(u), args.runs)
        print(f"{who:<10} {label:<36} {pct(result['wall'], .5):7.1f} {pct(result['wall'], .95):7.1f}"
              f" {pct(result['db'], .5):7.1f} {pct(result['db'], .95):7.1f}"
              f" {statistics.median(result['queries']):7.0f} {pct(result['cpu'], .5):7.1f}",
              flush=True)
        db.session.rollback()

    print(f"\n{'who':<10} {'function':<36} {'p50 ms':>7} {'p95 ms':>7} {'db p50':>7} {'db p95':>7}")
    sample = db.session.scalar(select(Case).where(Case.state == "screening",
                                                  Case.region_id.is_not(None))
                               .order_by(Case.id.desc()).limit(1))
    functions = []
    for who in ("secretary", "reviewer"):
        functions += [
            (who, "state_counts", lambda w=who: state_counts(users[w], election,
                                                             QueueFilters())),
            (who, "state_counts region+category", lambda w=who: state_counts(
                users[w], election, QueueFilters(region_code="KZ-KAR", category="vote_buying"))),
            (who, "similar_cases (a screening case)", lambda w=who: similar_cases(
                sample, user=users[w])),
        ]
    functions.append(("-", "index_case (then rolled back)",
                      lambda: (index_case(sample.id), db.session.rollback())))
    for who, label, action in functions:
        result = timer.run(action, args.runs)
        print(f"{who:<10} {label:<36} {pct(result['wall'], .5):7.1f} {pct(result['wall'], .95):7.1f}"
              f" {pct(result['db'], .5):7.1f} {pct(result['db'], .95):7.1f}", flush=True)
    for label, triggers in (("UPDATE cases SET state (counters on)", True),
                            ("UPDATE cases SET state (triggers off)", False)):
        times = trigger_cost(sample.id, triggers, args.runs * 3)
        print(f"{'-':<10} {label:<36} {pct(times, .5):7.2f} {pct(times, .95):7.2f}", flush=True)

    if args.new_cases:
        from sqlalchemy import func

        last = db.session.scalar(select(func.max(Case.id)))
        db.session.rollback()
        measure_grouping(last, args.new_cases, election.id, VOCABULARY, args.intake_rate)
        for who in ("secretary", "reviewer"):
            for label, url in (("first page (groups folded), after", "/cases"),
                               ("first page, each complaint, after", "/cases?groups=each")):
                result = timer.run(lambda c=clients[who], u=url: c.get(u), args.runs)
                print(f"{who:<10} {label:<36} {pct(result['wall'], .5):7.1f} "
                      f"{pct(result['wall'], .95):7.1f} {pct(result['db'], .5):7.1f} "
                      f"{pct(result['db'], .95):7.1f} {'':>7} {pct(result['cpu'], .5):7.1f}",
                      flush=True)
                db.session.rollback()

    if args.explain:
        print("\nPlans (EXPLAIN ANALYZE of the page's statements on cases):")
        for who, label, url in scenarios:
            print(f"\n  == {who}: {label}")
            explain(timer, clients[who], url)
            db.session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per scenario")
    parser.add_argument("--deep", type=int, default=200, help="pages to follow for the deep page")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument("--new-cases", type=int, default=10_000,
                        help="fresh complaints (5%% pasted) to group at the end (0: skip)")
    parser.add_argument("--intake-rate", type=float, default=50.0,
                        help="complaints/s the grouping must keep up with (peak intake)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="measure an existing (kept) database: no seeding")
    parser.add_argument("--only", help="run only the scenarios whose label contains this")
    parser.add_argument("--no-prepare", action="store_true",
                        help="connect with psycopg's prepare_threshold=None (custom plans only)")
    parser.add_argument("--pg-set", action="append", metavar="NAME=VALUE",
                        help="a setting for the bench database (ALTER DATABASE ... SET), e.g. "
                             "max_parallel_workers_per_gather=0")
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
