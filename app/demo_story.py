"""What the demo province has been doing: the activities part of `flask seed-demo`.

Everything happens through the domain operations, each at the moment it would have happened: the
clock is moved along one timeline (sign-ups before the start, check-in around the start, check-out
around the end, the secretary confirming afterwards), so every record carries true-looking times
and is confirmed by the village's secretary. Events after "now" are not played: their records wait
for confirmation, as real ones would.

Idempotent: the five weeks of history are written once (recognised by their titles); an activity in
progress is added only when none of the demo's is in progress, so a second run changes nothing.
"""

import contextlib
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.accounts.models import StaffAccount, User
from app.activities import lifecycle, signups
from app.activities.models import LIVE, Activity, Signup
from app.attendance import certificates
from app.attendance import operations as attendance
from app.attendance.models import Certificate, ServiceRecord
from app.broadcasts import operations as broadcasts
from app.broadcasts.models import Broadcast
from app.broadcasts.schemas import BroadcastIn
from app.core import auth, clock
from app.core.access import Principal, covers
from app.core.clock import SERVICE_ZONE
from app.core.errors import Conflict
from app.extensions import db
from app.needs import operations as needs
from app.needs.schemas import NeedIn
from app.sessions import operations as sessions
from app.sessions.schemas import SessionIn
from app.volunteers.models import TeamMembership, Volunteer
from app.wechat.gateway import SandboxGateway

#: The village the README and the landing page use: its secretary is dev:secretary-140105001001.
HERO_VILLAGE = "140105001001"
#: dev:volunteer-1 … -5 have a story of their own there (records, a certificate, a seat right now).
HEROES = (1, 2, 3, 4, 5)
#: The demo's history starts this long before the first run.
HISTORY = timedelta(days=35)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# village, kind, topic, title, description, weekday (0 = Monday), start, minutes, capacity
SERIES = [
    (
        HERO_VILLAGE,
        "night_school",
        "law",
        "青年夜校：法律常识进万家",
        "讲解婚姻家庭、土地承包、防范电信网络欺诈等与村民生活相关的法律知识。",
        1,
        time(19, 30),
        120,
        40,
    ),
    (
        "140105002001",
        "night_school",
        "skills",
        "青年夜校：电商直播技能培训",
        "手把手教村民用手机拍短视频、开网店，推介本村小米和红枣。",
        3,
        time(19, 30),
        120,
        30,
    ),
    (
        "140106001001",
        "lecture_hall",
        "ideas",
        "青年讲习所：新时代青年说",
        "返乡创业青年讲述自己的故事，与村里青年座谈交流。",
        5,
        time(14, 30),
        120,
        60,
    ),
    (
        "140928001001",
        "night_school",
        "policy",
        "青年夜校：惠农政策解读",
        "解读种粮补贴、医保报销、易地搬迁后续扶持等政策，现场答疑。",
        2,
        time(19, 0),
        90,
        40,
    ),
    (
        "140929002001",
        "lecture_hall",
        "gratitude",
        "青年讲习所：感恩家乡 建设家乡",
        "返乡大学生和村民一起讲家乡这些年的变化，开展感恩教育。",
        6,
        time(15, 0),
        120,
        50,
    ),
    (
        "141126001002",
        "night_school",
        "ethics",
        "青年夜校：好家风好家训",
        "讲述身边的好家风故事，评选本村文明家庭。",
        0,
        time(19, 30),
        90,
        40,
    ),
    (
        "140723001001",
        "lecture_hall",
        "culture",
        "青年讲习所：晋商文化与乡村振兴",
        "从晋商精神谈乡村产业发展。座位有限，请提前报名，满员后可候补。",
        4,
        time(19, 30),
        90,
        8,
    ),
]

# 扶贫接力: a post covered every week by one volunteer after another.
# village, area, title, description, skills, weekday, start, minutes
RELAY = (
    "140928002001",
    "education",
    "扶贫接力：留守儿童之家周末值守",
    "每周六上午在留守儿童之家看护孩子、辅导作业，一位接一位，全年不断档。",
    ["支教"],
    5,
    time(9, 0),
    180,
)

