"""gunicorn settings for production: `gunicorn -c config/gunicorn.py wsgi:app`.

Threaded workers (gthread): a request spends much of its time waiting for PostgreSQL, WeChat or
Redis, and threads keep the connection alive between a mini-program's requests. One process per
core plus one; WEB_CONCURRENCY and WEB_THREADS override. Measured on two cores with
bench/signup_throughput.py: 3 × 4 served sign-ups best among 2–6 workers × 1–16 threads.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 4))
# Behind nginx; a slow village connection is nginx's to buffer, not a worker's to wait for.
timeout = 30
graceful_timeout = 30
keepalive = 5
# With LOG_FORMAT=json the app writes its own access line (route, not the path and query string) instead.
accesslog = None if os.environ.get("LOG_FORMAT", "").lower() == "json" else "-"


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR, a finished worker's live gauges leave /metrics (its counters stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """The app is loaded: what it built lives as long as the worker, so the cyclic collector need not scan it
    again (gc.freeze). Its full collections walked every module, schema and mapper: up to 65 ms each, paused
    mid-request, the tail of the lists' latency (bench/read_path.py)."""
    import gc

    gc.freeze()
