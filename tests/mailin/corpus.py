"""The test corpus: inbound messages built with Python's email package (or byte by byte
where a real mail client would break the rules), each with where it must end up."""

import base64
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from tests.plugin.data import PDF, png_bytes

PUBLIC = "complaints@example.kz"
DATE = "Mon, 25 May 2020 10:30:00 +0600"
PNG = png_bytes()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
NARRATIVE_KK = ("Балқаш қаласындағы №7 учаскеде сайлаушыларға ақша таратылды, "
                "мен оны сағат 10:30-да көрдім.")
NARRATIVE_RU = "На участке номер 7 в Балхаше раздавали деньги избирателям, я видел это в 10:30."
NARRATIVE_EN = "At station BAL-007 a man handed out money to voters at 10:30."


@dataclass
class Sample:
    name: str
    raw: bytes
    outcome: str  # complaint, follow_up, auto_reply, quarantined, duplicate
    evidence: int = 0  # attachments accepted as evidence (the raw message comes on top)
    ack: bool = False  # a new complaint whose sender gets the acknowledgment
    text: str = ""  # must appear in the narrative or the follow-up message
    labels: list[str] = field(default_factory=list)
    reason: str = ""  # must appear in InboundMail.reason


def message(subject: str, body: str | None = None, *, sender: str = "Айгүл Сейітова <aigul@example.kz>",
            msgid: str | None = None, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = PUBLIC
    msg["Subject"] = subject
    msg["Date"] = DATE
    msg["Message-ID"] = msgid or make_msgid(domain="example.kz")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    if body is not None:
        msg.set_content(body)
    return msg


def _raw(head: str, body: bytes) -> bytes:
    """A message written byte by byte: head in ASCII, body as given."""
    return head.replace("\n", "\r\n").encode("ascii") + b"\r\n" + body


def _html_only() -> bytes:
    msg = message("Жалоба на подкуп", sender="Иван Петров <ivan@example.kz>")
    msg.set_content("<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
                    f"<body><p>{NARRATIVE_RU}</p><p>Фото: <a href='https://t.me/s/post/1'>пост</a>"
                    "&amp; видео</p></body></html>", subtype="html")
    return bytes(msg)


def _alternative() -> bytes:
    msg = message("Vote buying", NARRATIVE_EN, sender="John Smith <john@example.org>")
    msg.add_alternative(f"<p><b>HTML version</b> {NARRATIVE_EN}</p>", subtype="html")
    return bytes(msg)


def _nested_mixed() -> bytes:
    msg = message("Протокол и фото", NARRATIVE_RU, sender="olga@example.kz")
    msg.add_alternative(f"<p>{NARRATIVE_RU}</p>", subtype="html")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="protocol.pdf")
    msg.add_attachment(PNG, maintype="image", subtype="png", filename="photo.png")
    return bytes(msg)


def _inline_image() -> bytes:
    msg = message("Сурет", NARRATIVE_KK, sender="berik@example.kz")
    cid = make_msgid(domain="example.kz")
    msg.add_alternative(f'<p>{NARRATIVE_KK}</p><img src="cid:{cid[1:-1]}">', subtype="html")
    msg.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid=cid)
    return bytes(msg)


def _encoded(cte: str, who: str) -> bytes:
    msg = message("Кодтау", sender=who)
    msg.set_content(NARRATIVE_RU + "\n" + "Строка " * 30, cte=cte)
    return bytes(msg)


def _rfc2231_filename() -> bytes:
    msg = message("Протокол", "Прилагаю протокол.", sender="marat@example.kz")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="протокол №5.pdf")
    return bytes(msg)


