"""A property-based fuzz of the whole API, driven by its own OpenAPI document (schemathesis).

Every operation in `GET /api/v1/openapi.json` is called, in-process through the WSGI app, as each
kind of caller: anonymous, a registered volunteer, a village secretary, county staff and a province
admin. Cases come from schemathesis' phases: examples, coverage (boundary and type-confusion values,
deterministic) and fuzzing (hypothesis, at most FUZZ_MAX_EXAMPLES per operation and role, seeded and
derandomized so CI sees the same cases each run). A test fails on any 5xx and on any answer that
breaks the document: an undocumented status (401, 404, 429 ... included), a body that does not
match its schema, a wrong content type or missing documented headers.

Each (operation, role) is one pytest test inside the suite's per-test transaction, at a frozen
moment: its world (tests/fuzz/world.py: the callers, a need, a session, sign-ups, a broadcast)
and whatever its cases write are rolled back after it, so nothing reaches another test. Path
parameters are either generated or the ids of the world's things, so the fuzz gets past 404.

    pytest tests/fuzz -q                                   # the fuzz alone (or: pytest -m fuzz)
    FUZZ_MAX_EXAMPLES=50 pytest tests/fuzz -q              # a deeper run by hand
    FUZZ_REPORT=/tmp/fuzz_report.md pytest tests/fuzz -q   # every failure, grouped, in a report
"""

import logging
import os
from datetime import datetime

import pytest
import schemathesis
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.accounts import operations as accounts
from app.core import clock
from tests.fuzz.report import RECORDER, REPORT_PATH, ExceptionLog
from tests.fuzz.world import World, make_world

DOCUMENT_URL = "/api/v1/openapi.json"
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
SEED = 20261201
#: The fuzz runs at one moment (a Monday morning), so what it sends means the same every day.
NOW = datetime(2027, 1, 4, 10, 0, tzinfo=clock.SERVICE_ZONE)
ROLES = ["anonymous", "volunteer", "secretary", "county_staff", "province_admin"]
JSON = "application/json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
#: Staff passwords are hashed cheaply while the test's callers are made (argon2's real cost, twice
#: per staff member, would be most of the run); the requests under test use the real hasher.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _document() -> dict:
    """The document as the app serves it, read at collection so each operation is its own test.

    A throwaway app on in-memory SQLite builds it (building touches no database); the requests
    themselves go to the suite's `app`, and test_document_is_the_served_one checks it serves the same.
    """
    response = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://").test_client().get(DOCUMENT_URL)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


DOCUMENT = _document()
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",  # valid and invalid input
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # Authorization is the role's, never generated.
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@pytest.fixture
def frozen_clock():
    clock.freeze(NOW)
    yield NOW
    clock.freeze(None)


@pytest.fixture
def world(role, api, build, monkeypatch, frozen_clock):
    """The test's people and things (tests/fuzz/world.py); its ids feed the path parameters."""
    global CURRENT_WORLD
    with monkeypatch.context() as fast:
        fast.setattr(accounts, "passwords", FAST_HASHER)
        CURRENT_WORLD = make_world(api, build, frozen_clock, admin=role == "province_admin")
    yield CURRENT_WORLD
    CURRENT_WORLD = None


@pytest.fixture
def role_headers(role, world):
    """A caller of `role`: nobody, or one of the world's people."""
    return {"Authorization": f"Bearer {world.tokens[role]}"} if role != "anonymous" else {}


#: The running test's world, read while hypothesis draws its cases.
CURRENT_WORLD: World | None = None


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Each path parameter is either what was generated or, as often, the id of a real thing."""
    world = CURRENT_WORLD
    if world is None or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    choices = {}
    for name, value in path_parameters.items():
        real = world.real_values(context.operation.path, name)
        choices[name] = st.sampled_from([value, *real]) if real else st.just(value)
    return st.fixed_dictionaries(choices)


@pytest.fixture
def app_exceptions(app):
    """The exceptions the app logs while the test runs (the cause of a 500, for the report)."""
    handler = ExceptionLog()
    logger = logging.getLogger(app.logger.name)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _sends_another_media_type(case) -> bool:
    """Coverage probes that send text/plain or multipart bodies: the API only speaks JSON (a 415
    for them is the answer the contract wants), so they are not sent."""
    if case.media_type not in (None, JSON):
        return True
    content_type = next((v for k, v in (case.headers or {}).items() if k.lower() == "content-type"), None)
    return content_type is not None and content_type.split(";")[0].strip().lower() != JSON


@pytest.mark.fuzz
@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck), print_blob=False)
def test_api(case, role, role_headers, app, app_exceptions):
    if _sends_another_media_type(case):
        return
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    app_exceptions.take()
    try:
        response = case.call(app=app, headers=role_headers)
    except Exception as error:  # escaped the app's error handlers: the client would get a 500
        RECORDER.unhandled(operation=operation, role=role, case=case, error=error)
        if REPORT_PATH:
            return
        raise
    try:
        case.validate_response(response, checks=CHECKS, headers=role_headers)
    except FailureGroup as group:
        RECORDER.failures(
            operation=operation, role=role, failures=group.exceptions, response=response, cause=app_exceptions.take()
        )
        if not REPORT_PATH:
            raise


@pytest.mark.fuzz
def test_document_is_the_served_one(client):
    """The fuzz reads the document at collection; the app under test must serve that same one."""
    response = client.get(DOCUMENT_URL)
    assert response.status_code == 200
    assert response.json == DOCUMENT
