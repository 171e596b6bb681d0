"""gunicorn settings of the scoring API (``make serve-api``); command-line flags override them.

    .venv/bin/gunicorn -c conf/gunicorn.conf.py "credit_scoring.api:create_app()"

Environment: API_BIND (default 127.0.0.1:8000), API_WORKERS (default 2: one per core of the reference
machine), PROMETHEUS_MULTIPROC_DIR (default: a temporary directory, removed when the server stops) where the
workers keep the values of GET /api/v1/metrics, so that a scrape answered by any worker reports them all
(docs/mlops.md).

Control socket (``gunicornc -s PATH``): gunicorn's default is one path for every server of the user on the
host, so a second server took it from the first, and the first to stop removed the other's. Each server here
has its own, named after the address it listens on (``gunicorn-127.0.0.1-8050.ctl`` in gunicorn's default
folder, ``$XDG_RUNTIME_DIR`` or ``~/.gunicorn``); ``--control-socket PATH`` still chooses another.
"""

import importlib
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

# Set in the master before the workers fork and import prometheus_client: each one writes its metrics there.
# A directory made here is the server's own: it is removed when the server stops (on_exit).
OWN_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="credit-scoring-metrics-")

bind = os.environ.get("API_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("API_WORKERS", "2"))
# Scoring is CPU-bound and short: one synchronous request at a time per worker process.
worker_class = "sync"
threads = 1
# Each worker loads the model after the fork: LightGBM's OpenMP runtime is not fork-safe once used. The code
# itself is imported once, in the master (on_starting: preload_code).
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


#: The files prometheus-client's multiprocess mode writes (``<kind>_<pid>.db``): only these are ever removed,
#: whatever else the directory holds.
METRIC_FILES = ("counter_*.db", "gauge_*.db", "histogram_*.db", "summary_*.db")


def on_starting(server) -> None:
    """Values left by a previous run of the server in the metrics directory would be counted again; the
    server gets its own control socket unless one was chosen."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    for pattern in METRIC_FILES:
        for stale in folder.glob(pattern):
            stale.unlink()
    if server.cfg.control_socket == server.cfg.settings["control_socket"].default:
        server.cfg.set("control_socket", control_socket_path(server.cfg.control_socket, server.cfg.address))
    preload_code(getattr(server.app, "app_uri", None))


def preload_code(app_uri: str | None) -> None:
    """Import the application's modules and compile the online feature programs in the master, once: the
    workers it forks, and every worker it restarts, inherit them instead of spending seconds on each. What
    runs OpenMP (LightGBM predicting) or opens connections stays in the workers (``preload_app`` is off)."""
    if not app_uri:
        return
    began = time.monotonic()
    importlib.import_module(app_uri.split(":", 1)[0])
    from credit_scoring.serving.rows import ModelInputRowBuilder  # noqa: PLC0415 - after the metrics folder

    ModelInputRowBuilder.compile_programs()
    logging.getLogger("gunicorn.error").info(
        "Preloaded %s and the feature programs in %.1f s", app_uri, time.monotonic() - began
    )


def control_socket_path(default: str, addresses) -> str:
    """gunicorn's default control socket made this server's: the addresses it listens on in the file name."""
    names = []
    for address in addresses:
        name = "-".join(str(part) for part in address) if isinstance(address, tuple) else str(address)
        names.append("".join(c if c.isalnum() or c in ".-" else "_" for c in name.strip("/")))
    return str(Path(default).parent / f"gunicorn-{'_'.join(names)}.ctl")


def post_fork(server, worker) -> None:
    """The worker's clock starts when it is forked (`post_worker_init` logs how long loading took)."""
    worker.forked_at = time.monotonic()


def post_worker_init(worker) -> None:
    """One line per worker once the application is loaded (model, clients, history store): how long a
    (re)started worker takes to serve (benchmarks/bench_host_start.py reads it)."""
    worker.log.info("Worker %s ready in %.2f s", worker.pid, time.monotonic() - worker.forked_at)


def child_exit(server, worker) -> None:
    """A dead worker's gauges leave the scrape (its counters stay in the sums)."""
    # not at the top: prometheus_client picks its value storage when first imported, and the workers
    # inherit the master's modules (the directory must be set by then)
    from prometheus_client import multiprocess  # noqa: PLC0415

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """The metrics directory made here goes with the server; one the environment gave stays."""
    if OWN_METRICS_DIR:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
