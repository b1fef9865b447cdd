"""Importing townships and villages: every bad line named, nothing half-written, safe to repeat."""

from sqlalchemy import event

from app.extensions import db
from app.regions import operations
from tests.contract import CHINESE
from tests.regions.helpers import audit_rows, stored


def run(*lines: str) -> operations.ImportReport:
    rows, errors = operations.read_csv(lines)
    return operations.import_rows(rows, errors)


def test_a_village_may_come_before_its_township(ctx):
    report = run("code,name", "140107001001,巨轮村", "140107001,巨轮街道")
    assert (report.errors, report.inserted) == ([], 2)
    assert stored("140107001", "140107001001") == {
        "140107001": ("巨轮街道", False),
        "140107001001": ("巨轮村", False),
    }


def test_a_second_run_inserts_nothing_and_a_renamed_village_is_updated(ctx):
    lines = [
        "code,name,poor_village",
        "140107001,巨轮街道,",
        "140107001001,巨轮村,是",
        "140107001002,三桥村,",
    ]
    first = run(*lines)
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    again = run(*lines)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    renamed = run(*lines[:3], "140107001002,三桥新村,")
    assert (renamed.inserted, renamed.updated, renamed.unchanged) == (0, 1, 2)
    assert stored("140107001002") == {"140107001002": ("三桥新村", False)}


def test_an_empty_poor_village_keeps_the_flag_staff_set(ctx):
    run("code,name,poor_village", "140105001002,西温庄村,是")
    report = run("code,name", "140105001002,西温庄村")
    assert report.unchanged == 1
    assert stored("140105001002")["140105001002"] == ("西温庄村", True)


def test_a_flag_changed_by_the_import_is_in_the_audit_trail(ctx):
    run("code,name,poor_village", "140105001002,西温庄村,是")
    [row] = audit_rows("140105001002")
    assert (row.before, row.after, row.actor_id) == ({"poor_village": False}, {"poor_village": True}, None)


def test_every_bad_line_is_reported_and_nothing_is_written(ctx):
    report = run(
        "code,name,poor_village",
        "140107001,巨轮街道,",  # 2: fine
        "14010700A,坏代码,",  # 3
        "1401070010011,太长,",  # 4
        "140107001001,,",  # 5
        "140107001002,三桥村,也许",  # 6
        "140107001001,巨轮村,",  # 7: duplicate of line 5's code
        "140107001003,享堂村,",  # 8: fine
        "149901001,无此县的镇,",  # 9
        "140107009001,无此乡镇的村,",  # 10
        "140100001,挂在市下的镇,",  # 11: 太原市 has counties
        "140107003,乡镇不能是贫困村,是",  # 12
    )
    assert [line for line, _ in report.errors] == [3, 4, 5, 6, 7, 9, 10, 11, 12]
    assert all(CHINESE.search(message) for _, message in report.errors)
    messages = dict(report.errors)
    assert "9 位" in messages[3] and "名称为空" in messages[5] and "第 5 行重复" in messages[7]
    assert "149901" in messages[9] and "140107009" in messages[10]
    assert report.inserted == 0
    assert stored("140107001", "140107001003") == {}


def test_a_file_without_the_header_is_refused(ctx):
    report = run("140107001,巨轮街道", "140107001001,巨轮村")
    assert len(report.errors) == 1 and report.errors[0][0] == 1 and "表头" in report.errors[0][1]
    assert stored("140107001001") == {}


def test_a_whole_county_is_imported_in_a_few_statements(ctx):
    """A province is ~30,000 lines; one round trip per line would take minutes on a remote database."""
    townships = [f"1401070{t:02d},第{t}街道" for t in range(1, 21)]
    villages = [f"1401070{t:02d}{v:03d},第{t}街道第{v}村" for t in range(1, 21) for v in range(1, 101)]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        first = run("code,name", *townships, *villages)
        again = run("code,name", *townships, *villages)
        renamed = run("code,name", *townships, *(line.replace("村", "新村") for line in villages))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert (first.inserted, again.unchanged, renamed.updated) == (2020, 2020, 2000)
    assert len(statements) < 20, statements
