"""What the console tests share: a staff member signed in through the form, forms posted with their token."""

import re

from app.accounts import operations as accounts
from app.extensions import db
from tests.builders import STAFF_PASSWORD

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def make_staff(app, username: str, region: str = "140105", *, admin: bool = False, totp: bool = False) -> str | None:
    """A staff account (committed); answers its TOTP secret when it has one."""
    with app.app_context():
        account = accounts.create_staff(username, STAFF_PASSWORD, region, admin=admin, with_totp=totp)
        secret = account.totp_secret
        db.session.commit()
    return secret


def csrf_of(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, "the page has no CSRF token"
    return found.group(1)


def post_form(client, path: str, data: dict, *, token_from: str | None = None, follow: bool = False):
    """Post a form as the browser would: with the CSRF token of the page it is on."""
    token = csrf_of(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=follow)


def sign_in(client, username: str, password: str = STAFF_PASSWORD, totp: str | None = None):
    data = {"username": username, "password": password}
    if totp is not None:
        data["totp"] = totp
    return post_form(client, "/console/login", data)


def text(response) -> str:
    return response.get_data(as_text=True)
