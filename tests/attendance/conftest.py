"""Attendance fixtures: a village with its secretary and a scheduled night-school session.

The WeChat fixtures are imported here so one test can check that, with real credentials, the
check-in QR is a mini-program code from `wxa/getwxacodeunlimit`.
"""

import pytest

from tests.attendance.helpers import Site
from tests.wechat.conftest import (  # noqa: F401 (fixtures)
    _wechat_app,
    fake_wechat,
    fake_wechat_server,
    wechat_api,
    wechat_app,
    wechat_client,
    wechat_token,
)


@pytest.fixture
def site(api, build):
    """小店村, its secretary, and a session on Tuesday 8 December 2026, 19:30–21:30."""
    return Site(api, build)
