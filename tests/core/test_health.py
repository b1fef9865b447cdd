"""Liveness and readiness: /livez answers while the process runs; /readyz only while the database (and
Redis, when configured) answers, else 503 in the error shape naming what is missing."""

from redis import Redis
from sqlalchemy.exc import OperationalError

from app import health
from tests.contract import assert_error

NOWHERE_REDIS = "redis://127.0.0.1:1/0"


def test_a_working_service_is_live_and_ready(client):
    assert client.get("/livez").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "ok"
    assert client.get("/healthz").status_code == 200


def test_without_its_database_it_is_live_but_not_ready(client, monkeypatch):
    """The suite's session is bound to its own database, so the outage is the driver's error itself."""

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(health.db.session, "execute", unreachable)
    assert client.get("/livez").status_code == 200
    answer = client.get("/readyz")
    assert_error(answer, 503, "not_ready", "database")
    assert "数据库" in answer.json["error"]["message"] and answer.headers["Retry-After"] == "5"
    assert client.get("/healthz").status_code == 503


def test_without_its_redis_it_is_not_ready(client, monkeypatch):
    """A Redis that does not answer (no second app: extensions such as the limiter are shared)."""
    monkeypatch.setattr(health, "redis_client", lambda: Redis.from_url(NOWHERE_REDIS, socket_connect_timeout=1))
    answer = client.get("/readyz")
    assert_error(answer, 503, "not_ready", "redis")
    assert "Redis" in answer.json["error"]["message"]
    assert client.get("/livez").status_code == 200
