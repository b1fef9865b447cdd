"""Production shape, run by hand: the fake WeChat on loopback, gunicorn (2 workers) and `python -m bots`
as separate processes on one SQLite file, with or without Redis; prints token fetches as a secretary
publishes before the bot ever ran, with it running, and right after WeChat revoked every token, then
starts a second bot (a standby: no extra fetch).

    .venv/bin/python bench/production_shape.py [redis://127.0.0.1:6379/9]
"""

import os
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests.fake_wechat import APPID, SECRET, FakeWeChat  # noqa: E402  (after the path is set)

redis_url = sys.argv[1] if len(sys.argv) > 1 else ""
fake = FakeWeChat()
db = f"/tmp/production-shape-{'redis' if redis_url else 'noredis'}.db"
if os.path.exists(db):
    os.remove(db)
env = {
    **os.environ,
    "WECHAT_APPID": APPID,
    "WECHAT_SECRET": SECRET,
    "WECHAT_API_BASE": fake.url,
    "DATABASE_URL": f"sqlite:///{db}",
    "FLASK_APP": "wsgi",
    "APP_ENV": "development",
}
if redis_url:
    env["REDIS_URL"] = redis_url
else:
    env.pop("REDIS_URL", None)
V = os.path.join(ROOT, ".venv", "bin", "")


def run(*a):
    return subprocess.run(list(a), cwd=ROOT, env=env, check=True, capture_output=True)


run(V + "flask", "db", "upgrade")
run(V + "flask", "seed-demo", "--volunteers", "20")
web = subprocess.Popen(
    [V + "gunicorn", "-w", "2", "--threads", "4", "-b", "127.0.0.1:5099", "wsgi:app"],
    cwd=ROOT,
    env=env,
    stderr=subprocess.DEVNULL,
)
time.sleep(4)
U = "http://127.0.0.1:5099/api/v1"
try:
    fake.add_code("code-sec", "openid-sec")
    sec = requests.post(f"{U}/auth/wechat-login", json={"code": "code-sec"}).json()
    staff = requests.post(
        f"{U}/auth/staff-login", json={"username": "xiaodian", "password": "demo-password-2026"}
    ).json()["token"]
    r = requests.post(
        f"{U}/secretaries",
        json={"user_id": sec["user"]["id"], "village": "140105001002"},
        headers={"Authorization": f"Bearer {staff}"},
    )
    print("appoint", r.status_code)
    H = {"Authorization": f"Bearer {sec['token']}"}
    need = {
        "area": "education",
        "title": "周末课业辅导",
        "description": "为留守儿童辅导作业",
        "village": "140105001002",
        "starts_at": "2027-03-06T09:00:00+08:00",
        "ends_at": "2027-03-06T12:00:00+08:00",
        "slots": 2,
    }
    r = requests.post(f"{U}/needs", json=need, headers=H)
    print("publish before the bot ever ran:", r.status_code, "fetches", fake.token_fetches)
    bot = subprocess.Popen(
        [V + "python", "-m", "bots"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(12)
    print("bot running; fetches", fake.token_fetches)
    r = requests.post(f"{U}/needs", json={**need, "title": "周末课业辅导二"}, headers=H)
    print("publish with the bot up:", r.status_code, "fetches", fake.token_fetches)
    fake.revoke_tokens()
    r = requests.post(f"{U}/needs", json={**need, "title": "周末课业辅导三"}, headers=H)
    print("publish right after revoke:", r.status_code, "fetches", fake.token_fetches)
    r = requests.post(f"{U}/needs", json={**need, "title": "周末课业辅导四"}, headers=H)
    print("publish again:", r.status_code, "fetches", fake.token_fetches)
    bot2 = subprocess.Popen(
        [V + "python", "-m", "bots"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(8)
    out = run(V + "flask", "bot", "jobs").stdout.decode()
    print("second bot started; fetches", fake.token_fetches)
    print(out[:600])
    bot.terminate()
    bot2.terminate()
    bot.wait(10)
    bot2.wait(10)
finally:
    web.terminate()
    web.wait(10)
    fake.close()
