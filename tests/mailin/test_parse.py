"""The parser alone: structures, encodings, headers, auto-replies, malformed input, codes."""

import email
import email.policy
from datetime import datetime

import pytest

from casework.intake import tracking
from casework.mailin.charsets import decode_bytes
from casework.mailin.htmltext import html_to_text
from casework.mailin.parse import (
    REPLACED,
    MalformedMail,
    find_references,
    find_tracking_codes,
    parse_message,
    peek,
    redact_tracking_codes,
)
from tests.mailin import corpus

SAMPLES = {s.name: s for s in corpus.base_samples()}
CODE = tracking.derive_code("test-secret", "mail:<x@example.kz>")


def parsed(name: str):
    return parse_message(SAMPLES[name].raw)


def head(*lines: str, body: bytes = b"text\r\n") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body


def test_plain_utf8_with_rfc2047_kazakh_headers():
    mail = parsed("plain_utf8_rfc2047_kazakh")
    assert mail.sender == "aigul@example.kz" and mail.sender_name == "Айгүл Сейітова"
    assert mail.subject == "Дауыс сатып алу туралы шағым" and mail.language == "kk"
    assert mail.text == corpus.NARRATIVE_KK and mail.attachments == []
    assert mail.date == datetime(2020, 5, 25, 4, 30)  # naive UTC
    assert mail.message_id.startswith("<") and mail.auto_reply is None


def test_html_only_becomes_safe_text():
    mail = parsed("html_only")
    assert corpus.NARRATIVE_RU in mail.text and "https://t.me/s/post/1" in mail.text
    assert "<" not in mail.text and "alert" not in mail.text and "color:red" not in mail.text
    assert "& видео" in mail.text and mail.language == "ru"


def test_html_to_text_keeps_lines_and_drops_scripts():
    text = html_to_text("<div>one<br>two</div><ul><li>a</li><li>b &lt;c&gt;</li></ul>"
                        "<style>x{}</style><script>evil()</script><p>end&nbsp;here</p>"
                        "<img src=x onerror=alert(1)><iframe>bad</iframe>")
    assert text.splitlines() == ["one", "two", "", "- a", "- b <c>", "", "end here"]


def test_alternative_prefers_plain_text():
    mail = parsed("multipart_alternative")
    assert mail.text == corpus.NARRATIVE_EN and "HTML version" not in mail.text


def test_nested_multiparts_with_attachments():
    mail = parsed("nested_mixed")
    assert mail.text == corpus.NARRATIVE_RU  # the plain alternative, once
    assert [(a.filename, a.content_type, a.inline) for a in mail.attachments] == [
        ("protocol.pdf", "application/pdf", False), ("photo.png", "image/png", False)]
    assert mail.attachments[0].data == corpus.PDF and mail.attachments[1].data == corpus.PNG


def test_inline_image_of_a_related_html_part_is_an_attachment():
    mail = parsed("inline_image")
    assert mail.text == corpus.NARRATIVE_KK
    [image] = mail.attachments
    assert image.inline and image.content_type == "image/png" and image.data == corpus.PNG


@pytest.mark.parametrize("name", ["base64_body", "quoted_printable", "windows_1251", "koi8_r",
                                  "wrong_charset", "raw_8bit_subject"])
def test_transfer_encodings_and_charsets(name):
    mail = parsed(name)
    assert corpus.NARRATIVE_RU in mail.text and mail.language == "ru"
    if name in ("windows_1251", "koi8_r", "wrong_charset", "raw_8bit_subject"):
        assert mail.subject == "Подкуп" and mail.sender_name == "Петр"


@pytest.mark.parametrize("name,label", [("rfc2231_filename", "протокол №5.pdf"),
                                        ("rfc2047_filename", "акт участка.pdf")])
def test_non_ascii_filenames(name, label):
    assert [a.filename for a in parsed(name).attachments] == [label]


def test_rfc2231_continuations():
    raw = head("From: a@example.kz", "MIME-Version: 1.0", "Content-Type: application/pdf",
               "Content-Disposition: attachment; filename*0*=utf-8''%D0%B0%D0%BA;"
               " filename*1*=%D1%82.pdf", body=b"%PDF-1.4\r\n")
    assert parse_message(raw).attachments[0].filename == "акт.pdf"


def test_forwarded_message_is_kept_whole():
    [forwarded] = parsed("forwarded_message").attachments
    assert forwarded.content_type == "message/rfc822"
    inner = email.message_from_bytes(forwarded.data, policy=email.policy.default)
    assert inner["Subject"] == "Указание от штаба"


@pytest.mark.parametrize("data,charset,expected", [
    ("Сәлем, қалайсыз?".encode("kz1048"), "kz-1048", "Сәлем, қалайсыз?"),
    ("Привет, мир".encode("cp1251"), "x-unknown", "Привет, мир"),
    ("Привет, мир".encode("koi8-r"), None, "Привет, мир"),
    ("Привет, мир".encode("koi8-r"), "windows-1251", "Привет, мир"),  # wrong label
    ("Привет".encode(), "iso-8859-1", "Привет"),  # UTF-8 labelled Latin-1
    ("café crème".encode("latin-1"), None, "café crème"),
    (b"\xff\xfe\x00broken", "utf-8", None),
])
def test_decoding_never_fails(data, charset, expected):
    text = decode_bytes(data, charset)
    assert isinstance(text, str)
    if expected is not None:
        assert text == expected


