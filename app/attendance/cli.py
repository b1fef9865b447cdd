"""`flask activities finish`: what the bot's finishing jobs do, for running by hand.

It needs both rooms (close forgotten check-outs, then finish past activities), so it lives here,
where attendance may import activities; create_app adds it to the `flask activities` group.
"""

import click
from flask.cli import with_appcontext

from app.activities import lifecycle
from app.attendance import operations as attendance
from app.extensions import db


@click.command("finish", help="结束已过结束时间的活动，并为忘记签退的记录自动签退。")
@with_appcontext
def finish():
    closed = attendance.close_forgotten()
    done = lifecycle.finish_past()
    db.session.commit()
    click.echo(f"自动签退 {closed} 条记录，结束 {done} 项活动。")
