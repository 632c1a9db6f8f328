"""Body caps per endpoint (core/inbound.py): a small cap for every request, the evidence
limits only where files are taken, urlencoded bodies capped as forms; an oversized body is
answered 413 at once, before it is read, with the security headers and the localized page
(or problem+json under /api) - through the test client and through a real gunicorn."""

import io
import socket
import threading
import time

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from casework.core.inbound import FILE_ENDPOINTS
from casework.intake.models import Complaint
from tests.core.test_security import assert_safe_headers
from tests.intake.helpers import form_data
from tests.plugin.data import PDF, count
from tests.plugin.server import rss_kib, worker_pids

MIB = 2**20
URLENCODED = "application/x-www-form-urlencoded"


def test_every_file_taking_view_is_listed(app):
    """A view whose form has a file field, or that reads request.files, is in FILE_ENDPOINTS:
    the listed endpoints all exist, so a renamed view cannot silently lose its room."""
    assert set(app.view_functions) >= FILE_ENDPOINTS


def test_a_large_urlencoded_login_is_413_at_once(client):
    client.set_cookie("casework_lang", "ru")
    response = client.post("/login", data=b"email=a&password=" + b"x" * (2 * MIB),
                           content_type=URLENCODED)
    assert response.status_code == 413
    assert_safe_headers(response)
    assert "Слишком" in response.get_data(as_text=True)


def test_the_default_cap_is_1_mib_for_any_body(client):
    body = b"x" * (MIB + 1)
    response = client.post("/login", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413
    assert client.post("/track", data=body, content_type="text/plain").status_code == 413


def test_under_api_the_413_is_problem_json(client):
    response = client.post("/api/v1/elections/current", data=b"{}" + b" " * (2 * MIB),
                           content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 413
    assert_safe_headers(response)


def test_a_file_endpoint_takes_more_than_the_default(client, demo):
    data = form_data(client)
    data["evidence"] = FileStorage(io.BytesIO(PDF + b"0" * (2 * MIB)), "big.pdf")
    # Encoded here in memory: the test client would spool it to a file it never closes.
    boundary, body = encode_multipart(MultiDict(data))
    response = client.post("/complaints/new", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    assert count(Complaint) == 1


def test_a_file_endpoint_still_caps_urlencoded_bodies_as_forms(app, client, demo):
    cap = app.config["MAX_FORM_MEMORY_SIZE"]
    response = client.post("/complaints/new", data=b"narrative=" + b"x" * cap,
                           content_type=URLENCODED)
    assert response.status_code == 413


def test_too_many_urlencoded_parts_are_413(app, client):
    parts = app.config["MAX_FORM_PARTS"]
    response = client.post("/login", data=b"&".join([b"a=1"] * (parts + 1)),
                           content_type=URLENCODED)
    assert response.status_code == 413
    assert client.post("/login", data=b"email=a&password=b",
                       content_type=URLENCODED).status_code != 413


@pytest.mark.parametrize("content_type", [URLENCODED, "multipart/form-data; boundary=b"])
def test_a_chunked_body_without_length_is_cut_at_the_cap(client, content_type):
    response = client.post("/login", input_stream=io.BytesIO(b"a=" + b"x" * (2 * MIB)),
                           content_type=content_type,
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413


# -- through gunicorn -------------------------------------------------------------------------

def raw_post(base: str, path: str, length: int, content_type: str = URLENCODED,
             send: int | None = None) -> tuple[bytes, float]:
    """POST announcing `length` bytes; send `send` of them (all by default) in a thread while
    the answer is read. Returns the head of the answer and the seconds until it came."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=20)
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()
    started = time.monotonic()
    sock.sendall(head)

    def body():
        chunk, left = b"a=" + b"x" * (64 * 1024 - 2), length if send is None else send
        try:
            while left > 0:
                sock.sendall(chunk[:left])
                left -= len(chunk)
        except OSError:  # the server answered and closed: the rest is never read
            pass

    sender = threading.Thread(target=body, daemon=True)
    sender.start()
    answer = b""
    try:
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    finally:
        elapsed = time.monotonic() - started
        sock.close()
        sender.join(timeout=20)
    return answer, elapsed


def test_gunicorn_answers_a_32_mib_login_with_413_before_reading_it(gunicorn_server):
    base, master = gunicorn_server
    worker = worker_pids(master)[0]
    raw_post(base, "/login", 20)  # warm: the worker has loaded the app and served a form
    before = rss_kib(worker)
    # Only 64 KiB of the 32 MiB are sent: the answer comes without the rest.
    answer, _elapsed = raw_post(base, "/login", 32 * MIB, send=64 * 1024)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"Content-Security-Policy" in answer
    answer, _elapsed = raw_post(base, "/login", 32 * MIB)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert rss_kib(worker) - before < 16 * 1024  # the body never came into memory
