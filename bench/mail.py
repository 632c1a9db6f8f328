"""Email intake speed: ordinary mail per second, and the time one hostile message costs.

    make bench-mail                                   # 300 ordinary messages, every hostile one
    make bench-mail BENCH_ARGS="--messages 1000 --skip-hostile"
    make bench-mail BENCH_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1/test"

Each message goes the way `mail ingest` takes it: `services.receive` (raw stored as
evidence, parsed, routed, a case opened or a follow-up filed) then one commit. The ordinary
mix: plain Kazakh and Russian text, an HTML alternative, a PNG attachment, a follow-up
naming a case reference. The hostile ones are the shapes that once stalled intake; each
runs once in a child process with a hard limit (--limit seconds), so a regression shows as
"over the limit" instead of hanging the bench. Prints figures; asserts nothing.
"""

import argparse
import multiprocessing
import secrets
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from casework import create_app  # noqa: E402
from casework.extensions import db  # noqa: E402

HEAD = (b"From: Aigul <aigul@example.kz>\r\nTo: complaints@example.kz\r\n"
        b"Date: Mon, 25 May 2020 10:30:00 +0600\r\n")
KK = "Балқаш қаласындағы №7 учаскеде сайлаушыларға ақша таратылды, мен оны сағат 10:30-да көрдім."
RU = "На участке номер 7 в Балхаше раздавали деньги избирателям, я видел это в 10:30."
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")


def _message(n: int, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Сейітова {n} <sender{n}@example.kz>"
    msg["To"] = "complaints@example.kz"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 25 May 2020 10:30:00 +0600"
    msg["Message-ID"] = f"<bench-{n}-{secrets.token_hex(4)}@example.kz>"
    return msg


def ordinary(n: int) -> bytes:
    """One of four everyday shapes, in turn."""
    kind = n % 4
    msg = _message(n, ["Шағым", "Жалоба на подкуп", "Фото с участка", "Re: ответ"][kind])
    if kind == 0:
        msg.set_content(f"{KK}\n\n{KK}")
    elif kind == 1:
        msg.set_content(RU)
        msg.add_alternative(f"<html><body><p>{RU}</p><p><b>Фото</b></p></body></html>",
                            subtype="html")
    elif kind == 2:
        msg.set_content(RU)
        msg.add_attachment(PNG + secrets.token_bytes(8), maintype="image", subtype="png",
                           filename=f"photo{n}.png")
    else:
        msg["In-Reply-To"] = "<unknown@example.kz>"
        msg["References"] = " ".join(f"<thread{i}@example.kz>" for i in range(12))
        msg.set_content(f"{RU}\n\nOn Monday you wrote:\n> earlier text\n> more")
    return bytes(msg)


def _raw(head: bytes, body: bytes = b"text\r\n") -> bytes:
    return HEAD + b"Message-ID: <hostile-" + secrets.token_hex(6).encode() + b"@x>\r\n" + head \
        + b"\r\n" + body


def _multipart(parts: int) -> bytes:
    body = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i
                    for i in range(parts)) + b"--b--\r\n"
    return _raw(b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n", body)


def _nested(depth: int) -> bytes:
    body = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
                    for i in range(depth))
    body += b"--b%d\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n" % depth
    body += b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth + 1)))
    return _raw(b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n", body)


def _references(count: int) -> bytes:
    return _raw(b"Subject: refs\r\nReferences: "
                + b"\r\n ".join(b"<id%d@example.kz>" % i for i in range(count)) + b"\r\n")


def _subject_words(count: int) -> bytes:
    return _raw(b"Subject: " + b" ".join([b"=?utf-8?b?0JDQkQ==?="] * count) + b"\r\n")


HOSTILE = {
    "References: 10,000 ids (kept)": lambda: _references(10_000),
    "References: 100,000 ids": lambda: _references(100_000),
    "References: 200,000 ids": lambda: _references(200_000),
    "Subject: 5,000 encoded words": lambda: _subject_words(5_000),
    "Subject: 100,000 encoded words": lambda: _subject_words(100_000),
    "50,000 MIME parts": lambda: _multipart(50_000),
    "400 MIME parts (kept)": lambda: _multipart(400),
    "nesting 10,000 deep": lambda: _nested(10_000),
    "a 1 MB header line": lambda: _raw(b"Subject: x\r\nX-Long: " + b"a" * 2**20 + b"\r\n"),
    "NUL and lone surrogates": lambda: _raw(b"Subject: bad\r\n",
                                           b"one\x00two \xed\xa0\x80 three\r\n"),
    # the worst shapes still within the caps
    "References: 11,000 ids (kept)": lambda: _references(11_000),
    "Content-Type: 1,900 params (kept)": lambda: _raw(
        b"Subject: p\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; "
        + b"; ".join(b"p%d=v" % i for i in range(1_900)) + b"\r\n"),
    "499 HTML parts, 8 MB (kept)": lambda: _raw(
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n",
        b"".join(b"--b\r\nContent-Type: text/html\r\n\r\n" + b"<b>x</b>" * 2_000 + b"\r\n"
                 for _ in range(499)) + b"--b--\r\n"),
    "a reply quoting 200,000 lines": lambda: _raw(
        b"Subject: Re\r\nIn-Reply-To: <x@y>\r\n", b"reply\r\n" + b"> quoted\r\n" * 200_000),
}


def make_app(database_url: str | None):
    folder = tempfile.mkdtemp(prefix="casework-bench-mail-")
    app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": secrets.token_hex(16),
                      "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder}/bench.db",
                      "SERVER_NAME": None, "RATELIMIT_ENABLED": False,
                      "CASEWORK_EVIDENCE_STORAGE": "local",
                      "CASEWORK_EVIDENCE_DIR": f"{folder}/evidence"})
    with app.app_context():
        from casework.demo.seed import seed

        db.drop_all()
        db.create_all()
        seed()
        db.session.commit()
    return app


