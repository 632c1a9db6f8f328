"""JSON from outside is parsed with bounded depth: a body nested thousands deep is refused as
invalid (422/400-class), never a RecursionError and a 500."""

import pytest

from casework.core import jsontext

DEEP = "[" * 5000 + "]" * 5000


def test_depth_is_counted_outside_strings():
    assert not jsontext.too_deep('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert jsontext.too_deep("[" * 33 + "]" * 33)
    assert not jsontext.too_deep("[" * 32 + "]" * 32)
    assert not jsontext.too_deep(r'{"a": "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')


def test_too_deep_is_a_value_error():
    with pytest.raises(ValueError):
        jsontext.loads(DEEP)
    assert jsontext.loads('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}


def test_the_public_api_refuses_a_deep_complaint(client, demo):
    response = client.post("/api/v1/complaints", data={"complaint": DEEP},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_a_deep_passkey_assertion_is_a_refused_sign_in(client):
    client.post("/login/passkey/options")
    response = client.post("/login/passkey", data='{"credential": ' + DEEP + "}",
                           content_type="application/json")
    assert response.status_code in (400, 401, 403, 422)


def test_a_lone_surrogate_credential_id_is_a_refused_sign_in(client):
    client.post("/login/passkey/options")
    response = client.post("/login/passkey", data='{"credential": {"id": "\\ud800"}}',
                           content_type="application/json")
    assert response.status_code in (400, 401, 403, 422)
