"""Issue 3's story, end to end, as the mini-program and the console would call it."""

from datetime import datetime

from app.core import clock
from app.core.clock import SERVICE_ZONE

VILLAGE = "140105001001"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SERVICE_ZONE)


def test_night_school_series_need_review_race_waitlist_checkin_hours_certificate(api, build):
    clock.freeze(at(1, 9))
    secretary, _ = build.secretary(VILLAGE)
    county = build.staff("140105")

    series = api.as_(secretary).post(
        "/sessions",
        {
            "kind": "night_school",
            "topic": "law",
            "title": "青年夜校：法律常识",
            "village": VILLAGE,
            "starts_at": at(8, 19, 30).isoformat(),
            "ends_at": at(8, 21, 30).isoformat(),
            "capacity": 3,
            "recurrence": "FREQ=WEEKLY;BYDAY=TU;COUNT=12",
        },
    )
    assert series.status_code == 201, series.json
    assert series.json["occurrences"] == 7  # Tuesdays from 12-08 up to the 8-week window (01-26 09:00)
    session_id = series.json["id"]

    need = api.as_(secretary).post(
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
    assert need.status_code == 201 and need.json["status"] == "pending_review"
    volunteers = [build.volunteer() for _ in range(5)]
    early = api.as_(volunteers[0][0]).post(f"/needs/{need.json['id']}/signups")
    assert early.status_code == 404  # not visible to volunteers until approved
    reviewed = api.as_(county).post(f"/needs/{need.json['id']}/review", {"approve": True})
    assert reviewed.status_code == 200 and reviewed.json["status"] == "open"

    answers = [api.as_(token).post(f"/sessions/{session_id}/signups") for token, _ in volunteers]
    assert [a.status_code for a in answers] == [201] * 5
    assert [a.json["status"] for a in answers] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert [a.json["position"] for a in answers[3:]] == [1, 2]

    assert api.as_(volunteers[1][0]).delete(f"/sessions/{session_id}/signups/me").status_code == 204
    roster = api.as_(secretary).get(f"/sessions/{session_id}/signups").json["items"]
    confirmed = [r["signup_id"] for r in roster if r["status"] == "confirmed"]
    assert answers[3].json["id"] in confirmed and len(confirmed) == 3
    inbox = api.as_(volunteers[3][0]).get("/inbox").json
    assert inbox["items"][0]["title"] == "候补成功"

    clock.freeze(at(8, 19, 20))
    code = api.as_(secretary).get(f"/sessions/{session_id}/checkin-code")
    assert code.status_code == 200 and code.json["qr_png_base64"]
    token = volunteers[0][0]
    checked_in = api.as_(token).post("/checkins", {"code": code.json["code"]})
    assert checked_in.status_code == 201, checked_in.json
    clock.freeze(at(8, 21, 35))
    code = api.as_(secretary).get(f"/sessions/{session_id}/checkin-code").json["code"]
    checked_out = api.as_(token).post("/checkouts", {"code": code})
    assert checked_out.status_code == 200 and checked_out.json["hours"] == 2.0

    confirmed = api.as_(secretary).post(f"/attendance/{checked_out.json['id']}/confirm", {})
    assert confirmed.status_code == 200 and confirmed.json["confirmed_hours"] == 2.0
    records = api.as_(token).get("/volunteers/me/records").json
    assert records["total_hours"] == 2.0 and records["star_level"] == 0 and records["next_star_hours"] == 100

    certificate = api.as_(token).post("/volunteers/me/certificates")
    assert certificate.status_code == 201, certificate.json
    verified = api.client.get(f"/verify/{certificate.json['verify_code']}", headers={"Accept": "application/json"})
    assert verified.status_code == 200
    assert verified.json["hours"] == 2.0 and verified.json["name"] == "张志愿"
    assert "phone" not in verified.json
    pdf = api.as_(token).get(f"/volunteers/me/certificates/{certificate.json['number']}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
