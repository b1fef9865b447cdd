"""账号: county staff appoint and remove village secretaries of their county; admins create staff accounts."""

from sqlalchemy import select

from app.accounts.models import Secretary, StaffAccount
from app.extensions import db
from tests.console.helpers import make_staff, post_form, sign_in, text
from tests.fixtures import user_id


def secretary_village(app, uid: int) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Secretary.village_code).where(Secretary.user_id == uid))


def test_county_staff_appoint_and_remove_a_secretary(app, api, build, console):
    uid = user_id(api, build.login())
    response = post_form(
        console,
        "/console/accounts/secretaries",
        {"user_id": uid, "village": "140105001002"},
        token_from="/console/accounts",
    )
    assert response.status_code == 302
    assert secretary_village(app, uid) == "140105001002"
    page = text(console.get("/console/accounts"))
    assert "西温庄村" in page and "工作人员账号" not in page  # not an admin
    post_form(console, f"/console/accounts/secretaries/{uid}/remove", {}, token_from="/console/accounts")
    assert secretary_village(app, uid) is None


def test_another_county_s_village_or_secretary_is_not_there(app, api, build, console):
    uid = user_id(api, build.login())
    response = post_form(
        console,
        "/console/accounts/secretaries",
        {"user_id": uid, "village": "140106001001"},
        token_from="/console/accounts",
    )
    assert response.status_code == 404 and secretary_village(app, uid) is None
    _, theirs = build.secretary("140106001001")
    assert "迎泽村" not in text(console.get("/console/accounts"))
    removal = post_form(console, f"/console/accounts/secretaries/{theirs}/remove", {}, token_from="/console/accounts")
    assert removal.status_code == 404 and secretary_village(app, theirs) == "140106001001"


def test_an_unknown_user_is_named_not_a_crash(console):
    response = post_form(
        console,
        "/console/accounts/secretaries",
        {"user_id": 99999, "village": "140105001001"},
        token_from="/console/accounts",
    )
    assert response.status_code == 404 and "用户不存在" in text(response)


def test_only_admins_create_staff_accounts(app, client, console):
    data = {"username": "new-county", "password": "a-long-password", "region": "140105"}
    assert post_form(console, "/console/accounts/staff", data, token_from="/console/accounts").status_code == 403
    make_staff(app, "console-admin", "140000", admin=True)
    admin = app.test_client()
    sign_in(admin, "console-admin")
    response = post_form(admin, "/console/accounts/staff", {**data, "totp": "y"}, token_from="/console/accounts")
    assert response.status_code == 201 and "两步验证密钥" in text(response)
    with app.app_context():
        account = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "new-county"))
        assert account is not None and account.region_code == "140105" and account.totp_secret
    again = post_form(admin, "/console/accounts/staff", data, token_from="/console/accounts")
    assert again.status_code == 409 and "已存在" in text(again)
