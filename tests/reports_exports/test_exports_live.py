"""Every export, every format, for every role that may export, through a real gunicorn: the
streamed body is read after the request's database session has closed, which the Flask
test client does not show. Each download is compared with the in-process one."""

import pytest

from casework.extensions import db
from tests.reports_exports.helpers import DAY, read_csv, read_xlsx

EXPORTS = [("cases", {}), ("daily", {"date": DAY}), ("sanctions", {})]
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy")


class Body:
    """A requests response read like a Flask test response by the helpers."""

    def __init__(self, content: bytes):
        self.content = content

    def get_data(self) -> bytes:
        return self.content

    def close(self) -> None:
        pass


def opened(body, fmt: str):
    """The rows of a download, the daily report's "Generated at" time left out: the two
    downloads are seconds apart and may fall in two minutes."""
    if fmt == "csv":
        return [row for row in read_csv(body) if row[:1] != ["Generated at"]]
    return {name: [row for row in rows if row[:1] != ["Generated at"]]
            for name, rows in read_xlsx(body).items()}


@pytest.mark.parametrize("who", ["secretary", "chair", "auditor", "r3"])
def test_every_export_through_gunicorn(live_gunicorn, client, login, world, sanctions_world,
                                       staff, who):
    db.session.commit()
    browser = live_gunicorn.session(staff[who])
    login(client, staff[who])
    for name, args in EXPORTS:
        for fmt in ("csv", "xlsx"):
            path = f"/staff/exports/{name}.{fmt}"
            live = browser.get(live_gunicorn.url + path, params={**args, "lang": "en"},
                               headers={"Accept-Language": "en"}, timeout=30)
            assert live.status_code == 200, (path, live.text[:300])
            assert live.headers["Cache-Control"] == "no-store", path
            for header in SECURITY_HEADERS:
                assert header in live.headers, (path, header)
            assert "attachment" in live.headers["Content-Disposition"]
            local = client.get(path, query_string=args)
            assert local.status_code == 200
            got, want = opened(Body(live.content), fmt), opened(local, fmt)
            assert got == want, path
            rows = got if fmt == "csv" else [r for sheet in got.values() for r in sheet]
            assert len(rows) > 1, path  # a header and at least one row each
    browser.close()
