"""flask seed-demo: a believable demo province for development and demonstrations.

Real Shanxi county codes from the official data; generated townships and villages under them;
staff at province, city and county level; a village secretary per demo village; a few hundred
volunteers; and what they have been doing (app/demo/story.py): needs approved and awaiting review,
weekly night schools and lecture halls, past service with confirmed records and certificates, a
broadcast, and activities under way right now. Every step is idempotent, so running it again
changes nothing. Refused in production.
"""

import random
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.accounts import operations as accounts
from app.accounts.models import Secretary, StaffAccount, User
from app.core import clock
from app.core.access import Principal
from app.demo import dispatch, script, stage, story
from app.extensions import db
from app.programs import operations as programs
from app.regions import operations as regions
from app.regions.models import Region
from app.volunteers import operations as volunteers
from app.volunteers.models import Volunteer
from app.volunteers.schemas import VolunteerIn
from app.wechat.gateway import SandboxGateway
from config.catalog import AREAS, PRIVACY_POLICY_VERSION

DEMO_PASSWORD = "demo-password-2026"
DEMO_STAFF = [  # username, region, display name, admin
    ("admin", "140000", "省团委管理员", True),
    ("shanxi", "140000", "省团委志愿者部", False),
    ("taiyuan", "140100", "太原团市委", False),
    ("xiaodian", "140105", "小店区团委", False),
    ("lanxian", "140928", "岚县团委", False),
]
DEMO_COUNTIES = ["140105", "140106", "140723", "140928", "140929", "141126", "140221", "140222"]
DEEP_POVERTY_DEMO = {"140928", "140929", "141126", "140221", "140222"}
VILLAGE_STEMS = "东西南北前后上下大小"
VILLAGE_NAMES = [
    "王家庄",
    "李家沟",
    "张家坪",
    "赵家峪",
    "刘家塔",
    "杨家湾",
    "高家岭",
    "马家堡",
    "石家河",
    "白家寨",
    "郭家窑",
    "武家垣",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "晓明华丽军伟芳娜敏静强磊洋艳勇杰娟涛超秀霞平刚桂英鹏辉玲燕亮红文斌宇浩然雪梅瑞欣嘉怡子涵宁"
SKILLS = [
    "支教",
    "医疗救护",
    "心理辅导",
    "农业技术",
    "电商直播",
    "法律咨询",
    "文艺演出",
    "摄影",
    "驾驶",
    "手语",
    "编程",
    "财务",
]


@click.command(
    "seed-demo", help="写入演示数据（区划、工作人员、村书记、志愿者、需求、夜校讲习所、服务记录、通知）；可重复执行。"
)
@click.option("--volunteers", "volunteer_count", default=300, show_default=True)
@with_appcontext
def seed_demo(volunteer_count: int):
    if current_app.config["MODE"] == "production":
        raise click.ClickException("生产环境不允许写入演示数据")
    rng = random.Random(2026)
    now = clock.now()
    kept = clock._frozen  # a caller's frozen clock (tests) is given back afterwards
    before = stage.table_counts()
    try:
        # The people were there before the story began (registered, appointed) — on the first run.
        clock.freeze(now - script.HISTORY - timedelta(days=5))
        regions.load_official("140000")
        programs.ensure_usual()  # the migration seeded them; the story's activities name some
        villages = _seed_geography(rng)
        staff_created = _seed_staff()
        secretaries = _seed_secretaries(villages)
        created = _seed_volunteers(rng, villages, volunteer_count)
        clock.freeze(now)
        happening = _seed_activities(random.Random(2027), now, volunteer_count)
        offered = _seed_offers(now, volunteer_count)
    finally:
        clock.freeze(kept)
    added = {name: count - before[name] for name, count in stage.table_counts().items()}
    db.session.commit()
    click.echo(
        f"演示数据就绪：{len(villages)} 个演示村。本次新增：工作人员 {staff_created} 个，村书记 {secretaries} 个，"
        f"志愿者 {created} 名；需求 {added['needs']} 条，夜校/讲习所场次 {added['sessions']} 场，"
        f"报名 {added['signups']} 人次，服务记录 {added['records']} 条（已确认 {added['confirmed']} 条），"
        f"志愿服务证明 {added['certificates']} 份，通知 {added['broadcasts']} 条，派单邀请 {offered} 份。"
    )
    if not current_app.config["SANDBOX"]:
        click.echo("已配置真实的小程序凭据：演示用户的 dev: 沙箱登录不可用。")
    else:
        click.echo(f"沙箱登录（{volunteer_count + len(villages)} 个演示微信用户，均为模拟）：")
        click.echo(f"  志愿者 dev:volunteer-1 … dev:volunteer-{volunteer_count}")
        click.echo(f"  村团支部书记 dev:secretary-<村代码>，如 dev:secretary-{script.HERO_VILLAGE}")
        for activity in happening:
            click.echo(
                f"  现在可试签到：{activity.village.name}「{activity.title}」"
                f"（{clock.local(activity.starts_at):%H:%M}–{clock.local(activity.ends_at):%H:%M}），"
                f"{stage.try_it(activity)}，由 dev:secretary-{activity.village_code} 取签到码"
            )
    click.echo(f"工作人员账号：{', '.join(s[0] for s in DEMO_STAFF)}，密码 {DEMO_PASSWORD}（仅限演示）")


def _seed_activities(rng: random.Random, now, volunteer_count: int) -> list:
    """The story (app/demo/story.py): once its history, and something under way whenever nothing is."""
    if volunteer_count < 10:
        return []
    plot = story.Story(rng, now, volunteer_count)
    if not plot.history_exists():
        plot.write_history()
    if not plot.happening():
        plot.start_now()
    plot.play()
    return plot.happening()


def _seed_offers(now, volunteer_count: int) -> int:
    """Dispatch needs that suit demo volunteers, and one round per demo county (app/demo/dispatch.py), once."""
    if volunteer_count < 10:
        return 0
    return dispatch.offer_round(story.Story(random.Random(2028), now, volunteer_count), DEMO_COUNTIES, now)


def _seed_geography(rng: random.Random) -> list[str]:
    lines = ["code,name,poor_village"]
    villages = []
    for county in DEMO_COUNTIES:
        for t in range(1, 4):
            township = f"{county}{t:03d}"
            lines.append(f"{township},{rng.choice(VILLAGE_STEMS)}{rng.choice('山河川峪坪')}镇,")
            for v in range(1, 5):
                village = f"{township}{v:03d}"
                name = f"{rng.choice(VILLAGE_STEMS)}{rng.choice(VILLAGE_NAMES)}村"
                lines.append(f"{village},{name},{'是' if rng.random() < 0.4 else '否'}")
                villages.append(village)
    rows, errors = regions.read_csv(lines)
    report = regions.import_rows(rows, errors)
    if report.errors:
        raise click.ClickException(f"演示区划生成有误：{report.errors[:3]}")
    for county in DEEP_POVERTY_DEMO:
        db.session.get_one(Region, county).deep_poverty = True
    return villages


def _seed_staff() -> int:
    created = 0
    for username, region, name, admin in DEMO_STAFF:
        if db.session.scalar(select(StaffAccount).where(StaffAccount.username == username)) is None:
            accounts.create_staff(username, DEMO_PASSWORD, region, display_name=name, admin=admin)
            created += 1
    return created


def _sandbox_user(name: str) -> User:
    """The user a sandbox login with code dev:<name> becomes."""
    openid = SandboxGateway().code_to_session(f"dev:{name}").openid
    user = db.session.scalar(select(User).where(User.openid == openid))
    if user is None:
        user = User(openid=openid, created_at=clock.now())
        db.session.add(user)
        db.session.flush()
    return user


def _seed_secretaries(villages: list[str]) -> int:
    admin_account = db.session.scalars(select(StaffAccount).where(StaffAccount.username == "admin")).one()
    admin = Principal(user_id=admin_account.user_id, roles=frozenset({"staff", "admin"}), staff_region="140000")
    created = 0
    for village in villages:
        user = _sandbox_user(f"secretary-{village}")
        if db.session.get(Secretary, user.id) is None:
            accounts.appoint_secretary(admin, user.id, village)
            created += 1
    return created


def _seed_volunteers(rng: random.Random, villages: list[str], count: int) -> int:
    created = 0
    for n in range(1, count + 1):
        user = _sandbox_user(f"volunteer-{n}")
        if db.session.scalar(select(Volunteer.id).where(Volunteer.user_id == user.id)) is not None:
            continue
        areas = rng.sample(list(AREAS), k=rng.randint(1, 3))
        start = rng.choice([8, 9, 14, 19])
        data = VolunteerIn.model_validate(
            {
                "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, k=rng.randint(1, 2))),
                "phone": f"1{rng.choice('3578')}{rng.randint(0, 9)}{n:08d}",
                "gender": rng.choice(["male", "female"]),
                "birth_year": rng.randint(1985, 2006),
                "home_region": rng.choice(villages),
                "areas": areas,
                "skills": rng.sample(SKILLS, k=rng.randint(0, 3)),
                "availability": [
                    {"weekday": day, "start": f"{start:02d}:00", "end": f"{start + 3:02d}:00"}
                    for day in rng.sample(range(1, 8), k=rng.randint(1, 3))
                ],
                "consent": {"version": PRIVACY_POLICY_VERSION},
            }
        )
        volunteers.register(Principal(user_id=user.id), data)
        created += 1
    return created
