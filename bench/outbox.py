"""Outbox delivery speed to a real local SMTP server (aiosmtpd), per message.

    .venv/bin/python bench/outbox.py [--messages 300] [--database-url URL] [--redis-url URL]

Times the embedded loop (deliver_due) and, with --redis-url, the RQ path (enqueue, then
the jobs run in-process as `flask worker` runs them). Each send holds a lease renewed by a
thread while the SMTP conversation lasts. Prints figures; asserts nothing.
"""

import argparse
import socket
import sys
import tempfile
import time
from pathlib import Path

# The project instead of bench/ first on the path: bench/queue.py would shadow the stdlib's.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import delete  # noqa: E402

from casework import create_app  # noqa: E402
from casework.extensions import db, mail  # noqa: E402
from casework.notifications import delivery  # noqa: E402
from casework.notifications.models import OutboxMessage  # noqa: E402


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def fill(count: int) -> None:
    db.session.execute(delete(OutboxMessage))
    for n in range(count):
        db.session.add(OutboxMessage(
            dedupe_key=f"bench:{n}", template="bench", recipient=f"v{n}@example.org",
            language="en", subject="Bench", body_text="Body\n" * 20,
            message_id=f"<bench{n}@casework.local>"))
    db.session.commit()


def report(name: str, count: int, seconds: float) -> None:
    print(f"{name:<28} {count} messages in {seconds:6.2f} s: {count / seconds:7.1f}/s, "
          f"{seconds / count * 1000:6.1f} ms each")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    url = args.database_url or "sqlite:///" + tempfile.mkdtemp() + "/bench.db"
    with socket.socket() as probe:  # a free port for the SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": port, "MAIL_SUPPRESS_SEND": False})
    app.extensions["mail"] = mail.init_mail(app.config, app.debug, app.testing)
    with app.app_context():
        db.create_all()
        fill(args.messages)
        start = time.perf_counter()
        while delivery.deliver_due(limit=50)["sent"]:
            pass
        report("embedded loop", args.messages, time.perf_counter() - start)
        if args.redis_url:
            from redis import Redis
            from rq import SimpleWorker

            connection = Redis.from_url(args.redis_url)
            fill(args.messages)
            start = time.perf_counter()
            worker = SimpleWorker([delivery.QUEUE], connection=connection)
            while delivery.enqueue_due_with_rq(connection):
                worker.work(burst=True, logging_level="WARNING")
            report("RQ (in-process jobs)", args.messages, time.perf_counter() - start)
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
    controller.stop()


if __name__ == "__main__":
    main()
