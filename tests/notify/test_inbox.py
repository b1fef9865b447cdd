"""GET /inbox: newest first with the unread count, and revalidation that never hands one person's inbox to another."""

from app.extensions import db
from app.notify import operations


def _tell(app, user_id: int, key: str, title: str) -> None:
    with app.app_context():
        operations.tell(user_id, "notice", key, title, "请按时参加。", push=False)
        db.session.commit()


def _get(client, token, etag=None, **query):
    headers = {"Authorization": f"Bearer {token}", **({"If-None-Match": etag} if etag else {})}
    return client.get("/api/v1/inbox", query_string=query, headers=headers)


def _user_id(api, token) -> int:
    return api.as_(token).get("/me").json["id"]


def test_newest_first_with_the_unread_count_also_past_the_last_page(app, api, client, build):
    token, _ = build.volunteer()
    user = _user_id(api, token)
    for n in range(3):
        _tell(app, user, f"test:inbox:{user}:{n}", f"通知{n}")
    answer = _get(client, token).json
    assert [item["title"] for item in answer["items"]] == ["通知2", "通知1", "通知0"]
    assert answer["unread"] == 3
    assert set(answer["items"][0]) == {"id", "purpose", "title", "body", "link", "created_at", "read"}
    assert api.as_(token).post(f"/inbox/{answer['items'][0]['id']}/read").status_code == 204
    oldest = answer["items"][-1]["id"]
    past_the_end = _get(client, token, before_id=oldest).json
    assert past_the_end == {"items": [], "unread": 2}


def test_an_unchanged_inbox_answers_304_for_its_owner_only(app, api, client, build):
    ann, _ = build.volunteer()
    bob, _ = build.volunteer()
    for token in (ann, bob):  # the same message to each: the bodies differ only in their ids
        _tell(app, _user_id(api, token), f"test:inbox:same:{token[:8]}", "同一条通知")
    first = _get(client, ann)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert _get(client, ann, etag).status_code == 304
    assert _get(client, bob, etag).status_code == 200  # not ann's inbox
    _tell(app, _user_id(api, ann), "test:inbox:new", "新通知")
    changed = _get(client, ann, etag)
    assert changed.status_code == 200 and changed.json["items"][0]["title"] == "新通知"
    # Reading a message changes the answer too (its read flag and the count).
    latest = changed.headers["ETag"]
    assert api.as_(ann).post(f"/inbox/{changed.json['items'][0]['id']}/read").status_code == 204
    assert _get(client, ann, latest).status_code == 200