# village, area, title, description, skills, day, start, minutes, slots
# (day: days after the history began for past needs, days after now for the others)
PAST_NEEDS = [
    (
        "140105001002",
        "medical",
        "老年人健康义诊",
        "协助乡镇卫生院医生为六十岁以上老人测血压、血糖，讲解慢病用药常识。",
        ["医疗救护"],
        9,
        time(9, 0),
        240,
        3,
    ),
    (
        "140105003001",
        "ecology",
        "后山补植油松护绿",
        "协助村委会在后山补植油松、侧柏，清理树坑杂草。",
        [],
        12,
        time(9, 0),
        240,
        8,
    ),
    (
        "140106002001",
        "environment",
        "村庄垃圾分类宣传",
        "入户讲解垃圾分类，清理村道两侧的白色垃圾。",
        [],
        16,
        time(14, 0),
        180,
        6,
    ),
    (
        "140928001002",
        "relief",
        "困难家庭冬季物资发放",
        "协助发放棉被、米面油等过冬物资，逐户登记。",
        ["驾驶"],
        20,
        time(9, 30),
        210,
        4,
    ),
    (
        "140221001001",
        "welfare",
        "敬老院陪伴服务",
        "到乡镇敬老院陪老人聊天、理发、表演小节目。",
        ["文艺演出"],
        24,
        time(14, 30),
        150,
        5,
    ),
    (
        HERO_VILLAGE,
        "culture",
        "村史馆讲解志愿服务",
        "在村史馆为来参观的游客和学生讲解本村的历史和脱贫故事。",
        [],
        34,  # yesterday: the secretary has not confirmed the hours yet
        time(9, 0),
        180,
        3,
    ),
    (
        "141126002001",
        "culture",
        "农家书屋整理与读书会",
        "整理农家书屋图书，组织村民读书分享会。",
        [],
        27,
        time(9, 0),
        180,
        3,
    ),
]
UPCOMING_NEEDS = [
    (
        HERO_VILLAGE,
        "education",
        "留守儿童周末课业辅导",
        "为村里留守儿童辅导语文、数学作业，陪伴课外阅读。",
        ["支教"],
        3,
        time(9, 0),
        180,
        4,
    ),
    (
        "140105002002",
        "disability",
        "残疾人家庭入户帮扶",
        "为村里残疾人家庭打扫卫生、代购生活用品、陪伴聊天。",
        ["手语"],
        5,
        time(14, 0),
        180,
        2,
    ),
    (
        "140106001002",
        "industry",
        "农产品直播助农",
        "帮助合作社社员直播销售小米、红枣和核桃。",
        ["电商直播"],
        6,
        time(10, 0),
        180,
        2,
    ),
    (
        "140723001002",
        "medical",
        "乡村儿童视力筛查",
        "配合乡镇卫生院为村小学生做视力筛查并登记。",
        ["医疗救护"],
        8,
        time(9, 0),
        180,
        3,
    ),
    (
        "140928003001",
        "industry",
        "果树冬季修剪技术指导",
        "协助农技员指导果农修剪苹果树、核桃树。",
        ["农业技术"],
        9,
        time(9, 30),
        240,
        3,
    ),
    (
        "140929001001",
        "relief",
        "法律援助咨询进村",
        "为村民解答土地流转、劳务欠薪等法律问题。",
        ["法律咨询"],
        11,
        time(9, 0),
        180,
        2,
    ),
    (
        "140222001001",
        "environment",
        "河道沿岸清洁行动",
        "清理村边河道沿岸垃圾，劝导村民不往河里倒垃圾。",
        [],
        13,
        time(9, 0),
        180,
        10,
    ),
    (
        "141126003001",
        "welfare",
        "留守老人冬季探访",
        "入户探访独居留守老人，检查取暖和用电安全。",
        [],
        16,
        time(14, 0),
        150,
        4,
    ),
]
PENDING_NEEDS = [
    (
        "140105003002",
        "culture",
        "村晚节目排练辅导",
        "帮助村民排练新春村晚节目，需会舞蹈或器乐。",
        ["文艺演出"],
        10,
        time(19, 0),
        120,
        3,
    ),
    (
        "140105002003",
        "education",
        "寒假儿童安全课堂",
        "给放寒假的孩子讲防溺水、防火、防拐骗知识。",
        ["支教"],
        14,
        time(9, 30),
        120,
        2,
    ),
    (
        "140928002002",
        "medical",
        "心理健康讲座与咨询",
        "为留守妇女和老人开展心理健康讲座，现场一对一咨询。",
        ["心理辅导"],
        12,
        time(14, 0),
        180,
        2,
    ),
    (
        "140928001003",
        "ecology",
        "退耕还林地块巡护",
        "协助护林员巡查退耕还林地块，记录苗木成活情况。",
        [],
        9,
        time(9, 0),
        240,
        4,
    ),
]
REJECTED_NEED = (
    "140106002002",
    "welfare",
    "村委会办公室打扫",
    "打扫村委会办公室和会议室。",
    [],
    7,
    time(9, 0),
    120,
    2,
)
#: Held yesterday; its records wait for the secretary (dev:secretary-140105001001) to confirm them.
AWAITING_CONFIRMATION = "村史馆讲解志愿服务"
REJECTION_REASON = "属于村委会日常事务，不宜作为志愿服务需求，请调整后重新发布"

