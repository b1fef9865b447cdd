"""志愿者统一编号: staff in the volunteer's region record it; records and certificates carry it, never the ID number."""

import pytest

from tests.attendance.helpers import Site
from tests.contract import assert_error


@pytest.fixture(autouse=True)
def _planning(calendar, cheap_passwords):
    """1 December 2026, 09:00."""


def _put(client, token, volunteer_id, number):
    return client.put(
        f"/api/v1/volunteers/{volunteer_id}/national-no",
        json={"national_no": number},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_staff_record_it_and_the_volunteer_sees_it(api, client, build, county):
    token, profile = build.volunteer(home_region="140105001001")
    answer = _put(client, county, profile["id"], "sx2026ab01")
    assert answer.status_code == 200, answer.json
    assert answer.json["national_no"] == "SX2026AB01"
    assert api.as_(token).get("/volunteers/me").json["national_no"] == "SX2026AB01"
    assert api.as_(token).get("/volunteers/me/records").json["national_no"] == "SX2026AB01"
    assert _put(client, county, profile["id"], None).json["national_no"] is None


def test_bad_taken_or_out_of_region_numbers_are_refused(client, build, county, hire, secretary):
    _, mine = build.volunteer(home_region="140105001001")
    _, also = build.volunteer(home_region="140105001002")
    _, theirs = build.volunteer(home_region="140106001001")
    assert_error(_put(client, county, mine["id"], "12-34"), 422, "validation_failed", "national_no")
    assert_error(_put(client, county, mine["id"], "11010519491231002X"), 422, "validation_failed", "national_no")
    assert _put(client, county, mine["id"], "NV000001").status_code == 200
    assert_error(_put(client, county, also["id"], "nv000001"), 409, "national_no_taken", "national_no")
    assert_error(_put(client, county, theirs["id"], "NV000002"), 404, "volunteer_not_found")
    assert_error(_put(client, secretary, mine["id"], "NV000003"), 403, "forbidden")


def test_records_and_certificates_carry_it(api, client, build, county):
    site = Site(api, build)
    token = site.volunteer()
    volunteer_id = api.as_(token).get("/volunteers/me").json["id"]
    assert _put(client, county, volunteer_id, "NV20260001").status_code == 200
    record = site.served(token)
    roster = api.as_(site.secretary).get("/attendance", activity=site.session).json["items"]
    assert roster[0]["volunteer"]["national_no"] == "NV20260001"
    assert record["status"] == "confirmed"
    certificate = api.as_(token).post("/volunteers/me/certificates")
    assert certificate.status_code == 201, certificate.json
    assert certificate.json["national_no"] == "NV20260001"
