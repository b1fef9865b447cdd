"""What a user chose in WeChat's subscription pop-up, or later in settings, reaches the ledger."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.notify.models import Allowance
from tests.chatbot.helpers import event_xml, openid_of, subscription_list

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def person(api, build, chat_app):
    """Someone logged in to the mini-program: (token, user id, openid)."""
    clock.freeze(NOW)
    token = build.login()
    user_id = api.as_(token).get("/me").json["id"]
    return token, user_id, openid_of(chat_app, user_id)


def template(chat_app, purpose: str) -> str:
    return chat_app.config["WECHAT_TEMPLATES"][purpose]["template_id"]


def allowances(chat_app, user_id: int) -> dict[str, tuple]:
    """template id → (kind, remaining, active)."""
    with chat_app.app_context():
        rows = db.session.scalars(select(Allowance).where(Allowance.user_id == user_id))
        return {row.template_id: (row.kind, row.remaining, row.active) for row in rows}


def popup(wechat, openid: str, choices: dict[str, str]):
    response = wechat.event(openid, "subscribe_msg_popup_event", subscription_list("SubscribeMsgPopupEvent", choices))
    assert response.status_code == 200
    return response


def test_popup_choices_are_counted_per_template(chat_app, wechat, person):
    _, user_id, openid = person
    reminder, broadcast, signup = (template(chat_app, p) for p in ("reminder", "broadcast", "signup_result"))
    popup(wechat, openid, {reminder: "accept", broadcast: "accept", signup: "reject"})
    assert allowances(chat_app, user_id) == {
        reminder: ("one_time", 1, False),
        broadcast: ("long_term", 0, True),
        signup: ("one_time", 0, False),
    }


def test_a_long_term_template_turned_off_in_settings_is_off(chat_app, wechat, person):
    _, user_id, openid = person
    broadcast = template(chat_app, "broadcast")
    popup(wechat, openid, {broadcast: "accept"})
    clock.freeze(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    change = subscription_list("SubscribeMsgChangeEvent", {broadcast: "reject"})
    assert wechat.event(openid, "subscribe_msg_change_event", change).status_code == 200
    assert allowances(chat_app, user_id)[broadcast] == ("long_term", 0, False)


def test_the_event_and_the_mini_programs_report_of_one_tap_count_once(chat_app, wechat, person, api):
    token, user_id, openid = person
    reminder = template(chat_app, "reminder")
    popup(wechat, openid, {reminder: "accept"})
    assert api.as_(token).post("/subscriptions", {"results": {reminder: "accept"}}).status_code == 200
    assert allowances(chat_app, user_id)[reminder] == ("one_time", 1, False)


def test_a_retried_event_counts_once(chat_app, wechat, person):
    _, user_id, openid = person
    reminder = template(chat_app, "reminder")
    xml = event_xml(
        openid, "subscribe_msg_popup_event", subscription_list("SubscribeMsgPopupEvent", {reminder: "accept"})
    )
    assert wechat.deliver(xml).status_code == 200
    assert wechat.deliver(xml).status_code == 200  # WeChat's retry: new nonce, same sender, time and event
    assert allowances(chat_app, user_id)[reminder] == ("one_time", 1, False)


def test_templates_that_are_not_ours_are_ignored(chat_app, wechat, person):
    _, user_id, openid = person
    popup(wechat, openid, {"tmpl-from-elsewhere": "accept"})
    assert allowances(chat_app, user_id) == {}


def test_events_from_someone_who_never_logged_in_change_nothing(chat_app, wechat):
    clock.freeze(NOW)
    popup(wechat, "openid-stranger", {template(chat_app, "reminder"): "accept"})
    with chat_app.app_context():
        assert db.session.scalar(select(Allowance.user_id)) is None


def test_other_events_are_acknowledged_and_ignored(chat_app, wechat, person):
    _, user_id, openid = person
    assert wechat.event(openid, "user_enter_tempsession", "<SessionFrom>app</SessionFrom>").status_code == 200
    assert allowances(chat_app, user_id) == {}