def test_headers_in_unknown_8bit_and_bad_dates():
    raw = head("From: =?unknown-8bit?b?z+Xy8A==?= <p@example.kz>",
               "Subject: =?unknown-8bit?q?=CF=EE=E4=EA=F3=EF?=", "Date: yesterday")
    mail = parse_message(raw)
    assert mail.sender_name == "Петр" and mail.subject == "Подкуп" and mail.date is None


@pytest.mark.parametrize("header,reason", [
    ("Auto-Submitted: auto-replied", "Auto-Submitted"),
    ("Auto-Submitted: auto-generated", "Auto-Submitted"),
    ("Precedence: bulk", "Precedence"), ("Precedence: junk", "Precedence"),
    ("Precedence: list", "Precedence"), ("Precedence: auto_reply", "Precedence"),
    ("X-Autoreply: yes", "X-Autoreply"), ("X-Autorespond: vacation", "X-Autorespond"),
    ("Return-Path: <>", "empty Return-Path"),
    ("Return-Path: <MAILER-DAEMON@mx.example.kz>", "mailer-daemon"),
    ("List-Id: <news.example.kz>", "List-Id"),
])
def test_auto_replies_are_recognised(header, reason):
    mail = parse_message(head("From: a@example.kz", "Subject: s", header))
    assert mail.auto_reply and reason in mail.auto_reply


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.kz", "postmaster@example.kz",
                                    "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"])
def test_daemon_senders_are_auto_replies(sender):
    assert parse_message(head(f"From: {sender}", "Subject: failure")).auto_reply


def test_a_person_is_not_an_auto_reply():
    assert parse_message(head("From: a@example.kz", "Auto-Submitted: no")).auto_reply is None
    assert parsed("dsn_bounce").auto_reply.startswith("delivery or read report")


@pytest.mark.parametrize("raw,reason", [
    (b"", "no header fields"),
    (b"\x89PNG\r\n\x1a\nnot a message", "no header fields"),
    (b"just some text\nwithout headers\n", "no header fields"),
    (head("From: a@example.kz", "this is no header"), "broken header section"),
    (head("Subject: nobody", "To: b@example.kz"), "no From"),
    (head("From: a@example.kz", "Content-Type: multipart/mixed"), "broken MIME structure"),
    (head("From: a@example.kz", "Content-Type: multipart/mixed; boundary=x"), "broken MIME"),
])
def test_malformed_messages(raw, reason):
    with pytest.raises(MalformedMail) as caught:
        parse_message(raw)
    assert reason in caught.value.reason
    assert isinstance(parse_message(raw, strict=False).text, str)  # released: best effort


def test_control_characters_never_reach_the_text_and_nul_is_replaced_and_noted():
    mail = parse_message(head("From: a@example.kz", "Subject: a\x07b",
                              body=b"one\x00two\x1bthree\r\n"))
    assert mail.text == "one\ufffdtwothree" and mail.subject == "ab"
    assert mail.notes == [REPLACED]
    assert parse_message(head("From: a@example.kz", "Subject: fine")).notes == []


def test_references_are_collected_in_order():
    mail = parse_message(head("From: a@example.kz", "In-Reply-To: <b@x>",
                              "References: <a@x>\r\n <b@x> <c@x>"))
    assert mail.references == ["<b@x>", "<a@x>", "<c@x>"]


def test_peek_reads_only_the_header_section():
    envelope = peek(SAMPLES["oversized"].raw)
    assert envelope.sender == "big@example.kz" and envelope.subject == "Большое видео"
    assert peek(b"\x00garbage").message_id is None


def test_tracking_codes_are_found_however_they_are_written():
    grouped = tracking.grouped(CODE)
    texts = [f"код: {grouped}.", CODE.lower(), grouped.replace("-", " "),
             grouped.replace("-", "\u2013"), "from this code " + grouped,
             grouped.replace("0", "O").replace("1", "I")]
    for text in texts:
        assert find_tracking_codes(text) == [CODE], text
    wrong = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")
    assert find_tracking_codes(wrong) == []  # the check symbol catches it
    assert find_tracking_codes("X" + CODE) == []  # part of a longer token


def test_tracking_codes_are_redacted():
    text = f"My code is {tracking.grouped(CODE)}, and again {CODE}."
    assert redact_tracking_codes(text) == "My code is [tracking code], and again [tracking code]."


def test_case_references():
    assert find_references("Re: case DEMO2020-KAR-00042 and DEMO2020-GEN-00003, "
                           "DEMO2020-KAR-00042 again; not demo2020-kar-00042") == [
        "DEMO2020-KAR-00042", "DEMO2020-GEN-00003"]
