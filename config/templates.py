"""Subscribe-message templates (订阅消息) as configuration.

For each purpose: the template id (WECHAT_TEMPLATE_<PURPOSE> overrides it), whether it is a
one-time or long-term template, the page it opens, and how our named message fields map onto the
template's keys. A key's type prefix sets WeChat's limit: thing ≤ 20 characters, phrase ≤ 5,
name ≤ 10, time is "YYYY-MM-DD HH:MM" (24-hour); long text is shortened, never refused.
"""

import os

TEMPLATES: dict[str, dict] = {
    "assignment": {  # 派单通知
        "template_id": "tmpl-assignment-placeholder",
        "kind": "one_time",
        "page": "pages/assignments/index",
        "fields": {"title": "thing1", "time": "time2", "place": "thing3", "status": "phrase4", "note": "thing5"},
    },
    "reminder": {  # 活动提醒
        "template_id": "tmpl-reminder-placeholder",
        "kind": "one_time",
        "page": "pages/mine/index",
        "fields": {"title": "thing1", "time": "time2", "place": "thing3", "note": "thing4"},
    },
    "broadcast": {  # 通知公告
        "template_id": "tmpl-broadcast-placeholder",
        "kind": "long_term",
        "page": "pages/inbox/index",
        "fields": {"title": "thing1", "note": "thing2", "time": "time3"},
    },
    "signup_result": {  # 报名结果
        "template_id": "tmpl-signup-result-placeholder",
        "kind": "one_time",
        "page": "pages/mine/index",
        "fields": {"title": "thing1", "status": "phrase2", "time": "time3", "place": "thing4"},
    },
}


def templates() -> dict[str, dict]:
    """The templates with environment overrides applied (WECHAT_TEMPLATE_ASSIGNMENT=…)."""
    return {
        purpose: {**spec, "template_id": os.environ.get(f"WECHAT_TEMPLATE_{purpose.upper()}") or spec["template_id"]}
        for purpose, spec in TEMPLATES.items()
    }
