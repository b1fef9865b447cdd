"""What the fuzz found, grouped into failure classes, and the Markdown report of them.

Every failing example is recorded; examples that fail the same way (same check, status, error code
or server-side cause) form one class, shown once with the shortest request that showed it.
"""

import contextlib
import json
import logging
import os
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

#: Lines of the app's own code in a traceback; the last one names where a 5xx came from.
APP_ROOT = str(Path(__file__).resolve().parents[2] / "app")
EXCERPT = 300
#: Where the report goes; set, the fuzz also runs every example even after failures.
REPORT_PATH = os.environ.get("FUZZ_REPORT") or None


@dataclass
class Example:
    role: str
    method: str
    target: str
    body: str
    status: int | str
    response: str
    detail: str

    @property
    def size(self) -> int:
        return len(self.target) + len(self.body)


@dataclass
class FailureClass:
    check: str
    title: str
    status: int | str
    label: str
    count: int = 0
    operations: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    sites: set[str] = field(default_factory=set)
    example: Example | None = None


class Recorder:
    def __init__(self) -> None:
        self.classes: dict[tuple, FailureClass] = {}

    def __bool__(self) -> bool:
        return bool(self.classes)

    def failures(self, *, operation: str, role: str, failures, response, cause: tuple[str, str] | None) -> None:
        kinds = {type(failure).__name__ for failure in failures}
        for failure in failures:
            if type(failure).__name__ == "UndefinedStatusCode" and "ServerError" in kinds:
                continue  # the 5xx itself is the fault; that it is undocumented adds nothing
            self._failure(operation=operation, role=role, failure=failure, response=response, cause=cause)

    def _failure(self, *, operation: str, role: str, failure, response, cause: tuple[str, str] | None) -> None:
        kind = type(failure).__name__
        status = response.status_code
        error_code = _error_code(response.content)
        site = None
        if kind == "ServerError":
            exception, site = cause or (None, None)
            label = f"{status}: {exception}" if exception else f"{status} on {operation}"
            key = (kind, status, exception or operation)
        elif kind == "UndefinedStatusCode":
            label = f"{status} `{error_code or '-'}` not in the document"
            key = (kind, status, error_code)
        elif kind == "JsonSchemaError":
            where = "/".join(str(p) for p in failure.schema_path)
            label = f"{status} body breaks its schema at `{where}`: {_first_line(failure._raw_message)}"
            key = (kind, operation, status, where)
        else:
            label = f"{status}: {_first_line(failure.title)}"
            key = (kind, operation, status, failure.title)
        self._add(
            key,
            check=f"{failure.code} {failure.kind_title}",
            title=kind,
            status=status,
            label=label,
            operation=operation,
            role=role,
            site=site,
            example=_example(role, response.request, status, response.content, _one_line(failure.message)),
        )

    def unhandled(self, *, operation: str, role: str, case, error: BaseException) -> None:
        """An exception that escaped the app's error handlers (the client gets a 500)."""
        exception, site = describe_exception(error)
        request = _request_of(case)
        self._add(
            ("Unhandled", exception),
            check="not_a_server_error (the exception escaped the error handlers)",
            title="Unhandled",
            status=500,
            label=f"500: {exception}",
            operation=operation,
            role=role,
            site=site,
            example=Example(role, *request, 500, "(no response: the exception propagated)", ""),
        )

    def _add(self, key, *, check, title, status, label, operation, role, site, example: Example) -> None:
        found = self.classes.get(key)
        if found is None:
            found = self.classes[key] = FailureClass(check=check, title=title, status=status, label=label)
        found.count += 1
        found.operations[operation].add(role)
        if site:
            found.sites.add(site)
        if found.example is None or example.size < found.example.size:
            found.example = example

    def markdown(self, *, database: str, seconds: float | None) -> str:
        order = {"ServerError": 0, "Unhandled": 0, "JsonSchemaError": 1, "UndefinedStatusCode": 2}
        classes = sorted(self.classes.values(), key=lambda c: (order.get(c.title, 3), c.check, str(c.status), c.label))
        lines = [f"# API fuzz report ({database})", ""]
        if seconds is not None:
            lines += [f"Fuzz run: {seconds:.0f} s.", ""]
        lines += [f"{len(classes)} failure classes, {sum(c.count for c in classes)} failing examples.", ""]
        for number, item in enumerate(classes, 1):
            lines += _section(number, item)
        return "\n".join(lines)


