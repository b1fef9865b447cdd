"""What every API test checks of an answer: the contract's error shape, and a 201 with its body."""

import re

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def assert_error(response, status: int, code: str, *fields: str) -> dict:
    """The contract's error shape, a Chinese message, and the named fields (each with a Chinese note)."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code, error
    assert CHINESE.search(error["message"]), error
    for name in fields:
        assert name in error["fields"], error
        assert CHINESE.search(error["fields"][name]), error
    return error


def created(response) -> dict:
    assert response.status_code == 201, response.json
    return response.json
