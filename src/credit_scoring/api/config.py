"""Settings of the scoring API: ``conf/base/app.yml`` overridden key by key by the run environment's
``app*`` files, secrets from its ``credentials*`` files and the environment, then the ``config`` given to
``create_app``. Files are read by Kedro's own loader (`credit_scoring.project_config`), so the API sees what
``kedro run`` sees.

Environment: ``CREDIT_SCORING_ROOT`` (project root, default: the working directory),
``CREDIT_SCORING_API_KEYS`` (comma-separated keys; when set, the only keys accepted: those of the
credentials files and of the database are ignored), ``CREDIT_SCORING_PREDICTION_LOG_URL``,
``CREDIT_SCORING_SPOOL_DIR`` (this host's spool folder: ``decision_log.spool_dir``), ``MLFLOW_TRACKING_URI``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from credit_scoring.access.acting import ACTING_USER_HEADER, MIN_SECRET_LENGTH
from credit_scoring.access.privacy import DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_DECISION_LOG_RETENTION_DAYS
from credit_scoring.access.sign_in import IdentityProviderSettings, SignInSettings, parsable_rates
from credit_scoring.database import sqlite_path
from credit_scoring.features.families import REASON_POLICY, ReasonPolicy
from credit_scoring.project_config import LOCAL_CREDENTIALS, read_config
from credit_scoring.records import DEFAULT_BAND_MULTIPLES, DEFAULT_REVIEW_BAND
from credit_scoring.serving.counterfactual import CounterfactualPolicy
from credit_scoring.serving.letter import LetterSettings
from credit_scoring.spool import SPOOL_DIR_ENV, SPOOL_PARENT, host_id

API_KEYS_ENV = "CREDIT_SCORING_API_KEYS"
LOG_URL_ENV = "CREDIT_SCORING_PREDICTION_LOG_URL"
SECRET_KEY_ENV = "CREDIT_SCORING_SECRET_KEY"
ROOT_ENV = "CREDIT_SCORING_ROOT"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelSettings(_Section):
    tracking_uri: str = "sqlite:///mlflow.db"
    registered_model_name: str = "credit-scoring"
    alias: str = "champion"
    check_interval_s: float = Field(default=30.0, ge=0, description="0: never look at the alias again")


class DataSettings(_Section):
    scoring_input_table: Path = Path("data/05_model_input/scoring_input_table.parquet")
    staged_application_test: Path = Path("data/02_intermediate/staged_application_test.parquet")
    staged_application_train: Path = Path("data/02_intermediate/staged_application_train.parquet")
    client_history_features: Path = Path("data/04_feature/client_history_features.parquet")
    scoring_predictions: Path = Path("data/07_model_output/scoring_predictions.parquet")
    drift_summary: Path = Path("data/08_reporting/drift_summary.json")
    drift_report: Path = Path("data/08_reporting/drift_report.html")
    performance_summary: Path = Path("data/08_reporting/performance_summary.json")

    def resolved(self, root: Path) -> DataSettings:
        return DataSettings(**{name: root / path for name, path in self})


class DecisionLogSettings(_Section):
    url: str = "sqlite:///data/07_model_output/prediction_log.db"
    busy_timeout_ms: int = Field(default=10_000, ge=0)
    spool_dir: Path | None = Field(
        default=None,
        description=f"this host's spool folder (decisions and audit events the database refused, until they "
        f"are inserted), relative to the root; {SPOOL_DIR_ENV} wins. Default: beside a SQLite database, else "
        f"{SPOOL_PARENT}/<host name>[-<PORT>], one per host and port. Never share it between hosts",
    )


class RequestSettings(_Section):
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_batch_size: int = Field(default=100, ge=1, le=10_000)
    unknown_fields: Literal["reject", "ignore"] = "reject"


class ScoringSettings(_Section):
    default_top_k: int = Field(default=5, ge=1, le=20)
    risk_band_multiples: tuple[float, float, float] = DEFAULT_BAND_MULTIPLES

    @field_validator("risk_band_multiples")
    @classmethod
    def _increasing(cls, value: tuple[float, float, float]) -> tuple[float, float, float]:
        if not 0 < value[0] < value[1] < value[2]:
            raise ValueError("risk_band_multiples must be positive and increasing")
        return value


class ReviewSettings(_Section):
    """The human review of decisions (`credit_scoring.serving.reviews`): a score is marked "to review" when
    ``band_multiples[0] * t <= p < band_multiples[1] * t`` (t: the threshold; multiples, as the risk bands,
    so that the band follows the threshold of whichever model serves)."""

    band_multiples: tuple[float, float] = DEFAULT_REVIEW_BAND

    @field_validator("band_multiples")
    @classmethod
    def _around_threshold(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= value[0] <= 1 <= value[1]:
            raise ValueError("review.band_multiples must hold the threshold: 0 <= low <= 1 <= high")
        return value


class AuthSettings(_Section):
    api_keys: list[SecretStr] = Field(
        default_factory=list, description="configured keys (environment or credentials): every scope"
    )
    database_keys: bool = Field(
        default=True,
        description="accept the scoped keys of the application database too (credit_scoring.api keys)",
    )
    keys_from_environment: bool = Field(
        default=False, description=f"the keys come from {API_KEYS_ENV}, the only source then"
    )
    public_docs: bool = True
    secret_key: SecretStr | None = Field(
        default=None,
        description=f"signs the dashboard's sessions and verifies its {ACTING_USER_HEADER} header "
        f"({SECRET_KEY_ENV} or scoring_api.secret_key in the credentials; the same on every host)",
    )
    rate_limit: str = Field(
        default="1000 per second",
        description="requests per key (per address without a key), Flask-Limiter's notation; 429 above it",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="where the counts live: memory:// (each worker its own), redis://host:6379 (shared)",
    )

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"the secret key must have at least {MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("rate_limit")
    @classmethod
    def _parsable_limit(cls, value: str) -> str:
        return parsable_rates(value)

    @field_validator("api_keys")
    @classmethod
    def _non_empty(cls, keys: list[SecretStr]) -> list[SecretStr]:
        if any(len(key.get_secret_value()) < 8 for key in keys):
            raise ValueError("API keys must be at least 8 characters long")
        return keys


class PrivacySettings(_Section):
    """How long personal data is kept (``python -m credit_scoring.audit retention``; docs/security.md)."""

    decision_log_retention_days: int = Field(default=DEFAULT_DECISION_LOG_RETENTION_DAYS, ge=1)
    audit_retention_days: int = Field(default=DEFAULT_AUDIT_RETENTION_DAYS, ge=1)


class ApiSettings(_Section):
    root: Path = Field(default_factory=Path.cwd)
    model: ModelSettings = Field(default_factory=ModelSettings)
    data: DataSettings = Field(default_factory=DataSettings)
    decision_log: DecisionLogSettings = Field(default_factory=DecisionLogSettings)
    requests: RequestSettings = Field(default_factory=RequestSettings)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    reasons: ReasonPolicy = Field(
        default_factory=ReasonPolicy,
        description="what a client may be told: reason_policy of the parameters (parameters_reasons.yml)",
    )
    sign_in: SignInSettings = Field(default_factory=SignInSettings)
    counterfactual: CounterfactualPolicy = Field(
        default_factory=CounterfactualPolicy,
        description="the lender's bounds on what POST /counterfactual and the letters propose",
    )
    letter: LetterSettings = Field(
        default_factory=LetterSettings,
        description="the lender's name, address and review contact printed on the decision letters",
    )
    identity_provider: IdentityProviderSettings | None = Field(
        default=None, description="sign-in through the lender's OpenID Connect provider (credentials only)"
    )
    load_model: bool = Field(default=True, description="False: start without a model (tests inject one)")

    @property
    def paths(self) -> DataSettings:
        """The data paths, absolute."""
        return self.data.resolved(self.root)

    def sqlalchemy_url(self) -> str:
        """The decision log URL, a relative SQLite path taken from the project root."""
        url = self.decision_log.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
            return prefix + str(self.root / url[len(prefix) :])
        return url

    def spool_path(self, store: Literal["prediction_log", "audit_events"]) -> Path:
        """This host's spool file of ``store`` (`credit_scoring.spool`), absolute: ``<store>.spool.jsonl`` in
        ``decision_log.spool_dir`` when set; else beside a SQLite database (one machine's file:
        ``prediction_log.db.spool.jsonl``, ``prediction_log.db.audit_events.spool.jsonl``); else in
        ``data/07_model_output/spool/<host id>`` under the root."""
        if self.decision_log.spool_dir is not None:
            return self.root / self.decision_log.spool_dir.expanduser() / f"{store}.spool.jsonl"
        sqlite_file = sqlite_path(sa.make_url(self.sqlalchemy_url()))
        if sqlite_file is not None:
            middle = "" if store == "prediction_log" else f".{store}"
            return sqlite_file.with_name(f"{sqlite_file.name}{middle}.spool.jsonl")
        return self.root / SPOOL_PARENT / host_id() / f"{store}.spool.jsonl"

    def tracking_uri(self) -> str:
        uri = self.model.tracking_uri
        prefix = "sqlite:///"
        if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
            return prefix + str(self.root / uri[len(prefix) :])
        return uri


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _environment_keys() -> list[str]:
    return [key.strip() for key in os.environ.get(API_KEYS_ENV, "").split(",") if key.strip()]


def _credentials_keys(credentials: Mapping[str, Any]) -> list[Any]:
    return list((credentials.get("scoring_api") or {}).get("api_keys") or [])


def ignored_key_sources(settings: ApiSettings) -> list[str]:
    """The key sources that the environment's keys override (empty when they do not come from there): what
    the API logs once at start, so that nobody wonders why a key of the file or the database is refused."""
    if not settings.auth.keys_from_environment:
        return []
    ignored = []
    file_keys = _credentials_keys(read_config(settings.root, "credentials"))
    if file_keys:
        ignored.append(f"{len(file_keys)} key(s) of the credentials files (scoring_api.api_keys)")
    if not settings.auth.database_keys:
        ignored.append("the scoped keys of the application database (table api_keys)")
    return ignored


def _secrets(root: Path) -> dict[str, Any]:
    """Keys and URLs from the configuration's credentials, then the environment (which wins; its keys replace
    the files')."""
    credentials = read_config(root, "credentials")
    found: dict[str, Any] = {}
    environment_keys = _environment_keys()
    if environment_keys:  # the only source: a service's keys are exactly what its deployment says
        found["auth"] = {"api_keys": environment_keys, "database_keys": False, "keys_from_environment": True}
    elif keys := _credentials_keys(credentials):
        found["auth"] = {"api_keys": keys}
    secret = os.environ.get(SECRET_KEY_ENV) or (credentials.get("scoring_api") or {}).get("secret_key")
    if secret:
        found.setdefault("auth", {})["secret_key"] = secret
    if credentials.get("identity_provider"):
        found["identity_provider"] = credentials["identity_provider"]
    log_url = os.environ.get(LOG_URL_ENV) or (credentials.get("prediction_log") or {}).get("url")
    if log_url:
        found["decision_log"] = {"url": log_url}
    if os.environ.get(SPOOL_DIR_ENV, "").strip():
        found.setdefault("decision_log", {})["spool_dir"] = os.environ[SPOOL_DIR_ENV].strip()
    tracking_uri = os.environ.get("MLFLOW_TRACKING_URI") or (credentials.get("mlflow") or {}).get(
        "tracking_uri"
    )
    if tracking_uri:
        found["model"] = {"tracking_uri": tracking_uri}
    return found


