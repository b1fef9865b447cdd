"""POST/GET /api/v1/subscriptions: what the user allowed, and what the mini-program should ask again."""

import pytest

from app.core import clock
from app.notify import ledger
from tests.notify.helpers import SUBSCRIBE_PURPOSES, template_ids


@pytest.fixture
def ids(app):
    with app.app_context():
        return template_ids()


@pytest.fixture
def volunteer(api, build):
    return api.as_(build.login())


def by_purpose(response) -> dict:
    return {item["purpose"]: item for item in response.json["items"]}


def test_nothing_allowed_yet_everything_to_renew(volunteer, ids):
    response = volunteer.get("/subscriptions")

    assert response.status_code == 200, response.json
    items = by_purpose(response)
    assert set(items) == set(SUBSCRIBE_PURPOSES)
    assert items["reminder"] == {
        "purpose": "reminder",
        "template_id": ids["reminder"],
        "kind": "one_time",
        "remaining": 0,
        "active": False,
        "renew": True,
    }
    assert items["broadcast"]["kind"] == "long_term" and items["broadcast"]["remaining"] is None
    assert set(response.json["renew"]) == set(ids.values())


def test_each_accepted_one_time_template_allows_one_push(volunteer, ids):
    results = {ids["reminder"]: "accept", ids["assignment"]: "reject", "errMsg": "requestSubscribeMessage:ok"}

    response = volunteer.post("/subscriptions", {"results": results})

    assert response.status_code == 200, response.json
    items = by_purpose(response)
    assert items["reminder"]["remaining"] == 1 and items["reminder"]["renew"] is False
    assert items["assignment"]["remaining"] == 0 and items["assignment"]["renew"] is True
    assert ids["reminder"] not in response.json["renew"]

    volunteer.post("/subscriptions", {"results": {ids["reminder"]: "accept"}})
    assert by_purpose(volunteer.get("/subscriptions"))["reminder"]["remaining"] == 2


def test_a_long_term_template_is_on_until_the_user_turns_it_off(volunteer, ids):
    on = volunteer.post("/subscriptions", {"results": {ids["broadcast"]: "accept"}})
    assert by_purpose(on)["broadcast"] | {"template_id": None} == {
        "purpose": "broadcast",
        "template_id": None,
        "kind": "long_term",
        "remaining": None,
        "active": True,
        "renew": False,
    }

    off = volunteer.post("/subscriptions", {"results": {ids["broadcast"]: "reject"}})
    assert by_purpose(off)["broadcast"]["active"] is False
    assert by_purpose(off)["broadcast"]["renew"] is True


def test_a_rejection_keeps_one_time_allowances_already_given(volunteer, ids):
    volunteer.post("/subscriptions", {"results": {ids["reminder"]: "accept"}})

    response = volunteer.post("/subscriptions", {"results": {ids["reminder"]: "reject"}})

    assert by_purpose(response)["reminder"]["remaining"] == 1


def test_an_unknown_template_is_refused_and_nothing_is_recorded(volunteer, ids):
    response = volunteer.post("/subscriptions", {"results": {ids["reminder"]: "accept", "tmpl-nobody-knows": "accept"}})

    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "unknown_template"
    assert response.json["error"]["fields"] == {"results.tmpl-nobody-knows": "未知的订阅消息模板"}
    assert by_purpose(volunteer.get("/subscriptions"))["reminder"]["remaining"] == 0


@pytest.mark.parametrize(
    "body",
    [{"results": {}}, {"results": {"errMsg": "requestSubscribeMessage:ok"}}, {"results": {"x": "maybe"}}, {}],
    ids=["empty", "only-errMsg", "bad-status", "missing"],
)
def test_malformed_results_are_a_422(volunteer, body):
    response = volunteer.post("/subscriptions", body)

    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_failed"


def test_logged_out_callers_are_told_to_log_in(api, ids):
    assert api.get("/subscriptions").status_code == 401
    assert api.post("/subscriptions", {"results": {ids["reminder"]: "accept"}}).status_code == 401


def test_the_api_and_the_push_event_of_one_tap_count_once(app, volunteer, ids):
    user_id = volunteer.get("/me").json["id"]
    volunteer.post("/subscriptions", {"results": {ids["reminder"]: "accept"}})
    with app.app_context():
        counted = ledger.accept(user_id, ids["reminder"], kind="one_time", source="event", at=clock.now())

    assert counted is False
    assert by_purpose(volunteer.get("/subscriptions"))["reminder"]["remaining"] == 1


def test_the_openapi_document_describes_subscriptions(api):
    paths = api.get("/openapi.json").json["paths"]

    assert {"get", "post"} <= set(paths["/api/v1/subscriptions"])
