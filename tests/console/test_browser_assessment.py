"""The 考核 page in a real headless Chromium (as tests/console/test_browser.py, whose browser fixtures it uses):
open the county's yearly sheet, download its xlsx, draw a 50 % spot check and verify a record."""

import os
import shutil
from io import BytesIO

import pytest

from tests.console.test_browser import CHROMIUM, browser, page, screenshots, shot, sign_in  # noqa: F401
from tests.stats.dataset import build_dataset

openpyxl = pytest.importorskip("openpyxl")

pytestmark = [
    pytest.mark.real_commits,  # the server's threads must see what the test wrote
    pytest.mark.skipif(
        not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")),
        reason=f"没有 Debian 的 chromium（{CHROMIUM}）",
    ),
]


@pytest.fixture
def dataset(app):
    with app.app_context():
        build_dataset()


def test_open_the_assessment_page_download_the_sheet_and_spot_check(page, app, dataset, screenshots):  # noqa: F811
    sign_in(page, app, "browser-assessment")
    page.get_by_role("link", name="考核").click()
    page.wait_for_url("**/console/assessment")
    assert "小店区 2026 年度考核表" in page.locator("section.card h2").first.inner_text()
    assert page.locator("[data-line=volunteers] td.num").first.inner_text() == "5"
    assert page.locator("[data-line=hours] td.num").first.inner_text() == "8.0"
    shot(page, screenshots, "20-assessment-sheet")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="下载考核表（Excel）").click()
    download = downloading.value
    assert download.suggested_filename == "assessment-140105-2026.xlsx"
    with open(download.path(), "rb") as file:
        book = openpyxl.load_workbook(BytesIO(file.read()), read_only=True)
    rows = {row[0]: row for row in book["年度考核表"].iter_rows(values_only=True) if row and row[0]}
    assert rows["服务时长（小时）"][1] == 8.0

    page.get_by_label("抽取比例（%）").fill("50")
    page.get_by_role("button", name="抽取").click()
    page.wait_for_url("**/console/assessment/spot-checks/*")
    assert "已从 6 条记录中抽取 3 条" in page.locator(".flash").inner_text()
    shot(page, screenshots, "21-spot-check")
    page.locator("table[data-table=items] button").first.click()
    page.wait_for_url("**/console/assessment/spot-checks/*")
    assert "已核查" in page.locator(".flash").inner_text()
    assert "核实无误 1 条" in page.locator("[data-figure=results]").inner_text()
    page.get_by_role("link", name="← 考核").click()
    assert "抽取 1 条" not in page.locator("[data-figure=spot_checks]").inner_text()
    assert "核实无误 1 条" in page.locator("[data-figure=spot_checks]").inner_text()
    shot(page, screenshots, "22-assessment-after-check")
