"""The API reads the project's configuration as `kedro run` does, and the key that `scripts/serve` generates
never collides with another file of conf/local."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from credit_scoring.api.config import (
    API_KEYS_ENV,
    SECRET_KEY_ENV,
    ensure_local_api_key,
    ensure_local_secret_key,
    load_settings,
)
from credit_scoring.api.services import batch_validation
from credit_scoring.project_config import read_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """conf/base of the project and an empty conf/local, no key in the environment."""
    monkeypatch.delenv(API_KEYS_ENV, raising=False)
    monkeypatch.delenv("KEDRO_ENV", raising=False)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "base").symlink_to(ROOT / "conf" / "base")
    (tmp_path / "conf" / "local").mkdir()
    return tmp_path


def local(project: Path, name: str) -> Path:
    return project / "conf" / "local" / name


def test_a_key_is_generated_once_into_credentials_yml(project: Path) -> None:
    written = ensure_local_api_key(project)
    assert written == local(project, "credentials.yml")
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    key = yaml.safe_load(written.read_text())["scoring_api"]["api_keys"][0]
    assert len(key) >= 24
    assert ensure_local_api_key(project) is None  # configured now: nothing written
    assert load_settings({"root": project}).auth.api_keys[0].get_secret_value() == key


def test_the_key_is_added_to_what_credentials_yml_holds(project: Path) -> None:
    local(project, "credentials.yml").write_text(
        "prediction_log:\n  url: sqlite:///elsewhere.db\nscoring_api:\n  api_keys: []\n"
    )
    ensure_local_api_key(project)
    content = yaml.safe_load(local(project, "credentials.yml").read_text())
    assert content["prediction_log"] == {"url": "sqlite:///elsewhere.db"}
    assert len(content["scoring_api"]["api_keys"]) == 1


def test_a_key_in_another_credentials_file_is_used_and_nothing_is_written(project: Path) -> None:
    local(project, "credentials_api.yml").write_text("scoring_api:\n  api_keys: [key-from-another-file]\n")
    assert ensure_local_api_key(project) is None
    assert not local(project, "credentials.yml").exists()
    assert load_settings({"root": project}).auth.api_keys[0].get_secret_value() == "key-from-another-file"
    assert read_config(project, "credentials")  # Kedro reads the folder without a duplicate key


def test_a_key_in_the_environment_is_enough(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEYS_ENV, "environment-key-123")
    assert ensure_local_api_key(project) is None
    assert not os.listdir(project / "conf" / "local")


def test_an_unreadable_credentials_file_is_refused_with_its_name(project: Path) -> None:
    local(project, "credentials.yml").write_text("- a list\n- not a mapping\n")
    with pytest.raises(ValueError, match="credentials"):
        ensure_local_api_key(project)


def test_the_committed_example_is_outside_every_kedro_environment() -> None:
    example = ROOT / "conf" / "credentials.example.yml"
    assert yaml.safe_load(example.read_text())["scoring_api"]["api_keys"] == []  # no shared placeholder key
    committed = subprocess.run(
        ["git", "ls-files", "conf"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    in_environments = [name for name in committed if name.count("/") >= 2]  # conf/<environment>/...
    assert "conf/local/README.md" in in_environments
    read_as_credentials = [name for name in in_environments if Path(name).name.startswith("credentials")]
    assert not read_as_credentials, f"Kedro would read these as credentials: {read_as_credentials}"


def test_local_app_settings_override_single_keys(project: Path) -> None:
    local(project, "app.yml").write_text("requests:\n  max_batch_size: 7\n")
    settings = load_settings({"root": project})
    assert settings.requests.max_batch_size == 7
    assert settings.requests.max_body_bytes == 1_048_576  # the rest of the section is base's


def test_online_validation_follows_a_local_override_of_the_batch_rules(project: Path) -> None:
    assert batch_validation(project)["unknown_categories"] == "warn"
    local(project, "parameters_data_processing.yml").write_text(
        "data_processing:\n  validation:\n    unknown_categories: error\n"
    )
    assert batch_validation(project)["unknown_categories"] == "error"


def test_the_secret_key_comes_from_the_credentials_or_the_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_KEY_ENV, raising=False)
    local(project, "credentials.yml").write_text(yaml.safe_dump({"scoring_api": {"secret_key": "f" * 40}}))
    assert load_settings({"root": project}).auth.secret_key.get_secret_value() == "f" * 40
    assert ensure_local_api_key(project) is not None  # a secret alone is not an API key
    monkeypatch.setenv(SECRET_KEY_ENV, "e" * 40)
    assert load_settings({"root": project}).auth.secret_key.get_secret_value() == "e" * 40
    monkeypatch.setenv(SECRET_KEY_ENV, "short")
    with pytest.raises(ValueError, match="at least 32 characters"):
        load_settings({"root": project})


def test_a_secret_key_is_generated_once_beside_the_api_key(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_KEY_ENV, raising=False)
    ensure_local_api_key(project)
    written = ensure_local_secret_key(project)
    assert written == local(project, "credentials.yml") and oct(written.stat().st_mode & 0o777) == "0o600"
    stored = yaml.safe_load(written.read_text())["scoring_api"]
    assert len(stored["secret_key"]) >= 48 and stored["api_keys"], "the API key is kept"
    assert ensure_local_secret_key(project) is None
    assert load_settings({"root": project}).auth.secret_key.get_secret_value() == stored["secret_key"]
    monkeypatch.setenv(SECRET_KEY_ENV, "e" * 40)
    local(project, "credentials.yml").unlink()
    assert ensure_local_secret_key(project) is None, "the environment's secret is enough"


def test_the_identity_provider_is_read_from_the_credentials_only(project: Path) -> None:
    assert load_settings({"root": project}).identity_provider is None
    provider = {
        "label": "Banque SSO",
        "server_metadata_url": "https://sso.example/.well-known/openid-configuration",
        "client_id": "credit-scoring",
        "client_secret": "s3cret",
        "roles": {"credit-advisers": "adviser"},
    }
    local(project, "credentials.yml").write_text(yaml.safe_dump({"identity_provider": provider}))
    settings = load_settings({"root": project}).identity_provider
    assert settings.label == "Banque SSO" and settings.client_secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    local(project, "credentials.yml").write_text(
        yaml.safe_dump({"identity_provider": {**provider, "roles": {"g": "boss"}}})
    )
    with pytest.raises(ValueError, match=r"roles\.g"):
        load_settings({"root": project})
