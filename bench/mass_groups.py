"""Mass complaints in `make bench-queue` (bench/staff_queue.py): groups planted in the seeded
cases, and the time the worker's group_new_cases takes to sign and group fresh complaints on
the large database, against the intake rate it must keep up with.

Planted: 2 % of the seeded complaints are edited copies of 20 campaign texts (a word
dropped, one changed, a greeting added), so the queue has groups of ~1,000 cases to fold.
Every seeded case gets its MinHash signature and bands as the worker would have written them
(the same functions, COPY instead of one INSERT per row) and its group.

Then --new-cases fresh complaints (5 % pasted from the campaigns) are filed in SQL and
group_new_cases() runs, as the worker calls it, until nothing is left.
"""

import random
import time

from sqlalchemy import text

from casework.cases.mass_complaints import BATCH, _pack, bands, group_new_cases, signature
from casework.extensions import db

CAMPAIGNS = 20
PLANTED = 50  # one seeded case in PLANTED is a pasted copy
PASTED_NEW = 20  # one new case in PASTED_NEW is a pasted copy (5 %)
GREETINGS = ["Здравствуйте! ", "Сәлеметсіз бе! ", "Прошу разобраться. ", ""]
EDITS = ["сегодня", "вчера", "точно", "лично", "бүгін", "кеше"]


def campaign_texts(vocabulary: list[str]) -> list[str]:
    rng = random.Random(2020)  # noqa: S311 - test data, reproducible
    return [" ".join(rng.choice(vocabulary) for _ in range(45)) + f" участок {100 + k}"
            for k in range(CAMPAIGNS)]


def edited(base: str, rng: random.Random) -> str:
    words = base.split()
    del words[rng.randrange(len(words))]
    words[rng.randrange(len(words))] = rng.choice(EDITS)
    return rng.choice(GREETINGS) + " ".join(words)


