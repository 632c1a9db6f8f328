"""`flask keys status|add|rotate` on a keys file of the test's own."""

import pytest

from casework.core import crypto


@pytest.fixture
def own_keys_file(app, tmp_path, monkeypatch):
    """A keys file of this test's own; the run's keyring comes back afterwards."""
    path = tmp_path / "data_keys"
    crypto.write_keys_file(path)
    monkeypatch.setitem(app.config, "CASEWORK_DATA_KEYS", str(path))
    monkeypatch.setitem(app.extensions, "casework_keys", app.extensions["casework_keys"])
    monkeypatch.setattr(crypto, "_active", crypto._active)
    return path


def test_add_then_rotate_moves_writing_to_the_new_key(app, own_keys_file):
    path = own_keys_file
    runner = app.test_cli_runner()
    first = crypto.load_keys(path).current.key_id
    status = runner.invoke(args=["keys", "status"])
    assert status.exit_code == 0, status.output
    added = runner.invoke(args=["keys", "add"])
    assert added.exit_code == 0, added.output
    new = crypto.load_keys(path).current.key_id
    assert new != first and new in added.output
    rotated = runner.invoke(args=["keys", "rotate", "--batch", "10"])
    assert rotated.exit_code == 0, rotated.output
    assert f"all under key {new}" in rotated.output
