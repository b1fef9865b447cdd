"""flask activities …: what the bot also does on its schedule, for running by hand.

`flask activities finish` also closes forgotten check-outs, so it lives in app/attendance/cli.py
(attendance builds on activities, never the other way) and create_app adds it to this group.
"""

import click
from flask.cli import AppGroup

from app.activities import series
from app.extensions import db


@click.group(cls=AppGroup, help="需求与活动：生成重复场次、结束过期活动。")
def activities():
    pass


@activities.command("extend", help="把所有重复系列的场次生成到未来几周（SERIES_WINDOW_WEEKS）。")
def extend():
    created = series.extend_all_series()
    db.session.commit()
    click.echo(f"新生成 {created} 场。")