def _section(number: int, item: FailureClass) -> list[str]:
    example = item.example
    operations = "; ".join(f"`{op}` [{', '.join(sorted(roles))}]" for op, roles in sorted(item.operations.items()))
    request = f"`{example.method} {example.target}`" + (f" body `{example.body}`" if example.body else "")
    lines = [
        f"## {number}. {item.label}",
        "",
        f"- check: {item.check}; failing examples: {item.count}",
        f"- operations ({len(item.operations)}): {operations}",
    ]
    if item.sites:
        lines.append(f"- raised at: {', '.join(sorted(item.sites))}")
    lines.append(f"- smallest request (as {example.role}): {request}")
    lines.append(f"- response: {example.status} `{example.response}`")
    if example.detail and example.detail not in item.label:
        lines.append(f"- detail: {example.detail}")
    return [*lines, ""]


#: The one recorder of the run.
RECORDER = Recorder()


class ExceptionLog(logging.Handler):
    """Keeps the exceptions the app logs (unexpected_error logs each 500 with its traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.causes: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.causes.append(describe_exception(record.exc_info[1]))

    def take(self) -> tuple[str, str] | None:
        causes, self.causes = self.causes, []
        return causes[-1] if causes else None


def describe_exception(error: BaseException) -> tuple[str, str]:
    """(`TypeError: ...`, `app/x/y.py:12 in f`): the exception, and the last line of our code it passed."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(APP_ROOT)]
    site = ""
    if frames:
        last = frames[-1]
        site = f"{Path(last.filename).relative_to(Path(APP_ROOT).parent)}:{last.lineno} in {last.name}"
    message = _first_line(str(error))[:160].replace("`", "'")
    return f"{type(error).__name__}: {message}", site


def _example(role, request, status, content: bytes, detail: str) -> Example:
    method, target, body = _request_parts(request)
    return Example(role, method, target, body, status, _excerpt(content), detail)


def _request_parts(request) -> tuple[str, str, str]:
    url = urlsplit(request.url)
    target = unquote(url.path) + (f"?{unquote(url.query)}" if url.query else "")
    body = request.body or b""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "backslashreplace")
    with contextlib.suppress(ValueError):  # JSON as people read it: Chinese as itself, controls escaped
        body = json.dumps(json.loads(body), ensure_ascii=False) if body else ""
    return request.method, _printable(target), _printable(body)[:EXCERPT]


def _request_of(case) -> tuple[str, str, str]:
    """The request a case makes, for one whose call raised (so no response carries it)."""
    try:
        kwargs = case.as_transport_kwargs(base_url="http://localhost")
        names = {"method", "url", "params", "json", "data", "headers"}
        return _request_parts(requests.Request(**{k: v for k, v in kwargs.items() if k in names}).prepare())
    except Exception:  # the report must not hide the failure it describes
        return case.method.upper(), case.formatted_path, _printable(repr(case.body))[:EXCERPT]


def _printable(text: str) -> str:
    """Control characters as escapes, so the report shows what was sent (NUL and the like)."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text).replace("`", "'")


def _excerpt(content: bytes) -> str:
    text = content.decode("utf-8", "backslashreplace").strip()
    return _printable(text)[:EXCERPT]


def _error_code(content: bytes) -> str | None:
    try:
        error = json.loads(content)["error"]
        return str(error["code"])
    except Exception:
        return None


def _one_line(text: str | None) -> str:
    """A failure's message on one line: `Received: 404; Documented: 200, 422`."""
    joined = "; ".join(line.strip() for line in (text or "").splitlines() if line.strip())
    return _printable(joined)[:EXCERPT]


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""
