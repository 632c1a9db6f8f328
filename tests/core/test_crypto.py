"""The data keys: values and files sealed with AES-256-GCM, look-up hashes, the key file."""

import os

import pytest

from casework.core import crypto
from casework.core.crypto import CHUNK, DataKeyError


def ring(*ids):
    return crypto.parse_keys("".join(crypto.new_key_line(key_id) for key_id in ids))


def test_a_value_round_trips_and_is_bound_to_its_column():
    keys = ring("a1")
    sealed = keys.seal("Айгерім Сәрсенова", "complainants.name")
    assert sealed.startswith("cw1:a1:")
    assert "Айгерім" not in sealed
    assert keys.open_value(sealed, "complainants.name") == "Айгерім Сәрсенова"
    with pytest.raises(DataKeyError):
        keys.open_value(sealed, "complainants.email")
    # Two seals of one value differ (a fresh nonce each time).
    assert keys.seal("x", "c") != keys.seal("x", "c")


def test_plaintext_written_before_encryption_reads_as_it_is():
    keys = ring("a1")
    assert keys.open_value("+77011234567", "complainants.phone") == "+77011234567"
    assert keys.needs_rotation("+77011234567")
    assert not keys.needs_rotation(None)
    assert not keys.needs_rotation("")


def test_older_keys_still_open_and_rotation_is_needed():
    old = ring("a1")
    sealed = old.seal("secret", "t.c")
    both = crypto.parse_keys(
        f"a1 {crypto.base64.urlsafe_b64encode(old.keys[0].secret).decode()}\n"
        + crypto.new_key_line("b2"))
    assert both.current.key_id == "b2"
    assert both.open_value(sealed, "t.c") == "secret"
    assert both.needs_rotation(sealed)
    assert not both.needs_rotation(both.seal("secret", "t.c"))
    with pytest.raises(DataKeyError):
        ring("zz").open_value(sealed, "t.c")


def test_lookup_hashes_cover_every_key():
    keys = crypto.parse_keys(crypto.new_key_line("a1") + crypto.new_key_line("b2"))
    written = keys.lookup_hash("+77011234567")
    assert written in keys.lookup_hashes("+77011234567")
    assert len(set(keys.lookup_hashes("+77011234567"))) == 2
    assert keys.lookup_hash("+77011234568") != written


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17])
def test_a_file_round_trips_in_any_chunking(size):
    keys = ring("a1")
    data = os.urandom(size)
    pieces = [data[i:i + 1000] for i in range(0, len(data), 1000)] or [b""]
    sealed = b"".join(keys.encrypt_stream(pieces))
    assert len(sealed) == crypto.encrypted_size(size, "a1")
    assert crypto.is_sealed_file(sealed)
    assert keys.file_key_id(sealed[:64]) == "a1"
    for step in (1, 7, 4096, CHUNK + 16, len(sealed) or 1):
        again = b"".join(keys.decrypt_stream(
            sealed[i:i + step] for i in range(0, len(sealed), step)))
        assert again == data


def test_a_cut_reordered_or_altered_file_does_not_open():
    keys = ring("a1")
    data = os.urandom(3 * CHUNK + 5)
    sealed = b"".join(keys.encrypt_stream([data]))
    header = 5 + 2 + 7
    sealed_chunk = CHUNK + 16
    first, second = (sealed[header:header + sealed_chunk],
                     sealed[header + sealed_chunk:header + 2 * sealed_chunk])
    cases = {
        "cut at a chunk boundary": sealed[:header + 3 * sealed_chunk],
        "cut inside": sealed[:-3],
        "reordered": sealed[:header] + second + first + sealed[header + 2 * sealed_chunk:],
        "a bit flipped": sealed[:-1] + bytes([sealed[-1] ^ 1]),
        "not encrypted": data,
    }
    for name, broken in cases.items():
        with pytest.raises(DataKeyError):
            b"".join(keys.decrypt_stream([broken])), name


def test_the_keys_file_is_private_and_checked(tmp_path):
    path = tmp_path / "data_keys"
    assert crypto.write_keys_file(path)
    assert not crypto.write_keys_file(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    first = crypto.load_keys(path).current.key_id
    added = crypto.add_key(path)
    keys = crypto.load_keys(path)
    assert [key.key_id for key in keys.keys] == [first, added]
    for bad in ("k1 short\n", "k1\n", "k-1 " + crypto.new_key_line().split()[1] + "\n",
                crypto.new_key_line("k1") * 2):
        with pytest.raises(DataKeyError):
            crypto.parse_keys(bad)
    with pytest.raises(DataKeyError):
        crypto.parse_keys("# only a comment\n")


def test_production_refuses_to_start_without_the_keys_file(tmp_path, monkeypatch):
    from casework.config import ConfigError, resolve_data_keys

    with pytest.raises(ConfigError, match="CASEWORK_DATA_KEYS"):
        resolve_data_keys({"CASEWORK_ENV": "production",
                           "CASEWORK_DATA_KEYS": str(tmp_path / "missing")})
    made = resolve_data_keys({"CASEWORK_ENV": "development",
                              "CASEWORK_DATA_KEYS": str(tmp_path / "dev_keys")})
    assert (tmp_path / "dev_keys").exists() and made.current.key_id


def test_the_encrypted_column_type(app):
    column = crypto.EncryptedText("complainants.name")
    sealed = column.process_bind_param("Нұрлан", None)
    assert crypto.is_sealed(sealed)
    assert column.process_result_value(sealed, None) == "Нұрлан"
    assert column.process_bind_param(None, None) is None
    assert column.process_bind_param("", None) == ""
