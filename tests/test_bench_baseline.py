"""The baseline of `make bench-compare` answers each of its routes (a smoke test; no timing)."""

import hashlib
import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from baseline_app import Candidate, Complaint, Region, Station, create_baseline, db  # noqa: E402


@pytest.fixture
def baseline(tmp_path):
    app = create_baseline(tmp_path / "baseline.db", tmp_path / "evidence", form_bytes=5000)
    with app.app_context():
        db.create_all()
        for n, model in enumerate((Region, Station, Candidate)):
            db.session.add(model(id=n + 1, code=f"C{n}", name_kk=f"kk{n}", name_ru=f"ru{n}",
                                 name_en=f"en{n}"))
        db.session.add_all(Complaint(reference=f"BASE-{k}", region_id=1, created=1_700_000_000 + k,
                                     state="received", evidence="[]",
                                     narrative="сайлау" + (" фальсификация" if k == 3 else ""))
                           for k in range(60))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_form_list_search_and_intake(baseline, tmp_path):
    client = baseline.test_client()
    client.get("/complaints/new")  # the first answer sets the padding
    form = client.get("/complaints/new").get_data(as_text=True)
    assert "kk0" in form and "kk2" in form and len(form.encode()) >= 4900
    assert client.get("/cases").get_data(as_text=True).count("<tr data-case=") == 50
    assert client.get("/cases?q=фальсификация").get_data(as_text=True).count("<tr data-case=") == 1
    assert client.get("/cases?q=zzyzx").get_data(as_text=True).count("<tr data-case=") == 0
    photo = b"\x89PNG" + bytes(range(256)) * 800
    answer = client.post("/api/v1/complaints", data={
        "complaint": json.dumps({"narrative": "text"}),
        "evidence": (io.BytesIO(photo), "photo.png")}, content_type="multipart/form-data")
    assert answer.status_code == 201
    sha = hashlib.sha256(photo).hexdigest()
    assert answer.json["evidence"] == [{"sha256": sha, "size": len(photo)}]
    assert (tmp_path / "evidence" / sha[:2] / sha[2:4] / sha).read_bytes() == photo


def test_the_summary_names_each_ratio_against_its_target_unrounded(capsys):
    from compare_report import print_report

    def run(scenario, app, rps):
        return {"scenario": scenario, "app": app, "rps": rps, "cpu_ms": 10.0, "requests": 100,
                "what": scenario}
    print_report([run("intake16", "casework", 102.5), run("intake16", "baseline", 206.7),
                  run("queue", "casework", 359.2), run("queue", "baseline", 692.1)],
                 summary=True)
    out = capsys.readouterr().out
    assert "0.496x" in out and "target >= 0.5x: MISSED" in out  # not "0.50x", as it rounded
    assert "0.519x" in out and "target >= 0.3x: met" in out


def test_both_servers_are_measured_in_halves_a_b_b_a_and_each_pair_of_halves_merged():
    from compare_driver import abba

    calls = []

    def run(app, half, seconds):
        calls.append((app, half, seconds))
        n = (100, 300)[app] + 10 * half  # requests in this half
        return {"requests": n, "duration_s": seconds, "bytes": n, "p50_ms": 1.0 + half,
                "p95_ms": 2.0, "p99_ms": 3.0, "unexpected": half, "socket_errors": 0,
                "cpu_ms": 10.0 if half else 20.0, "load": 0.5, "restarted": 0}

    casework, baseline = abba(run, 10)
    assert calls == [(0, 0, 5), (1, 0, 5), (1, 1, 5), (0, 1, 5)]
    assert (casework["requests"], casework["duration_s"]) == (210, 10)
    assert casework["rps"] == 21
    assert casework["cpu_ms"] == (100 * 20 + 110 * 10) / 210  # the CPU of both halves
    assert casework["p50_ms"] == (100 * 1 + 110 * 2) / 210
    assert casework["unexpected"] == 1
    assert baseline["requests"] == 610 and baseline["rps"] == 61
