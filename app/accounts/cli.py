"""flask staff …: manage staff accounts from the server's shell."""

import click

from app.accounts import operations
from app.core.errors import AppError
from app.extensions import db


@click.group(help="团委工作人员账号。")
def staff():
    pass


@staff.command("create", help="新建工作人员账号（会提示输入密码）。")
@click.option("--username", required=True)
@click.option("--region", "region_code", required=True, help="所属区划代码，如 140105")
@click.option("--name", "display_name", default=None, help="显示名称")
@click.option("--admin", is_flag=True, help="系统管理员（可见全部区划）")
@click.option("--totp", "with_totp", is_flag=True, help="开启两步验证，并显示密钥")
@click.password_option(prompt="密码", confirmation_prompt="再次输入密码")
def create(username, region_code, display_name, admin, with_totp, password):
    try:
        account = operations.create_staff(
            username, password, region_code, display_name=display_name, admin=admin, with_totp=with_totp
        )
    except AppError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"已创建工作人员 {username}（区划 {region_code}）。")
    if with_totp:
        click.echo(f"两步验证密钥（请录入验证器应用）：{account.totp_secret}")
