"""gunicorn settings of the scoring API (``make serve-api``); command-line flags override them.

    .venv/bin/gunicorn -c conf/gunicorn.conf.py "credit_scoring.api:create_app()"

Environment: API_BIND (default 127.0.0.1:8000), API_WORKERS (default 2: one per core of the reference machine).
"""

import os

bind = os.environ.get("API_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("API_WORKERS", "2"))
# Scoring is CPU-bound and short: one synchronous request at a time per worker process.
worker_class = "sync"
threads = 1
# Each worker loads the model after the fork: LightGBM's OpenMP runtime is not fork-safe once used.
preload_app = False
timeout = 120  # a worker loads the model and the client data on start-up (a few seconds)
graceful_timeout = 30  # finish the requests in flight (their decisions are logged before they answer)
keepalive = 5
# The application logs every request as JSON with its request id; gunicorn's own access log would
# duplicate it. Errors and worker life-cycle go to stderr.
accesslog = None
errorlog = "-"
loglevel = "info"
# Headers: the API reads a few short ones; anything larger is refused before reaching the application.
limit_request_line = 8190
limit_request_fields = 50
limit_request_field_size = 8190