def load_settings(config: Mapping[str, Any] | None = None) -> ApiSettings:
    """The settings from the project's configuration files and environment, then ``config`` on top."""
    config = dict(config or {})
    root = Path(config.get("root") or os.environ.get(ROOT_ENV) or Path.cwd()).resolve()
    merged = _deep_merge(read_config(root, "app"), _secrets(root))
    policy = read_config(root, "parameters").get(REASON_POLICY)
    if policy:  # the pipelines' parameters: the API tells what the stored explanations tell
        merged["reasons"] = policy
    merged = _deep_merge(merged, config)
    merged["root"] = root
    return ApiSettings.model_validate(merged)


def _add_local_secrets(root: Path, **values: object) -> Path:
    """``values`` added to the scoring_api section of conf/local/credentials.yml (created, mode 600)."""
    path = root / LOCAL_CREDENTIALS
    credentials = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    credentials = credentials or {}
    if not isinstance(credentials, dict) or not isinstance(credentials.get("scoring_api") or {}, dict):
        raise ValueError(f"{path}: expected a mapping with a scoring_api section, cannot add a secret")
    credentials["scoring_api"] = {**(credentials.get("scoring_api") or {}), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(credentials, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def ensure_local_api_key(root: Path | None = None) -> Path | None:
    """Give this machine an API key in conf/local/credentials.yml when none is configured (``make serve``).

    Secure by default: the service never runs without a key. The key is added to what that file holds (never
    to a new file, which could repeat a key of another credentials file). Returns the file written, or None
    when a key was already configured.
    """
    root = Path(root or os.environ.get(ROOT_ENV) or Path.cwd()).resolve()
    if (_secrets(root).get("auth") or {}).get("api_keys"):
        return None
    return _add_local_secrets(root, api_keys=[secrets.token_urlsafe(24)])


def ensure_local_secret_key(root: Path | None = None) -> Path | None:
    """Give this machine a secret key (the dashboard's sessions, the signed acting user) in
    conf/local/credentials.yml when none is configured; the file written, or None when one was."""
    root = Path(root or os.environ.get(ROOT_ENV) or Path.cwd()).resolve()
    if (_secrets(root).get("auth") or {}).get("secret_key"):
        return None
    return _add_local_secrets(root, secret_key=secrets.token_urlsafe(48))


def local_api_key(root: Path | None = None) -> str | None:
    """The first configured API key (for local clients such as the dashboard), or None."""
    keys = load_settings({"root": root} if root else None).auth.api_keys
    return keys[0].get_secret_value() if keys else None
