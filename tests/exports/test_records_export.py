"""GET /exports/records.xlsx and /exports/national.xlsx: the workbook opened with openpyxl, reconciled with
GET /stats for the same region and period, personal data masked, and no region boundary crossed."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db
from app.volunteers.models import Volunteer
from tests.console.helpers import make_staff, sign_in
from tests.contract import assert_error

PERIOD = {"from": "2026-01-01", "to": "2026-12-01"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _book(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(BytesIO(response.data), read_only=True)


def _rows(book, title: str) -> list[tuple]:
    rows = list(book[title].iter_rows(values_only=True))
    return rows[1:]


def _column(book, title: str, header: str) -> list:
    rows = list(book[title].iter_rows(values_only=True))
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def _every_cell(book) -> str:
    return "\n".join(
        str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
    )


@pytest.fixture
def phoned(dataset):
    """v1 (小店村) with a phone and a national number, v2 with a phone only."""
    v1, v2 = db.session.scalars(select(Volunteer).order_by(Volunteer.id).limit(2))
    v1.phone, v1.national_no = "13912345678", "1401052026000001"
    v2.phone = "13800001111"
    db.session.commit()


@pytest.mark.parametrize("region", ["140105", "140106", "140100"])
def test_the_export_matches_the_statistics_to_the_half_hour(api, hire, dataset, region):
    staff = hire.staff(region)
    book = _book(api.as_(staff).get("/exports/records.xlsx", region=region, **PERIOD))
    stats = api.as_(staff).get("/stats", region=region, **PERIOD).json["region"]["figures"]
    hours = _column(book, "服务记录", "服务时长（小时）")
    assert sum(hours) == stats["hours"]
    assert all(hour * 2 == int(hour * 2) for hour in hours)  # whole half hours
    confirmed = {"140105": 6, "140106": 1, "140100": 7}[region]  # tests/stats/dataset.py, counted by hand
    assert len(hours) == confirmed
    volunteers = _rows(book, "按志愿者")
    assert len(volunteers) == stats["active_volunteers"]
    assert sum(row[6] for row in volunteers) == stats["hours"]
    for sheet in ("按村", "按领域", "按项目"):
        total = _rows(book, sheet)[-1]
        assert total[0] == "合计" and stats["hours"] in total


def test_one_row_per_record_with_the_records_rules_fields(api, hire, phoned):
    book = _book(api.as_(hire.staff("140105")).get("/exports/records.xlsx", region="140105", **PERIOD))
    header = next(book["服务记录"].iter_rows(values_only=True))
    wanted = "志愿者姓名 志愿者编号 志愿者统一编号 需求或活动 服务内容 服务领域或主题 所属项目 组织村"
    wanted += " 组织者（团支部书记） 签到时间 签退时间"
    for name in (*wanted.split(), "服务时长（小时）", "确认人", "确认时间"):
        assert name in header
    assert "1401052026000001" in _column(book, "服务记录", "志愿者统一编号")
    assert {"小店村", "坞城村"} <= set(_column(book, "服务记录", "组织村"))


def test_phones_are_masked_and_no_whole_number_leaves(api, hire, phoned):
    book = _book(api.as_(hire.staff("140105")).get("/exports/records.xlsx", region="140105", **PERIOD))
    phones = _column(book, "按志愿者", "手机号（脱敏）")
    assert "139****5678" in phones and "138****1111" in phones
    everything = _every_cell(book)
    assert "13912345678" not in everything and "13800001111" not in everything


def test_each_export_is_audited(api, hire, dataset, ctx):
    api.as_(hire.staff("140105")).get("/exports/records.xlsx", region="140105001", **PERIOD)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert entry.region_code == "140105001" and entry.after["records"] == 3 and entry.after["hours"] == 5.5


def test_no_export_crosses_a_region_boundary(api, hire, secretary, dataset):
    other = hire.staff("140106")
    for path in ("/exports/records.xlsx", "/exports/national.xlsx"):
        assert_error(api.as_(other).get(path, region="140105", **PERIOD), 403, "out_of_scope", "region")
        assert_error(api.as_(other).get(path, region="140100", **PERIOD), 403, "out_of_scope", "region")
        assert_error(api.as_(secretary).get(path, region="140105"), 403, "forbidden")
        assert api.get(path, region="140105").status_code == 401
        assert_error(
            api.as_(other).get(path, **{"from": "2026-12-01", "to": "2026-01-01"}), 422, "validation_failed", "from"
        )
        assert_error(api.as_(other).get(path, region="999999"), 422, "validation_failed", "region")


def test_the_national_export_keys_rows_by_the_unified_number(api, hire, phoned):
    book = _book(api.as_(hire.staff("140105")).get("/exports/national.xlsx", region="140105", **PERIOD))
    header = next(book["志愿服务记录"].iter_rows(values_only=True))
    assert header[0] == "志愿者统一编号" and "身份证" not in "".join(header)
    numbers = _column(book, "志愿服务记录", "志愿者统一编号")
    remarks = _column(book, "志愿服务记录", "备注")
    assert len(numbers) == 6 and sum(_column(book, "志愿服务记录", "服务时长（小时）")) == 8
    assert all((number is None) == bool(remark) for number, remark in zip(numbers, remarks, strict=True))
    assert "1401052026000001" in numbers
    assert "13912345678" not in _every_cell(book)


def test_both_exports_are_in_the_api_document_as_files(api):
    paths = api.get("/openapi.json").json["paths"]
    for path in ("/api/v1/exports/records.xlsx", "/api/v1/exports/national.xlsx"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert content[XLSX]["schema"] == {"type": "string", "format": "binary"}
        assert "403" in paths[path]["get"]["responses"]


def test_the_console_downloads_it_for_its_own_region_only(app, client, dataset):
    make_staff(app, "export-xiaodian", "140105")
    assert sign_in(client, "export-xiaodian").status_code == 302
    book = _book(client.get("/console/exports/records.xlsx", query_string={"region": "140105", **PERIOD}))
    assert len(_rows(book, "服务记录")) == 6
    assert client.get("/console/exports/records.xlsx", query_string={"region": "140106"}).status_code == 404
    assert client.get("/console/exports/national.xlsx", query_string={"region": "14010"}).status_code == 404
    assert "导出服务记录" in client.get("/console/").get_data(as_text=True)


def test_an_export_larger_than_one_workbook_may_hold_is_refused_with_what_to_do(
    app, api, client, hire, dataset, monkeypatch
):
    monkeypatch.setitem(app.config, "EXPORT_MAX_RECORDS", 6)  # 小店区 has 6 confirmed records, the city 7
    staff = hire.staff("140100")
    assert _book(api.as_(staff).get("/exports/records.xlsx", region="140105", **PERIOD))
    for path in ("/exports/records.xlsx", "/exports/national.xlsx"):
        refused = api.as_(staff).get(path, region="140100", **PERIOD)
        assert_error(refused, 422, "export_too_large", "region")
        assert "7 条服务记录" in refused.json["error"]["message"] and "上限 6 条" in refused.json["error"]["message"]
    make_staff(app, "export-taiyuan", "140100")
    assert sign_in(client, "export-taiyuan").status_code == 302
    page = client.get("/console/exports/records.xlsx", query_string={"region": "140100", **PERIOD})
    assert page.status_code == 422 and "请按下级区划或缩短期间分别导出" in page.get_data(as_text=True)
