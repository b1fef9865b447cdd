"""Production shape, run by hand: the fake WeChat on loopback, gunicorn (production settings, 2 workers) and
`python -m bots` as separate processes on one SQLite file (or the PostgreSQL database given, emptied first),
with or without Redis; prints token fetches as a secretary publishes before the bot ever ran, with it
running, and right after WeChat revoked every token; then a volunteer's path across the processes: log in,
register, allow the sign-up template, read the lists, sign up for a night school (on PostgreSQL, with the
caller kept, outside a transaction), the notice in the inbox and pushed by the bot, and a logout that every
worker honours at once; then starts a second bot (a standby: no extra fetch).

    .venv/bin/python bench/production_shape.py [REDIS_URL] [--database postgresql+psycopg://…/bench_shape]
"""

import os
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests.fake_wechat import APPID, SECRET, FakeWeChat  # noqa: E402  (after the path is set)

args = sys.argv[1:]
database = ""
if "--database" in args:
    at = args.index("--database")
    database = args[at + 1]
    del args[at : at + 2]
redis_url = args[0] if args else ""
fake = FakeWeChat()
db = f"/tmp/production-shape-{'redis' if redis_url else 'noredis'}.db"
if os.path.exists(db):
    os.remove(db)
if database:  # emptied first: the migrations build it again
    import psycopg

    with psycopg.connect(database.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
env = {
    **os.environ,
    "WECHAT_APPID": APPID,
    "WECHAT_SECRET": SECRET,
    "WECHAT_API_BASE": fake.url,
    "DATABASE_URL": database or f"sqlite:///{db}",
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


def volunteer_path(staff: str) -> None:
    """A volunteer across the processes: each request may land on either worker; the bot pushes."""
    from config.catalog import PRIVACY_POLICY_VERSION
    from config.templates import templates

    fake.add_code("code-vol", "openid-vol")
    vol = requests.post(f"{U}/auth/wechat-login", json={"code": "code-vol"}).json()["token"]
    V_ = {"Authorization": f"Bearer {vol}"}
    profile = {
        "name": "李志愿",
        "phone": "13912345678",
        "home_region": "140105001002",
        "areas": ["education"],
        "skills": [],
        "availability": [{"weekday": 6, "start": "08:00", "end": "12:30"}],  # Saturday mornings
        "consent": {"version": PRIVACY_POLICY_VERSION},
    }
    print("register:", requests.post(f"{U}/volunteers/me", json=profile, headers=V_).status_code)
    template = templates()["signup_result"]["template_id"]
    fake.grant("openid-vol", template, 1)
    allowed = requests.post(f"{U}/subscriptions", json={"results": {template: "accept"}}, headers=V_)
    print("allow the sign-up template:", allowed.status_code)
    night = {
        "kind": "night_school",
        "topic": "law",
        "title": "青年夜校：法律常识",
        "village": "140105001002",
        "starts_at": "2027-03-09T19:30:00+08:00",
        "ends_at": "2027-03-09T21:30:00+08:00",
        "capacity": 1,
    }
    session = requests.post(f"{U}/sessions", json=night, headers=H).json()["id"]
    for _ in range(4):  # the caller kept on both workers (core.principals) when Redis is there
        requests.get(f"{U}/me", headers=V_)
    listed = requests.get(f"{U}/sessions", params={"region": "140105"}, headers=V_).json()["items"]
    print("session listed:", session in [item["id"] for item in listed])
    signed = requests.post(f"{U}/sessions/{session}/signups", headers=V_)
    again = requests.post(f"{U}/sessions/{session}/signups", headers=V_)
    print("sign up:", signed.status_code, signed.json().get("status"), "| again:", again.status_code)
    seats = requests.get(f"{U}/sessions/{session}").json()
    print("seats taken / capacity:", seats["taken"], "/", seats["capacity"], "status", seats["status"])
    inbox = requests.get(f"{U}/inbox", headers=V_).json()
    print("inbox:", inbox["unread"], "unread, newest", inbox["items"][0]["title"] if inbox["items"] else None)
    deadline = time.time() + 30
    while time.time() < deadline and not [p for p in fake.subscribe_sent if p.get("touser") == "openid-vol"]:
        time.sleep(0.5)
    pushed = [p for p in fake.subscribe_sent if p.get("touser") == "openid-vol"]
    print("pushed to the volunteer by the bot:", len(pushed))
    # Dispatch: a need next Saturday morning in the volunteer's village, approved by the county; a round on
    # demand (web), its offer told by the bot, accepted through the API (web, the other worker perhaps).
    staff_h = {"Authorization": f"Bearer {staff}"}
    saturday = {
        "area": "education",
        "title": "周六上午课业辅导",
        "description": "为留守儿童辅导作业",
        "village": "140105001002",
        "starts_at": "2026-12-12T09:00:00+08:00",
        "ends_at": "2026-12-12T12:00:00+08:00",
        "slots": 1,
    }
    need = requests.post(f"{U}/needs", json=saturday, headers=H).json()["id"]
    review = requests.post(f"{U}/needs/{need}/review", json={"approve": True}, headers=staff_h)
    print("need approved:", review.status_code, review.json().get("status"))
    made = requests.post(f"{U}/dispatch/rounds", json={"region": "140105"}, headers=staff_h)
    print("round on demand:", made.status_code, {k: made.json().get(k) for k in ("slots", "offers", "filled")})
    offered = [a for a in requests.get(f"{U}/assignments/me", headers=V_).json()["items"] if a["status"] == "offered"]
    print("offers to the volunteer:", [(a["id"], a["why"]) for a in offered])
    if offered:
        accepted = requests.post(f"{U}/assignments/{offered[0]['id']}/accept", headers=V_)
        twice = requests.post(f"{U}/assignments/{offered[0]['id']}/accept", headers=V_)
        print("accept:", accepted.status_code, accepted.json().get("status"), "| twice:", twice.status_code)
        print("need now:", requests.get(f"{U}/needs/{need}").json()["status"])
    print("logout:", requests.post(f"{U}/auth/logout", headers=V_).status_code)
    after = {requests.get(f"{U}/me", headers=V_).status_code for _ in range(6)}  # both workers
    print("after logout, /me on either worker:", sorted(after))


run(V + "flask", "db", "upgrade")
run(V + "flask", "seed-demo", "--volunteers", "20")
web = subprocess.Popen(
    [V + "gunicorn", "-c", "config/gunicorn.py", "-w", "2", "--threads", "4", "-b", "127.0.0.1:5099", "wsgi:app"],
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
    volunteer_path(staff)
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
