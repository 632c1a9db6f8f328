"""The bare-Flask baseline of `make bench-compare`: Flask + Flask-SQLAlchemy doing the minimum
for each scenario Casework is measured on, on SQLite with the same durability settings.

- GET /complaints/new: a form with the same select lists (regions, stations, candidates) read
  from its database on every request, rendered by Jinja, padded with static text to the size
  of Casework's page (BASELINE_FORM_BYTES);
- POST /api/v1/complaints: a multipart `complaint` (JSON) + `evidence` (file): the file hashed
  while it is written, fsynced and renamed into <sha[:2]>/<sha[2:4]>/<sha>, one row, commit;
  answers 201 {"reference", "evidence": [{"sha256", "size"}]} like Casework's API;
- GET /cases[?q=word]: the 50 newest complaints in a Jinja table, or those whose narrative is
  `LIKE '%word%'`.

Served by gunicorn as `baseline_app:from_env()` (BASELINE_DB, BASELINE_EVIDENCE).
"""

import hashlib
import json
import os
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, abort, jsonify, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Choice:
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str]
    name_kk: Mapped[str]
    name_ru: Mapped[str]
    name_en: Mapped[str]


class Region(Choice, db.Model):
    __tablename__ = "regions"


class Station(Choice, db.Model):
    __tablename__ = "stations"


class Candidate(Choice, db.Model):
    __tablename__ = "candidates"


class Complaint(db.Model):
    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(unique=True)
    region_id: Mapped[int | None]
    narrative: Mapped[str]
    created: Mapped[int]  # Unix time
    state: Mapped[str]
    evidence: Mapped[str]  # JSON [{"sha256", "size"}]


PAGE = """<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{% block title %}{% endblock %}</title></head><body><main>{% block main %}{% endblock %}
</main></body></html>"""

FORM = """{% extends "page.html" %}{% block title %}New complaint{% endblock %}{% block main %}
<h1>New complaint</h1><form method="post" action="/complaints/new" enctype="multipart/form-data">
<input type="hidden" name="csrf_token" value="{{ token }}">
<label>What happened <textarea name="narrative" rows="8" required></textarea></label>
{% for name, items in lists %}<label>{{ name }} <select name="{{ name }}">
<option value="">—</option>{% for item in items %}
<option value="{{ item.id }}">{{ item.code }} {{ item["name_" ~ lang] }}</option>{% endfor %}
</select></label>{% endfor %}
<label>Files <input type="file" name="evidence" multiple></label>
<button>Send</button></form>{{ padding }}{% endblock %}"""

LIST = """{% extends "page.html" %}{% block title %}Cases{% endblock %}{% block main %}
<form><input name="q" value="{{ q }}"><button>Search</button></form>
<table><thead><tr><th>Reference</th><th>Received</th><th>Region</th><th>State</th>
<th>Narrative</th></tr></thead><tbody>{% for row in rows %}
<tr data-case="{{ row.reference }}"><td><a href="/cases/{{ row.reference }}">{{ row.reference }}</a>
</td><td>{{ row.created|when }}</td><td>{{ regions.get(row.region_id, "—") }}</td>
<td>{{ row.state }}</td><td>{{ row.narrative[:120] }}</td></tr>{% endfor %}
</tbody></table>{% endblock %}"""


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    for pragma in ("journal_mode=WAL", "busy_timeout=10000", "synchronous=FULL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def store(stream, folder: Path) -> tuple[str, int]:
    """Hash while writing to a temporary file, fsync, rename to its SHA-256, fsync the folder."""
    digest, size = hashlib.sha256(), 0
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    with os.fdopen(handle, "wb") as out:
        while chunk := stream.read(65536):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    sha = digest.hexdigest()
    target = folder / sha[:2] / sha[2:4]
    target.mkdir(parents=True, exist_ok=True)
    os.replace(temporary, target / sha)
    directory = os.open(target, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return sha, size


def create_baseline(database: Path, evidence: Path, form_bytes: int = 0) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    app.jinja_loader = DictLoader({"page.html": PAGE, "form.html": FORM, "list.html": LIST})
    app.jinja_env.filters["when"] = lambda t: datetime.fromtimestamp(t, UTC).strftime(
        "%d.%m.%Y %H:%M")
    db.init_app(app)
    with app.app_context():
        event.listen(db.engine, "connect", _sqlite_pragmas)
    evidence.mkdir(parents=True, exist_ok=True)
    padding = {"text": ""}

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.get("/complaints/new")
    def form():
        lang = request.args.get("lang", "kk")
        lists = [(name, db.session.scalars(select(model).order_by(model.code)).all())
                 for name, model in (("region", Region), ("station", Station),
                                     ("candidate", Candidate))]
        token = secrets.token_urlsafe(32)
        page = render_template("form.html", lang=lang, lists=lists, token=token,
                               padding=padding["text"])
        if form_bytes and not padding["text"]:  # static text, made once, up to Casework's size
            padding["text"] = "<p>" + "Help text. " * max(0, (form_bytes - len(page.encode())) // 11)
            page = render_template("form.html", lang=lang, lists=lists, token=token,
                                   padding=padding["text"])
        return page

    @app.post("/api/v1/complaints")
    def intake():
        complaint = json.loads(request.form.get("complaint") or "null")
        upload = request.files.get("evidence")
        if not isinstance(complaint, dict) or not complaint.get("narrative") or upload is None:
            abort(422)
        sha, size = store(upload.stream, evidence)
        files = [{"sha256": sha, "size": size}]
        row = Complaint(reference=f"API-{secrets.token_hex(6).upper()}", region_id=None,
                        narrative=str(complaint["narrative"]), state="received",
                        created=int(datetime.now(UTC).timestamp()), evidence=json.dumps(files))
        db.session.add(row)
        db.session.commit()
        return jsonify(reference=row.reference, evidence=files), 201

    @app.get("/cases")
    def cases():
        q = request.args.get("q", "").strip()
        query = select(Complaint).order_by(Complaint.id.desc()).limit(50)
        if q:
            query = query.where(Complaint.narrative.like(f"%{q}%"))
        rows = db.session.scalars(query).all()
        regions = dict(db.session.execute(select(Region.id, Region.name_kk)).all())
        return render_template("list.html", lang="kk", rows=rows, q=q, regions=regions)

    return app


def from_env() -> Flask:
    """gunicorn's entry: `gunicorn 'baseline_app:from_env()'`."""
    return create_baseline(Path(os.environ["BASELINE_DB"]), Path(os.environ["BASELINE_EVIDENCE"]),
                           int(os.environ.get("BASELINE_FORM_BYTES", "0")))
