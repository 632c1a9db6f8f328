"""Messages built to stall intake (huge References, thousands of encoded words, tens of
thousands of parts, nesting thousands deep, a megabyte header line): each one is read within
the caps of limits.py and goes to quarantine with the reason, kept byte for byte and
releasable; what stays within the caps is accepted. Speed is measured in bench/mail.py."""

import secrets

import pytest
from sqlalchemy import select

from casework.accounts.models import User
from casework.cases.models import CaseMessage
from casework.extensions import db
from casework.intake.models import Complaint
from casework.mailin import limits, parse, services
from casework.mailin.models import InboundStatus
from casework.mailin.parse import REPLACED, MalformedMail, parse_message
from tests.mailin.test_ingest import ingest
from tests.plugin.evidence import stored_bytes


def raw(*fields: bytes, body: bytes = b"At station 7 money was handed out.\r\n") -> bytes:
    head = [b"From: Aigul <aigul@example.kz>", b"To: complaints@example.kz",
            b"Message-ID: <" + secrets.token_hex(8).encode() + b"@example.kz>", *fields]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def references(count: int) -> bytes:
    return raw(b"Subject: thread", b"In-Reply-To: <parent@example.kz>", b"References: "
               + b"\r\n ".join(b"<id%d@example.kz>" % i for i in range(count)))


def subject_words(count: int) -> bytes:
    return raw(b"Subject: " + b" ".join([b"=?utf-8?b?0JDQkQ==?="] * count))


def multipart(parts: int) -> bytes:
    body = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i
                    for i in range(parts)) + b"--b--\r\n"
    return raw(b"Subject: parts", b"MIME-Version: 1.0",
               b"Content-Type: multipart/mixed; boundary=b", body=body)


def nested(depth: int) -> bytes:
    body = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
                    for i in range(depth))
    body += b"--b%d\r\nContent-Type: text/plain\r\n\r\nthe innermost text\r\n" % depth
    body += b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth + 1)))
    return raw(b"Subject: nested", b"MIME-Version: 1.0",
               b"Content-Type: multipart/mixed; boundary=b0", body=body)


HOSTILE = {
    "100,000 References ids": (lambda: references(100_000), "header section too large"),
    "200,000 References ids": (lambda: references(200_000), "header section too large"),
    "Subject of 100,000 encoded words": (lambda: subject_words(100_000), "header section too large"),
    "Subject of 2,000 encoded words": (lambda: subject_words(2_000), "more than 1000 encoded words"),
    "50,000 parts": (lambda: multipart(50_000), "more than 500 MIME parts"),
    "nesting 10,000 deep": (lambda: nested(10_000), "nested deeper than 20 levels"),
    "a 1 MB header line": (lambda: raw(b"Subject: s", b"X-Long: " + b"a" * 2**20),
                           "header section too large"),
    "Content-Type of 5,000 parameters": (
        lambda: raw(b"Subject: s", b"MIME-Version: 1.0", b"Content-Type: text/plain; "
                    + b"; ".join(b"p%d=v" % i for i in range(5000))), "more than 2000 parameters"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_the_parser_names_the_cap_and_a_release_reads_what_it_can(name):
    build, reason = HOSTILE[name]
    message = build()
    with pytest.raises(MalformedMail) as caught:
        parse_message(message)
    assert reason in caught.value.reason
    released = parse_message(message, strict=False)
    assert released.sender == "aigul@example.kz" and len(released.references) <= limits.MAX_IDS


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_mail_is_quarantined_with_the_reason_and_kept(demo, name):
    build, reason = HOSTILE[name]
    message = build()
    mail = ingest(message).mail
    assert mail.status is InboundStatus.QUARANTINED and reason in mail.reason
    assert mail.sender == "aigul@example.kz" and mail.case_id is None
    assert stored_bytes(mail.raw_sha256) == message  # never lost


def test_a_quarantined_hostile_message_can_be_released(demo):
    secretary = db.session.scalar(select(User).where(User.email == "secretary@example.kz"))
    mail = ingest(multipart(50_000)).mail
    services.release(mail, secretary)
    db.session.commit()
    assert mail.status is InboundStatus.RELEASED and mail.case is not None
    narrative = db.session.scalar(select(Complaint).where(Complaint.id == mail.complaint_id)).narrative
    assert "part 0" in narrative and "part 499" in narrative and "part 500" not in narrative


def test_a_long_thread_keeps_in_reply_to_and_the_last_references():
    mail = parse_message(references(5_000))  # about 100 KB: within the caps
    assert len(mail.references) == limits.MAX_IDS
    assert mail.references[0] == "<parent@example.kz>"
    assert mail.references[1:] == [f"<id{i}@example.kz>" for i in range(4_901, 5_000)]


def test_within_the_caps_everything_is_read():
    assert parse_message(subject_words(900)).subject == "АБ" * 900
    many = parse_message(multipart(limits.MAX_PARTS - 1))
    assert "part 0" in many.text and f"part {limits.MAX_PARTS - 2}" in many.text
    assert "the innermost text" in parse_message(nested(limits.MAX_DEPTH - 1)).text


def test_decoding_a_header_reads_at_most_the_cap_of_encoded_words():
    subject = parse.headers.decode_header_value(" ".join(["=?utf-8?b?0JDQkQ==?="] * 5_000))
    assert subject == "АБ" * limits.MAX_ENCODED_WORDS


def test_nul_and_lone_surrogates_are_replaced_and_noted_not_refused(demo):
    # A literal \ud800 next to an encoded word decodes (raw-unicode-escape) to a lone surrogate.
    message = raw(b"Subject: =?utf-8?q?bad?= \\ud800 text", body=b"one\x00two at station 7\r\n")
    mail = ingest(message).mail
    assert mail.status is InboundStatus.COMPLAINT and REPLACED in mail.reason
    assert mail.subject == "bad \ufffd text"
    complaint = db.session.get(Complaint, mail.complaint_id)
    assert "one\ufffdtwo" in complaint.narrative and "\x00" not in complaint.narrative


def test_a_message_over_its_time_budget_is_quarantined(demo, app, monkeypatch):
    def endless(raw, strict=True):
        while True:
            pass

    monkeypatch.setattr(parse, "parse_message", endless)  # a parser corner not yet capped
    monkeypatch.setitem(app.config, "CASEWORK_MAIL_PARSE_SECONDS", 1)
    mail = ingest(raw(b"Subject: slow")).mail
    assert mail.status is InboundStatus.QUARANTINED and "longer than 1 s" in mail.reason
    assert db.session.scalar(select(CaseMessage).limit(1)) is None


def test_the_quoted_tail_of_a_reply_is_cut_line_by_line():
    cut = services._without_quoted_tail
    assert cut("Thanks, the photo.\n\nOn Monday Ivan wrote:\n> old\n> text\n\n") == "Thanks, the photo."
    assert cut("Новое\nИван писал:\n\n> старое") == "Новое"
    assert cut("> only quoted") == "> only quoted" and cut("new\n> a\nmore") == "new\n> a\nmore"
    assert cut("reply\n" + "> quoted line\n" * 200_000 + "\n") == "reply"  # was quadratic
