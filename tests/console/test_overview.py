"""概览: the statistics of the staff member's region from app/stats (the small province of
tests/stats/dataset.py, counted by hand there), per child region and per area, the charts' data
embedded as JSON for the pinned script, the needs the dispatcher escalated; other regions 404."""

import json
import re
from datetime import timedelta

import pytest

from app.dispatch import escalation
from app.extensions import db
from tests.console.helpers import text
from tests.dispatch.helpers import approved_need
from tests.fixtures import NOW
from tests.stats.dataset import build_dataset

DATA = re.compile(r'<script type="application/json" id="overview-data">(.*?)</script>', re.S)


@pytest.fixture
def dataset(app):
    with app.app_context():
        build_dataset()


def figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert found, name
    return found.group(1)


def chart_data(page: str) -> dict:
    found = DATA.search(page)
    assert found, "no embedded chart data"
    return json.loads(found.group(1))


def test_the_county_s_figures_this_year(console, dataset):
    page = text(console.get("/console/"))
    assert 'value="2026-01-01"' in page and 'value="2026-12-01"' in page
    assert figure(page, "volunteers") == "4" and figure(page, "active_volunteers") == "4"
    assert figure(page, "hours_month") == "0.5" and figure(page, "hours_year") == "8.0"
    assert figure(page, "needs") == "2 / 1" and figure(page, "fill_rate") == "50.0%"
    assert figure(page, "sessions_held") == "1"
    assert figure(page, "attendance") == "3 / 4" and figure(page, "attendance_rate") == "75.0%"
    assert "只登记到小店区本级" in page  # v4 and the withdrawn v6
    assert figure(page, "villagers") == "50 / 7"
    assert "统计看板尚未接入" not in page


def test_the_charts_read_the_same_figures_from_an_embedded_json_block(console, dataset):
    page = text(console.get("/console/"))
    data = chart_data(page)
    assert data["children"]["names"] == ["小店街道", "坞城街道"]
    assert data["children"]["hours"] == [5.5, 1.5]
    assert data["children"]["volunteers"] == [2, 1]
    pairs = zip(data["areas"]["posted"], data["areas"]["fill_rate"], strict=True)
    areas = dict(zip(data["areas"]["names"], pairs, strict=True))
    assert areas["教育"] == (1, 100.0) and areas["医疗"] == (1, 0.0) and areas["文化"] == (0, None)
    for chart in ("chart-hours", "chart-fill", "chart-volunteers"):
        assert f'id="{chart}"' in page
    # Scripts come from the console itself, never inline and never from elsewhere.
    assert re.findall(r"<script(?![^>]*application/json)[^>]*>", page) == [
        '<script src="/console/static/vendor/echarts-5.6.0/echarts.min.js" defer>',
        '<script src="/console/static/overview.js" defer>',
    ]
    policy = console.get("/console/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert console.get("/console/static/overview.js").status_code == 200


def test_the_programs_table(console, dataset):
    page = text(console.get("/console/"))
    table = page[page.index('data-table="programs"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", table, re.S)
    assert [name for name, _ in rows] == ["希望工程", "七彩假期"]
    cells = [re.findall(r'<td class="num">([^<]*)</td>', rest) for _, rest in rows]
    assert cells[0] == ["1", "1", "100.0%", "0", "3", "4.5", "20", "7"]
    assert cells[1] == ["0", "0", "—", "1", "2", "3.0", "30", "0"]
    may = text(console.get("/console/?from=2026-02-01&to=2026-02-28"))
    assert "期间内没有归属项目的需求或活动" in may


def test_a_township_below_and_a_period(console, dataset):
    page = text(
        console.get("/console/", query_string={"region": "140105002", "from": "2026-12-01", "to": "2026-12-01"})
    )
    assert figure(page, "volunteers") == "1" and figure(page, "hours_month") == "0.5"
    assert figure(page, "needs") == "0 / 0" and figure(page, "fill_rate") == "—"
    assert '<small class="muted">坞城街道</small>' in page
    # The selector offers the way up to the staff member's own region, not above it.
    assert 'value="140105"' in page and 'value="140100"' not in page
    village = text(console.get("/console/", query_string={"region": "140105001001"}))
    assert figure(village, "volunteers") == "1" and "小店村没有下级区划" in village


def test_another_county_or_above_or_a_made_up_code_is_not_there(console, dataset):
    for region in ("140106", "140100", "140000", "140106001001", "140105999", "14010", "x"):
        response = console.get("/console/", query_string={"region": region})
        assert response.status_code == 404, region
        assert "页面不存在" in text(response)


def test_a_reversed_period_is_named_and_the_default_shown(console, dataset):
    response = console.get("/console/", query_string={"from": "2026-12-01", "to": "2026-06-01"})
    assert response.status_code == 200
    page = text(response)
    assert "统计区间有误" in page and figure(page, "volunteers") == "4"
    assert console.get("/console/", query_string={"from": "yesterday", "to": "2026-13-40"}).status_code == 200


def test_empty_data_renders_as_words_not_empty_charts(console):
    page = text(console.get("/console/"))
    assert figure(page, "volunteers") == "0" and figure(page, "fill_rate") == "—"
    assert "还没有经确认的服务时长" in page and "还没有发布需求" in page and "还没有注册的志愿者" in page
    assert 'id="chart-hours"' not in page
    assert "辖区内没有被调度升级的缺人需求" in page
    assert chart_data(page)["children"] == {
        "names": ["小店街道", "坞城街道"],
        "hours": [0, 0],
        "volunteers": [0, 0],
        "active": [0, 0],
    }


def test_the_escalated_needs_link_to_the_needs(app, api, build, console, county, secretary, hire):
    need = approved_need(api, secretary, county, title="小店村送温暖")
    theirs = approved_need(
        api, build.secretary("140106001001")[0], hire.staff("140106"), village="140106001001", title="迎泽村的需求"
    )
    with app.app_context():
        assert escalation.escalate_unfilled(NOW + timedelta(days=3, hours=1)) == 2
        db.session.commit()
    page = text(console.get("/console/"))
    assert f'href="/console/needs/{need["id"]}">小店村送温暖</a>' in page and "2 人" in page
    assert "迎泽村的需求" not in page and f"/console/needs/{theirs['id']}" not in page
    assert console.get(f"/console/needs/{need['id']}").status_code == 200


def test_province_staff_see_the_cities_and_drill_down(app, client, dataset):
    from tests.console.helpers import make_staff, sign_in

    make_staff(app, "console-province", "140000")
    sign_in(client, "console-province")
    page = text(client.get("/console/"))
    assert "太原市" in page and 'href="/console/?region=140100' in page
    county = text(client.get("/console/", query_string={"region": "140105"}))
    assert figure(county, "volunteers") == "4"
    assert 'value="140000"' in county and 'value="140100"' in county  # the way back up