# Happening right now in the hero village, so check-in can be tried at once.
NOW_SESSION = ("lecture_hall", "policy", "青年讲习所：乡村振兴政策宣讲", "宣讲今年的乡村振兴和就业帮扶政策，现场答疑。")
NOW_NEED = ("education", "村小学课后托管志愿服务", "看护村小学放学后的孩子，辅导作业，等家长来接。", ["支教"])
NOW_TITLES = [NOW_SESSION[2], NOW_NEED[1]]

BROADCAST = (
    "冬季志愿服务安全提示",
    "各位志愿者：入冬以来全省多地降温降雪，进村服务请提前查看天气、结伴出行，注意交通和用火用电安全；"
    "活动现场记得扫码签到、签退，服务时长由村团支部书记确认后计入个人记录。感谢大家一年来的坚持！",
)
#: Who reviews a county's needs: its own league committee if the demo has one, else the city's, else the province's.
REVIEWERS = [("xiaodian", "140105"), ("lanxian", "140928"), ("taiyuan", "140100"), ("shanxi", "140000")]

HISTORY_TITLES = [s[3] for s in SERIES] + [RELAY[2]] + [n[2] for n in PAST_NEEDS + UPCOMING_NEEDS + PENDING_NEEDS]


def at_local(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=SERVICE_ZONE)


class Timeline:
    """Events in time order; playing one moves the clock to its moment first."""

    def __init__(self):
        self._events: list = []
        self._order = itertools.count()

    def at(self, moment: datetime, action: Callable, *args) -> None:
        heapq.heappush(self._events, (moment, next(self._order), action, args))

    def play(self, until: datetime) -> None:
        while self._events and self._events[0][0] <= until:
            moment, _, action, args = heapq.heappop(self._events)
            clock.freeze(moment)
            action(*args)
        self._events.clear()  # what would happen later has not happened yet


@dataclass
class DemoVolunteer:
    number: int
    volunteer_id: int
    user_id: int
    home: str
    areas: set[str] = field(default_factory=set)


