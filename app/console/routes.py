"""/console/: the staff console. Thin views: load in scope (or 404), call the domain's operation, render."""

from flask import Flask

from app.console import blueprint
from app.console.pages import accounts, broadcasts, dispatch, entry, overview, records, review, sessions

#: Imported for their views, which they register on the blueprint.
PAGES = (entry, overview, review, sessions, records, broadcasts, dispatch, accounts)


def init_app(app: Flask) -> None:
    blueprint.csrf.init_app(app)
    app.register_blueprint(blueprint.bp)
    app.jinja_env.filters["local"] = blueprint.local_time
