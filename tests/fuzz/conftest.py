"""The fuzz folder's marker, its time in the summary, and (FUZZ_REPORT=path) its Markdown report.

`pytest tests/fuzz` (or `pytest -m fuzz`) runs the fuzz alone. With FUZZ_REPORT=/tmp/fuzz_report.md
every example is run even after failures, the failures are grouped into classes in that file, and
the run still fails if there were any.
"""

import os
from pathlib import Path

import pytest

from tests.fuzz.report import RECORDER as recorder
from tests.fuzz.report import REPORT_PATH

_seconds = {"fuzz": 0.0}
_HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: property-based fuzz of the whole API from its OpenAPI document")


def pytest_runtest_logreport(report):
    if Path(report.fspath).resolve().parent == _HERE:
        _seconds["fuzz"] += report.duration


def pytest_terminal_summary(terminalreporter):
    if _seconds["fuzz"]:
        terminalreporter.write_line(f"API fuzz: {_seconds['fuzz']:.1f} s in tests/fuzz")
    if REPORT_PATH:
        terminalreporter.write_line(f"API fuzz report: {REPORT_PATH} ({len(recorder.classes)} failure classes)")


def pytest_sessionfinish(session, exitstatus):
    if not REPORT_PATH:
        return
    database = "PostgreSQL + Redis" if os.environ.get("TEST_DATABASE_URL") else "SQLite"
    Path(REPORT_PATH).write_text(recorder.markdown(database=database, seconds=_seconds["fuzz"]), encoding="utf-8")
    if recorder and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
