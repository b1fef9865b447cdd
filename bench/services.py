"""What the fault benches start and stop: a private PostgreSQL cluster, a private redis-server, the
environment the service's processes run with, and waiting for them.

    from bench.services import PrivatePostgres, PrivateRedis, service_env
    postgres = PrivatePostgres(folder, port=5439); postgres.start()
    redis = PrivateRedis(port=6391); redis.start()
    env = service_env(postgres.url, redis.url, fake.url, SEND_RATE_PER_SECOND="50")

Everything here is the bench's own (initdb into a temporary folder, run as the postgres user; a
redis-server without persistence), so a bench may kill or stop it without touching anyone else's.
"""

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.fake_wechat import APPID, SECRET

ROOT = Path(__file__).resolve().parent.parent
V = ROOT / ".venv" / "bin"
PG_BIN = Path("/usr/lib/postgresql") / sorted(os.listdir("/usr/lib/postgresql"))[-1] / "bin"


class PrivatePostgres:
    """A cluster of its own in `folder`, trust authentication, fsync off, on 127.0.0.1:`port`."""

    def __init__(self, folder: Path, port: int):
        self.port = port
        self.data = folder / "pg"
        self.data.mkdir()
        shutil.chown(folder, "postgres")
        shutil.chown(self.data, "postgres")
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    @property
    def url(self) -> str:
        """SQLAlchemy's URL of its `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        # No pipes: the server started by pg_ctl would hold them open, and we would wait for it to exit.
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, stdout=subprocess.DEVNULL)

    def start(self, *settings: str) -> None:
        """Start it; `settings` are more `-c name=value` options (e.g. "max_connections=200")."""
        extra = "".join(f" -c {setting}" for setting in settings)
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off{extra}"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


class PrivateRedis:
    """A redis-server of its own on 127.0.0.1:`port`, keeping nothing on disk."""

    process: subprocess.Popen | None = None

    def __init__(self, port: int):
        self.port = port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for(
            lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).returncode == 0,
            5,
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(5)


def service_env(database_url: str, redis_url: str, wechat_url: str, **settings: str) -> dict[str, str]:
    """The environment of the service's processes (gunicorn, `python -m bots`, flask commands): development
    mode on these services, the fake WeChat's credentials, and any rule overridden by name (config/rules.py)."""
    return {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "WECHAT_APPID": APPID,
        "WECHAT_SECRET": SECRET,
        "WECHAT_API_BASE": wechat_url,
        "FLASK_APP": "wsgi",
        **settings,
    }


def flask(env: dict[str, str], *args: str) -> None:
    """A `flask` command of the service (db upgrade, seed-demo …), its output kept back unless it fails."""
    subprocess.run([V / "flask", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def wait_for(condition: Callable[[], bool], seconds: float, step: float = 0.1) -> bool:
    """Poll `condition` until it holds (True) or `seconds` have passed (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
