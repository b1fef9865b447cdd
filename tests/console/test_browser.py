"""The console in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright's Python
package; no browser download) against the app on a loopback port: sign in, approve a need, run a
dispatch round, edit a URL and a form field to reach another county (404), post without the CSRF token.

Screenshots go to CONSOLE_SCREENSHOTS if set, else to `console-screenshots/` in pytest's base temporary
folder for the run (printed at the end of the run with -s, and named in each test's report).
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.helpers import make_staff
from tests.contract import created
from tests.dispatch.helpers import approved_need
from tests.sessions.helpers import need_body

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: What Debian's chromium needs to run headless here (Playwright adds --headless and a fresh profile folder).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ELSEWHERE = "140106001001"  # 迎泽村, another county

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright 未安装（requirements.txt 里有，make setup 会装）"
)

pytestmark = [
    pytest.mark.real_commits,  # the server's threads must see what the test wrote
    pytest.mark.skipif(
        not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")),
        reason=f"没有 Debian 的 chromium（{CHROMIUM}）：make setup 以 root 运行时会用 apt-get 安装",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        executable = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "console-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, live_server, app, screenshots, record_property):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1366, "height": 800})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    record_property("screenshots", str(screenshots))
    yield opened
    context.close()


def shot(page, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def sign_in(page, app, username: str = "browser-xiaodian", region: str = "140105") -> None:
    make_staff(app, username, region)
    page.goto("/console/")
    assert page.url.endswith("/console/login?next=/console/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("correct-horse-battery")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/")
    assert "概览" in page.locator("h1").inner_text()


def pending_need(api, build, village: str = "140105001001", title: str = "周末课业辅导") -> dict:
    secretary, _ = build.secretary(village)
    return created(api.as_(secretary).post("/needs", need_body(village=village, title=title)))


def test_staff_sign_in_and_approve_a_need(page, app, api, build, screenshots):
    pending_need(api, build, title="小店村周末课业辅导")
    page.goto("/console/login")
    shot(page, screenshots, "01-login")
    sign_in(page, app)
    shot(page, screenshots, "02-overview")
    page.get_by_role("link", name="需求审核").click()
    assert page.get_by_role("cell", name="小店村周末课业辅导").is_visible()
    shot(page, screenshots, "03-review-list")
    page.get_by_role("link", name="审核").last.click()
    assert "内容安全" in page.content()
    page.get_by_label("审核结果").select_option("approve")
    shot(page, screenshots, "04-need-review-form")
    page.get_by_role("button", name="提交审核结果").click()
    page.wait_for_url("**/console/needs/review")
    assert "已通过审核" in page.locator(".flash").inner_text()
    assert "辖区内暂无待审核的需求" in page.content()
    shot(page, screenshots, "05-approved")


def test_run_a_dispatch_round(page, app, api, build, county, secretary, screenshots):
    need = approved_need(api, secretary, county, title="小店村送教上门")
    build.volunteer(home_region="140105001001")
    sign_in(page, app)
    page.get_by_role("link", name="调度").click()
    page.get_by_label("区划").select_option("140105")
    page.get_by_role("button", name="运行一轮派单").click()
    page.wait_for_url("**/console/dispatch/rounds/*")
    assert "派单完成" in page.locator(".flash").inner_text()
    assert need["title"] in page.content() and "待答复" in page.content()
    shot(page, screenshots, "06-dispatch-round")
    page.get_by_role("link", name="← 调度").click()
    assert page.get_by_role("cell", name="小店村送教上门").is_visible()
    shot(page, screenshots, "07-dispatch-offers")


def test_another_county_by_url_or_form_field_is_not_found(page, app, api, build, screenshots):
    theirs = pending_need(api, build, ELSEWHERE, title="迎泽村的需求")
    sign_in(page, app)
    response = page.goto(f"/console/needs/{theirs['id']}")
    assert response is not None and response.status == 404
    assert "页面不存在" in page.locator("h1").inner_text() and "迎泽村的需求" not in page.content()
    shot(page, screenshots, "08-other-county-need-404")
    page.goto("/console/dispatch")
    page.locator("select[name=region] option").first.evaluate("option => { option.value = '140106' }")
    with page.expect_response(lambda r: r.url.endswith("/console/dispatch/rounds")) as posted:
        page.get_by_role("button", name="运行一轮派单").click()
    assert posted.value.status == 404
    shot(page, screenshots, "09-other-county-round-404")


def test_a_form_without_its_csrf_token_is_refused(page, app, api, build, screenshots):
    need = pending_need(api, build)
    sign_in(page, app)
    page.goto(f"/console/needs/{need['id']}")
    page.locator("form[action$='/review'] input[name=csrf_token]").evaluate("input => input.remove()")
    with page.expect_response(lambda r: r.url.endswith("/review")) as posted:
        page.get_by_role("button", name="提交审核结果").click()
    assert posted.value.status == 400
    assert "安全校验失败" in page.locator("h1").inner_text()
    shot(page, screenshots, "10-csrf-refused")
    page.goto("/console/needs/review")
    assert page.get_by_role("cell", name=need["title"]).is_visible()  # still waiting for review


def test_compose_a_broadcast_to_the_county_and_watch_its_counts(page, app, build, screenshots):
    build.volunteer(home_region="140105001001")
    build.volunteer(home_region="140105002001")
    sign_in(page, app)
    page.get_by_role("link", name="广播").click()
    page.get_by_label("标题").fill("冬季送温暖活动")
    page.get_by_label("正文").fill("本周六上午九点在村委会集合，请带好手套。")
    page.locator("select[name=region]").select_option("140105")
    shot(page, screenshots, "11-broadcast-compose")
    page.get_by_role("button", name="发布").click()
    page.wait_for_url("**/console/broadcasts/*")
    assert "开始发送" in page.locator(".flash").inner_text()
    tiles = page.locator("[data-count] .figure").all_inner_texts()
    assert sum(int(number) for number in tiles) == 2
    shot(page, screenshots, "12-broadcast-counts")


def test_the_week_s_night_schools_and_the_audit_trail(page, app, api, build, secretary, screenshots):
    from tests.console.test_pages import night_school

    session = night_school(api, secretary)
    api.as_(build.volunteer(name="李小红")[0]).post(f"/sessions/{session['id']}/signups")
    sign_in(page, app)
    page.get_by_role("link", name="夜校与讲习所").click()
    page.get_by_role("link", name="青年夜校：法律常识").click()
    assert page.get_by_role("cell", name="李小红").is_visible()
    shot(page, screenshots, "13-session-roster")
    page.get_by_role("link", name="← 夜校与讲习所").click()
    shot(page, screenshots, "14-sessions-calendar")
    page.get_by_role("link", name="审计").click()
    page.get_by_role("button", name="筛选").click()
    assert page.locator("table.audit").is_visible()
    shot(page, screenshots, "15-audit")


#: Reads a chart back from the page: ECharts' own option, and how much of its canvas is painted
#: (all of it, and in the console's brand red, the colour of the first series).
READ_CHART = """id => {
  const element = document.getElementById(id);
  const chart = echarts.getInstanceByDom(element);
  const canvas = element.querySelector("canvas");
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0, brand = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] !== 0) painted++;
    if (Math.abs(pixels[i] - 200) < 12 && pixels[i + 1] < 40 && Math.abs(pixels[i + 2] - 46) < 20) brand++;
  }
  return {series: chart.getOption().series.map(s => s.data), painted, brand, width: canvas.width};
}"""


def test_the_overview_draws_its_charts(page, app, api, build, county, secretary, screenshots):
    from datetime import timedelta

    from app.dispatch import escalation
    from app.extensions import db
    from tests.fixtures import NOW
    from tests.stats.dataset import build_dataset

    with app.app_context():
        build_dataset()
    need = approved_need(api, secretary, county, title="小店村冬季送温暖")
    with app.app_context():
        escalation.escalate_unfilled(NOW + timedelta(days=3, hours=1))
        db.session.commit()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, app)
    page.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-fill'))")
    hours = page.evaluate(READ_CHART, "chart-hours")
    assert hours["series"] == [[5.5, 1.5]]
    assert hours["painted"] > 0 and hours["brand"] > 500, hours  # the bars, in brand red
    fill = page.evaluate(READ_CHART, "chart-fill")
    assert fill["series"][0][fill["series"][0].index(1)] == 1 and fill["painted"] > 0 and fill["brand"] > 20
    volunteers = page.evaluate(READ_CHART, "chart-volunteers")
    assert volunteers["series"] == [[2, 1], [2, 1]] and volunteers["brand"] > 500
    assert page.locator("[data-figure=volunteers]").inner_text() == "4"
    assert page.locator("[data-figure=needs]").inner_text() == "3 / 1"  # the dataset's two and the one escalated
    assert page.get_by_role("link", name="小店村冬季送温暖").is_visible()
    assert problems == [], problems  # no script error, no Content-Security-Policy refusal
    shot(page, screenshots, "16-overview-charts")
    page.get_by_role("link", name="小店村冬季送温暖").click()
    page.wait_for_url(f"**/console/needs/{need['id']}")
    page.go_back()
    page.get_by_role("link", name="坞城街道").click()
    page.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-fill'))")
    assert page.locator("[data-figure=volunteers]").inner_text() == "1"
    assert page.locator("#chart-hours").count() == 1
    shot(page, screenshots, "17-overview-township")
    response = page.goto("/console/?region=140106")
    assert response is not None and response.status == 404


def test_preview_a_broadcast_s_audience_then_send_it(page, app, build, screenshots):
    build.volunteer(home_region="140105001001", areas=["medical"])
    build.volunteer(home_region="140105002001", areas=["medical", "education"])
    build.volunteer(home_region="140105002001", areas=["education"])
    build.volunteer(home_region=ELSEWHERE, areas=["medical"])  # another county
    sign_in(page, app)
    page.get_by_role("link", name="广播").click()
    page.get_by_label("标题").fill("义诊志愿者集合通知")
    page.get_by_label("正文").fill("周六上午八点半在社区卫生服务中心集合。")
    page.locator("select[name=region]").select_option("140105")
    page.get_by_label("医疗").check()
    page.get_by_role("button", name="预览人数").click()
    page.wait_for_url("**/console/broadcasts/preview")
    assert page.locator("[data-preview]").get_attribute("data-preview") == "2"
    assert page.get_by_label("标题").input_value() == "义诊志愿者集合通知" and page.get_by_label("医疗").is_checked()
    shot(page, screenshots, "18-broadcast-preview")
    page.get_by_role("button", name="发布").click()
    page.wait_for_url("**/console/broadcasts/*")
    assert "开始发送" in page.locator(".flash").inner_text()
    tiles = page.locator("[data-count] .figure").all_inner_texts()
    assert sum(int(number) for number in tiles) == 2
    shot(page, screenshots, "19-broadcast-sent-counts")


def test_unmask_a_phone_in_the_county_and_not_in_another(page, app, build, screenshots):
    from sqlalchemy import select

    from app.core.audit import AuditEntry
    from app.extensions import db

    phone = "13800001111"
    _, profile = build.volunteer(name="王小明", phone=phone, home_region="140105001001")

    def unmasks() -> list[tuple[int | None, str, dict | None]]:
        with app.app_context():
            rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "unmask"))
            return [(row.actor_id, row.object_id, row.after) for row in rows]

    sign_in(page, app)
    page.get_by_role("link", name="志愿者", exact=True).click()
    page.get_by_label("姓名或志愿者编号").fill("王小")
    page.get_by_role("button", name="查找").click()
    assert page.get_by_role("cell", name="138****1111").count() == 1 and phone not in page.content()
    page.get_by_role("button", name="查看王小明的完整号码").click()
    page.wait_for_url(f"**/console/volunteers/{profile['id']}/phone*")
    assert page.locator("[data-phone]").inner_text() == phone
    shot(page, screenshots, "20-phone-unmasked")
    ((actor, object_id, after),) = unmasks()
    assert actor is not None and object_id == str(profile["id"]) and after == {"field": "phone"}
    page.get_by_role("link", name="← 志愿者").click()
    assert phone not in page.content()  # masked again

    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/console/login")
    sign_in(page, app, "browser-yingze", "140106")
    page.goto("/console/volunteers?q=王小")
    assert "没有找到" in page.content()
    # Another county's staff forge the form (their own valid CSRF token, the volunteer's id): 404.
    page.evaluate(
        """id => {
          const form = document.createElement("form");
          form.method = "post";
          form.action = `/console/volunteers/${id}/phone`;
          form.appendChild(document.querySelector("input[name=csrf_token]").cloneNode());
          document.body.appendChild(form);
          form.id = "forged";
        }""",
        profile["id"],
    )
    with page.expect_response(lambda r: r.url.endswith(f"/console/volunteers/{profile['id']}/phone")) as posted:
        page.evaluate("() => document.getElementById('forged').submit()")
    assert posted.value.status == 404
    page.wait_for_load_state()
    assert "页面不存在" in page.locator("h1").inner_text() and phone not in page.content()
    shot(page, screenshots, "21-phone-other-county-404")
    assert len(unmasks()) == 1
