"""结对帮扶: city and province staff pair a helping region with a helped one in their scope; county staff
may not; pairings outside one's scope are missing; every change is audited; the round asks which pairings
reach a set of villages in one query."""

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from app.accounts import operations as accounts
from app.accounts.models import User
from app.core import auth
from app.core.audit import AuditEntry
from app.dispatch import pairings
from app.dispatch.models import RegionPairing
from app.extensions import db
from tests.contract import assert_error, created
from tests.fixtures import NOW

TAIYUAN = "140100"  # 太原市
XIAODIAN = "140105"  # 小店区, a county of 太原
YINGZE = "140106"  # 迎泽区, another county of 太原
JINZHONG = "140700"  # 晋中市
HESHUN = "140723"  # 和顺县, a county of 晋中
HESHUN_VILLAGE = "140723001001"  # 南李阳村
VILLAGE = "140105001001"  # 小店村


@pytest.fixture
def city(hire) -> str:
    return hire.staff(TAIYUAN)


@pytest.fixture
def province(hire) -> str:
    return hire.staff("140000")


@pytest.fixture
def admin(app) -> str:
    with app.app_context():
        account = accounts.create_staff("pairing-admin", "correct-horse-battery", "140000", admin=True)
        token = auth.issue_token(account.user_id, "staff", app.config["TOKEN_TTL_STAFF"])
        db.session.commit()
    return token


def pair(api, token, helping, helped):
    return api.as_(token).post("/pairings", {"helping_region": helping, "helped_region": helped})


def listed(api, token) -> list[dict]:
    response = api.as_(token).get("/pairings")
    assert response.status_code == 200, response.json
    return response.json["items"]


def trail(app, pairing_id) -> list[tuple[str, dict | None, dict | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.action, AuditEntry.before, AuditEntry.after, AuditEntry.actor_id)
            .where(AuditEntry.object_type == "region_pairing", AuditEntry.object_id == str(pairing_id))
            .order_by(AuditEntry.id)
        ).all()
    assert all(row.actor_id is not None for row in rows)
    return [(row.action, row.before, row.after) for row in rows]


def test_city_staff_pair_a_helping_region_with_a_helped_county_of_their_city(app, api, city):
    made = created(pair(api, city, HESHUN, XIAODIAN))

    assert made["helping_region"] == HESHUN and made["helped_region"] == XIAODIAN
    assert made["helping_name"] == "和顺县" and made["helped_name"] == "小店区"
    assert made["created_at"].endswith("+08:00")
    assert listed(api, city) == [made]
    assert trail(app, made["id"]) == [("create", None, {"helping_region": HESHUN, "helped_region": XIAODIAN})]


def test_province_staff_pair_across_cities_and_see_every_pairing_of_the_province(api, city, province):
    ours = created(pair(api, city, YINGZE, XIAODIAN))
    theirs = created(pair(api, province, TAIYUAN, HESHUN))

    assert [p["id"] for p in listed(api, province)] == [theirs["id"], ours["id"]]
    # 太原's staff see only what is helped in 太原, though 太原 is the helping region of the other.
    assert [p["id"] for p in listed(api, city)] == [ours["id"]]


def test_a_village_and_a_township_can_be_helped_too(api, city):
    assert created(pair(api, city, HESHUN, VILLAGE))["helped_name"] == "小店村"
    assert created(pair(api, city, YINGZE, "140105001"))["helped_name"] == "小店街道"


def test_county_staff_may_not_pair(api, county):
    assert_error(pair(api, county, HESHUN, XIAODIAN), 403, "pairing_level")
    assert_error(api.as_(county).get("/pairings"), 403, "pairing_level")


def test_a_helped_region_outside_ones_scope_is_refused(api, city):
    assert_error(pair(api, city, XIAODIAN, HESHUN), 403, "out_of_scope", "helped_region")


def test_volunteers_and_secretaries_may_not_pair(api, people, secretary):
    assert_error(pair(api, people[0], HESHUN, XIAODIAN), 403, "forbidden")
    assert_error(pair(api, secretary, HESHUN, XIAODIAN), 403, "forbidden")
    assert api.get("/pairings").status_code == 401


@pytest.mark.parametrize(
    ("helping", "helped", "field"),
    [
        (XIAODIAN, XIAODIAN, "helping_region"),  # the same region
        (TAIYUAN, XIAODIAN, "helping_region"),  # the helping region holds the helped one
        (VILLAGE, XIAODIAN, "helping_region"),  # the helped region holds the helping one
        ("140199", XIAODIAN, "helping_region"),  # no such region
        (HESHUN, "140105999999", "helped_region"),
    ],
)
def test_regions_must_exist_differ_and_not_contain_each_other(api, city, helping, helped, field):
    assert_error(pair(api, city, helping, helped), 422, "validation_failed", field)


