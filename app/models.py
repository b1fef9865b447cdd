"""Every table the service has, in one place: create_app imports this, and so does migrations/env.py,
so the metadata Alembic compares never depends on which modules happened to be imported first."""

from app.accounts import models as accounts
from app.activities import models as activities
from app.assessment import models as assessment
from app.attendance import models as attendance
from app.broadcasts import models as broadcasts
from app.chatbot import models as chatbot
from app.console import models as console
from app.core import audit, auth
from app.core.db import db
from app.dispatch import models as dispatch
from app.notify import models as notify
from app.programs import models as programs
from app.recognition import models as recognition
from app.regions import models as regions
from app.scheduling import models as scheduling
from app.volunteers import models as volunteers
from app.wechat import models as wechat

#: The modules that declare tables (core keeps the token and audit tables beside their logic).
MODULES = (
    auth,
    audit,
    regions,
    accounts,
    volunteers,
    programs,
    activities,
    dispatch,
    attendance,
    notify,
    broadcasts,
    chatbot,
    console,
    wechat,
    scheduling,
    assessment,
    recognition,
)

metadata = db.metadata

__all__ = ["MODULES", "db", "metadata"]