class Story:
    def __init__(self, rng: random.Random, now: datetime, volunteer_count: int):
        self.rng, self.now = rng, now.replace(microsecond=0)
        self.timeline = Timeline()
        self._principals: dict[int, Principal] = {}
        self.volunteers = self._demo_volunteers(volunteer_count)
        self.by_number = {v.number: v for v in self.volunteers}
        self.records: dict[int, list[int]] = {}  # activity id → records checked out, to confirm

    # --- who ---------------------------------------------------------------------------------

    def _demo_volunteers(self, count: int) -> list[DemoVolunteer]:
        openids = {_openid(f"volunteer-{n}"): n for n in range(1, count + 1)}
        rows = db.session.execute(
            select(User.openid, Volunteer.id, Volunteer.user_id, Volunteer.home_region_code)
            .join(Volunteer, Volunteer.user_id == User.id)
            .where(User.openid.in_(openids), Volunteer.withdrawn_at.is_(None))
        )
        found = {row.id: DemoVolunteer(openids[row.openid], row.id, row.user_id, row.home_region_code) for row in rows}
        for volunteer_id, area in db.session.execute(
            select(TeamMembership.volunteer_id, TeamMembership.area).where(TeamMembership.volunteer_id.in_(found))
        ):
            found[volunteer_id].areas.add(area)
        return sorted(found.values(), key=lambda v: v.number)

    def principal(self, user_id: int) -> Principal:
        if user_id not in self._principals:
            self._principals[user_id] = auth.build_principal(user_id)
        return self._principals[user_id]

    def secretary(self, village: str) -> Principal:
        user_id = db.session.scalar(select(User.id).where(User.openid == _openid(f"secretary-{village}")))
        return self.principal(user_id)

    def staff(self, username: str) -> Principal:
        user_id = db.session.scalar(select(StaffAccount.user_id).where(StaffAccount.username == username))
        return self.principal(user_id)

    def reviewer(self, village: str) -> Principal:
        username = next(name for name, region in REVIEWERS if covers(region, village))
        return self.staff(username)

    def pick(self, village: str, k: int, *, area: str | None = None, exclude=()) -> list[DemoVolunteer]:
        """Volunteers living in the village's county (those in the area's team first), not heroes."""
        taken = set(exclude) | set(HEROES)
        county = [v for v in self.volunteers if v.home.startswith(village[:6]) and v.number not in taken]
        others = [v for v in self.volunteers if not v.home.startswith(village[:6]) and v.number not in taken]
        self.rng.shuffle(county)
        self.rng.shuffle(others)
        if area:
            county.sort(key=lambda v: area not in v.areas)
        return (county + others)[:k]

    # --- the story ---------------------------------------------------------------------------

    def history_exists(self) -> bool:
        return db.session.scalar(select(Activity.id).where(Activity.title.in_(HISTORY_TITLES)).limit(1)) is not None

    def write_history(self) -> None:
        """Five weeks of a province's work, played up to now."""
        start = self.now - HISTORY
        for index, series in enumerate(SERIES):
            self.timeline.at(start + timedelta(minutes=10 * index), self._schedule_series, *series)
        self.timeline.at(start + timedelta(hours=2), self._relay_post)
        for index, need in enumerate(PAST_NEEDS):
            posted = start + timedelta(days=1, minutes=30 * index)
            day = clock.local(start).date() + timedelta(days=need[5])
            self.timeline.at(posted, self._post_need, need, day, True, posted + timedelta(hours=4))
        for index, need in enumerate(UPCOMING_NEEDS):
            posted = self.now - timedelta(days=6, minutes=-40 * index)
            day = clock.local(self.now).date() + timedelta(days=need[5])
            self.timeline.at(posted, self._post_need, need, day, True, posted + timedelta(hours=20))
        for index, need in enumerate(PENDING_NEEDS):
            posted = self.now - timedelta(hours=26 - 3 * index)
            day = clock.local(self.now).date() + timedelta(days=need[5])
            self.timeline.at(posted, self._post_need, need, day, None, None)
        posted = self.now - timedelta(days=3)
        day = clock.local(self.now).date() + timedelta(days=REJECTED_NEED[5])
        self.timeline.at(posted, self._post_need, REJECTED_NEED, day, False, posted + timedelta(hours=22))
        self.timeline.at(self.now - timedelta(days=2, hours=3), self._broadcast)
        self.timeline.at(self.now - timedelta(hours=20), self._certificates)

    def happening(self) -> list[Activity]:
        """The demo's activities under way now (and not about to end)."""
        return happening_now(self.now)

    def start_now(self) -> None:
        """An activity of each kind under way in the hero village: started half an hour ago, or
        (after an earlier one about to end) starting when that one ends, check-in already open."""
        starts = (self.now - timedelta(minutes=30)).replace(second=0)
        earlier = db.session.scalar(
            select(func.max(Activity.ends_at)).where(
                Activity.village_code == HERO_VILLAGE,
                Activity.title.in_(NOW_TITLES),
                Activity.status.in_(LIVE),
            )
        )
        if earlier is not None and earlier > starts:
            starts = earlier  # the heroes' seats must not clash with the earlier ones
        ends = starts + timedelta(hours=3)
        self.timeline.at(self.now - timedelta(days=3), self._now_activities, starts, ends)

    def play(self) -> None:
        self.timeline.at(self.now, self._finish)
        self.timeline.play(self.now)

    # --- events ------------------------------------------------------------------------------

    def _schedule_series(self, village, kind, topic, title, description, weekday, starts, minutes, capacity):
        first = _next_weekday(clock.local(clock.now()).date() + timedelta(days=2), weekday)
        first_start = at_local(first, starts)
        data = SessionIn(
            kind=kind,
            topic=topic,
            title=title,
            description=description,
            village=village,
            starts_at=first_start,
            ends_at=first_start + timedelta(minutes=minutes),
            capacity=capacity,
            recurrence=f"FREQ=WEEKLY;BYDAY={WEEKDAYS[weekday]};COUNT=52",
        )
        session = sessions.schedule(self.secretary(village), data)[0]
        for occurrence in self._occurrences(session.series_id):
            self._plan_attendance(occurrence, self.rng.randint(4, 9), waitlist=True)

    def _relay_post(self):
        village, area, title, description, skills, weekday, starts, minutes = RELAY
        first = _next_weekday(clock.local(clock.now()).date() + timedelta(days=2), weekday)
        first_start = at_local(first, starts)
        data = NeedIn(
            area=area,
            title=title,
            description=description,
            village=village,
            starts_at=first_start,
            ends_at=first_start + timedelta(minutes=minutes),
            slots=1,
            skills=skills,
            recurrence=f"FREQ=WEEKLY;BYDAY={WEEKDAYS[weekday]};COUNT=52",
        )
        need = needs.post(self.secretary(village), data)
        self.timeline.at(clock.now() + timedelta(hours=3), self._review, need.id, True, None)
        self.timeline.at(clock.now() + timedelta(hours=4), self._plan_series_needs, need.series_id)

    def _plan_series_needs(self, series_id: int):
        for occurrence in self._occurrences(series_id):
            self._plan_attendance(occurrence, 1, waitlist=False)

    def _post_need(self, need, day: date, approve: bool | None, reviewed_at: datetime | None):
        village, area, title, description, skills, _, starts, minutes, slots = need
        starts_at = at_local(day, starts)
        data = NeedIn(
            area=area,
            title=title,
            description=description,
            village=village,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            slots=slots,
            skills=skills,
        )
        posted = needs.post(self.secretary(village), data)
        if approve is not None:
            reason = None if approve else REJECTION_REASON
            self.timeline.at(reviewed_at, self._review, posted.id, approve, reason)
        if approve:
            wanted = slots if self.rng.random() < 0.3 else self.rng.randint(1, slots)
            self.timeline.at(reviewed_at + timedelta(minutes=1), self._plan_need, posted.id, wanted)

    def _review(self, need_id: int, approve: bool, reason: str | None):
        need = db.session.get(Activity, need_id)
        needs.review(self.reviewer(need.village_code), need, approve=approve, reason=reason)

    def _plan_need(self, need_id: int, wanted: int):
        need = db.session.get(Activity, need_id)
        # dev:volunteer-1 planted pines too, and guided visitors yesterday.
        extra = [1] if need.title in (PAST_NEEDS[1][2], AWAITING_CONFIRMATION) else []
        self._plan_attendance(need, wanted, waitlist=False, heroes=extra)

    def _occurrences(self, series_id: int) -> list[Activity]:
        return list(
            db.session.scalars(select(Activity).where(Activity.series_id == series_id).order_by(Activity.starts_at))
        )

    def _plan_attendance(self, activity: Activity, wanted: int, *, waitlist: bool, heroes=()) -> None:
        """Sign-ups over the days before; then, for what has ended, check-in, check-out, confirmation."""
        if activity.starts_at > self.now + timedelta(days=10):
            return  # far ahead: nobody has signed up yet
        if activity.village_code == HERO_VILLAGE and activity.type == "session":
            heroes = (1, 2, 3)
        if activity.type == "session" and activity.capacity <= 10:
            wanted = activity.capacity + 2  # the small hall fills up: two on the waitlist
        people = [self.by_number[n] for n in heroes if n in self.by_number]
        people += self.pick(activity.village_code, wanted, area=activity.area)
        opened = max(clock.now(), activity.starts_at - timedelta(days=7))
        closes = min(activity.starts_at - timedelta(hours=3), self.now)
        if closes <= opened:
            return
        span = (closes - opened).total_seconds()
        for person in people:
            moment = opened + timedelta(seconds=self.rng.uniform(0.05, 1) * span)
            self.timeline.at(moment.replace(microsecond=0), self._sign_up, activity.id, person, waitlist)
        if activity.ends_at < self.now:
            self.timeline.at(activity.starts_at - timedelta(minutes=30), self._attend, activity.id)

    def _sign_up(self, activity_id: int, person: DemoVolunteer, waitlist: bool):
        activity = db.session.get(Activity, activity_id)
        # A clash with another of their sign-ups, or no seat left: as in life, they skip this one.
        with contextlib.suppress(Conflict):
            signups.sign_up(self.principal(person.user_id), activity.type, activity_id, waitlist=waitlist)

    def _attend(self, activity_id: int):
        """Who has a seat arrives (most of them), stays, and leaves; the secretary confirms later."""
        activity = db.session.get(Activity, activity_id)
        seated = db.session.execute(
            select(Signup.volunteer_id, Volunteer.user_id)
            .join(Volunteer, Volunteer.id == Signup.volunteer_id)
            .where(Signup.activity_id == activity_id, Signup.status == "confirmed")
        ).all()
        heroes = {self.by_number[n].volunteer_id for n in HEROES if n in self.by_number}
        # People come and go in a few groups, each scanning the code on the secretary's screen
        # within a minute or so (one code per group: the screen shows a new one every 90 seconds).
        arrivals = [activity.starts_at + timedelta(minutes=m) for m in (-18, -7, 2)]
        departures = [activity.ends_at + timedelta(minutes=m) for m in (-3, 4)]
        last_out = activity.ends_at
        for volunteer_id, user_id in seated:
            if volunteer_id not in heroes and self.rng.random() < 0.1:
                continue  # did not come
            arrive = self.rng.choice(arrivals) + timedelta(seconds=self.rng.randint(0, 80))
            leave = self.rng.choice(departures) + timedelta(seconds=self.rng.randint(0, 80))
            self.timeline.at(arrive, self._check_in, activity_id, user_id)
            self.timeline.at(leave, self._check_out, activity_id, user_id)
            last_out = max(last_out, leave)
        if activity.title != AWAITING_CONFIRMATION:
            confirm = last_out + timedelta(minutes=self.rng.randint(20, 20 * 60))
            self.timeline.at(confirm, self._confirm, activity_id)

    def _code(self, activity_id: int) -> str:
        activity = db.session.get(Activity, activity_id)
        return attendance.issue_code(self.secretary(activity.village_code), activity).code.code

    def _check_in(self, activity_id: int, user_id: int):
        attendance.check_in(self.principal(user_id), self._code(activity_id))

    def _check_out(self, activity_id: int, user_id: int):
        record = attendance.check_out(self.principal(user_id), self._code(activity_id))
        self.records.setdefault(activity_id, []).append(record.id)

    def _confirm(self, activity_id: int):
        activity = db.session.get(Activity, activity_id)
        secretary = self.secretary(activity.village_code)
        for record_id in self.records.pop(activity_id, []):
            attendance.confirm(secretary, record_id, hours=None, reason=None)

    def _certificates(self):
        """dev:volunteer-1 and the four with the most confirmed hours ask for a certificate."""
        totals = func.sum(ServiceRecord.confirmed_minutes)
        leaders = db.session.scalars(
            select(ServiceRecord.volunteer_id)
            .where(ServiceRecord.status == "confirmed", ServiceRecord.confirmed_minutes > 0)
            .group_by(ServiceRecord.volunteer_id)
            .order_by(totals.desc(), ServiceRecord.volunteer_id)
            .limit(5)
        )
        users = {v.volunteer_id: v.user_id for v in self.volunteers}
        chosen = [self.by_number[1].volunteer_id] if 1 in self.by_number else []
        chosen += [v for v in leaders if v not in chosen][: 5 - len(chosen)]
        for volunteer_id in chosen:
            if attendance.confirmed_minutes(volunteer_id) > 0 and volunteer_id in users:
                certificates.issue(self.principal(users[volunteer_id]))

    def _broadcast(self):
        title, body = BROADCAST
        data = BroadcastIn(title=title, body=body, audience={"region": "140000", "roles": ["volunteer"]})
        broadcasts.create(self.staff("shanxi"), data)
        broadcasts.settle()  # nobody could be pushed to (no subscriptions yet): all in the inbox, sent

    def _now_activities(self, starts: datetime, ends: datetime):
        secretary = self.secretary(HERO_VILLAGE)
        kind, topic, title, description = NOW_SESSION
        session = sessions.schedule(
            secretary,
            SessionIn(
                kind=kind,
                topic=topic,
                title=title,
                description=description,
                village=HERO_VILLAGE,
                starts_at=starts,
                ends_at=ends,
                capacity=30,
            ),
        )[0]
        area, title, description, skills = NOW_NEED
        need = needs.post(
            secretary,
            NeedIn(
                area=area,
                title=title,
                description=description,
                village=HERO_VILLAGE,
                starts_at=starts,
                ends_at=ends,
                slots=3,
                skills=skills,
            ),
        )
        self.timeline.at(clock.now() + timedelta(hours=5), self._review, need.id, True, None)
        signups = [(session, n) for n in (1, 2, 4)] + [(need, n) for n in (3, 5)]
        signups += [(session, v.number) for v in self.pick(HERO_VILLAGE, 4)]
        for index, (activity, number) in enumerate(signups):
            if number in self.by_number:
                moment = clock.now() + timedelta(days=1, minutes=37 * index)
                self.timeline.at(moment, self._sign_up, activity.id, self.by_number[number], activity.type == "session")
        # dev:volunteer-2, -4 and -5 are already there; dev:volunteer-1 and -3 have yet to scan the code.
        for index, (activity, number) in enumerate([(session, 2), (session, 4), (need, 5)]):
            if number in self.by_number:
                moment = starts - timedelta(minutes=6) + timedelta(minutes=4 * index)
                self.timeline.at(moment, self._check_in_if_seated, activity.id, self.by_number[number].user_id)

    def _check_in_if_seated(self, activity_id: int, user_id: int):
        principal = self.principal(user_id)
        seated = db.session.scalar(
            select(Signup.id).where(
                Signup.activity_id == activity_id,
                Signup.volunteer_id == principal.volunteer_id,
                Signup.status == "confirmed",
            )
        )
        if seated is not None:
            attendance.check_in(principal, self._code(activity_id))

    def _finish(self):
        lifecycle.finish_past(self.now)  # what the bot does every few minutes