def test_malformed_codes_are_4xx_naming_the_field(api, city):
    response = api.as_(city).post("/pairings", {"helping_region": "14072", "helped_region": XIAODIAN})
    assert response.status_code == 422 and "helping_region" in response.json["error"]["fields"]
    response = api.as_(city).post("/pairings", {"helping_region": HESHUN})
    assert response.status_code == 422 and "helped_region" in response.json["error"]["fields"]


def test_the_same_pair_twice_is_a_conflict_but_the_reverse_is_another_pairing(api, city, province):
    created(pair(api, city, YINGZE, XIAODIAN))

    assert_error(pair(api, city, YINGZE, XIAODIAN), 409, "pairing_exists")
    assert_error(pair(api, province, YINGZE, XIAODIAN), 409, "pairing_exists")
    assert created(pair(api, city, XIAODIAN, YINGZE))["helped_region"] == YINGZE


def test_deleting_a_pairing_is_audited_and_outside_ones_scope_it_is_missing(app, api, city, province, hire):
    ours = created(pair(api, city, HESHUN, XIAODIAN))
    jinzhong = hire.staff(JINZHONG)

    assert_error(api.as_(jinzhong).delete(f"/pairings/{ours['id']}"), 404, "pairing_not_found")
    assert_error(api.as_(city).delete("/pairings/999999"), 404, "pairing_not_found")
    assert listed(api, jinzhong) == []

    assert api.as_(city).delete(f"/pairings/{ours['id']}").status_code == 204

    assert listed(api, city) == [] and listed(api, province) == []
    assert_error(api.as_(city).delete(f"/pairings/{ours['id']}"), 404, "pairing_not_found")
    assert trail(app, ours["id"])[-1] == ("delete", {"helping_region": HESHUN, "helped_region": XIAODIAN}, None)


def test_an_admin_pairs_and_lists_anything(api, admin):
    made = created(pair(api, admin, XIAODIAN, HESHUN))
    assert [p["id"] for p in listed(api, admin)] == [made["id"]]
    assert api.as_(admin).delete(f"/pairings/{made['id']}").status_code == 204


def test_the_database_refuses_a_region_paired_with_itself_and_a_pair_twice(ctx, city):
    user = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(RegionPairing(helping_code=XIAODIAN, helped_code=XIAODIAN, created_by=user, created_at=NOW))
        db.session.flush()
    db.session.add(RegionPairing(helping_code=YINGZE, helped_code=XIAODIAN, created_by=user, created_at=NOW))
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(RegionPairing(helping_code=YINGZE, helped_code=XIAODIAN, created_by=user, created_at=NOW))
        db.session.flush()


# --- what the round asks ----------------------------------------------------------------------------------


def test_paired_with_answers_every_pairing_above_or_at_the_villages_in_one_query(app, api, city, province):
    created(pair(api, city, HESHUN, XIAODIAN))  # the county of 小店村
    created(pair(api, city, YINGZE, VILLAGE))  # 小店村 itself
    created(pair(api, city, JINZHONG, "140105002"))  # 坞城街道: not above 小店村
    created(pair(api, province, TAIYUAN, HESHUN_VILLAGE))  # 南李阳村

    with app.app_context():
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            found = pairings.paired_with([VILLAGE, VILLAGE, "140105001002"])
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        assert [s for s in statements if not s.startswith("SAVEPOINT")] == [statements[-1]]
        assert "region_pairings" in statements[-1]
        assert found == [(HESHUN, XIAODIAN), (YINGZE, VILLAGE)]  # by helped code
        assert pairings.paired_with([HESHUN_VILLAGE]) == [(TAIYUAN, HESHUN_VILLAGE)]
        assert pairings.paired_with([]) == []
        assert pairings.helping_by_village([VILLAGE, "140105001002", "140106001001"]) == {
            VILLAGE: {HESHUN, YINGZE},
            "140105001002": {HESHUN},
        }


def test_a_province_of_villages_reads_every_pairing_and_answers_the_same(app, api, city, monkeypatch):
    created(pair(api, city, HESHUN, XIAODIAN))
    created(pair(api, city, JINZHONG, "140105002"))
    with app.app_context():
        few = pairings.paired_with([VILLAGE, "140105001002"])
        monkeypatch.setattr(pairings, "MANY_CODES", 0)  # as for a province's thousands of village codes
        assert pairings.paired_with([VILLAGE, "140105001002"]) == few == [(HESHUN, XIAODIAN)]


def test_ancestors_by_the_prefix_rule():
    assert pairings.ancestors(VILLAGE) == ["140000", "140100", XIAODIAN, "140105001", VILLAGE]
    assert pairings.ancestors(XIAODIAN) == ["140000", "140100", XIAODIAN]
