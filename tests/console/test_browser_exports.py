"""In Chromium: county staff download the records export from the overview and it opens as the period's records."""

from io import BytesIO

from openpyxl import load_workbook

from tests.console.test_browser import (  # noqa: F401  (fixtures and helpers)
    browser,
    page,
    pytestmark,
    screenshots,
    shot,
    sign_in,
)
from tests.stats.dataset import build_dataset


def test_download_the_records_xlsx_from_the_overview(page, app, screenshots):  # noqa: F811
    with app.app_context():
        build_dataset()
    sign_in(page, app)
    page.locator("form[data-form=export] select[name=region]").select_option("140105")
    page.locator("form[data-form=export] input[name=from]").fill("2026-01-01")
    page.locator("form[data-form=export] input[name=to]").fill("2026-12-01")
    shot(page, screenshots, "20-export-form")
    with page.expect_download() as event:
        page.get_by_role("button", name="导出服务记录（xlsx）").click()
    download = event.value
    assert download.suggested_filename.endswith(".xlsx") and "服务记录" in download.suggested_filename
    with open(download.path(), "rb") as file:  # saved without an extension, which openpyxl would refuse by name
        book = load_workbook(BytesIO(file.read()), read_only=True)
    rows = list(book["服务记录"].iter_rows(values_only=True))[1:]
    assert len(rows) == 6 and sum(row[16] for row in rows) == 8