def happening_now(now: datetime) -> list[Activity]:
    """The demo's activities in the hero village open for check-in at `now`, for half an hour more at least."""
    opens = timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES"])
    return list(
        db.session.scalars(
            select(Activity)
            .where(
                Activity.village_code == HERO_VILLAGE,
                Activity.title.in_(NOW_TITLES),
                Activity.status.in_(LIVE),
                Activity.starts_at <= now + opens,
                Activity.ends_at > now + timedelta(minutes=30),
            )
            .order_by(Activity.type.desc(), Activity.id)
        )
    )


#: Who has a seat in the activity under way but has not scanned the code yet, by activity type.
TRY_CHECKIN = {"session": 1, "need": 3}


def try_it(activity: Activity) -> str:
    """What the demo volunteer kept for trying can do in an activity under way, in words."""
    number = TRY_CHECKIN[activity.type]
    record = db.session.scalar(
        select(ServiceRecord.status)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .join(User, User.id == Volunteer.user_id)
        .where(ServiceRecord.activity_id == activity.id, User.openid == _openid(f"volunteer-{number}"))
    )
    state = {None: "已报名、尚未签到", "checked_in": "已签到、尚未签退"}.get(record, "已签到并签退")
    return f"dev:volunteer-{number} {state}"


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _openid(name: str) -> str:
    return SandboxGateway().code_to_session(f"dev:{name}").openid


def table_counts() -> dict[str, int]:
    """How many rows the story's tables hold, to say what a run added."""
    counted = {
        "needs": select(func.count()).select_from(Activity).where(Activity.type == "need"),
        "sessions": select(func.count()).select_from(Activity).where(Activity.type == "session"),
        "signups": select(func.count()).select_from(Signup),
        "records": select(func.count()).select_from(ServiceRecord),
        "confirmed": select(func.count()).select_from(ServiceRecord).where(ServiceRecord.status == "confirmed"),
        "certificates": select(func.count()).select_from(Certificate),
        "broadcasts": select(func.count()).select_from(Broadcast),
    }
    return {name: db.session.scalar(query) for name, query in counted.items()}
