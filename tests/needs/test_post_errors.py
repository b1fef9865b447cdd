"""Posting a need with bad input: the contract's error, never a 500, and nothing written."""

import pytest

from tests.contract import assert_error, created
from tests.fixtures import ELSEWHERE, NEIGHBOUR, at
from tests.sessions.helpers import audit_trail, need_body, row_counts

BAD_FIELDS = [
    ({"starts_at": at(1, 8).isoformat(), "ends_at": at(1, 12).isoformat()}, "starts_at"),
    ({"starts_at": at(1, 9).isoformat(), "ends_at": at(1, 12).isoformat()}, "starts_at"),
    ({"starts_at": at(5, 12).isoformat(), "ends_at": at(5, 9).isoformat()}, "ends_at"),
    ({"ends_at": at(6, 9, 1).isoformat()}, "ends_at"),
    ({"slots": 0}, "slots"),
    ({"slots": -1}, "slots"),
    ({"slots": 1.5}, "slots"),
    ({"area": "sports"}, "area"),
    ({"skills": ["支教", "支教"]}, "skills"),
    ({"village": "140105"}, "village"),
    ({"village": "140000"}, "village"),
    ({"village": "140105001099"}, "village"),
    ({"description": "长" * 1001}, "description"),
    ({"recurrence": "FREQ=HOURLY;COUNT=3"}, "recurrence"),
    ({"recurrence": "FREQ=WEEKLY;BYDAY=SA"}, "recurrence"),
    ({"recurrence": "not a rule at all"}, "recurrence"),
    ({"recurrence": "FREQ=WEEKLY;BYDAY=SA;COUNT=80"}, "recurrence"),
]


@pytest.mark.parametrize(("change", "field"), BAD_FIELDS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_FIELDS)])
def test_bad_fields_are_named_and_nothing_is_written(app, api, secretary, change, field):
    before = row_counts(app)
    assert_error(api.as_(secretary).post("/needs", need_body(**change)), 422, "validation_failed", field)
    assert row_counts(app) == before


def test_a_village_other_than_the_secretarys_own(app, api, secretary):
    before = row_counts(app)
    for village in (NEIGHBOUR, ELSEWHERE):
        assert_error(
            api.as_(secretary).post("/needs", need_body(village=village)), 403, "village_out_of_scope", "village"
        )
    assert row_counts(app) == before


@pytest.mark.parametrize("field", ["title", "description", "skills"])
def test_unsafe_text_is_refused(app, api, secretary, field):
    value = ["代开发票"] if field == "skills" else "代开发票，价格优惠"
    before = row_counts(app)
    assert_error(api.as_(secretary).post("/needs", need_body(**{field: value})), 422, "content_unsafe", field)
    assert row_counts(app) == before


def test_only_secretaries_post_needs(api, build, hire):
    assert_error(api.as_(build.volunteer()[0]).post("/needs", need_body()), 403, "forbidden")
    assert_error(api.as_(hire.staff("140105")).post("/needs", need_body()), 403, "forbidden")
    assert_error(api.post("/needs", need_body()), 401, "unauthenticated")


def test_a_need_waits_for_review_and_is_audited(app, api, build, hire):
    token, secretary_id = hire.secretary()
    need = created(api.as_(token).post("/needs", need_body(skills=["支教", "心理辅导"])))
    assert need["status"] == "pending_review" and need["slots"] == 2 and need["area_name"] == "教育"
    assert need["skills"] == ["支教", "心理辅导"] and need["taken"] == 0 and need["review_reason"] is None
    (row,) = audit_trail(app, "need", need["id"])
    assert row["action"] == "create" and row["actor"] == secretary_id and row["after"]["status"] == "pending_review"
