"""GET /metrics: request counts by route (the URL rule, no ids), and the database's figures read at scrape time."""

from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from app.notify import operations as notify
from tests.notify.helpers import add_user


def scrape(client) -> dict[str, list]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    families = text_string_to_metric_families(answer.get_data(as_text=True))
    return {family.name: family.samples for family in families}


def value(samples, name: str, **labels) -> float | None:
    for sample in samples:
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return None


def test_a_request_is_counted_under_its_route_not_its_path(client):
    assert client.get("/api/v1/regions/140105").status_code == 200
    metrics = scrape(client)
    requests = metrics["flask_http_requests_by_route"]
    rule = "/api/v1/regions/<code>"
    assert value(requests, "flask_http_requests_by_route_total", method="GET", route=rule, status="200") >= 1
    durations = metrics["flask_http_request_duration_seconds"]
    assert value(durations, "flask_http_request_duration_seconds_count", route=rule, status="200") >= 1
    assert not any("140105" in sample.labels.get("route", "") for sample in requests + durations)
    assert not any(sample.labels.get("route") == "/metrics" for sample in requests)


def test_an_unknown_path_is_counted_as_unmatched(client):
    assert client.get("/no/such/page/13812345678").status_code == 404
    requests = scrape(client)["flask_http_requests_by_route"]
    assert value(requests, "flask_http_requests_by_route_total", route="unmatched", status="404") >= 1
    assert not any("13812345678" in sample.labels.get("route", "") for sample in requests)


def test_the_outbox_gauge_counts_queued_messages(client, ctx):
    before = value(scrape(client)["volunteers_outbox_messages"], "volunteers_outbox_messages", delivery="pending")
    ann = add_user("openid-metrics-ann")
    for n in range(3):
        notify.tell(ann, "reminder", f"metrics-test-{n}", "提醒", "明天上午九点青年夜校")
    db.session.commit()
    metrics = scrape(client)
    assert value(metrics["volunteers_outbox_messages"], "volunteers_outbox_messages", delivery="pending") == before + 3
    assert value(metrics["volunteers_metrics_database_up"], "volunteers_metrics_database_up") == 1
    assert "volunteers_job_runs" in metrics and "volunteers_dispatch_latest_round" in metrics
    assert value(metrics["volunteers_allowance_misses"], "volunteers_allowance_misses_total") is not None


def test_metrics_are_not_in_the_api_document(client):
    document = client.get("/api/v1/openapi.json").json
    assert not any("metrics" in path for path in document["paths"])


def test_metrics_enabled_false_leaves_the_endpoint_out():
    """On a bare Flask app (not a second create_app: its extensions are shared)."""
    from flask import Flask

    from app.observability import metrics

    bare = Flask(__name__)
    bare.config["METRICS_ENABLED"] = False
    metrics.init_app(bare)
    assert bare.test_client().get("/metrics").status_code == 404
