"""Case references: <ELECTION>-<REGION>-<NNNNN>, never repeated, also under concurrency."""

import threading

from sqlalchemy import select

from casework.cases.models import CaseSequence, Category
from casework.cases.services import next_case_number, open_case, reference_for
from casework.elections.models import Election, Region
from casework.extensions import db


def test_reference_uses_the_top_region(election):
    balkhash = db.session.scalar(select(Region).where(Region.code == "KZ-KAR-BAL"))
    assert reference_for(election, balkhash, 42) == "T2020-KAR-00042"
    case = open_case(election=election, region=balkhash, category=Category.VOTE_BUYING,
                     station=None, accused=[])
    assert case.reference == "T2020-KAR-00001"


def test_numbers_never_repeat_across_concurrent_transactions(app, election):
    """Eight threads, each with its own connection and transaction, take numbers at once."""
    election_id = election.id
    taken: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(5):
                    number = next_case_number(db.session.get(Election, election_id))
                    db.session.commit()
                    taken.append(number)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(taken) == list(range(1, 41))
    db.session.expire_all()
    assert db.session.get(CaseSequence, election_id).last_value == 40
