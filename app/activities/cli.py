"""flask activities …: what the bot also does on its schedule, for running by hand."""

import click
from flask.cli import AppGroup

from app.activities import operations
from app.attendance import operations as attendance
from app.extensions import db


@click.group(cls=AppGroup, help="需求与活动：生成重复场次、结束过期活动。")
def activities():
    pass


@activities.command("extend", help="把所有重复系列的场次生成到未来几周（SERIES_WINDOW_WEEKS）。")
def extend():
    created = operations.extend_all_series()
    db.session.commit()
    click.echo(f"新生成 {created} 场。")


@activities.command("finish", help="结束已过结束时间的活动，并为忘记签退的记录自动签退。")
def finish():
    closed = attendance.close_forgotten()
    done = operations.finish_past()
    db.session.commit()
    click.echo(f"自动签退 {closed} 条记录，结束 {done} 项活动。")