def receive(raw: bytes) -> str:
    from casework.mailin import services

    received = services.receive(raw, source="file")
    db.session.commit()
    mail = received.mail
    return f"{mail.status.value}: {mail.reason or ''}"[:110]


def _hostile_child(database_url, name, queue) -> None:
    app = make_app(database_url)
    raw = HOSTILE[name]()
    with app.app_context():
        cpu, wall = time.process_time(), time.perf_counter()
        outcome = receive(raw)
        queue.put((time.process_time() - cpu, time.perf_counter() - wall, len(raw), outcome))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--limit", type=float, default=120, help="seconds per hostile message")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--skip-hostile", action="store_true")
    args = parser.parse_args()
    app = make_app(args.database_url)
    raws = [ordinary(n) for n in range(args.messages)]
    with app.app_context():
        for raw in raws[:20]:  # warm-up: imports, caches, the first case numbers
            receive(raw)
        cpu, wall = time.process_time(), time.perf_counter()
        for raw in raws[20:]:
            receive(raw)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    count = len(raws) - 20
    print(f"ordinary mail: {count} messages in {wall:.2f} s wall ({count / wall:.1f} messages/s), "
          f"{cpu / count * 1000:.1f} ms CPU per message")
    if args.skip_hostile:
        return
    print(f"hostile messages (each alone, limit {args.limit:.0f} s):")
    context = multiprocessing.get_context("fork")
    for name in HOSTILE:
        queue = context.Queue()
        child = context.Process(target=_hostile_child, args=(args.database_url, name, queue))
        child.start()
        child.join(args.limit + 30)  # the set-up (seed) is not counted in the figures
        if child.is_alive():
            child.kill()
            child.join()
            print(f"  {name:32} over the limit ({args.limit:.0f} s): intake stalls")
            continue
        cpu, wall, size, outcome = queue.get() if not queue.empty() else (0, 0, 0, "crashed")
        print(f"  {name:32} {size / 2**20:6.1f} MiB  {cpu:7.2f} s CPU  {wall:7.2f} s wall  "
              f"{outcome}")


if __name__ == "__main__":
    main()
