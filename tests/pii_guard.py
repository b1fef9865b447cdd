"""The whole test run is a scan for personal data (a plugin: the root pytest_plugins lists it).

Every answer the app gives in this process (JSON, text and HTML bodies, and the cells of a workbook)
and every log record made at any level (its formatted message, its arguments and its traceback) is
searched for a full mainland mobile number (11 digits, 1[3-9]…, not inside a longer run of digits,
optionally behind +86, not inside a token of ASCII letters and digits) and an 18-character
resident ID number (17 digits and a digit or X, with a real birth date and the GB 11643 check
character, so long numeric ids and timestamps do not count). A hit fails the test during which it
happened (setup, call or teardown), naming the URL or the logger with the number masked. Output of
a subprocess a test captures goes through `scan_text`.

A test that writes a number on purpose to see it masked or refused says so with
`@pytest.mark.pii_allowed("why")`, and the one page made to show a whole phone is listed in
SHOWS_A_WHOLE_NUMBER: those hits are counted, not failed.

SQLAlchemy's own loggers stay at WARNING: at INFO they echo every statement with its parameters,
a development switch (`echo`) never on in production, and the statements carry the very numbers
registration stores (encrypted at rest, but the parameters are bound before that is visible here).
"""

import io
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask, request, request_finished
from werkzeug.wrappers import Response

