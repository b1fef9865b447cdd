"""Settings read from the environment: one class per mode, chosen by APP_ENV.

development (the default) runs on SQLite with sandbox WeChat; test is what the suite uses;
production refuses to start without real secrets, a real database and WeChat credentials.
"""

import json
import os
from datetime import timedelta
from typing import ClassVar, overload

from config.rules import RULES
from config.templates import templates


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: None = None) -> str | None: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


class BaseConfig:
    MODE = "base"
    TESTING = False
    JSON_AS_ASCII = False

    SECRET_KEY = _env("SECRET_KEY")
    FIELD_ENCRYPTION_KEY = _env("FIELD_ENCRYPTION_KEY")

    # None means "a SQLite file in the instance folder"; the factory fills it in.
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL")
    # No pre-ping: it costs every request a round trip (about an eighth of sign-up throughput,
    # bench/signup_throughput.py). A connection found dead when used (PostgreSQL restarted) makes
    # SQLAlchemy discard the whole pool, and that request answers 503 `database_unavailable`
    # (core.transactions) for the client to retry. Recycling stops idle-timeouts on the way.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 1800}
    REDIS_URL = _env("REDIS_URL")

    WECHAT_APPID = _env("WECHAT_APPID")
    WECHAT_SECRET = _env("WECHAT_SECRET")
    WECHAT_TOKEN = _env("WECHAT_TOKEN")
    WECHAT_AES_KEY = _env("WECHAT_AES_KEY")
    WECHAT_API_BASE = _env("WECHAT_API_BASE", "https://api.weixin.qq.com/")
    WECHAT_TIMEOUT_SECONDS = float(_env("WECHAT_TIMEOUT_SECONDS", "5"))

    # Bearer tokens: volunteers stay logged in on their phone; staff sessions are short.
    TOKEN_TTL_MINIPROGRAM = timedelta(days=_env_int("TOKEN_TTL_DAYS", 30))
    TOKEN_TTL_STAFF = timedelta(hours=_env_int("STAFF_TOKEN_TTL_HOURS", 12))
    # Callers kept per process (with Redis only; validated there on every request, see core.principals); 0: none.
    AUTH_PRINCIPAL_CACHE_SIZE = _env_int("AUTH_PRINCIPAL_CACHE_SIZE", 10_000)

    STAFF_LOGIN_RATE_LIMIT = _env("STAFF_LOGIN_RATE_LIMIT", "10 per minute")
    # Mini-program logins per client address: a county square of volunteers may share one carrier NAT
    # address, so the ceiling is high; what marks an abuser is codes WeChat refuses (a guessed or replayed
    # code answers 401), and those alone count toward the failure limit, which then stops that address.
    WECHAT_LOGIN_RATE_LIMIT = _env("WECHAT_LOGIN_RATE_LIMIT", "1200 per minute")
    WECHAT_LOGIN_FAILURE_LIMIT = _env("WECHAT_LOGIN_FAILURE_LIMIT", "20 per minute")
    # "That phone number is taken" answers, which would let anyone logged in probe who is registered.
    PHONE_TAKEN_LIMIT_PER_USER = _env("PHONE_TAKEN_LIMIT_PER_USER", "5 per hour")
    PHONE_TAKEN_LIMIT_PER_CLIENT = _env("PHONE_TAKEN_LIMIT_PER_CLIENT", "30 per hour")
    # 429 answers say when to try again (Retry-After), with the X-RateLimit-* headers.
    RATELIMIT_HEADERS_ENABLED = True
    # Redis gone: limits are counted in each process meanwhile (Flask-Limiter's fallback), so the API
    # keeps serving and an abuser is still stopped, per process, until Redis answers again.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    STAFF_LOCKOUT_FAILURES = _env_int("STAFF_LOCKOUT_FAILURES", 5)
    STAFF_LOCKOUT_MINUTES = _env_int("STAFF_LOCKOUT_MINUTES", 15)

    # The staff console (/console/): a signed-in session ends after this long without a page, and at
    # the latest when a staff bearer token would. Its cookie holds only the session id and the CSRF token.
    CONSOLE_IDLE_MINUTES = _env_int("CONSOLE_IDLE_MINUTES", 30)
    SESSION_COOKIE_NAME = "console_session"
    SESSION_COOKIE_PATH = "/console/"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Flask-WTF checks the console's forms itself (app/console); the API takes bearer tokens, not cookies.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which idles out on its own

    # The most service records one xlsx export may hold: a workbook is written at about 4,000 records a
    # second (bench/export_records.py), so a larger one would outlast the proxy in front of the request.
    EXPORT_MAX_RECORDS = _env_int("EXPORT_MAX_RECORDS", 400_000)

    # Observability (app/observability): GET /metrics in the Prometheus text format unless METRICS_ENABLED is
    # false (under gunicorn with PROMETHEUS_MULTIPROC_DIR, the workers' samples together); LOG_FORMAT json
    # writes one JSON object a line (request_id, and method, route, status, duration_ms on access lines), text
    # (the default) is for development.
    METRICS_ENABLED = _env("METRICS_ENABLED", "true").lower() not in ("0", "false", "no", "off")
    LOG_FORMAT = _env("LOG_FORMAT", "text").lower()

    # How many reverse proxies (nginx) stand in front of gunicorn and set X-Forwarded-For.
    PROXY_HOPS = _env_int("PROXY_HOPS", 0)
    TIMEZONE = "Asia/Shanghai"
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Set below, once the class exists (as are the rules of config/rules.py).
    WECHAT_TEMPLATES: ClassVar[dict[str, dict]]


