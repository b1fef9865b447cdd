"""Our named message fields → a subscribe message's `data`, within WeChat's limits.

A template key's type is its name without the number (thing1 → thing). WeChat refuses a whole
push (47003) when one value breaks its type's rule, so every value is made to fit here: readable
text is shortened with "…", characters a type does not allow are dropped, times are written
"YYYY-MM-DD HH:MM" in Asia/Shanghai. Nothing here fails; an empty or unusable value becomes a
neutral placeholder, because WeChat refuses empty values too.
"""

import re
from datetime import datetime

from app.core.clock import SERVICE_ZONE

ELLIPSIS = "…"
#: The longest value per type (characters), from WeChat's subscribe-message documentation.
LIMITS = {
    "thing": 20,
    "phrase": 5,
    "name": 10,  # 10 Chinese characters, or 20 when the name is letters only
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "character_string": 32,
    "phone_number": 17,
    "car_number": 8,
}
#: When a value is missing or nothing of it survives.
PLACEHOLDERS = {
    "thing": "详见小程序消息",
    "phrase": "通知",
    "name": "志愿者",
    "number": "0",
    "letter": "A",
    "symbol": "-",
    "character_string": "-",
    "phone_number": "-",
    "car_number": "-",
}
TIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_FORMAT = "%Y年%m月%d日"

_CJK = re.compile(r"[\u3400-\u9fff]")
_NOT_CJK = re.compile(r"[^\u3400-\u9fff]")
_NOT_DIGITS = re.compile(r"[^0-9.]")
_NOT_LETTERS = re.compile(r"[^A-Za-z]")
_NOT_ASCII = re.compile(r"[^\x21-\x7e]")
_SPACES = re.compile(r"\s+")


def kind_of(key: str) -> str:
    return re.sub(r"\d+$", "", key)


def render(field_map: dict[str, str], values: dict, *, default_time: datetime) -> dict[str, dict[str, str]]:
    """`data` for subscribe/send: each template key from our field of that name in `values`."""
    return {
        key: {"value": fit(kind_of(key), values.get(field), default_time=default_time)}
        for field, key in field_map.items()
    }


def fit(kind: str, value, *, default_time: datetime) -> str:
    """One value made acceptable for its type."""
    if kind in ("time", "date"):
        moment = _moment(value) or default_time
        return moment.astimezone(SERVICE_ZONE).strftime(TIME_FORMAT if kind == "time" else DATE_FORMAT)
    text = _SPACES.sub(" ", str(value)).strip() if value is not None else ""
    text = _clean(kind, text)
    limit = LIMITS.get(kind)
    if limit is not None:
        text = _shorten(kind, text, limit)
    return text or PLACEHOLDERS.get(kind, "-")


def _clean(kind: str, text: str) -> str:
    if kind == "phrase":  # Chinese characters only
        return _NOT_CJK.sub("", text)
    if kind == "number":
        return _NOT_DIGITS.sub("", text)
    if kind == "letter":
        return _NOT_LETTERS.sub("", text)
    if kind in ("character_string", "phone_number"):
        return _NOT_ASCII.sub("", text)
    return text


def _shorten(kind: str, text: str, limit: int) -> str:
    if kind == "name" and not _CJK.search(text):
        limit *= 2
    if len(text) <= limit:
        return text
    if kind == "thing":  # readable text: say that something was cut
        return text[: limit - 1].rstrip() + ELLIPSIS
    return text[:limit].rstrip()


def _moment(value) -> datetime | None:
    """Our ISO 8601 field as an aware datetime; a naive one is read as the service's local time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SERVICE_ZONE)
