"""What an attacker with a valid token sends: each answer is a 4xx in the contract's error shape,
with the field named, and nothing is created."""

import json

import pytest

from config.settings import BaseConfig
from tests.builders import registration
from tests.contract import assert_error, created
from tests.sessions.helpers import need_body, row_counts, session_body

HUGE = 99999999999999999999
JUST_PAST_INTEGER = 2**31


# --- repeat rules -------------------------------------------------------------------------------

SMUGGLED_RULES = {
    "second rule on a new line": "FREQ=DAILY;COUNT=3;WKST=MO\nRRULE:FREQ=HOURLY",
    "minutely on a new line": "FREQ=DAILY;COUNT=3\nRRULE:FREQ=MINUTELY;COUNT=500",
    "an exclusion date line": "FREQ=WEEKLY;BYDAY=TU;COUNT=3\nEXDATE:20261215T193000",
    "a part given twice": "FREQ=WEEKLY;BYDAY=TU;COUNT=3;FREQ=DAILY",
    "a line break inside a value": "FREQ=WEEKLY;BYDAY=TU,\nWE;COUNT=3",
}


@pytest.mark.parametrize("rule", SMUGGLED_RULES.values(), ids=SMUGGLED_RULES.keys())
@pytest.mark.parametrize("path", ["/sessions", "/needs"])
def test_a_rule_is_one_line_of_rrule_parts(app, api, secretary, path, rule):
    body = (session_body if path == "/sessions" else need_body)(recurrence=rule)
    before = row_counts(app)
    assert_error(api.as_(secretary).post(path, body), 422, "validation_failed", "recurrence")
    assert row_counts(app) == before


