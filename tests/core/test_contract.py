"""The HTTP contract: the OpenAPI document, and the error shape for requests that go wrong early."""

import re

import pytest
from openapi_spec_validator import validate

from tests.contract import assert_error


@pytest.fixture
def document(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def test_the_openapi_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_document_lists_every_api_route(app, document):
    listed = {(path, method) for path, item in document["paths"].items() for method in item}
    missing = api_routes(app) - listed
    assert not missing, sorted(missing)
    assert ("/api/v1/volunteers/me", "delete") in listed
    assert ("/api/v1/secretaries/{user_id}", "delete") in listed


def test_no_two_schemas_share_a_component_name(app):
    """The document keys schemas by class name: two classes of one name means one of them is documented wrong."""
    from pydantic import BaseModel

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    owners: dict[str, set[str]] = {}
    for cls in every(BaseModel):
        if cls.__module__.startswith("app."):
            owners.setdefault(cls.__name__, set()).add(cls.__module__)
    shared = {name: sorted(modules) for name, modules in owners.items() if len(modules) > 1}
    assert not shared, shared


def test_protected_operations_declare_the_bearer_scheme(document):
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    for path in ("/api/v1/volunteers/me", "/api/v1/me", "/api/v1/secretaries"):
        for operation in document["paths"][path].values():
            assert operation.get("security") == [{"bearer": []}], path


def test_validation_failures_are_documented_in_the_error_shape(document):
    """The mini-program is written against the document: a 422 is {"error": …}, not a list."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not set(operation.get("tags", [])) & {"accounts", "volunteers"}:
                continue  # regions: see the report; its blueprint is not ours to change
            schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)


def test_an_unknown_path_answers_in_the_error_shape(api, client):
    assert_error(api.get("/nothing-here"), 404, "not_found")
    assert_error(client.get("/nothing-here"), 404, "not_found")


def test_a_wrong_method_answers_in_the_error_shape(api):
    response = api.patch("/areas", {})
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}


def test_a_body_that_is_not_json_is_refused(api, build):
    token = build.login()
    response = api.as_(token).post("/volunteers/me", data="name=张三", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")
    response = api.post("/auth/wechat-login", data="code=dev:x", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_malformed_json_is_refused(api, build):
    token = build.login()
    response = api.as_(token).post("/volunteers/me", data='{"name": "张三",', content_type="application/json")
    assert_error(response, 400, "malformed_json")
    response = api.as_(token).patch("/volunteers/me", json=None)  # sanity: no body is not malformed
    assert response.status_code != 400


@pytest.mark.parametrize("body", ["[]", '[{"code": "dev:x"}]', "null", '"dev:x"', "42"])
def test_a_json_document_that_is_not_an_object_is_a_validation_failure(api, body):
    response = api.post("/auth/wechat-login", data=body, content_type="application/json")
    error = assert_error(response, 422, "validation_failed")
    assert error["fields"]


def test_a_json_array_or_null_cannot_register_or_change_a_volunteer(client, api, build):
    token, _ = build.volunteer()
    headers = {"Authorization": f"Bearer {token}"}
    for method in (client.post, client.patch):
        for body in ("[]", "null"):
            response = method("/api/v1/volunteers/me", data=body, content_type="application/json", headers=headers)
            assert_error(response, 422, "validation_failed")


def test_an_oversized_body_is_refused(api):
    response = api.post(
        "/auth/wechat-login", data='{"code": "' + "x" * (1024 * 1024) + '"}', content_type="application/json"
    )
    assert_error(response, 413, "payload_too_large")


def test_chinese_is_sent_as_utf8(api):
    response = api.get("/areas")
    assert response.mimetype == "application/json"
    assert "教育" in response.get_data(as_text=True)
