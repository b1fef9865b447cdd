"""Scheduling a session with bad input: the contract's error, never a 500, and nothing written."""

import pytest

from tests.contract import assert_error, created
from tests.fixtures import ELSEWHERE, NEIGHBOUR, at
from tests.sessions.helpers import row_counts, session_body

BAD_FIELDS = [
    ({"starts_at": at(1, 8).isoformat(), "ends_at": at(1, 10).isoformat()}, "starts_at"),
    ({"starts_at": at(8, 21).isoformat(), "ends_at": at(8, 19).isoformat()}, "ends_at"),
    ({"ends_at": at(8, 19, 30).isoformat()}, "ends_at"),
    ({"ends_at": at(9, 19, 31).isoformat()}, "ends_at"),
    ({"starts_at": "2026-12-08T19:30:00"}, "starts_at"),
    ({"starts_at": "下周二晚上"}, "starts_at"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": -3}, "capacity"),
    ({"capacity": "许多"}, "capacity"),
    ({"kind": "summer_camp"}, "kind"),
    ({"topic": "sports"}, "topic"),
    ({"title": "夜"}, "title"),
    ({"village": "140105"}, "village"),
    ({"village": "140105001"}, "village"),
    ({"village": "140105001099"}, "village"),
    ({"village": "小店村"}, "village"),
]


@pytest.mark.parametrize(("change", "field"), BAD_FIELDS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_FIELDS)])
def test_bad_fields_are_named_and_nothing_is_written(app, api, secretary, change, field):
    before = row_counts(app)
    answer = api.as_(secretary).post("/sessions", session_body(**change))
    assert_error(answer, 422, "validation_failed", field)
    assert row_counts(app) == before


def test_a_missing_field_and_an_unknown_field_are_both_refused(api, secretary):
    body = session_body(weather="晴")
    del body["kind"]
    error = assert_error(api.as_(secretary).post("/sessions", body), 422, "validation_failed", "kind", "weather")
    assert error["fields"]["kind"] == "必填"


def test_only_the_secretarys_own_village(app, api, secretary):
    before = row_counts(app)
    for village in (NEIGHBOUR, ELSEWHERE):
        answer = api.as_(secretary).post("/sessions", session_body(village=village))
        assert_error(answer, 403, "village_out_of_scope", "village")
    assert row_counts(app) == before


def test_volunteers_staff_and_strangers_cannot_schedule(api, build, hire):
    volunteer, _ = build.volunteer()
    county = hire.staff("140105")
    assert_error(api.as_(volunteer).post("/sessions", session_body()), 403, "forbidden")
    assert_error(api.as_(county).post("/sessions", session_body()), 403, "forbidden")
    assert_error(api.post("/sessions", session_body()), 401, "unauthenticated")


@pytest.mark.parametrize("field", ["title", "description"])
def test_unsafe_text_is_refused(app, api, secretary, field):
    before = row_counts(app)
    answer = api.as_(secretary).post("/sessions", session_body(**{field: "赌博技巧分享会"}))
    assert_error(answer, 422, "content_unsafe", field)
    assert row_counts(app) == before


BAD_RULES = {
    "hourly": "FREQ=HOURLY;COUNT=5",
    "yearly": "FREQ=YEARLY;COUNT=2",
    "endless": "FREQ=WEEKLY;BYDAY=TU",
    "garbage": "every tuesday, please",
    "unknown part": "FREQ=WEEKLY;BYDAY=TU;COUNT=3;COLOUR=RED",
    "bad count": "FREQ=WEEKLY;COUNT=many",
    "too long by count": "FREQ=WEEKLY;BYDAY=TU;COUNT=60",
    "too long by until": "FREQ=DAILY;UNTIL=20281231T000000",
    "ends before it starts": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261130T000000",
    "no occurrence": "FREQ=WEEKLY;BYDAY=TU;COUNT=0",
    # dateutil never returns from INTERVAL=0 with UNTIL: a request must not hang a worker.
    "interval zero": "FREQ=WEEKLY;INTERVAL=0;UNTIL=20270601T000000",
    "negative interval": "FREQ=WEEKLY;INTERVAL=-1;COUNT=3",
    # Several occurrences a day would be HOURLY by another name.
    "by hour": "FREQ=DAILY;BYHOUR=8,9,10,11;COUNT=40",
    "by minute": "FREQ=DAILY;BYMINUTE=0,15,30,45;COUNT=40",
    # The first start (a Tuesday) is not an occurrence of a Monday rule.
    "first start off the rule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
}


@pytest.mark.parametrize("rule", BAD_RULES.values(), ids=BAD_RULES.keys())
def test_bad_recurrence_rules_are_refused_whole(app, api, secretary, rule):
    before = row_counts(app)
    answer = api.as_(secretary).post("/sessions", session_body(recurrence=rule))
    error = assert_error(answer, 422, "validation_failed", "recurrence")
    assert not error["fields"]["recurrence"].isascii()
    assert row_counts(app) == before


def test_an_until_in_utc_as_rfc_5545_writes_it_is_accepted(api, secretary):
    answer = api.as_(secretary).post(
        "/sessions", session_body(recurrence="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270601T000000Z")
    )
    assert answer.status_code == 201, answer.json


def test_a_series_up_to_the_longest_allowed_is_accepted(app, api, secretary):
    # 400 days from 8 December 2026 is 12 January 2028.
    rule = "FREQ=WEEKLY;BYDAY=TU;UNTIL=20280111T235959"
    assert created(api.as_(secretary).post("/sessions", session_body(recurrence=rule)))["series_id"]


def test_sub_second_start_does_not_double_the_first_occurrence(app, api, secretary):
    body = session_body(
        starts_at="2026-12-08T19:30:00.250000+08:00",
        ends_at="2026-12-08T21:30:00.250000+08:00",
        recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=3",
    )
    first = created(api.as_(secretary).post("/sessions", body))
    assert first["occurrences"] == 3
    assert first["starts_at"] == "2026-12-08T19:30:00+08:00"
