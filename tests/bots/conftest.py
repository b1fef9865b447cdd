from pathlib import Path

import pytest


@pytest.fixture
def side_effects(tmp_path, monkeypatch) -> Path:
    """The file the sample jobs append a line to on every run (one line per run, with the pid)."""
    path = tmp_path / "side-effects.log"
    path.touch()
    monkeypatch.setenv("BOT_TEST_LOG", str(path))
    return path
