"""The scan every test runs under (tests/pii_guard.py): what it counts as a whole phone or ID number,
and that answers and log records do reach it."""

import logging

import pytest

from tests.attendance.test_certificates import id_number
from tests.pii_guard import GUARD, find, is_id_number

ID = id_number("14010519900307123")


@pytest.mark.parametrize(
    "text",
    [
        "电话13912340001。",
        '{"phone": "13912340001"}',
        "+8613912340001",
        f"身份证{ID}",
        f"id={ID.lower()}",
    ],
)
def test_whole_numbers_are_found(text):
    assert find(text)


@pytest.mark.parametrize(
    "text",
    [
        "139****0001",  # masked
        "1391234000",  # ten digits
        "139123400011",  # inside a longer number
        "12912340001",  # no mobile prefix
        "a24ce167dcf16413912340001dc0bc6d2cb",  # a hex request id
        "1764748800123456789",  # a timestamp in nanoseconds
        ID[:17] + ("0" if ID[17] != "0" else "1"),  # a wrong check character
        "140105199013071239",  # month 13
    ],
)
def test_other_digits_are_not(text):
    assert not find(text)


def test_the_check_character_is_gb_11643s():
    assert is_id_number("11010519491231002X")  # the standard's own example
    assert not is_id_number("110105194912310021")


def test_answers_and_log_records_reach_the_scan(api):
    answers, records = GUARD.responses, GUARD.records
    api.get("/regions")
    logging.getLogger("app.test").debug("联系电话 %s", "13912340001")
    assert GUARD.responses == answers + 1
    assert GUARD.records > records
    assert [hit.where for hit in GUARD.hits] == ["log record of app.test (DEBUG)"]
    assert "139****0001" in GUARD.hits[0].excerpt and "13912340001" not in GUARD.hits[0].excerpt
    GUARD.hits.clear()  # seen: this test's own number is not a leak