#: A run of 11 or more digits (or 17 and an X), not inside a word of ASCII letters and digits (a hex
#: request id, a token, a hash): the cheap pre-check and the candidate at once.
CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[Xx]|[0-9]{11,})(?![0-9A-Za-z])")
PHONE = re.compile(r"(?:86)?1[3-9][0-9]{9}")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
TEXT_TYPES = ("application/json", "text/", "application/problem+json", "application/javascript")
#: The answers whose point is one whole number: the console's page that shows county staff a volunteer's
#: phone to call them (volunteers.UNMASK_RULE: in scope only, audited without the number, no-store).
SHOWS_A_WHOLE_NUMBER = {"console.unmask_phone"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _valid_birth(digits: str) -> bool:
    year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
    return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def is_id_number(candidate: str) -> bool:
    """An 18-character resident ID number with a plausible birth date and a valid check character."""
    if len(candidate) != 18 or not candidate[:17].isdigit() or candidate[0] == "0":
        return False
    total = sum(int(digit) * weight for digit, weight in zip(candidate[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == candidate[17].upper() and _valid_birth(candidate)


def find(text: str) -> list[str]:
    """The full phone and ID numbers in text (empty in the common case at the cost of one regex search)."""
    found = []
    for match in CANDIDATE.finditer(text):
        candidate = match.group(0)
        if (len(candidate) in (11, 13) and PHONE.fullmatch(candidate)) or is_id_number(candidate):
            found.append(candidate)
    return found


def mask(number: str) -> str:
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def excerpt(text: str, number: str, width: int = 40) -> str:
    at = text.find(number)
    start, end = max(at - width, 0), at + len(number) + width
    return text[start:end].replace(number, mask(number)).replace("\n", "⏎")


@dataclass
class Hit:
    where: str
    excerpt: str


class Guard:
    """The scanner's state: the hits of the current test phase and the run's counts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: list[Hit] = []
        self.responses = 0
        self.workbooks = 0
        self.records = 0
        self.outputs = 0
        self.allowed = 0
        self.failed = 0
        self.seconds = 0.0  # spent searching
        self.workbook_seconds = 0.0  # spent opening workbooks
        self.allowed_at: set[str] = set()
        self.handler = _Scanner(self)

    def scan(self, where: str, text: str, *, allowed: bool = False) -> None:
        if not text:
            return
        started = time.perf_counter()
        numbers = dict.fromkeys(find(text))  # each number once, in order
        self.seconds += time.perf_counter() - started
        if numbers and allowed:
            with self.lock:
                self.allowed += len(numbers)
                self.allowed_at.add(where.split(" (")[0])
        elif numbers:
            with self.lock:
                self.hits.extend(Hit(where, excerpt(text, number)) for number in numbers)

    def on_response(self, sender: Flask, response: Response, **extra: object) -> None:
        """Flask's request_finished: the answer of every request the app served in this process."""
        with self.lock:
            self.responses += 1
        if response.is_streamed or response.direct_passthrough:
            return  # a file sent as it is read (none of the API's answers); reading it here would consume it
        where = f"answer to {request.method} {request.full_path.rstrip('?')} ({response.status_code})"
        mimetype = response.mimetype or ""
        if mimetype.startswith(TEXT_TYPES) or mimetype.endswith(("+json", "+xml")):
            self.scan(where, response.get_data(as_text=True), allowed=request.endpoint in SHOWS_A_WHOLE_NUMBER)
            self.scan(f"{where}, headers", str(response.headers))
        elif mimetype == XLSX:
            self.workbooks += 1
            self.scan(where, _workbook_text(response.get_data()))
        else:
            self.scan(f"{where}, headers", str(response.headers))  # images and PDFs: their bytes are not text


class _Scanner(logging.Handler):
    def __init__(self, guard: Guard) -> None:
        super().__init__(logging.DEBUG)
        self.guard = guard

    def emit(self, record: logging.LogRecord) -> None:
        self.guard.records += 1
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the pieces are still scanned
            message = str(record.msg)
        parts = [message, repr(record.args) if record.args else ""]
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        parts.append(record.exc_text or "")
        parts.append(record.stack_info or "")
        self.guard.scan(f"log record of {record.name} ({record.levelname})", "\n".join(parts))


def _workbook_text(data: bytes) -> str:
    started = time.perf_counter()
    try:
        return _cells(data)
    finally:
        GUARD.workbook_seconds += time.perf_counter() - started


def _cells(data: bytes) -> str:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not a workbook after all: its tests say so
        return ""
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(value) for value in row if value is not None)
    book.close()
    return "\n".join(cells)


GUARD = Guard()
_QUIET = ("sqlalchemy",)


def _scan_streamed_workbooks() -> None:
    """Exports stream their workbook from a file (direct passthrough), which request_finished cannot read
    without consuming it: the test client's answer is read instead (buffered, so the test reads it too)."""
    from flask.testing import FlaskClient

    original = FlaskClient.open

    def open_and_scan(self: FlaskClient, *args: object, **kwargs: object) -> Response:
        response = original(self, *args, **kwargs)  # type: ignore[arg-type]
        if response.mimetype == XLSX and response.is_streamed:
            with GUARD.lock:
                GUARD.workbooks += 1
            GUARD.scan(f"workbook streamed to {response.request.path}", _workbook_text(response.get_data()))
        return response

    FlaskClient.open = open_and_scan  # type: ignore[method-assign]


def scan_text(where: str, text: str) -> None:
    """For output of a subprocess (a bot, a server) a test captured."""
    with GUARD.lock:
        GUARD.outputs += 1
    GUARD.scan(where, text)


def _listen() -> None:
    # Every phase: create_app sets the root to INFO and Alembic's fileConfig replaces its handlers.
    root = logging.getLogger()
    if GUARD.handler not in root.handlers:
        root.addHandler(GUARD.handler)
    root.setLevel(logging.DEBUG)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    with GUARD.lock:
        hits, GUARD.hits = GUARD.hits, []
    if not hits:
        return
    marker = item.get_closest_marker("pii_allowed")
    if marker is not None:
        GUARD.allowed += len(hits)
        GUARD.allowed_at.add(item.nodeid)
        return
    GUARD.failed += len(hits)
    report = outcome.get_result()
    lines = [f"full phone or ID number during {call.when}:"]
    lines += [f"  {hit.where}: …{hit.excerpt}…" for hit in hits[:10]]
    if len(hits) > 10:
        lines.append(f"  and {len(hits) - 10} more")
    if report.passed or report.skipped:
        report.outcome = "failed"
        report.longrepr = "\n".join(lines)
    else:
        report.sections.append(("personal data", "\n".join(lines)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _listen()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    _listen()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    _listen()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pii_allowed(reason): the test writes a phone or ID number on purpose")
    request_finished.connect(GUARD.on_response, weak=False)  # any app: the session makes one
    _scan_streamed_workbooks()
    _listen()


def pytest_terminal_summary(terminalreporter) -> None:
    g = GUARD
    terminalreporter.write_line(
        f"personal-data scan: {g.responses} answers ({g.workbooks} workbooks opened in {g.workbook_seconds:.2f} s), "
        f"{g.records} log records, {g.outputs} subprocess outputs scanned in {g.seconds:.2f} s; "
        f"hits failed: {g.failed}, allowed: {g.allowed}"
        + (f" ({', '.join(sorted(g.allowed_at))})" if g.allowed_at else "")
    )
