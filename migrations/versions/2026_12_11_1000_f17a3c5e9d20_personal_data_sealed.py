"""Complainants' personal data sealed at rest, found by keyed hashes

The complainants' names, phones, emails and witnesses, the hotline's caller numbers and
notes, the inbound mail's senders and the outbox's recipients and bodies are sealed with
the data keys (AES-256-GCM, casework/core/crypto.py): the columns become Text. Equality
look-ups use keyed hash columns (complaints.phone_hash and email_hash,
hotline_calls.caller_hash, inbound_mail.sender_hash) instead of the plaintext indexes, and
the search documents' contacts hold keyed hashes of the words (casework/cases/search_contacts.py).

Existing rows are sealed and hashed here, in batches, with the running application's
keyring (`flask db upgrade`); without one (Alembic run on its own) they stay plaintext,
which still reads, and `flask keys rotate` seals and hashes them. Downgrade opens them
again. The formats are copies of the application's (a migration imports no application code).

Revision ID: f17a3c5e9d20
Revises: f16a3c8d5e20
Created: 2026-12-11 10:00:00
"""

import re

import sqlalchemy as sa
from alembic import op

revision = 'f17a3c5e9d20'
down_revision = 'f16a3c8d5e20'
branch_labels = None
depends_on = None

BATCH = 500
# table: ({sealed column: old type}, {hash column: (sealed column, kind)}, dropped index)
TABLES = {
    "complaints": ({"name": sa.String(200), "phone": sa.String(40), "email": sa.String(254),
                    "witnesses": sa.Text()},
                   {"phone_hash": ("phone", "phone"), "email_hash": ("email", "email")},
                   ("ix_complaints_phone", "phone")),
    "hotline_calls": ({"caller_number": sa.String(32), "note": sa.String(1000)},
                      {"caller_hash": ("caller_number", "phone")},
                      ("ix_hotline_calls_caller_number", "caller_number")),
    "inbound_mail": ({"sender": sa.String(320)}, {"sender_hash": ("sender", "email")}, None),
    "outbox_messages": ({"recipient": sa.String(254), "body_text": sa.Text()}, {}, None),
}
PREFIX = "cw1:"
WORD = re.compile(r"[^\W_]+")
TOKEN_HEX = 24


def _ring():
    from flask import current_app, has_app_context

    return current_app.extensions.get("casework_keys") if has_app_context() else None


def _hash(ring, kind, value):
    value = (value or "").strip()
    value = value.lower() if kind == "email" else value
    return ring.lookup_hash(f"{kind}:{value}") if value else None


def _rows(bind, name, columns, after):
    listed = ", ".join(["id", *columns])
    return bind.execute(sa.text(f"SELECT {listed} FROM {name} WHERE id > :after "  # noqa: S608
                                f"ORDER BY id LIMIT {BATCH}"), {"after": after}).mappings().all()


def _convert(bind, name, columns, hashes, seal):
    """Every row of `name`, in batches by id: its values sealed (or opened) and hashed."""
    ring = _ring()
    if ring is None:
        return
    after = 0
    while rows := _rows(bind, name, list(columns), after):
        for row in rows:
            plain = {c: ring.open_value(row[c], f"{name}.{c}") if row[c] else row[c]
                     for c in columns}
            values = {c: (ring.seal(v, f"{name}.{c}") if seal else v) if v else v
                      for c, v in plain.items()}
            if seal:
                values.update({h: _hash(ring, kind, plain[c]) for h, (c, kind) in hashes.items()})
            sets = ", ".join(f"{c} = :{c}" for c in values)
            bind.execute(sa.text(f"UPDATE {name} SET {sets} WHERE id = :id"),  # noqa: S608
                         {**values, "id": row["id"]})
        after = rows[-1]["id"]


def _contacts(bind, seal):
    """The search documents' contacts (folded words): hashed on the way up, emptied on the
    way down (a hash cannot be opened)."""
    ring = _ring()
    rows = bind.execute(sa.text("SELECT case_id, contacts FROM case_search_documents "
                                "WHERE contacts <> ''")).all()
    for case_id, contacts in rows:
        if seal and ring is not None:
            words = list(dict.fromkeys(WORD.findall(contacts)))
            value = " ".join([f"key{ring.current.key_id}"] + [
                "qx" + ring.lookup_hash(f"word:{w}")[:TOKEN_HEX] for w in words])
        else:
            value = ""
        bind.execute(sa.text("UPDATE case_search_documents SET contacts = :c "
                             "WHERE case_id = :id"), {"c": value, "id": case_id})
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("case_search_fts"):
        # FTS5 keeps replaced words in its segments until they merge: rebuilt from the table.
        bind.execute(sa.text("INSERT INTO case_search_fts(case_search_fts) VALUES ('rebuild')"))


def upgrade():
    bind = op.get_bind()
    for name, (columns, hashes, index) in TABLES.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            if index is not None:
                batch_op.drop_index(index[0])
            for column, old in columns.items():
                if not isinstance(old, sa.Text):
                    batch_op.alter_column(column, existing_type=old, type_=sa.Text())
            for hash_column in hashes:
                batch_op.add_column(sa.Column(hash_column, sa.String(length=64), nullable=True))
                batch_op.create_index(f"ix_{name}_{hash_column}", [hash_column], unique=False)
        _convert(bind, name, columns, hashes, seal=True)
    _contacts(bind, seal=True)


def downgrade():
    bind = op.get_bind()
    for name, (columns, hashes, index) in TABLES.items():
        _convert(bind, name, columns, {}, seal=False)
        with op.batch_alter_table(name, schema=None) as batch_op:
            for hash_column in hashes:
                batch_op.drop_index(f"ix_{name}_{hash_column}")
                batch_op.drop_column(hash_column)
            for column, old in columns.items():
                if not isinstance(old, sa.Text):
                    batch_op.alter_column(column, existing_type=sa.Text(), type_=old)
            if index is not None:
                batch_op.create_index(index[0], [index[1]], unique=False)
    # The hashed contacts cannot be unhashed: emptied (the older search then finds cases by
    # their texts only until the documents are rebuilt).
    _contacts(bind, seal=False)
