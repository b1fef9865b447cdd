"""The commands a volunteer types in the chat, and the short Chinese text each one answers.

Input is NFKC-normalised first, so full-width spaces, digits and letters (what Chinese keyboards
type) read like their ASCII forms: "签到　ＡＢ１２" is "签到 AB12".
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app.activities.models import Activity, Signup
from app.attendance import operations as attendance
from app.core import clock
from app.core.access import Principal
from app.core.errors import AppError
from app.dispatch import offers
from app.extensions import db
from app.reminders import operations as reminders

#: What a volunteer may type, longest first so "我的任务" wins over "任务".
VERBS = (
    ("我的任务", "tasks"),
    ("任务", "tasks"),
    ("不能来", "cant_come"),
    ("签到", "check_in"),
    ("签退", "check_out"),
    ("接受", "accept"),
    ("拒绝", "decline"),
    ("帮助", "help"),
    ("help", "help"),
    ("?", "help"),
)
TITLES = {
    "tasks": "我的任务",
    "cant_come": "不能来",
    "check_in": "签到",
    "check_out": "签退",
    "accept": "派单",
    "decline": "派单",
    "help": "帮助",
}
USAGE = {
    "cant_come": "请回复“不能来 编号”，编号见“我的任务”或派单通知。",
    "check_in": "请回复“签到 签到码”，签到码在组织者出示的二维码下方。",
    "check_out": "请回复“签退 签到码”，签到码在组织者出示的二维码下方。",
    "accept": "请回复“接受 编号”，编号见派单通知。",
    "decline": "请回复“拒绝 编号”，编号见派单通知。",
}
HELP = (
    "可回复以下指令：\n"
    "我的任务 — 查看近期安排\n"
    "签到 签到码 / 签退 签到码 — 现场签到、签退\n"
    "不能来 编号 — 告知无法参加（编号见“我的任务”或派单通知）\n"
    "接受 编号 / 拒绝 编号 — 答复派单\n"
    "帮助 — 查看本说明"
)
NOT_REGISTERED = "你还没有注册为志愿者。请打开本小程序完成志愿者注册，之后可在这里回复“我的任务”“签到 签到码”等指令。"
NUMBER = re.compile(r"#?(\d{1,9})")
CODE = re.compile(r"[0-9A-Za-z]{4,16}")
#: Customer-service text stays short; the mini-program shows the full list.
TASKS_SHOWN = 5


@dataclass(frozen=True)
class Command:
    name: str
    #: The command's argument as typed (normalised), or None when it takes none or none was given.
    argument: str | None = None


@dataclass(frozen=True)
class Reply:
    title: str
    body: str


def parse(text: str) -> Command:
    text = " ".join(unicodedata.normalize("NFKC", text or "").split())
    for verb, name in VERBS:
        if text.lower().startswith(verb):
            rest = text[len(verb) :].strip()
            if name in USAGE:
                return Command(name, rest or None)
            return Command(name) if not rest else Command("help")
    return Command("help")


def answer(principal: Principal | None, text: str) -> Reply:
    """What the bot says back; domain errors become their Chinese message, with nothing half-done."""
    command = parse(text)
    title = TITLES[command.name]
    registered = principal is not None and principal.volunteer_id is not None
    if command.name == "help":
        return Reply(title, HELP if registered else f"{NOT_REGISTERED}\n\n{HELP}")
    if principal is None or principal.volunteer_id is None:  # not registered
        return Reply(title, NOT_REGISTERED)
    try:
        with db.session.begin_nested():
            return Reply(title, HANDLERS[command.name](principal, command.argument))
    except AppError as error:
        return Reply(title, error.message)


def _tasks(principal: Principal, _argument: str | None) -> str:
    now = clock.now()
    rows = db.session.execute(
        select(Signup.id, Activity)
        .join(Activity, Activity.id == Signup.activity_id)
        .where(
            Signup.volunteer_id == principal.volunteer_id,
            Signup.status == "confirmed",
            Signup.ends_at > now,  # under way still counts: the volunteer may be on site
            Activity.status.in_(("open", "filled")),
        )
        .order_by(Signup.starts_at, Signup.id)
        .limit(TASKS_SHOWN + 1)
    ).all()
    if not rows:
        return "暂无安排。可在小程序中报名村里的需求和青年夜校、讲习所课程。"
    lines = [
        f"[{signup_id}] {_when(activity)} {activity.title} · {activity.village.name}" for signup_id, activity in rows
    ]
    if len(lines) > TASKS_SHOWN:
        lines[TASKS_SHOWN:] = ["……更多安排请在小程序中查看"]
    return "近期安排：\n" + "\n".join(lines) + "\n不能参加请回复“不能来 编号”。"


def _when(activity: Activity) -> str:
    return f"{clock.spoken(activity.starts_at)}–{clock.local(activity.ends_at):%H:%M}"


def _check_in(principal: Principal, argument: str | None) -> str:
    record = attendance.check_in(principal, _code(argument, "check_in"))
    activity = db.session.get_one(Activity, record.activity_id)  # the record's foreign key names it
    return f"签到成功：{activity.title}（{_when(activity)}）。离开时请回复“签退 签到码”。"


def _check_out(principal: Principal, argument: str | None) -> str:
    record = attendance.check_out(principal, _code(argument, "check_out"))
    activity = db.session.get_one(Activity, record.activity_id)  # the record's foreign key names it
    assert record.computed_minutes is not None  # checking out computes the minutes served
    hours = f"{record.computed_minutes / 60:.1f}".removesuffix(".0")
    return f"签退成功：{activity.title}，本次服务 {hours} 小时，待组织者确认后计入时长。"


def _cant_come(principal: Principal, argument: str | None) -> str:
    reminders.cant_come(principal, _cant_come_target(principal, _number(argument, "cant_come")))
    return "已收到，已为你取消这项安排并告知组织者。感谢告知！"


def _cant_come_target(principal: Principal, number: int) -> int:
    """In "不能来 N", N is a sign-up's number (as "我的任务" lists them) or an accepted offer's (as its notice and
    "接受 N" used). Answers the sign-up; a number that is both, for two different commitments, is refused."""
    via_offer = offers.accepted_signup(principal, number)
    if via_offer is None or via_offer == number:
        return number
    own = db.session.scalar(
        select(Signup.id).where(
            Signup.id == number, Signup.volunteer_id == principal.volunteer_id, Signup.status == "confirmed"
        )
    )
    if own is not None:
        raise AppError(
            f"编号 {number} 既是你的一项报名，也是你接受的一项派单。"
            "请回复“我的任务”查看报名编号后再试，或在小程序中操作。",
            code="ambiguous_number",
        )
    return via_offer


def _offer(principal: Principal, argument: str | None, *, accept: bool) -> str:
    """接受 N / 拒绝 N: the same operations as the mini-program's buttons (N is the offer's number)."""
    number = _number(argument, "accept" if accept else "decline")
    offer = offers.accept(principal, number) if accept else offers.decline(principal, number)
    activity = db.session.get_one(Activity, offer.activity_id)  # the offer's foreign key names it
    if accept:
        return (
            f"已接受并为你报名：{activity.title}（{_when(activity)}）· {activity.village.name}。请准时参加；"
            f"如不能来，请回复“不能来 {offer.id}”。"
        )
    return f"已婉拒：{activity.title}。感谢告知，这项需求不会再邀请你。"


def _code(argument: str | None, name: str) -> str:
    if argument is None or not CODE.fullmatch(argument):
        raise AppError(USAGE[name], code="chat_usage")
    return argument


def _number(argument: str | None, name: str) -> int:
    match = NUMBER.fullmatch(argument or "")
    if match is None:
        raise AppError(USAGE[name], code="chat_usage")
    return int(match.group(1))


HANDLERS: dict[str, Callable[[Principal, str | None], str]] = {
    "tasks": _tasks,
    "check_in": _check_in,
    "check_out": _check_out,
    "cant_come": _cant_come,
    "accept": lambda principal, argument: _offer(principal, argument, accept=True),
    "decline": lambda principal, argument: _offer(principal, argument, accept=False),
}
