"""The console's 考核 and 青年先锋 pages: the same operations as the API, forms with their CSRF tokens."""

import pytest
from sqlalchemy import select

from app.assessment.models import SpotCheck, SpotCheckItem
from app.extensions import db
from app.recognition.models import Nomination
from tests.console.helpers import csrf_of, make_staff, post_form, sign_in, text
from tests.stats.dataset import build_dataset

pytestmark = pytest.mark.usefixtures("dataset")


@pytest.fixture
def dataset(app):
    """The statistics' province, without an app context left pushed (the console's CSRF token lives in `g`)."""
    with app.app_context():
        build_dataset()


@pytest.fixture
def console(app, client):
    make_staff(app, "assess-xiaodian", "140105")
    assert sign_in(client, "assess-xiaodian").status_code == 302
    return client


def test_the_sheet_page_and_its_workbook(console):
    page = console.get("/console/assessment?year=2026")
    assert page.status_code == 200
    body = text(page)
    assert "小店区 2026 年度考核表" in body and 'data-line="volunteers"' in body
    assert "设定考核目标" not in body  # a county's targets come from above
    workbook = console.get("/console/assessment/sheet.xlsx?year=2026")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"


def test_another_county_is_not_found(console):
    assert console.get("/console/assessment?region=140106&year=2026").status_code == 404
    assert console.get("/console/assessment/sheet.xlsx?region=140106").status_code == 404


def test_draw_and_verify_from_the_console(app, console):
    answer = post_form(console, "/console/assessment/spot-checks", {"region": "140105", "start": "2026-01-01",
                       "end": "2026-12-01", "share": "50"}, token_from="/console/assessment", follow=True)  # fmt: skip
    assert answer.status_code == 200, text(answer)[-3000:]
    assert "已从 6 条记录中抽取 3 条" in text(answer)
    with app.app_context():
        check = db.session.scalars(select(SpotCheck)).one()
        record = db.session.scalars(
            select(SpotCheckItem.record_id).where(SpotCheckItem.spot_check_id == check.id)
        ).first()
    path = f"/console/assessment/spot-checks/{check.id}"
    verified = post_form(console, f"{path}/items/{record}", {"result": "confirmed"}, token_from=path, follow=True)
    assert f"记录 {record} 已核查" in text(verified) and "核实无误 1 条" in text(verified)


def test_self_check_from_the_console(console):
    data = {"region": "140105", "year": "2026", "findings": "逐条核对了全年的服务记录。"}
    done = post_form(console, "/console/assessment/self-check", data, token_from="/console/assessment", follow=True)
    assert "2026 年度自查已标记完成" in text(done) and "逐条核对了全年的服务记录" in text(done)


def test_the_pioneers_page(console):
    page = console.get("/console/pioneers")
    assert page.status_code == 200 and "推荐志愿者" in text(page)


STORY = "连续两年每周到小店村为留守儿童辅导功课，组织村里的青年成立了读书角，带动二十多名青年参与志愿服务。"


def test_a_nomination_through_the_console_forms_from_the_county_to_the_published_list(app, console, build):
    _, profile = build.volunteer(name="王小明", home_region="140105001001")
    short = post_form(console, "/console/pioneers/nominations", {"volunteer_no": profile["volunteer_no"],
                      "story": "很好"}, token_from="/console/pioneers", follow=True)  # fmt: skip
    assert "推荐未提交" in text(short)
    sent = post_form(console, "/console/pioneers/nominations", {"volunteer_no": profile["volunteer_no"],
                     "story": STORY}, token_from="/console/pioneers", follow=True)  # fmt: skip
    assert "推荐已提交，等待县级团委审核" in text(sent) and "王**" in text(sent)
    with app.app_context():
        nomination = db.session.scalars(select(Nomination.id)).one()
    review = f"/console/pioneers/nominations/{nomination}/review"
    approved = post_form(console, review, {"decision": "approve"}, token_from="/console/pioneers", follow=True)
    assert f"推荐 #{nomination}：县级审核通过" in text(approved)

    province = app.test_client()
    make_staff(app, "assess-province", "140000")
    assert sign_in(province, "assess-province").status_code == 302
    published = post_form(province, review, {"decision": "approve"}, token_from="/console/pioneers", follow=True)
    assert f"推荐 #{nomination}：已发布" in text(published)
    listed = text(console.get("/console/pioneers"))
    assert STORY in listed and "王**" in listed and "王小明" not in listed


def test_a_nomination_of_another_county_cannot_be_reviewed_from_the_console(app, console, build):
    _, profile = build.volunteer(name="李四", home_region="140106001001")
    other = app.test_client()
    make_staff(app, "assess-yingze", "140106")
    assert sign_in(other, "assess-yingze").status_code == 302
    post_form(other, "/console/pioneers/nominations", {"volunteer_no": profile["volunteer_no"], "story": STORY},
              token_from="/console/pioneers")  # fmt: skip
    with app.app_context():
        nomination = db.session.scalars(select(Nomination.id)).one()
    token = csrf_of(console, "/console/pioneers")
    answer = console.post(f"/console/pioneers/nominations/{nomination}/review",
                          data={"csrf_token": token, "decision": "approve"})  # fmt: skip
    assert answer.status_code == 404
