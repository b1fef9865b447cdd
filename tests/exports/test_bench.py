"""bench/export_records.py at toy size on a SQLite file: it builds, exports, and agrees with its floor."""

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "export_records.py"


@pytest.mark.real_commits  # the bench's own app and database: the test's rolled-back session must not be in the way
def test_the_bench_runs_at_toy_size(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("export_records_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    result = bench.main(["--url", url, "--volunteers", "200", "--records", "1500", "--townships", "12", "--trace"])
    assert result["rows"] == result["floor_rows"] == result["expected"][0] > 0
    assert result["minutes"] == result["expected"][1]
    assert "floor (COPY to file)" in capsys.readouterr().out
