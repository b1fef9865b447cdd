"""Prometheus metrics at GET /metrics (text exposition format), through prometheus-flask-exporter.

Per request: `flask_http_request_duration_seconds{method,route,status}` (a histogram) and
`flask_http_requests_by_route_total{method,route,status}`; route is the URL rule, never the path, so no id
reaches a label. Under gunicorn set PROMETHEUS_MULTIPROC_DIR (an empty folder, cleared at each start): the
workers write their samples there and any worker answers for all of them (config/gunicorn.py marks a
finished worker dead). Without it the samples live in this process.

What the database knows is read at scrape time by `DatabaseCollector` (a few aggregate queries, each over an
index or a small table): the outbox by delivery state, pushes by outcome, allowance misses, the bot's job
runs by job and status, and the latest dispatch round's figures. METRICS_ENABLED=false leaves /metrics out.
"""

import logging
import os
from collections.abc import Iterator

from flask import Flask, Response, request
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornPrometheusMetrics
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.dispatch.models import DispatchRound
from app.extensions import db
from app.notify.models import DELIVERIES, Message
from app.observability.logs import route_of_request
from app.scheduling.models import JobRun

log = logging.getLogger(__name__)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: What a sent message's delivery became: one per outcome of a push (pending and none are no outcome).
OUTCOMES = ("sent", "inbox_only", "failed", "dead")


def route(_request=None) -> str:
    """The duration histogram's grouping label (named after this function)."""
    return route_of_request()


class DatabaseCollector:
    """Figures read from the database at each scrape; a database that does not answer gives database_up 0."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("volunteers_metrics_database_up", "采集时数据库是否可读（1 可读）")
        try:
            figures = list(self._figures())
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("指标采集时数据库不可读")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _figures(self) -> Iterator[Metric]:
        by_delivery = dict(db.session.execute(select(Message.delivery, func.count()).group_by(Message.delivery)).all())
        outbox = GaugeMetricFamily("volunteers_outbox_messages", "消息按投递状态的条数", labels=["delivery"])
        for delivery in DELIVERIES:
            outbox.add_metric([delivery], by_delivery.get(delivery, 0))
        yield outbox
        sends = CounterMetricFamily("volunteers_sends", "推送结果累计条数", labels=["outcome"])
        for outcome in OUTCOMES:
            sends.add_metric([outcome], by_delivery.get(outcome, 0))
        yield sends
        misses = CounterMetricFamily(
            "volunteers_allowance_misses", "因没有订阅消息额度只进收件箱的消息累计条数（inbox_only）"
        )
        misses.add_metric([], by_delivery.get("inbox_only", 0))
        yield misses

        runs = CounterMetricFamily("volunteers_job_runs", "调度任务运行次数，按任务和状态", labels=["job", "status"])
        for job, status, count in db.session.execute(
            select(JobRun.job, JobRun.status, func.count()).group_by(JobRun.job, JobRun.status)
        ).all():
            runs.add_metric([job, status], count)
        yield runs

        latest = db.session.execute(select(DispatchRound).order_by(DispatchRound.id.desc()).limit(1)).scalar()
        round_figures = GaugeMetricFamily(
            "volunteers_dispatch_latest_round", "最近一轮派单的数字", labels=["figure", "region"]
        )
        if latest is not None:
            for figure in ("slots", "offers", "filled", "seconds"):
                value = getattr(latest, figure)
                if value is not None:
                    round_figures.add_metric([figure, latest.region_code], value)
        yield round_figures


def init_app(app: Flask) -> None:
    if not app.config["METRICS_ENABLED"]:
        return
    multiprocess = bool(os.environ.get(MULTIPROCESS_ENV))
    options = {"path": None, "group_by": route, "excluded_paths": ["^/metrics$"]}
    # The exporter's samples are written to files (multiprocess) or kept here; /metrics below reads either.
    # A registry per app: the suite and the bot's worker make more than one app in a process.
    exporter: PrometheusMetrics
    if multiprocess:
        exporter = GunicornPrometheusMetrics(app, registry=CollectorRegistry(), **options)
    else:
        exporter = PrometheusMetrics(app, registry=CollectorRegistry(), **options)
    by_route = Counter(
        "flask_http_requests_by_route",
        "HTTP requests by route (URL rule) and status",
        ("method", "route", "status"),
        registry=exporter.registry,
    )

    @app.after_request
    def _count(response: Response) -> Response:
        if request.path != "/metrics":
            by_route.labels(request.method, route_of_request(), str(response.status_code)).inc()
        return response

    database = CollectorRegistry()
    database.register(DatabaseCollector())

    def metrics_view():
        if multiprocess:
            requests = CollectorRegistry()
            MultiProcessCollector(requests)
        else:
            requests = exporter.registry
        body = generate_latest(requests) + generate_latest(database)
        return Response(body, mimetype=None, headers={"Content-Type": CONTENT_TYPE_LATEST})

    # A plain Flask rule: the OpenAPI document lists only the API's operations.
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
