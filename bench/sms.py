"""SMS speed: messages Kannel posts, filed per second by one process, and replies sent per
second by one worker through a real Kannel (bearerbox, smsbox, fakesmsc on ports 5640-5644).

    .venv/bin/python bench/sms.py [--messages 300] [--database-url URL]

Filing: POST /sms/kannel in-process (store, commit, file: a new complaint for the first
message of a number, a piece of it for the next two), as Kannel posts them. Sending: the
outbox's embedded loop (deliver_due) sends every reply through Kannel's sendsms; fakesmsc
then reads them back and the count is checked. Prints figures; asserts nothing.
"""

import argparse
import base64
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

from casework import create_app  # noqa: E402
from casework.extensions import db  # noqa: E402
from casework.notifications import delivery  # noqa: E402
from tests import factories  # noqa: E402
from tests.sms.kannel import SECRET, Kannel, installed  # noqa: E402

TEXTS = ["Сәлем! Бүгін учаскеде бақылаушыны кіргізбеді.", "Төраға қорапты жауып қойды.",
         "На участке раздают деньги у входа."]


def report(name: str, count: int, seconds: float) -> None:
    print(f"{name:<34} {count} in {seconds:6.2f} s: {count / seconds:7.1f}/s, "
          f"{seconds / count * 1000:6.1f} ms each")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    gateway = Kannel(folder) if installed() else None
    config = {"CASEWORK_ENV": "testing", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
              "CASEWORK_EVIDENCE_DIR": str(folder / "evidence"), "CASEWORK_SMS_SECRET": SECRET,
              "CASEWORK_SMS_RATE_LIMIT": "1000000/minute", "CASEWORK_SMS_LIMIT_HOUR": 1000,
              "CASEWORK_SMS_LIMIT_DAY": 1000}
    if gateway is not None:
        config.update(gateway.settings)
    app = create_app(config)
    auth = "Basic " + base64.b64encode(f"kannel:{SECRET}".encode()).decode()
    with app.app_context():
        db.create_all()
        factories.election_with_regions()
        db.session.commit()
        client = app.test_client()
        start = time.perf_counter()
        for n in range(args.messages):
            response = client.post(
                f"/sms/kannel?id=bench-{n}", data=TEXTS[n % 3].encode(),
                headers={"Authorization": auth, "Content-Type": 'text/plain; charset="UTF-8"',
                         "X-Kannel-From": f"+7701{n // 3:07d}", "X-Kannel-Coding": "0"})
            assert response.status_code == 200, response.status_code
        report("filed (POST /sms/kannel)", args.messages, time.perf_counter() - start)
        if gateway is None:
            print("Kannel is not installed: sending not measured")
            return
        gateway.start()
        try:
            start = time.perf_counter()
            sent = 0
            while True:
                counts = delivery.deliver_due(limit=50)
                if not any(counts.values()):
                    break
                sent += counts["sent"]
            report("replies sent through sendsms", sent, time.perf_counter() - start)
            got = gateway.replies(wait=max(5.0, sent / 4))  # the fake SMSC is slow to hand out
            parts = gateway.last_output.count("Got message")
            print(f"fakesmsc received {len(got)} of {sent} replies ({parts} SMS parts)")
        finally:
            gateway.stop()


if __name__ == "__main__":
    main()
