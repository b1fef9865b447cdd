"""Content safety: text that others will read passes WeChat's msgSecCheck before it is published.

A wechat-facing helper that speaks the app's errors, so every domain that publishes text (activities,
broadcasts, …) asks the same way. It lives here, not in core, because core must not import wechat.
"""

from app import wechat
from app.core.errors import InvalidInput, ServiceUnavailable


def ensure_clean(texts: dict[str, str]) -> None:
    """Each named text passes content safety; the flagged ones are named in the error's fields."""
    try:
        flagged = {
            name: "内容含有不适宜发布的信息，请修改"
            for name, text in texts.items()
            if text and not wechat.gateway().text_is_safe(text)
        }
    except wechat.WeChatError:
        raise ServiceUnavailable("内容安全检测暂不可用，请稍后再试", code="content_check_unavailable") from None
    if flagged:
        raise InvalidInput("内容未通过安全检测", code="content_unsafe", fields=flagged)
