"""The application factory."""

import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import Info, OpenAPI
from flask_openapi3.types import SecuritySchemesDict
from redis import Redis
from werkzeug.middleware.proxy_fix import ProxyFix

from app import demo, health, models, wechat
from app.accounts import cli as accounts_cli
from app.accounts import operations as accounts_operations
from app.accounts import routes as accounts_routes
from app.activities import cli as activities_cli
from app.activities import signups
from app.assessment import routes as assessment_routes
from app.attendance import certificates, rollup
from app.attendance import cli as attendance_cli
from app.attendance import operations as attendance_operations
from app.attendance import routes as attendance_routes
from app.broadcasts import routes as broadcasts_routes
from app.chatbot import cli as chatbot_cli
from app.chatbot import routes as chatbot_routes
from app.console import routes as console_routes
from app.core import auth, schemas, transactions
from app.core.crypto import cipher
from app.core.errors import register_error_handlers
from app.dispatch import offers, rounds
from app.dispatch import routes as dispatch_routes
from app.exports import routes as exports_routes
from app.extensions import db, limiter, migrate
from app.home import routes as home_routes
from app.needs import routes as needs_routes
from app.notify import routes as notify_routes
from app.observability import init_app as init_observability
from app.observability import logs
from app.programs import routes as programs_routes
from app.recognition import routes as recognition_routes
from app.regions import cli as regions_cli
from app.regions import routes as regions_routes
from app.reminders import routes as reminders_routes
from app.sessions import routes as sessions_routes
from app.stats import routes as stats_routes
from app.volunteers import operations as volunteers_operations
from app.volunteers import routes as volunteers_routes
from config.settings import config_for, production_problems

ROOT = Path(__file__).resolve().parent.parent

SECURITY_SCHEMES: SecuritySchemesDict = {"bearer": {"type": "http", "scheme": "bearer"}}


def create_app(mode: str | None = None, **overrides) -> OpenAPI:
    app = OpenAPI(
        __name__,
        info=Info(title="青年志愿者服务派单平台 API", version="1.0.0"),
        security_schemes=SECURITY_SCHEMES,
        # The interactive viewer (flask-openapi3-swagger's static files) lives beside the API, not in
        # it: everything under /api/v1/ is JSON and listed in the document.
        doc_prefix="/api/docs",
        doc_url="/openapi.json",
        doc_ui=True,
        validation_error_callback=schemas.validation_error_response,
        instance_relative_config=True,
    )
    _configure(app, mode, overrides)
    _init_extensions(app)
    _register(app)
    return app


def _configure(app: OpenAPI, mode: str | None, overrides: dict) -> None:
    settings = config_for(mode)
    app.config.from_object(settings)
    app.config.update(overrides)
    logs.configure(app.config["LOG_FORMAT"])  # before anything here logs
    app.config["SANDBOX"] = not (app.config["WECHAT_APPID"] and app.config["WECHAT_SECRET"])
    if app.config["MODE"] == "production":
        problems = production_problems(app.config)
        if problems:
            raise RuntimeError("生产环境配置不完整：" + "；".join(problems))
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'volunteers.db'}"
    _development_secrets(app)
    # Flask's own provider (OpenAPI keeps it): the one with the ensure_ascii setting.
    assert isinstance(app.json, DefaultJSONProvider)
    app.json.ensure_ascii = False  # Chinese text as UTF-8, not \u escapes


#: What development generates when the environment leaves it unset, and how.
DEVELOPMENT_SECRETS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(32),
    "FIELD_ENCRYPTION_KEY": lambda: Fernet.generate_key().decode(),
    # The message-push token (/wechat/callback): WeChat allows 3–32 letters and digits.
    "WECHAT_TOKEN": lambda: secrets.token_hex(16),
}


