"""bench/stats_query.py at toy size on a SQLite file: it builds, and the query layer agrees with the floor."""

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "stats_query.py"


@pytest.mark.real_commits  # the bench's own app and database: the test's rolled-back session must not be in the way
def test_the_bench_runs_at_toy_size(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("stats_query_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    results = bench.main(
        ["--url", url, "--volunteers", "200", "--records", "1500", "--townships", "12", "--repeat", "1"]
    )
    # Six rows (province, city, county; without and with the indexes) and the province over a period with
    # edge days at both ends, each checked against the floor (which reads the records, not service_years).
    assert [(label, level) for label, _, level, *_ in results] == [
        (label, level) for label in ("before", "after") for level in ("province", "city", "county")
    ] + [("edges", "province")]
    province = results[0][-1]
    assert province["active_volunteers"] > 0 and province["minutes"] > 0
    assert "floor s" in capsys.readouterr().out
