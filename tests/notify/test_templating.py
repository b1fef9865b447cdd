"""Our fields made to fit WeChat's value rules: shortened, never refused."""

from datetime import UTC, datetime

import pytest

from app.notify import templating
from tests.fake_wechat import _data_problem

CREATED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def fit(kind, value):
    return templating.fit(kind, value, default_time=CREATED)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("thing", "小店村青年夜校", "小店村青年夜校"),
        ("thing", "一" * 20, "一" * 20),
        ("thing", "一" * 21, "一" * 19 + "…"),
        ("thing", "  西温庄村\n   图书室  ", "西温庄村 图书室"),
        ("thing", "", "详见小程序消息"),
        ("thing", None, "详见小程序消息"),
        ("phrase", "已确认", "已确认"),
        ("phrase", "候补成功啦啦啦", "候补成功啦"),
        ("phrase", "OK 已录用!", "已录用"),
        ("phrase", "OK", "通知"),
        ("name", "张志愿", "张志愿"),
        ("name", "欧阳志愿者服务队长先生", "欧阳志愿者服务队长先"),
        ("name", "Alexandra Volunteer", "Alexandra Volunteer"),
        ("name", "Alexandra Volunteer Smith", "Alexandra Volunteer"),
        ("number", "共 12 人", "12"),
        ("character_string", "编号 QX-2026-0001", "QX-2026-0001"),
        ("time", "2026-12-05T11:30:00+00:00", "2026-12-05 19:30"),
        ("time", "2026-12-05T19:30:00+08:00", "2026-12-05 19:30"),
        ("time", "2026-12-05T19:30", "2026-12-05 19:30"),  # naive: read as the service's local time
        ("time", datetime(2026, 12, 5, 11, 30, tzinfo=UTC), "2026-12-05 19:30"),
        ("time", "next Saturday", "2026-12-01 10:00"),  # unreadable: when the message was made
        ("time", None, "2026-12-01 10:00"),
        ("date", "2026-12-05T20:00:00+00:00", "2026年12月06日"),
    ],
)
def test_each_kind_is_made_to_fit(kind, value, expected):
    assert fit(kind, value) == expected


def test_render_maps_our_fields_to_template_keys_and_wechat_accepts_them():
    field_map = {"title": "thing1", "time": "time2", "place": "thing3", "status": "phrase4", "note": "thing5"}
    values = {
        "title": "青年讲习所：乡村振兴政策宣讲与农村电商技能培训（第三期）",
        "time": "2026-12-05T11:30:00+00:00",
        "place": "和顺镇南李阳村村委会二楼会议室（请从东门进入）",
        "status": "已由候补转为正式报名",
    }

    data = templating.render(field_map, values, default_time=CREATED)

    assert set(data) == set(field_map.values())
    assert data["phrase4"] == {"value": "已由候补转"}
    assert data["thing5"] == {"value": "详见小程序消息"}  # no note: WeChat refuses empty values
    assert _data_problem(data) is None
