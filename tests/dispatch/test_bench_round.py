"""bench/dispatch_round.py at toy size on a SQLite file, in process: it builds, rounds, compares and prints."""

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "dispatch_round.py"


@pytest.mark.real_commits  # the bench's own app and database: the test's rolled-back session must not be in the way
def test_the_bench_runs_at_toy_size(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("dispatch_round_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    argv = ["--url", url, "--volunteers", "400", "--slots", "40", "--townships", "12", "--samples", "2"]
    argv += ["--year-volunteers", "600", "--year-seats", "12", "--weeks", "2", "--in-process", "--repeat", "2"]
    results = bench.main(argv)
    # The round is the optimum of its own snapshot, and greedy works on the same graph.
    assert results["round"]["slots"] == 40 and results["round"]["edges"] > 0
    assert results["ours"]["offers"] == results["maximum"] > 0
    assert results["ours"]["cost"] == results["optimum"]
    assert results["ours"]["with_penalty"] <= results["greedy"]["with_penalty"]
    # First come (self sign-up) takes a seat per volunteer at most, on the same graph: never more offers.
    assert 0 < results["first_come"]["offers"] <= results["maximum"]
    assert results["ours"]["with_penalty"] <= results["first_come"]["with_penalty"]
    assert 0 < results["year"]["first_come"]["fill_rate"] <= 1
    assert results["reoffer"]["samples"] == 2 and results["reoffer"]["fallback_samples"] == 1
    assert 0 < results["year"]["ours"]["fill_rate"] <= 1
    out = capsys.readouterr().out
    assert "full round: seconds" in out and "where the round's time goes" in out
    # A second run finds the data built and starts again from the same snapshot.
    again = bench.main(argv)
    assert again["ours"]["offers"] == results["ours"]["offers"] and again["optimum"] == results["optimum"]
