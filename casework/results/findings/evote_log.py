"""`flask results import-evote-log FILE`: the electronic vote's log, read-only.

Columns: iin, phone, ip, time (ISO, the election's local time unless it carries an offset),
candidate_code. The IIN, the phone (E.164) and the IP are kept only as keyed hashes. The
file replaces the election's earlier log, all or nothing: rows are written in batches as the
file streams (memory stays flat at any size) and the transaction is rolled back by the caller
when any line is wrong, every wrong line named (up to MAX_ERRORS_SHOWN).
"""

from __future__ import annotations

import csv
import io
import re
import socket
from datetime import datetime
from functools import lru_cache
from typing import BinaryIO

from sqlalchemy import delete, select

from casework.core.crypto import keyring
from casework.core.phones import to_e164
from casework.core.timezones import to_utc, zone_of
from casework.elections.csvio import MAX_ERRORS_SHOWN, ImportFailed, RowError
from casework.elections.models import Candidate, Election
from casework.extensions import db
from casework.results.findings.models import EvoteLogEntry

COLUMNS = ("iin", "phone", "ip", "time", "candidate_code")
BATCH = 5000


class LineProblem(ValueError):
    pass


# The operator's log writes numbers one way: "+77011234567", "87011234567" or "7011234567"
# are read here directly (phonenumbers costs ~40 us a number: a third of the import).
_KZ_MOBILE = re.compile(r"(?:\+?7|8)?(7\d{9})")
_PUNCTUATION = str.maketrans("", "", " -()")


@lru_cache(maxsize=65536)
def _phone(text: str) -> str:
    plain = _KZ_MOBILE.fullmatch(text.translate(_PUNCTUATION))
    if plain:
        return "+7" + plain.group(1)
    e164 = to_e164(text)
    if e164 is None:
        raise LineProblem("phone is not a valid phone number")
    return e164


def _iin(text: str) -> str:
    digits = text.strip()
    if len(digits) != 12 or not digits.isdigit():
        raise LineProblem("iin must be 12 digits")
    return digits


def _ip(text: str) -> str:
    """The address in its one canonical form (inet_pton/ntop: C, ten times ipaddress)."""
    text = text.strip()
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            return socket.inet_ntop(family, socket.inet_pton(family, text))
        except (OSError, ValueError):
            continue
    raise LineProblem("ip is not an IPv4 or IPv6 address")


def import_log(stream: BinaryIO, election: Election) -> int:
    """Replace the election's log with the file's rows; returns how many were written.
    Raises ImportFailed (the caller rolls back) naming every wrong line."""
    ring = keyring()
    zone = zone_of(election)
    candidates = dict(db.session.execute(select(Candidate.code, Candidate.id).where(
        Candidate.election_id == election.id)).all())
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        return _import(csv.reader(text), election, ring, zone, candidates)
    finally:
        text.detach()  # the caller's stream stays the caller's to close


def _import(reader, election: Election, ring, zone, candidates: dict[str, int]) -> int:
    try:
        header = [name.strip().lower() for name in next(reader)]
    except (StopIteration, UnicodeDecodeError):
        raise ImportFailed([RowError(1, "the file is empty or not UTF-8 text")]) from None
    missing = [c for c in COLUMNS if c not in header]
    if missing or len(header) != len(COLUMNS):
        raise ImportFailed([RowError(1, "expected the columns " + ", ".join(COLUMNS))])
    at = [header.index(c) for c in COLUMNS]
    db.session.execute(delete(EvoteLogEntry).where(EvoteLogEntry.election_id == election.id))
    errors: list[RowError] = []
    batch: list[dict] = []
    written = 0
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cells):
                continue
            try:
                if len(cells) != len(COLUMNS):
                    raise LineProblem(f"expected {len(COLUMNS)} fields, found {len(cells)}")
                iin, phone, ip, moment, code = (cells[i] for i in at)
                candidate_id = candidates.get(code.strip().upper())
                if candidate_id is None:
                    raise LineProblem("candidate_code is not a known candidate")
                row = {"election_id": election.id,
                       "iin_hash": ring.lookup_hash("iin:" + _iin(iin)),
                       "phone_hash": ring.lookup_hash("phone:" + _phone(phone.strip())),
                       "ip_hash": ring.lookup_hash("ip:" + _ip(ip)),
                       "cast_at": _time(moment, zone), "candidate_id": candidate_id}
            except LineProblem as problem:
                errors.append(RowError(line, str(problem)))
                if len(errors) >= MAX_ERRORS_SHOWN:
                    break
                continue
            if errors:
                continue  # nothing more is written once the file is known to be wrong
            batch.append(row)
            if len(batch) >= BATCH:
                written += _flush(batch)
    except (UnicodeDecodeError, csv.Error) as exc:
        errors.append(RowError(reader.line_num, f"the file cannot be read as CSV: {exc}"))
    if errors:
        raise ImportFailed(errors)
    written += _flush(batch)
    if not written:
        raise ImportFailed([RowError(2, "the file has a header but no data rows")])
    return written


def _flush(batch: list[dict]) -> int:
    if batch:  # Core, not the ORM's bulk path: no per-row bookkeeping for 300,000 rows
        db.session.execute(EvoteLogEntry.__table__.insert(), batch)
    count = len(batch)
    batch.clear()
    return count


def _time(text: str, zone) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise LineProblem("time is not a date and time like 2020-05-25T08:00:00") from None
    return to_utc(moment, zone)