def _development_secrets(app: OpenAPI) -> None:
    """Keys for development only, kept in the instance folder so encrypted data survives restarts.

    Only what the environment leaves unset, and the push token only in development (the suite
    runs without one unless a test gives it; production refuses to start without its own).
    """
    wanted = ["SECRET_KEY", "FIELD_ENCRYPTION_KEY"]
    if app.config["MODE"] == "development":
        wanted.append("WECHAT_TOKEN")
    missing = [key for key in wanted if not app.config.get(key)]
    if not missing or app.config["MODE"] == "production":
        return
    path = Path(app.instance_path) / "dev-secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    added = {key: DEVELOPMENT_SECRETS[key]() for key in missing if not stored.get(key)}
    if added:  # a file from before a key was generated gets it added; the keys it had stay
        stored.update(added)
        _write_private(path, json.dumps(stored))
    for key in missing:
        app.config[key] = stored[key]
    app.logger.warning("使用开发用密钥（%s：%s），不可用于生产环境", path, "、".join(missing))


def _write_private(path: Path, text: str) -> None:
    """Readable by the owner only from the first byte; replaced whole, so no reader sees half a file."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.replace(partial, path)


def _init_extensions(app: OpenAPI) -> None:
    # First: the request id before any other hook, the access line and request metrics after every other one.
    init_observability(app)
    cipher.configure(app.config["FIELD_ENCRYPTION_KEY"])
    # Never echo bound parameters (they may hold personal data) into logs or error text.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "hide_parameters": True}
    if app.config["PROXY_HOPS"]:
        # Behind nginx: rate limits and logs must see the client's address, not the proxy's.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to add middleware
            app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=app.config["PROXY_HOPS"]
        )
    db.init_app(app)
    # models.db is db, with every table imported (app/models.py): what migrations compare against.
    migrate.init_app(app, models.db, directory=str(ROOT / "migrations"), render_as_batch=True)
    redis_url = app.config["REDIS_URL"]
    app.extensions["redis"] = Redis.from_url(redis_url) if redis_url else None
    app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "volunteers")
    limiter.init_app(app)
    wechat.init_app(app)
    # Who confers roles, and who hears of a withdrawal: named here, so lower rooms import no higher one.
    auth.init_app(app, role_sources=(accounts_operations.ROLES, volunteers_operations.ROLES))
    volunteers_operations.init_app(
        app,
        on_withdrawal=(certificates.forget, offers.revoke_withdrawn),
        on_pause=(offers.revoke_for_volunteer,),
        on_move=(rollup.rehome,),
    )
    signups.init_app(
        app,
        withdrawal_checks=(attendance_operations.refuse_withdrawal_once_checked_in,),
        claims=(offers.claim_for_signup,),
        on_cancel=(offers.revoke_for_activity,),
    )
    offers.init_app(app, on_freed=(rounds.reoffer,))
    transactions.init_app(app)
    schemas.init_app(app)
    register_error_handlers(app)


def _register(app: OpenAPI) -> None:
    for module in (
        accounts_routes,
        regions_routes,
        volunteers_routes,
        notify_routes,
        needs_routes,
        sessions_routes,
        attendance_routes,
        reminders_routes,
        broadcasts_routes,
        dispatch_routes,
        stats_routes,
        assessment_routes,
        recognition_routes,
        programs_routes,
        exports_routes,
    ):
        app.register_api(module.api)
    app.register_api(attendance_routes.public)
    app.register_blueprint(chatbot_routes.bp)  # WeChat message push: XML, outside the OpenAPI document
    app.cli.add_command(accounts_cli.staff)
    activities_cli.activities.add_command(attendance_cli.finish)  # needs attendance too, so it lives there
    app.cli.add_command(activities_cli.activities)
    app.cli.add_command(regions_cli.regions)
    app.cli.add_command(demo.seed_demo)
    app.cli.add_command(chatbot_cli.chatbot)

    @app.get("/api/v1/openapi.json", doc_ui=False)
    def openapi_document():
        """The OpenAPI document, generated from the schemas that validate requests."""
        return schemas.contract_document(app.api_doc)

    # The doc UI's own copy of the document (/api/docs/openapi.json) is the same contract document.
    app.view_functions["openapi.doc_url"] = openapi_document
    home_routes.init_app(app)  # the landing page at /, and the API viewer's page
    console_routes.init_app(app)  # the staff console under /console/ (HTML, CSRF-checked forms)

    health.init_app(app)  # /livez, /readyz (and /healthz, its older name)
