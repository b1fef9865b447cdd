"""The console's forms (Flask-WTF): each carries its CSRF token; the domain schemas judge the content."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from config.catalog import AREAS


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码"), Length(max=256)])
    totp = StringField("动态验证码", validators=[Optional(), Length(max=8)], description="开启了两步验证的账号填写")


class ReviewForm(FlaskForm):
    decision = SelectField("审核结果", choices=[SelectChoice("approve", "通过"), SelectChoice("reject", "驳回")])
    reason = TextAreaField("驳回原因", validators=[Optional(), Length(max=200)])


class RoundForm(FlaskForm):
    region = StringField("区划", validators=[DataRequired("请选择区划"), Length(max=12)])


class SignOutForm(FlaskForm):
    """Nothing but the CSRF token: signing out is a POST, so another site cannot sign anyone out."""


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BroadcastForm(FlaskForm):
    """What POST /broadcasts takes; broadcasts.schemas.BroadcastIn judges it (the rules live there)."""

    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=40)])
    body = TextAreaField("正文", validators=[DataRequired("请填写正文"), Length(max=1000)])
    region = StringField("区划", validators=[DataRequired("请选择区划"), Length(max=12)])
    areas = Checkboxes("服务领域队伍（不选则不限）", choices=[SelectChoice(code, name) for code, name in AREAS.items()])
    roles = Checkboxes(
        "身份（不选则两者都包括）",
        choices=[
            SelectChoice("volunteer", "志愿者（按常住地）"),
            SelectChoice("secretary", "村团支部书记（按任职村）"),
        ],
    )
    send_at = StringField("定时发送（北京时间，不填则立即发送）", validators=[Optional(), Length(max=20)])


class CancelForm(FlaskForm):
    """Nothing but the CSRF token."""


class UnmaskForm(FlaskForm):
    """Nothing but the CSRF token: reading a whole phone number is a POST, audited."""


class AppointForm(FlaskForm):
    user_id = IntegerField(
        "用户编号",
        validators=[DataRequired("请填写用户编号"), NumberRange(min=1, max=2**31 - 1, message="用户编号无效")],
        description="此人用微信登录过小程序后的用户编号（志愿者页可查）",
    )
    village = StringField("村", validators=[DataRequired("请选择村"), Length(max=12)])


class StaffForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(min=2, max=64)])
    display_name = StringField("姓名", validators=[Optional(), Length(max=32)])
    region = StringField("区划", validators=[DataRequired("请选择区划"), Length(max=12)])
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码"), Length(max=256)])
    totp = BooleanField("开启两步验证（动态验证码）")


class ProgramForm(FlaskForm):
    """What POST /programs takes; programs.schemas.ProgramIn judges it."""

    name = StringField("项目名称", validators=[DataRequired("请填写项目名称"), Length(max=40)])
    description = StringField("说明", validators=[Optional(), Length(max=200)])


class NationalNoForm(FlaskForm):
    """志愿者统一编号: volunteers.schemas.NationalNoIn judges it; empty clears it."""

    national_no = StringField("志愿者统一编号", validators=[Optional(), Length(max=40)])
