"""`flask regions import FILE.csv`, as an operator runs it."""

from pathlib import Path

import pytest

from tests.regions.helpers import stored

SAMPLE = Path(__file__).parent / "data" / "xinghualing.csv"
SAMPLE_CODES = [line.split(",")[0] for line in SAMPLE.read_text(encoding="utf-8").splitlines()[1:]]


@pytest.fixture
def import_file(app):
    def invoke(path):
        return app.test_cli_runner().invoke(args=["regions", "import", str(path)])

    return invoke


def test_a_good_file_is_imported_and_counted(import_file, ctx):
    result = import_file(SAMPLE)
    assert result.exit_code == 0, result.output
    assert "新增 7，更新 0，未变 0" in result.stdout
    assert stored(*SAMPLE_CODES)["140107001002"] == ("三桥村", True)
    assert len(stored(*SAMPLE_CODES)) == 7


def test_running_it_again_adds_nothing(import_file):
    import_file(SAMPLE)
    result = import_file(SAMPLE)
    assert result.exit_code == 0, result.output
    assert "新增 0，更新 0，未变 7" in result.stdout


def test_a_file_with_bad_lines_names_each_and_writes_nothing(import_file, ctx, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name,poor_village\n"
        "140107001,巨轮街道,\n"
        "14010700,短代码,\n"
        "140107001001,,\n"
        "140107001002,三桥村,也许\n"
        "140107001003,享堂村,\n",
        encoding="utf-8",
    )
    result = import_file(path)
    assert result.exit_code != 0
    for line in (3, 4, 5):
        assert f"第 {line} 行" in result.stderr
    assert "第 2 行" not in result.stderr and "第 6 行" not in result.stderr
    assert "共 3 行有误，未导入任何数据" in result.stderr
    assert stored("140107001", "140107001003") == {}


def test_a_file_saved_with_a_bom_is_read(import_file, ctx, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes())
    result = import_file(path)
    assert result.exit_code == 0, result.output
    assert "新增 7" in result.stdout


def test_a_file_saved_by_chinese_excel_is_read(import_file, ctx, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n").encode("gbk"))
    result = import_file(path)
    assert result.exit_code == 0, result.output
    assert "GB18030" in result.stderr
    assert stored("140107001")["140107001"] == ("巨轮街道", False)


def test_a_missing_file_is_named(import_file, tmp_path):
    result = import_file(tmp_path / "nowhere.csv")
    assert result.exit_code != 0
    assert "找不到文件" in result.stderr and "nowhere.csv" in result.stderr
