"""Observability: Prometheus metrics at /metrics (metrics.py) and structured logs with a request id (logs.py).

Wired from the factory first, so the request id exists before any other hook runs and the access line and
the request metrics see the final status (Flask runs after-request hooks last-registered first).
"""

from flask import Flask

from app.observability import logs, metrics


def init_app(app: Flask) -> None:
    logs.init_app(app)
    metrics.init_app(app)