def _rfc2047_filename() -> bytes:
    name = "=?utf-8?b?" + base64.b64encode("акт участка.pdf".encode()).decode() + "?="
    head = (f"From: dana@example.kz\nTo: {PUBLIC}\nSubject: Act\nDate: {DATE}\n"
            f"Message-ID: <rfc2047-name@example.kz>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="b1"\n')
    body = (f"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{NARRATIVE_RU}\r\n--b1\r\nContent-Type: application/pdf; name=\"{name}\"\r\n"
            f"Content-Disposition: attachment; filename=\"{name}\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode()
    return _raw(head, body + base64.encodebytes(PDF) + b"\r\n--b1--\r\n")


def _single_byte(charset: str, declared: str, msgid: str, subject_8bit: bool = False) -> bytes:
    """A Cyrillic body in a single-byte code page, labelled `declared` (rightly or not)."""
    def word(text: str) -> bytes:
        if subject_8bit:  # raw 8-bit in a header, as some old clients send it
            return text.encode(charset)
        return f"=?{charset}?b?{base64.b64encode(text.encode(charset)).decode()}?=".encode()

    head = (b"From: " + word("Петр") + b" <petr@example.kz>\r\nTo: " + PUBLIC.encode()
            + b"\r\nSubject: " + word("Подкуп") + f"\r\nDate: {DATE}\r\nMessage-ID: {msgid}\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={declared}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n".encode())
    return head + NARRATIVE_RU.encode(charset) + b"\r\n"


def _forwarded() -> bytes:
    inner = message("Указание от штаба", "Всем голосовать за кандидата №3, иначе уволим.",
                    sender="boss@example.kz")
    msg = message("Пересылаю письмо", "Вот письмо, которое получили сотрудники.",
                  sender="aliya@example.kz")
    msg.add_attachment(inner)
    return bytes(msg)


def _forbidden() -> bytes:
    msg = message("Видео", NARRATIVE_EN, sender="sam@example.org")
    msg.add_attachment(EXE, maintype="application", subtype="octet-stream", filename="video.exe")
    return bytes(msg)


def _dsn() -> bytes:
    head = ("Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mail.example.kz>\n"
            f"To: {PUBLIC}\nSubject: Undelivered Mail Returned to Sender\nDate: {DATE}\n"
            "Message-ID: <dsn-1@mail.example.kz>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="r1"\n')
    body = ("--r1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Your message could "
            "not be delivered.\r\n--r1\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mail.example.kz\r\n\r\nFinal-Recipient: rfc822; nobody@example.kz\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n--r1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"From: {PUBLIC}\r\nSubject: Your complaint is registered\r\n--r1--\r\n")
    return _raw(head, body.encode())


def _oversized() -> bytes:
    msg = message("Большое видео", NARRATIVE_RU, sender="big@example.kz")
    msg.add_attachment(PDF + b"0" * 400_000, maintype="application", subtype="pdf",
                       filename="scan.pdf")
    return bytes(msg)


def base_samples() -> list[Sample]:
    """Messages that need nothing in the database before them. The test sets the size
    limit to OVERSIZE_LIMIT so that exactly one of them is too large."""
    first = bytes(message("Дауыс сатып алу туралы шағым", NARRATIVE_KK))
    return [
        Sample("plain_utf8_rfc2047_kazakh", first, "complaint", ack=True, text="ақша таратылды"),
        Sample("html_only", _html_only(), "complaint", ack=True, text="https://t.me/s/post/1"),
        Sample("multipart_alternative", _alternative(), "complaint", ack=True, text=NARRATIVE_EN),
        Sample("nested_mixed", _nested_mixed(), "complaint", evidence=2, ack=True,
               labels=["protocol.pdf", "photo.png"]),
        Sample("inline_image", _inline_image(), "complaint", evidence=1, ack=True),
        Sample("base64_body", _encoded("base64", "b64@example.kz"), "complaint", ack=True,
               text="раздавали деньги"),
        Sample("quoted_printable", _encoded("quoted-printable", "qp@example.kz"), "complaint",
               ack=True, text="раздавали деньги"),
        Sample("rfc2231_filename", _rfc2231_filename(), "complaint", evidence=1, ack=True,
               labels=["протокол №5.pdf"]),
        Sample("rfc2047_filename", _rfc2047_filename(), "complaint", evidence=1, ack=True,
               labels=["акт участка.pdf"]),
        Sample("windows_1251", _single_byte("windows-1251", "windows-1251", "<cp1251@example.kz>"),
               "complaint", ack=True, text="раздавали деньги"),
        Sample("koi8_r", _single_byte("koi8-r", "koi8-r", "<koi8@example.kz>"), "complaint",
               ack=True, text="раздавали деньги"),
        Sample("wrong_charset", _single_byte("windows-1251", "utf-8", "<wrong@example.kz>"),
               "complaint", ack=True, text="раздавали деньги"),
        Sample("raw_8bit_subject", _single_byte("windows-1251", "windows-1251", "<8bit@example.kz>",
                                                subject_8bit=True), "complaint", ack=True,
               text="раздавали деньги"),
        Sample("forwarded_message", _forwarded(), "complaint", evidence=1, ack=True),
        Sample("forbidden_attachment", _forbidden(), "complaint", ack=True, text=NARRATIVE_EN,
               reason="video.exe"),
        Sample("anonymous_sender", bytes(message("Анонимно", NARRATIVE_RU, sender="Аноним <>")),
               "complaint"),
        Sample("duplicate", first, "duplicate"),
        Sample("auto_replied", bytes(message("Автоответ: Out of office", "I am away.",
                                             Auto_Submitted="auto-replied")),
               "auto_reply", reason="Auto-Submitted"),
        Sample("vacation_precedence_bulk", bytes(message("Отпуск", "Я в отпуске.",
                                                         sender="ivan@example.kz",
                                                         Precedence="bulk")),
               "auto_reply", reason="Precedence"),
        Sample("dsn_bounce", _dsn(), "auto_reply", reason="multipart/report"),
        Sample("oversized", _oversized(), "quarantined", reason="too large"),
        Sample("malformed_garbage", b"\x89\x00\x13garbage \xff\xfe not a message\r\n\r\n\x00\x01",
               "quarantined", reason="no header fields"),
        Sample("malformed_header_line", _raw(f"From: x@example.kz\nSubject: broken\nthis line has "
                                             f"no colon\nDate: {DATE}\n", b"body\r\n"),
               "quarantined", reason="broken header section"),
        Sample("no_from", _raw(f"To: {PUBLIC}\nSubject: who?\nDate: {DATE}\n", b"text\r\n"),
               "quarantined", reason="no From"),
        Sample("empty", bytes(message("", "", sender="empty@example.kz")), "quarantined",
               reason="empty"),
    ]


OVERSIZE_LIMIT = 200_000


def follow_up_samples(*, outbox_message_id: str, tracking_code: str, reference: str,
                      thread_id: str, thread_sender: str) -> list[Sample]:
    """Messages about cases opened by base_samples(): what they name comes from the database."""
    reply = message("Re: Шағымыңыз тіркелді", "Тағы бір фото жіберемін.\n\n"
                    "> Your tracking code:\n>   " + tracking_code, In_Reply_To=outbox_message_id,
                    References=outbox_message_id)
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="more.png")
    reply_raw = bytes(reply)
    return [
        Sample("reply_in_reply_to", reply_raw, "follow_up", evidence=1, text="Тағы бір фото"),
        Sample("reply_again", reply_raw, "duplicate"),
        Sample("tracking_code", bytes(message("Дополнение", "Мой код " + tracking_code
                                              + ". Ещё свидетели: двое соседей.",
                                              sender="other@example.kz")),
               "follow_up", text="Ещё свидетели"),
        Sample("case_reference", bytes(message(f"По делу {reference}", "Есть новое видео.",
                                               sender="someone@example.kz")),
               "follow_up", text="новое видео"),
        Sample("own_thread", bytes(message("Re: Жалоба на подкуп", "Забыл добавить: это было утром.",
                                           sender=thread_sender, References=thread_id,
                                           In_Reply_To=thread_id)),
               "follow_up", text="Забыл добавить"),
    ]
