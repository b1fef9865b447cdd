"""/console/: the staff console. Thin views: load in scope (or 404), call the domain's operation, render."""

from flask import Flask

from app.console import blueprint
from app.console.pages import (
    accounts,
    assessment,
    broadcasts,
    dispatch,
    entry,
    exports,
    nominations,
    overview,
    programs,
    records,
    review,
    sessions,
)

#: Imported for their views, which they register on the blueprint.
PAGES = (
    entry,
    overview,
    review,
    sessions,
    records,
    broadcasts,
    dispatch,
    accounts,
    assessment,
    nominations,
    programs,
    exports,
)


def init_app(app: Flask) -> None:
    blueprint.csrf.init_app(app)
    app.register_blueprint(blueprint.bp)
    app.jinja_env.filters["local"] = blueprint.local_time
