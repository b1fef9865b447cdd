"""The mini-program's own tests, run from the suite: its jest unit tests, and its contract test
against a backend started here (gunicorn on a free loopback port, a fresh SQLite file, sandbox
WeChat, `flask seed-demo`), which checks the API module's endpoint table against /api/v1/openapi.json
and plays the main story through the real API module on node."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from tests.pii_guard import scan_text

ROOT = Path(__file__).resolve().parents[2]
MINIPROGRAM = ROOT / "miniprogram"
BIN = Path(sys.executable).parent
NODE = shutil.which("node")
NPM = shutil.which("npm")

pytestmark = pytest.mark.skipif(not (NODE and NPM), reason="node/npm 未安装：小程序的 jest 测试需要 node 20 和 npm")


def _node_modules() -> None:
    if not (MINIPROGRAM / "node_modules" / ".bin" / "jest").exists():
        subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=MINIPROGRAM, check=True)


def _jest(project: str, env: dict[str, str] | None = None) -> None:
    _node_modules()
    result = subprocess.run(
        [NODE, "node_modules/jest/bin/jest.js", "--selectProjects", project, "--ci"],
        cwd=MINIPROGRAM,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    """The backend as `make run` starts it, on its own SQLite file and port."""
    folder = tmp_path_factory.mktemp("miniprogram-backend")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "REDIS_URL", "TEST_", "DATABASE_URL"))}
    env.update(
        APP_ENV="development",
        FLASK_APP="wsgi",
        DATABASE_URL=f"sqlite:///{folder / 'app.db'}",
        SECRET_KEY="miniprogram-contract-test",
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        WECHAT_TOKEN="miniprogramcontract",
        # A session starting soon is open for sign-up (closes 120 min before) and for check-in at once.
        CHECKIN_OPENS_MINUTES="180",
    )
    flask = str(BIN / "flask")
    for args in (["db", "upgrade"], ["seed-demo", "--volunteers", "20"]):
        done = subprocess.run([flask, *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
        scan_text(f"output of flask {args[0]}", (done.stdout + done.stderr).decode(errors="replace"))
    port = _free_port()
    log = (folder / "web.log").open("w")
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        else:
            pytest.fail("后端没有启动：" + (folder / "web.log").read_text())
        yield f"{url}/api/v1"
    finally:
        web.terminate()
        web.wait(timeout=10)
        log.close()
        scan_text("output of the gunicorn backend", (folder / "web.log").read_text(errors="replace"))


def test_pages_render_and_call_the_right_endpoints():
    _jest("unit")


def test_the_api_module_matches_the_openapi_document_and_the_story_plays(backend):
    _jest("contract", {"BASE_URL": backend})
