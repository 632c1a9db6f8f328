"""Migrations: `upgrade head` gives exactly the models' schema; every revision goes down and up.

Runs on SQLite always, and on PostgreSQL when CASEWORK_TEST_DATABASE_URL is set.
"""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from casework import PROJECT_ROOT, create_app
from casework.cases.models import search as search_models
from casework.extensions import db
from tests.plugin.app import PG_URL, TEST_CONFIG, create_pg_database, drop_pg_database

MIGRATIONS = str(PROJECT_ROOT / "migrations")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path):
    if request.param == "postgresql":
        url = create_pg_database(PG_URL)
    else:
        url = "sqlite:///" + str(tmp_path / "migrations.db")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        drop_pg_database(url)


def _diff():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_name": search_models.include_name})
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"} - search_models.FTS_TABLES


def test_upgrade_head_matches_the_models(empty_app):
    upgrade(directory=MIGRATIONS, revision="head")
    assert _tables() == set(db.metadata.tables)
    assert _diff() == []


def test_every_revision_goes_down_and_up(empty_app):
    script = ScriptDirectory.from_config(empty_app.extensions["migrate"].migrate.get_config(
        MIGRATIONS))
    revisions = list(reversed(list(script.walk_revisions())))
    assert revisions, "no migrations found"
    for revision in revisions:
        upgrade(directory=MIGRATIONS, revision=revision.revision)
        downgrade(directory=MIGRATIONS, revision=revision.down_revision or "base")
        upgrade(directory=MIGRATIONS, revision=revision.revision)
    assert _diff() == []
    downgrade(directory=MIGRATIONS, revision="base")
    assert _tables() == set()


def test_revision_files_are_date_prefixed():
    import re
    from pathlib import Path

    files = [p.name for p in (Path(MIGRATIONS) / "versions").glob("*.py")]
    assert files and all(re.match(r"^\d{4}_\d{2}_\d{2}_\d{4}_[0-9a-f]+_\w+\.py$", f) for f in files)


def test_search_refold_migration_folds_stored_documents(empty_app):
    """Documents written before the folding (raw text, no contacts) come out folded, with
    the reference, the accused's names and the complainants' contacts, and are found."""
    from sqlalchemy import text

    from casework.cases import search_contacts
    from casework.cases.models import CaseSearchDocument
    from casework.cases.search import index_case, matching_case_ids
    from casework.core import sealed
    from tests import factories

    upgrade(directory=MIGRATIONS, revision="head")
    election = factories.election_with_regions()
    case = factories.case(election, accused=[factories.candidate(
        election, "C-9", name="Aidar Nurlanov", name_kk="Айдар Нұрланов")])
    factories.complaint(case, anonymous=False, name="Гүлнар Сәрсенова", phone="+77011112233",
                        narrative="Қарағанды: ақша таратылды")
    index_case(case)
    db.session.commit()
    reference = case.reference
    db.session.rollback()  # no transaction of ours may hold a lock the downgrade needs
    downgrade(directory=MIGRATIONS, revision="f15a7b0c1e55")  # the revision before the refold
    # As the code before it wrote them: the texts as typed.
    with db.engine.begin() as connection:
        tsv = (", tsv = to_tsvector('simple', 'Қарағанды: ақша таратылды')"
               if connection.dialect.name == "postgresql" else "")
        connection.execute(text(
            f"UPDATE case_search_documents SET body = 'Қарағанды: ақша таратылды'{tsv}"))  # noqa: S608 (constants)
    upgrade(directory=MIGRATIONS, revision="head")
    db.session.expire_all()
    document = db.session.get(CaseSearchDocument, case.id)
    assert document.body.startswith(reference.lower() + "\n")
    assert "айдар нурланов aidar nurlanov" in document.body
    assert "караганды: акша таратылды" in document.body
    # The sealing migration sealed the complaint written in the clear and hashed its phone.
    raw = db.session.execute(text("SELECT name, phone, phone_hash FROM complaints")).one()
    assert raw.name.startswith("cw1:") and raw.phone.startswith("cw1:")
    assert raw.phone_hash == sealed.hash_of(sealed.PHONE, "+77011112233")
    # Hashed by the sealing migration: the words are found, never stored.
    assert document.contacts == search_contacts.hashed("гулнар сарсенова 77011112233")
    assert "сарсенова" not in document.contacts and "7011112233" not in document.contacts
    for query in ("Қарағанды", "акша", "нурланов"):
        assert db.session.scalars(matching_case_ids(query)).all() == [case.id], query
    for query in ("сарсенова", "8 701 111 22 33"):
        assert db.session.scalars(matching_case_ids(query)).all() == [], query
        assert db.session.scalars(matching_case_ids(query, contacts=True)).all() == [case.id]