def plant_and_sign(n: int, vocabulary: list[str]) -> None:
    """Plant the campaigns in the seeded complaints (one case in PLANTED), then write every
    seeded case's signature, bands and group."""
    started = time.perf_counter()
    campaigns = campaign_texts(vocabulary)
    rng = random.Random(7)  # noqa: S311 - test data, reproducible
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("CREATE TEMP TABLE planted (case_id int PRIMARY KEY, narrative text, "
                       "group_id int)")
        first: dict[int, int] = {}
        with cursor.copy("COPY planted (case_id, narrative, group_id) FROM STDIN") as copy:
            for case_id in range(PLANTED // 2, n + 1, PLANTED):
                k = (case_id // PLANTED) % CAMPAIGNS
                first.setdefault(k, case_id)
                copy.write_row((case_id, edited(campaigns[k], rng), first[k]))
        cursor.execute("UPDATE complaints c SET narrative = p.narrative FROM planted p "
                       "WHERE c.case_id = p.case_id")
        cursor.execute("UPDATE cases c SET text_group_id = p.group_id FROM planted p "
                       "WHERE c.id = p.case_id")
        cursor.execute("DROP INDEX IF EXISTS ix_case_text_bands_band_value")
        last = 0
        while True:  # in pieces of 20,000 (one COPY at a time on a connection)
            cursor.execute("SELECT c.id, c.election_id, m.narrative FROM cases c "
                           "JOIN complaints m ON m.case_id = c.id WHERE c.id > %s "
                           "ORDER BY c.id LIMIT 20000", (last,))
            rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            minima = [(case_id, election_id, signature(narrative or ""))
                      for case_id, election_id, narrative in rows]
            with cursor.copy("COPY case_text_signatures (case_id, election_id, signature) "
                             "FROM STDIN") as copy:
                for case_id, election_id, values in minima:
                    copy.write_row((case_id, election_id, _pack(values)))
            with cursor.copy("COPY case_text_bands (case_id, band, value) FROM STDIN") as copy:
                for case_id, _election_id, values in minima:
                    for band, value in bands(values) if values else ():
                        copy.write_row((case_id, band, value))
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("CREATE INDEX ix_case_text_bands_band_value "
                       "ON case_text_bands (band, value)")
        raw.commit()
    finally:
        raw.close()
    grouped = db.session.scalar(text("SELECT count(*) FROM cases WHERE text_group_id IS NOT NULL"))
    db.session.rollback()
    print(f"  {'mass complaints':<16} {grouped:>9,} in {CAMPAIGNS} groups; every case signed "
          f"{time.perf_counter() - started:6.1f} s", flush=True)


def file_new_cases(n: int, count: int, election_id: int, vocabulary: list[str]) -> None:
    """`count` fresh complaints after the seeded `n` (state received, now), 5 % pasted."""
    campaigns = campaign_texts(vocabulary)
    rng = random.Random(11)  # noqa: S311 - test data, reproducible
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("CREATE TEMP TABLE fresh (case_id int PRIMARY KEY, narrative text)")
        with cursor.copy("COPY fresh (case_id, narrative) FROM STDIN") as copy:
            for i in range(1, count + 1):
                narrative = (edited(campaigns[i % CAMPAIGNS], rng) if i % PASTED_NEW == 0 else
                             " ".join(rng.choice(vocabulary) for _ in range(10 + i % 12)))
                copy.write_row((n + i, narrative))
        # Only numbers from this file go into the SQL below.
        cursor.execute(f"""
            INSERT INTO cases (id, election_id, reference, region_id, category, state,
                               created_at, state_changed_at, has_evidence)
            SELECT f.case_id, {election_id}, 'NEW-' || lpad(f.case_id::text, 8, '0'),
                   c.region_id, c.category, 'received', now() AT TIME ZONE 'utc',
                   now() AT TIME ZONE 'utc', false
            FROM fresh f JOIN cases c ON c.id = f.case_id - {n}""")  # noqa: S608
        cursor.execute("""
            INSERT INTO complaints (id, case_id, channel, submission_key, tracking_hash,
                                    anonymous, consent_to_contact, language, category,
                                    region_id, narrative, links, received_at)
            SELECT c.id, c.id, 'web', md5('n' || c.id), md5('x' || c.id) || md5('y' || c.id),
                   true, false, 'ru', c.category, c.region_id, f.narrative, '[]', c.created_at
            FROM fresh f JOIN cases c ON c.id = f.case_id""")
        for table in ("cases", "complaints"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                           f"{n + count})")
        raw.commit()
    finally:
        raw.close()


def measure_grouping(n: int, count: int, election_id: int, vocabulary: list[str],
                     intake_rate: float) -> None:
    """File `count` fresh complaints, then run group_new_cases until none is left; print the
    time, the rate and the rate against `intake_rate`."""
    file_new_cases(n, count, election_id, vocabulary)
    db.session.rollback()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE cases; ANALYZE complaints"))
    rounds, handled, batch_times = 0, 0, []
    wall, cpu = time.perf_counter(), time.process_time()
    while True:
        started = time.perf_counter()
        done = group_new_cases()
        if not done:
            break
        batch_times.append(time.perf_counter() - started)
        rounds += 1
        handled += done
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    joined = db.session.scalar(text(
        "SELECT count(*) FROM cases WHERE id > :n AND text_group_id IS NOT NULL"), {"n": n})
    db.session.rollback()
    rate = handled / wall if wall else 0
    batch_times.sort()
    print(f"\nGrouping (group_new_cases, {BATCH} per round) of {handled:,} fresh complaints "
          f"({100 // PASTED_NEW} % pasted) on {n:,} signed cases:")
    print(f"  {wall:.1f} s wall, {cpu:.1f} s CPU of this process, {rounds} rounds "
          f"(p50 {batch_times[len(batch_times) // 2] * 1000:.0f} ms, "
          f"max {batch_times[-1] * 1000:.0f} ms per round)")
    print(f"  {rate:,.0f} cases/s = {rate / intake_rate:.1f}× the intake rate of "
          f"{intake_rate:.0f}/s it must keep up with; {joined:,} joined a group")
