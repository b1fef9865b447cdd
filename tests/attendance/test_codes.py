"""The check-in code on the organiser's phone: who gets it, when, how it rotates, its QR."""

import base64
import io
from datetime import datetime, timedelta

import pytest

from app.attendance.codes import CHECKIN_PAGE
from app.core import clock
from app.extensions import db
from tests.attendance.helpers import END, OTHER_COUNTY_VILLAGE, OTHER_VILLAGE, START, VILLAGE, at
from tests.contract import assert_error

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def decode_qr(png: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_secretary_gets_a_short_lived_code_with_a_short_scene_and_a_png_qr(site):
    response = site.code_response(at(8, 19, 20))

    assert response.status_code == 200, response.json
    code = response.json
    assert len(code["code"]) == 8 and code["code"].isalnum() and code["code"].isupper()
    assert code["code"] in code["scene"] and len(code["scene"]) <= 32
    assert code["page"] == CHECKIN_PAGE
    expires = datetime.fromisoformat(code["expires_at"])
    assert expires.utcoffset() == timedelta(hours=8)
    assert expires == clock.now() + timedelta(seconds=180)
    png = base64.b64decode(code["qr_png_base64"])
    assert png.startswith(PNG_MAGIC)
    assert decode_qr(png) == [f"{CHECKIN_PAGE}?scene={code['scene']}"]


def test_county_staff_over_the_village_get_the_code_too(site):
    county = site.staff(VILLAGE[:6], at(8, 19))
    assert site.code_response(at(8, 19, 20), token=county).status_code == 200


def test_a_volunteer_is_refused(site):
    volunteer = site.volunteer()
    assert_error(site.code_response(at(8, 19, 20), token=volunteer), 403, "forbidden")


@pytest.mark.parametrize("organiser", ["other_county_staff", "other_village_secretary"])
def test_organisers_elsewhere_cannot_see_the_code(site, organiser):
    if organiser == "other_county_staff":
        token = site.staff(OTHER_COUNTY_VILLAGE[:6], at(8, 19))
    else:
        token, _ = site.build.secretary(OTHER_VILLAGE)
    response = site.code_response(at(8, 19, 20), token=token)
    assert response.status_code == 404, response.json
    assert "code" not in response.json


@pytest.mark.parametrize(
    "when",
    [START - timedelta(minutes=61), START - timedelta(days=1), END + timedelta(hours=2, minutes=1)],
    ids=["just-before-opening", "the-day-before", "long-after-the-end"],
)
def test_outside_the_check_in_window_there_is_no_code(site, when):
    assert_error(site.code_response(when), 409, "checkin_not_open")


@pytest.mark.parametrize(
    "when",
    [START - timedelta(minutes=60), START, END, END + timedelta(hours=1)],
    ids=["opening", "start", "end", "an-hour-after-for-check-outs"],
)
def test_inside_the_window_there_is_a_code(site, when):
    assert site.code_response(when).status_code == 200


def test_a_cancelled_session_has_no_code(site):
    clock.freeze(at(2, 9))
    cancelled = site.api.as_(site.secretary).post(f"/sessions/{site.session}/cancel", {"reason": "暴雨停课"})
    assert cancelled.status_code == 200, cancelled.json
    assert_error(site.code_response(at(8, 19, 20)), 409, "checkin_not_open")


def test_the_code_rotates_after_half_its_lifetime_and_the_old_one_works_until_it_expires(site):
    volunteer = site.volunteer()
    t0 = at(8, 19, 20)
    first = site.code_response(t0).json
    assert site.code_response(t0 + timedelta(seconds=89)).json["code"] == first["code"]

    second = site.code_response(t0 + timedelta(seconds=91)).json
    assert second["code"] != first["code"] and second["scene"] != first["scene"]
    assert datetime.fromisoformat(second["expires_at"]) == t0 + timedelta(seconds=91 + 180)

    clock.freeze(t0 + timedelta(seconds=179))  # a volunteer who scanned the first one just now
    assert site.api.as_(volunteer).post("/checkins", {"code": first["code"]}).status_code == 201


def test_the_lifetime_is_configuration(site, app, monkeypatch):
    monkeypatch.setitem(app.config, "CHECKIN_CODE_TTL_SECONDS", 60)
    code = site.code_response(at(8, 19, 20)).json
    assert datetime.fromisoformat(code["expires_at"]) == at(8, 19, 21)


def test_a_need_has_its_code_under_needs_only(site):
    need = site.need()
    response = site.code_response(at(5, 8, 30), need, type_="need")
    assert response.status_code == 200, response.json
    assert base64.b64decode(response.json["qr_png_base64"]).startswith(PNG_MAGIC)
    assert site.code_response(at(5, 8, 30), need, type_="session").status_code == 404


def test_a_need_still_under_review_has_no_code(site):
    clock.freeze(at(1, 9))
    pending = site.api.as_(site.secretary).post(
        "/needs",
        {
            "area": "education",
            "title": "周末课业辅导",
            "description": "为留守儿童辅导作业",
            "village": VILLAGE,
            "starts_at": at(5, 9).isoformat(),
            "ends_at": at(5, 12).isoformat(),
            "slots": 2,
        },
    )
    assert pending.status_code == 201, pending.json
    assert_error(site.code_response(at(5, 8, 30), pending.json["id"], type_="need"), 409, "checkin_not_open")


# --- with real WeChat credentials (the fake WeChat server) -----------------------------------------


def test_with_credentials_the_qr_is_a_mini_program_code_from_wechat(site, wechat_api, fake_wechat, wechat_token):
    clock.freeze(at(8, 19, 20))
    response = wechat_api.as_(site.secretary).get(f"/sessions/{site.session}/checkin-code")

    assert response.status_code == 200, response.json
    [call] = fake_wechat.calls_to("wxa/getwxacodeunlimit")
    assert call.args["access_token"] == wechat_token
    assert call.json["scene"] == response.json["scene"]
    assert call.json["page"] == CHECKIN_PAGE
    png = base64.b64decode(response.json["qr_png_base64"])
    assert png.startswith(PNG_MAGIC)
    assert decode_qr(png) == [response.json["scene"]]  # the fake draws the scene it was sent


@pytest.mark.parametrize("failure", [{"errcode": 45009}, {"http_status": 502}], ids=["errcode", "http"])
def test_when_wechat_cannot_draw_the_code_the_organiser_is_told_to_retry(
    site, wechat_api, fake_wechat, wechat_token, failure
):
    fake_wechat.fail_next("wxa/getwxacodeunlimit", **failure)
    clock.freeze(at(8, 19, 20))
    response = wechat_api.as_(site.secretary).get(f"/sessions/{site.session}/checkin-code")
    assert_error(response, 503, "wechat_unavailable")


def test_refreshing_the_screen_does_not_ask_wechat_to_draw_the_code_again(site, wechat_api, fake_wechat, wechat_token):
    path = f"/sessions/{site.session}/checkin-code"
    clock.freeze(at(8, 19, 20))
    first = wechat_api.as_(site.secretary).get(path).json
    clock.freeze(at(8, 19, 21))
    again = wechat_api.as_(site.secretary).get(path).json
    assert (again["code"], again["qr_png_base64"]) == (first["code"], first["qr_png_base64"])
    assert len(fake_wechat.calls_to("wxa/getwxacodeunlimit")) == 1
    clock.freeze(at(8, 19, 22, 31))  # past half the code's life: a fresh code, drawn once
    fresh = wechat_api.as_(site.secretary).get(path).json
    assert fresh["code"] != first["code"] and decode_qr(base64.b64decode(fresh["qr_png_base64"])) == [fresh["scene"]]
    assert len(fake_wechat.calls_to("wxa/getwxacodeunlimit")) == 2


def test_expired_codes_let_go_of_their_images_and_still_refuse_scans(app, site):
    from app.attendance import codes as attendance

    volunteer = site.volunteer()
    code = site.code(at(8, 19, 20))
    with app.app_context():
        assert attendance.forget_expired_qr(at(8, 19, 22)) == 0
        assert attendance.forget_expired_qr(at(8, 19, 23)) == 1
        db.session.commit()
    clock.freeze(at(8, 19, 24))
    assert_error(site.api.as_(volunteer).post("/checkins", {"code": code}), 422, "checkin_code_expired", "code")
