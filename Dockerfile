# The scoring API and the advisers' dashboard in one image. The command is scripts/serve, exactly what
# `make serve` runs (tests/e2e start the app through it), listening on 0.0.0.0:8050.
#
#   docker build -t credit-scoring .
#   docker run -p 8050:8050 -e CREDIT_SCORING_API_KEYS=... -e MLFLOW_TRACKING_URI=... \
#       -v credit-scoring-cache:/app/data/serving_cache credit-scoring
#
# The image holds code and configuration only: the model and the tables it serves with (clients, history-feature
# store: published with the version) come from the MLflow registry (MLFLOW_TRACKING_URI, alias `champion`),
# cached per host; the decision log goes to CREDIT_SCORING_PREDICTION_LOG_URL. See docs/deployment.md.
# compose.yaml runs this image three times: the app, the MLflow tracking server (`python -m mlflow server`)
# and the monitoring job (`kedro run`, as `make monitor`).
FROM python:3.11-slim-bookworm

ENV DO_NOT_TRACK=1 \
    MLFLOW_DISABLE_TELEMETRY=true \
    KEDRO_DISABLE_TELEMETRY=true \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# libgomp1: LightGBM's OpenMP runtime; libpango-1.0-0, libpangoft2-1.0-0: WeasyPrint's text layout (the decision
# letter's PDF); fonts-dejavu-core: a font with €, accents and the narrow no-break space of French amounts
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 scoring

WORKDIR /app
# Runtime dependencies only (no dev or Spark extras), at the versions of the lock file.
COPY pyproject.toml requirements.lock README.md ./
COPY src ./src
RUN python -m venv .venv \
    && .venv/bin/pip install --constraint requirements.lock . \
    && .venv/bin/pip check
COPY conf/base ./conf/base
COPY conf/gunicorn.conf.py ./conf/gunicorn.conf.py
COPY dash_app ./dash_app
COPY scripts/serve ./scripts/serve
# The folders a deployment mounts volumes on (compose.yaml), owned by the user that writes them: a fresh named
# volume takes the ownership of the image's folder.
RUN mkdir -p conf/local data/02_intermediate data/04_feature data/05_model_input data/07_model_output \
        data/08_reporting /var/lib/credit-scoring/cache /var/lib/credit-scoring/spool /var/lib/mlflow/artifacts \
    && chown -R scoring:scoring conf/local data /var/lib/credit-scoring /var/lib/mlflow

USER scoring
ENV HOST=0.0.0.0 PORT=8050
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8050/api/v1/health', timeout=4)"
CMD ["scripts/serve"]