def _rule(name: str, default):
    """A rule's value: the environment (JSON for lists and numbers) wins over the default."""
    raw = _env(name)
    if raw is None:
        return default
    return raw if isinstance(default, str) else json.loads(raw)


for _name, _default in RULES.items():
    setattr(BaseConfig, _name, _rule(_name, _default))


BaseConfig.WECHAT_TEMPLATES = templates()


class DevelopmentConfig(BaseConfig):
    MODE = "development"


class TestConfig(BaseConfig):
    MODE = "test"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    REDIS_URL = _env("TEST_REDIS_URL")
    SECRET_KEY = "test-secret-key-not-for-production"
    # A fixed Fernet key so tests are repeatable; never used outside the suite.
    FIELD_ENCRYPTION_KEY = "q8o2y1d0i1Y2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7Q="
    WECHAT_APPID = None
    WECHAT_SECRET = None
    # The default in-memory SQLite database is private to this process: rounds run in the test's thread.
    DISPATCH_IN_WORKER = False


class ProductionConfig(BaseConfig):
    MODE = "production"
    SESSION_COOKIE_SECURE = True


def production_problems(config) -> list[str]:
    """Why a production app must not start, in words for whoever runs it."""
    problems = []
    if not config.get("SECRET_KEY"):
        problems.append("SECRET_KEY 未设置")
    if not config.get("FIELD_ENCRYPTION_KEY"):
        problems.append("FIELD_ENCRYPTION_KEY 未设置")
    uri = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if not uri or uri.startswith("sqlite"):
        problems.append("DATABASE_URL 必须指向正式数据库（不能是 SQLite）")
    if not config.get("WECHAT_TOKEN"):
        problems.append("WECHAT_TOKEN 未设置（消息推送无法验签，客服消息将全部拒收）")
    if not (config.get("WECHAT_APPID") and config.get("WECHAT_SECRET")):
        problems.append("WECHAT_APPID / WECHAT_SECRET 未设置（生产环境不允许沙箱模式）")
    return problems


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_for(mode: str | None = None) -> BaseConfig:
    mode = mode or _env("APP_ENV", "development")
    if mode not in CONFIGS:
        raise RuntimeError(f"APP_ENV={mode!r} is not one of {sorted(CONFIGS)}")
    return CONFIGS[mode]()
