"""志愿服务证明: issued from confirmed hours, downloadable as PDF, checkable by anyone by its code."""

import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.attendance import certificates
from app.attendance.models import Certificate
from app.extensions import db
from tests.attendance.helpers import at
from tests.contract import assert_error

PHONE = "13912345678"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def id_number(body: str = "14010519900307123") -> str:
    weights, check = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], "10X98765432"
    return body + check[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


@pytest.fixture
def volunteer(site):
    """王小青 with 2 confirmed hours of night school, registered with a phone and an ID number."""
    token = site.volunteer(
        name="王小青",
        phone=PHONE,
        id_number=id_number(),
        consent={"version": "2026-11", "sensitive": True},
    )
    site.served(token)
    profile = site.api.as_(token).get("/volunteers/me").json
    return {"token": token, "volunteer_no": profile["volunteer_no"]}


def issue(site, token):
    return site.api.as_(token).post("/volunteers/me/certificates")


def verify(site, code, accept="application/json"):
    return site.api.client.get(f"/verify/{code}", headers={"Accept": accept})


def test_no_certificate_without_confirmed_hours(site):
    newcomer = site.volunteer()
    assert_error(issue(site, newcomer), 409, "no_confirmed_hours")
    site.attend(newcomer)  # checked out, not yet confirmed
    assert_error(issue(site, newcomer), 409, "no_confirmed_hours")


def test_a_certificate_has_a_number_a_verify_code_and_the_confirmed_hours(site, volunteer):
    response = issue(site, volunteer["token"])

    assert response.status_code == 201, response.json
    certificate = response.json
    assert re.fullmatch(r"ZYFW2026\d{8}", certificate["number"])
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{12}", certificate["verify_code"])
    assert certificate["name"] == "王小青" and certificate["volunteer_no"] == volunteer["volunteer_no"]
    assert certificate["hours"] == 2.0 and certificate["records"] == 1
    assert certificate["content"] == "青年夜校流动教学点"
    assert certificate["issuer"] == "共青团山西省委员会"
    assert datetime.fromisoformat(certificate["issued_at"]) == at(8, 21, 35)
    assert certificate["verify_url"].endswith(f"/verify/{certificate['verify_code']}")
    assert certificate["pdf_url"].endswith(f"/{certificate['number']}.pdf")
    second = issue(site, volunteer["token"]).json
    assert second["number"] != certificate["number"] and second["verify_code"] != certificate["verify_code"]


def test_anyone_can_verify_a_certificate_and_sees_only_the_name_and_hours(site, volunteer):
    certificate = issue(site, volunteer["token"]).json

    response = verify(site, certificate["verify_code"])

    assert response.status_code == 200, response.json
    assert response.json == {
        "valid": True,
        "number": certificate["number"],
        "name": "王小青",
        "hours": 2.0,
        "records": 1,
        "issuer": "共青团山西省委员会",
        "issued_at": certificate["issued_at"],
    }
    text = response.get_data(as_text=True)
    for personal in (PHONE, PHONE[-4:], id_number(), volunteer["volunteer_no"]):
        assert personal not in text


def test_a_browser_gets_a_page(site, volunteer):
    certificate = issue(site, volunteer["token"]).json

    response = verify(site, certificate["verify_code"], BROWSER_ACCEPT)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "王小青" in page and certificate["number"] in page and "2 小时" in page and "真实有效" in page
    for personal in (PHONE, PHONE[-4:], id_number(), volunteer["volunteer_no"]):
        assert personal not in page
    assert "Accept" in response.headers.get("Vary", "")
    assert verify(site, certificate["verify_code"], "*/*").is_json


def test_the_code_can_be_typed_in_lower_case(site, volunteer):
    certificate = issue(site, volunteer["token"]).json
    assert verify(site, certificate["verify_code"].lower()).status_code == 200


def test_an_unknown_code_is_not_found(site, volunteer):
    issue(site, volunteer["token"])
    assert_error(verify(site, "ABCDEFGHJKLM"), 404, "certificate_not_found")
    page = verify(site, "ABCDEFGHJKLM", BROWSER_ACCEPT)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "未找到该证明" in page.get_data(as_text=True)


def test_after_withdrawal_the_certificate_no_longer_verifies(site, volunteer, app):
    certificate = issue(site, volunteer["token"]).json
    assert site.api.as_(volunteer["token"]).delete("/volunteers/me").status_code == 204

    assert_error(verify(site, certificate["verify_code"]), 404, "certificate_not_found")
    page = verify(site, certificate["verify_code"], BROWSER_ACCEPT)
    assert page.status_code == 404 and "王小青" not in page.get_data(as_text=True)


def test_forgetting_a_volunteer_voids_and_anonymises_their_certificates(site, volunteer, app):
    issue(site, volunteer["token"])
    issue(site, volunteer["token"])
    with app.app_context():
        certificate = db.session.scalars(select(Certificate)).first()
        assert certificates.forget(certificate.volunteer_id) == 2
        names = {c.name for c in db.session.scalars(select(Certificate))}
        assert names == {"已注销志愿者"}
        assert all(c.revoked_at is not None for c in db.session.scalars(select(Certificate)))


def test_the_certificate_is_a_snapshot(site, volunteer):
    certificate = issue(site, volunteer["token"]).json
    [record] = site.api.as_(volunteer["token"]).get("/volunteers/me/records").json["items"]
    corrected = site.api.as_(site.secretary).post(
        f"/attendance/{record['id']}/correct", {"hours": 1, "reason": "核对签到表"}
    )
    assert corrected.status_code == 200
    assert verify(site, certificate["verify_code"]).json["hours"] == 2.0
    assert issue(site, volunteer["token"]).json["hours"] == 1.0


def test_hours_confirmed_as_zero_are_no_service(site):
    token = site.volunteer()
    record = site.attend(token, at(8, 21, 0), at(8, 21, 30))
    confirmed = site.confirm(record["id"], {"hours": 0, "reason": "未实际参加服务"})
    assert confirmed.status_code == 200, confirmed.json
    assert_error(issue(site, token), 409, "no_confirmed_hours")

    need = site.need()
    site.sign_up(token, need, type_="need")
    site.served(token, need, at(5, 9), at(5, 12), type_="need")
    certificate = issue(site, token).json
    assert certificate["hours"] == 3.0 and certificate["records"] == 1
    assert certificate["content"] == "教育领域志愿服务"  # not the night school where no time was served


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_carries_the_number_the_name_and_the_hours(site, volunteer):
    certificate = issue(site, volunteer["token"]).json

    response = site.api.as_(volunteer["token"]).get(f"/volunteers/me/certificates/{certificate['number']}.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    text = pdf_text(response.data)
    assert certificate["number"] in text
    assert certificate["verify_code"] in text
    assert volunteer["volunteer_no"] in text
    assert "王小青" in text and "志愿服务证明" in text and "2 小时" in text
    assert PHONE not in text and id_number() not in text


def test_another_volunteer_cannot_download_it(site, volunteer):
    certificate = issue(site, volunteer["token"]).json
    other = site.volunteer()
    response = site.api.as_(other).get(f"/volunteers/me/certificates/{certificate['number']}.pdf")
    assert_error(response, 404, "certificate_not_found")
    organiser = site.api.as_(site.secretary).get(f"/volunteers/me/certificates/{certificate['number']}.pdf")
    assert organiser.status_code == 403
