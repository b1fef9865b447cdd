"""GET / : what this server runs and how to try it; the API viewer's page (Swagger UI, served from
the installed flask-openapi3-swagger package: nothing comes from a CDN)."""

from datetime import timedelta

from flask import Blueprint, Flask, current_app, render_template, url_for
from sqlalchemy import func, select

from app import demo
from app.accounts.models import StaffAccount, User
from app.core import clock
from app.demo import script, stage
from app.extensions import db
from app.regions.models import Region
from app.scheduling.models import JobRun
from app.wechat.gateway import SandboxGateway

bp = Blueprint("home", __name__, template_folder="templates")

#: The viewer's page, as the swagger plugin registers it under the OpenAPI blueprint's prefix.
VIEWER = "swagger.swagger"
#: The bot's sender runs every few seconds: a run this recent means the bot is up.
BOT_ALIVE = timedelta(minutes=2)
DATABASES = {"sqlite": "SQLite（本机文件）", "postgresql": "PostgreSQL"}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if VIEWER in app.view_functions:
        app.view_functions[VIEWER] = api_viewer


@bp.get("/")
def index():
    config = current_app.config
    production = config["MODE"] == "production"
    return render_template(
        "home/index.html",
        mode=config["MODE"],
        production=production,
        sandbox=config["SANDBOX"],
        database=DATABASES.get(db.engine.dialect.name, db.engine.dialect.name),
        redis=current_app.extensions.get("redis") is not None,
        bot=_bot_status(),
        viewer_url=url_for(VIEWER) if VIEWER in current_app.view_functions else None,
        console_url="/console/" if _has_console() else None,
        demo=None if production else _demo_logins(),
        push_token=bool(config.get("WECHAT_TOKEN")),
    )


def api_viewer():
    """Swagger UI from the package's own static files, pointed at the contract's document."""
    return render_template("home/api_viewer.html")


def _bot_status() -> dict:
    last = db.session.scalar(select(func.max(JobRun.started_at)))
    if last is None:
        return {"state": "never"}
    return {"state": "alive" if clock.now() - last <= BOT_ALIVE else "quiet", "last": clock.local(last)}


def _has_console() -> bool:
    return any(rule.rule.startswith("/console") for rule in current_app.url_map.iter_rules())


def _demo_logins() -> dict:
    """What seed-demo made, as far as this database holds it."""
    usernames = [staff[0] for staff in demo.DEMO_STAFF]
    present = set(db.session.scalars(select(StaffAccount.username).where(StaffAccount.username.in_(usernames))))
    village = None
    secretary = SandboxGateway().code_to_session(f"dev:secretary-{script.HERO_VILLAGE}").openid
    if db.session.scalar(select(User.id).where(User.openid == secretary)) is not None:
        region = db.session.get(Region, script.HERO_VILLAGE)
        village = {"code": script.HERO_VILLAGE, "name": region.name if region else ""}
    return {
        "staff": [staff for staff in demo.DEMO_STAFF if staff[0] in present],
        "password": demo.DEMO_PASSWORD,
        "village": village,
        "happening": [
            {
                "activity": activity,
                "volunteer": stage.TRY_CHECKIN[activity.type],
                "state": stage.try_it(activity),
                "hours": f"{clock.local(activity.starts_at):%H:%M}–{clock.local(activity.ends_at):%H:%M}",
            }
            for activity in stage.happening_now(clock.now())
        ],
    }
