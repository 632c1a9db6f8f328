"""The serving entry point: the start-up's objects are kept out of the cyclic collector."""

import gc
import importlib
import sys


def test_wsgi_freezes_what_start_up_built(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'casework.db'}")
    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CASEWORK_ENV", "testing")
    sys.modules.pop("wsgi", None)
    try:
        module = importlib.import_module("wsgi")
        assert module.app.name == "casework"
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
        sys.modules.pop("wsgi", None)