def test_a_series_says_how_many_occurrences_it_has_in_all(api, secretary):
    series = created(api.as_(secretary).post("/sessions", session_body(recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=12")))
    # Eight weeks are materialised now; the rest come as the window moves.
    assert (series["occurrences"], series["series_total"]) == (7, 12)
    single = created(api.as_(secretary).post("/sessions", session_body()))
    assert (single["occurrences"], single["series_total"]) == (1, 1)


# --- ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [HUGE, JUST_PAST_INTEGER])
def test_ids_past_the_database_integer_are_refused_not_500(api, build, secretary, county, number):
    volunteer, _ = build.volunteer()
    requests = [
        (None, "get", f"/needs/{number}", None),
        (None, "get", f"/sessions/{number}", None),
        (volunteer, "post", f"/sessions/{number}/signups", None),
        (volunteer, "delete", f"/needs/{number}/signups/me", None),
        (volunteer, "post", f"/inbox/{number}/read", None),
        (volunteer, "post", f"/attendance/{number}/correction-requests", {"reason": "时长不对，请核对"}),
        (secretary, "post", f"/attendance/{number}/confirm", {}),
        (secretary, "get", f"/needs/{number}/checkin-code", None),
        (county, "post", f"/needs/{number}/review", {"approve": True}),
        (county, "get", f"/broadcasts/{number}", None),
        (county, "delete", f"/secretaries/{number}", None),
        (county, "post", "/secretaries", {"user_id": number, "village": "140105001001"}),
    ]
    for token, method, path, body in requests:
        caller = api.as_(token)
        response = getattr(caller, method)(path, body) if body is not None else getattr(caller, method)(path)
        assert response.status_code in (404, 422), (path, response.status_code, response.json)
        assert set(response.json["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("query", [{"before_id": HUGE}, {"before_id": JUST_PAST_INTEGER}])
def test_id_valued_queries_past_the_database_integer_are_named(api, build, county, query):
    volunteer, _ = build.volunteer()
    assert_error(api.as_(volunteer).get("/inbox", **query), 422, "validation_failed", "before_id")
    assert_error(api.as_(county).get("/broadcasts", **query), 422, "validation_failed", "before_id")
    assert_error(api.as_(county).get("/attendance", activity=HUGE), 422, "validation_failed", "activity")


# --- dates ----------------------------------------------------------------------------------------

EDGE_MOMENTS = ["9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00+14:00", "2100-01-01T00:00:00+08:00"]


@pytest.mark.parametrize("moment", EDGE_MOMENTS)
def test_times_outside_what_a_service_can_mean_are_named(app, api, secretary, moment):
    before = row_counts(app)
    for path, make in (("/sessions", session_body), ("/needs", need_body)):
        answer = api.as_(secretary).post(path, make(starts_at=moment))
        assert_error(answer, 422, "validation_failed", "starts_at")
        series = make(starts_at=moment, ends_at=moment, recurrence="FREQ=WEEKLY;COUNT=3")
        assert_error(api.as_(secretary).post(path, series), 422, "validation_failed", "starts_at")
    assert row_counts(app) == before


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-23:59", "0.5", "1700000000", "2026-12-08", "2026-12-08T19:30"])
def test_list_filters_take_times_with_an_offset_only(api, value):
    for path in ("/needs", "/sessions"):
        assert_error(api.get(path, **{"from": value}), 422, "validation_failed", "from")
        assert_error(api.get(path, to=value), 422, "validation_failed", "to")


# --- text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\u0000", "\u0007", "\u001b", "\u007f", "\u009b"])
def test_control_characters_are_refused_in_any_text(app, api, secretary, character):
    before = row_counts(app)
    answer = api.as_(secretary).post("/sessions", session_body(title=f"青年夜校{character}法律"))
    assert_error(answer, 422, "validation_failed", "title")
    answer = api.as_(secretary).post("/needs", need_body(skills=[f"支{character}教"]))
    assert_error(answer, 422, "validation_failed", "skills")
    assert row_counts(app) == before
    login = api.post("/auth/staff-login", {"username": f"ad{character}min", "password": "x"})
    assert_error(login, 422, "validation_failed", "username")


def test_a_lone_surrogate_is_refused(client, secretary):
    body = json.dumps(session_body(title="青年夜校法律"), ensure_ascii=False).replace("夜校", "\\ud800")
    answer = client.post(
        "/api/v1/sessions", data=body, content_type="application/json", headers={"Authorization": f"Bearer {secretary}"}
    )
    assert_error(answer, 422, "validation_failed", "title")


def test_control_characters_in_query_and_path_text_are_refused(api):
    assert_error(api.get("/regions", parent="1401\u000000"), 422, "validation_failed", "parent")
    assert api.get("/regions/1401%0000").status_code in (404, 422)


@pytest.mark.parametrize("hidden", ["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\u00ad"])
def test_invisible_characters_do_not_hide_blocked_words(app, api, secretary, hidden):
    before = row_counts(app)
    answer = api.as_(secretary).post("/sessions", session_body(title=f"赌{hidden}博技巧分享会"))
    assert_error(answer, 422, "content_unsafe", "title")
    assert row_counts(app) == before


def test_invisible_characters_are_not_stored(api, secretary):
    session = created(api.as_(secretary).post("/sessions", session_body(title="青年夜校\u200b：法律\u202e常识")))
    assert session["title"] == "青年夜校：法律常识"


def test_line_breaks_in_a_description_are_text(api, secretary):
    session = created(api.as_(secretary).post("/sessions", session_body(description="第一部分\n第二部分\t讨论")))
    assert session["description"] == "第一部分\n第二部分\t讨论"


# --- JSON -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [50_000, 200, 17])
def test_deeply_nested_json_is_malformed(client, depth):
    body = "[" * depth + "]" * depth
    response = client.post("/api/v1/auth/wechat-login", data=body, content_type="application/json")
    assert_error(response, 400, "malformed_json")
    nested = '{"code": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/v1/auth/wechat-login", data=nested, content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_json_a_little_nested_is_read(client):
    body = json.dumps({"code": [[["dev:x"]]]})
    response = client.post("/api/v1/auth/wechat-login", data=body, content_type="application/json")
    assert_error(response, 422, "validation_failed", "code")


STRICT = [
    ({"capacity": "5"}, "capacity"),
    ({"capacity": True}, "capacity"),
    ({"capacity": 5.0}, "capacity"),
    ({"title": 12345}, "title"),
    ({"starts_at": 1796000000}, "starts_at"),
    ({"kind": ["night_school"]}, "kind"),
]


@pytest.mark.parametrize(("change", "field"), STRICT, ids=[f"{f}-{i}" for i, (_, f) in enumerate(STRICT)])
def test_request_bodies_are_strict_about_types(app, api, secretary, change, field):
    before = row_counts(app)
    assert_error(api.as_(secretary).post("/sessions", session_body(**change)), 422, "validation_failed", field)
    assert row_counts(app) == before


def test_a_number_that_is_no_number_is_refused(client, api, build, secretary):
    for literal in ("NaN", "Infinity", "-Infinity"):
        body = json.dumps(need_body()).replace('"slots": 2', f'"slots": {literal}')
        answer = client.post(
            "/api/v1/needs",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {secretary}"},
        )
        assert answer.status_code == 422, answer.json
    volunteer, _ = build.volunteer()
    body = '{"code": "ABCD1234", "location": {"latitude": NaN, "longitude": 112.5}}'
    answer = client.post(
        "/api/v1/checkins", data=body, content_type="application/json", headers={"Authorization": f"Bearer {volunteer}"}
    )
    assert_error(answer, 422, "validation_failed", "location.latitude")


# --- rate limits ----------------------------------------------------------------------------------


def test_429_says_when_to_try_again(app, api):
    app.config["WECHAT_LOGIN_RATE_LIMIT"] = "2 per minute"
    try:
        answers = [api.post("/auth/wechat-login", {"code": f"dev:burst-{n}"}) for n in range(3)]
    finally:
        app.config["WECHAT_LOGIN_RATE_LIMIT"] = BaseConfig.WECHAT_LOGIN_RATE_LIMIT
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert_error(answers[-1], 429, "rate_limited")
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60


def test_a_county_square_behind_one_address_logs_in_without_429(api):
    # Hundreds of volunteers on one carrier NAT address: the default ceiling lets them all in.
    square = {"REMOTE_ADDR": "10.20.30.40"}
    answers = [api.post("/auth/wechat-login", {"code": f"dev:square-{n}"}, environ_base=square) for n in range(300)]
    assert {a.status_code for a in answers} == {200}


def test_refused_codes_stop_the_address_they_come_from(app, api):
    app.config["WECHAT_LOGIN_FAILURE_LIMIT"] = "3 per minute"
    abuser, neighbour = {"REMOTE_ADDR": "10.66.0.1"}, {"REMOTE_ADDR": "10.66.0.2"}
    try:
        guesses = [api.post("/auth/wechat-login", {"code": f"guess-{n}"}, environ_base=abuser) for n in range(2)]
        # A good login between the guesses does not count toward the failure limit; refused codes do.
        fine = api.post("/auth/wechat-login", {"code": "dev:between-guesses"}, environ_base=abuser)
        guesses.append(api.post("/auth/wechat-login", {"code": "guess-2"}, environ_base=abuser))
        stopped = api.post("/auth/wechat-login", {"code": "dev:after-guesses"}, environ_base=abuser)
        elsewhere = api.post("/auth/wechat-login", {"code": "dev:next-door"}, environ_base=neighbour)
    finally:
        app.config["WECHAT_LOGIN_FAILURE_LIMIT"] = BaseConfig.WECHAT_LOGIN_FAILURE_LIMIT
    assert [a.status_code for a in guesses] == [401, 401, 401]
    assert fine.status_code == 200
    # The address is stopped for the rest of the minute, whatever code it sends next.
    assert_error(stopped, 429, "rate_limited")
    assert 0 < int(stopped.headers["Retry-After"]) <= 60
    assert elsewhere.status_code == 200


def test_a_locked_staff_account_says_when_to_try_again(app, api, build):
    build.staff(username="locked-out")
    for _ in range(app.config["STAFF_LOCKOUT_FAILURES"]):
        api.post("/auth/staff-login", {"username": "locked-out", "password": "wrong-password"})
    answer = api.post("/auth/staff-login", {"username": "locked-out", "password": "wrong-password"})
    assert_error(answer, 429, "account_locked")
    assert 0 < int(answer.headers["Retry-After"]) <= app.config["STAFF_LOCKOUT_MINUTES"] * 60


def test_probing_which_phone_numbers_are_registered_is_rate_limited(app, api, build):
    build.volunteer(phone="13900000001")
    prober = build.login()
    limit = int(app.config["PHONE_TAKEN_LIMIT_PER_USER"].split()[0])
    for _ in range(limit):
        error = assert_error(
            api.as_(prober).post("/volunteers/me", registration(phone="13900000001")), 409, "phone_taken"
        )
        assert "其他志愿者" not in error["message"]  # nothing says who holds the number
    answer = api.as_(prober).post("/volunteers/me", registration(phone="13900000002"))
    assert_error(answer, 429, "rate_limited")
    assert int(answer.headers["Retry-After"]) > 0
    # Someone else on another phone is not held up by the prober.
    other = build.login()
    assert api.as_(other).post("/volunteers/me", registration(phone="13900000003")).status_code == 201


# --- the document -------------------------------------------------------------------------------


def test_the_document_lists_what_each_operation_can_answer(api):
    document = api.get("/openapi.json").json
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            where = f"{method.upper()} {path}"
            assert {"422", "503"} <= statuses, where
            if operation.get("security"):
                assert {"401", "403"} <= statuses, where
            if "{" in path:
                assert "404" in statuses, where
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= statuses, where
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorOut"
                    }, where
    assert "429" in document["paths"]["/api/v1/volunteers/me"]["post"]["responses"]
    assert "Retry-After" in document["paths"]["/api/v1/auth/wechat-login"]["post"]["responses"]["429"]["headers"]


def test_the_document_states_the_rules_the_schemas_enforce(api):
    schemas = api.get("/openapi.json").json["components"]["schemas"]
    assert schemas["VolunteerIn"]["properties"]["phone"]["pattern"] == "^1[3-9][0-9]{9}$"
    assert "approve 为 false 时必填" in schemas["ReviewIn"]["properties"]["reason"]["description"]
    start = schemas["SessionIn"]["properties"]["starts_at"]
    assert start["format"] == "date-time"


def test_one_materialisation_creates_a_bounded_number_and_the_next_run_goes_on(app, api, secretary):
    app.config["SERIES_MAX_PER_RUN"] = 3
    try:
        series = created(api.as_(secretary).post("/sessions", session_body(recurrence="FREQ=DAILY;COUNT=10")))
        assert (series["occurrences"], series["series_total"]) == (3, 10)
        result = app.test_cli_runner().invoke(args=["activities", "extend"])
        assert result.exit_code == 0, result.output
    finally:
        app.config["SERIES_MAX_PER_RUN"] = 100
    listed = api.as_(secretary).get("/sessions", limit=200).json["items"]
    starts = sorted(s["starts_at"] for s in listed if s["series_id"] == series["series_id"])
    assert len(starts) == 6 and len(set(starts)) == 6
