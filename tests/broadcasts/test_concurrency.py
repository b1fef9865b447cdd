"""Two bots (or a bot and a retry) resolving at the same moment write each message once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.broadcasts import operations
from app.core import clock
from app.extensions import db
from app.notify.models import Message
from tests.broadcasts.helpers import broadcast_body, hours, post
from tests.contract import created
from tests.fixtures import NOW

pytestmark = [pytest.mark.real_commits]


def test_two_resolvers_at_once_resolve_a_broadcast_once(app, api, county, education_team):
    answer = created(post(api, county, {**broadcast_body(), "send_at": (NOW + hours(1)).isoformat()}))
    clock.freeze(NOW + hours(1))
    barrier = threading.Barrier(2)

    def resolve():
        with app.app_context():
            barrier.wait()
            resolved = operations.resolve_due()
            db.session.commit()
            return resolved

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: resolve(), range(2)))
    assert sorted(results) == [0, 1]
    with app.app_context():
        written = db.session.scalar(select(func.count()).where(Message.broadcast_id == answer["id"]))
    assert written == answer["recipients"] == 4
