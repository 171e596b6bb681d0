"""The spool folder is per host: two servers sharing a project folder (two app servers on one machine, on two
ports, or two hosts on NFS) get two folders and never replay each other's records;
``CREDIT_SCORING_SPOOL_DIR`` names it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credit_scoring.api.config import load_settings
from credit_scoring.serving.decision_log import DecisionLog
from credit_scoring.spool import SPOOL_DIR_ENV, Spool, host_id, spool_dir
from tests.fixtures.decision_records import decision_record


def test_two_servers_on_one_machine_have_two_spool_folders(tmp_path: Path) -> None:
    first, second = host_id({"PORT": "8001"}), host_id({"PORT": "8002"})
    assert first != second and first.endswith("-8001")
    assert spool_dir(tmp_path, {"PORT": "8001"}) == tmp_path / "data/07_model_output/spool" / first
    assert spool_dir(tmp_path, {"PORT": "8001"}) != spool_dir(tmp_path, {"PORT": "8002"})
    assert "/" not in host_id({"PORT": "../../etc"})  # a file name, whatever the environment says
    assert spool_dir(tmp_path, {SPOOL_DIR_ENV: "/var/spool/app", "PORT": "1"}) == Path("/var/spool/app")
    assert spool_dir(tmp_path, {SPOOL_DIR_ENV: "spool-a"}) == tmp_path / "spool-a"


def test_the_settings_give_each_host_its_spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SPOOL_DIR_ENV, raising=False)
    server = {"root": str(tmp_path), "decision_log": {"url": "postgresql+psycopg://app@db:5432/app"}}
    paths = {}
    for port in ("8001", "8002"):
        monkeypatch.setenv("PORT", port)
        settings = load_settings(server)
        paths[port] = (settings.spool_path("prediction_log"), settings.spool_path("audit_events"))
    assert paths["8001"][0].parent == tmp_path / "data/07_model_output/spool" / host_id({"PORT": "8001"})
    assert paths["8001"][1].name == "audit_events.spool.jsonl"
    assert not set(paths["8001"]) & set(paths["8002"])
    monkeypatch.setenv(SPOOL_DIR_ENV, str(tmp_path / "chosen"))
    assert (
        load_settings(server).spool_path("audit_events") == tmp_path / "chosen" / "audit_events.spool.jsonl"
    )
    sqlite = load_settings({"root": str(tmp_path), "decision_log": {"url": "sqlite:///log.db"}})
    assert sqlite.spool_path("prediction_log").parent == tmp_path / "chosen"  # the variable wins everywhere
    monkeypatch.delenv(SPOOL_DIR_ENV)
    sqlite = load_settings({"root": str(tmp_path), "decision_log": {"url": "sqlite:///log.db"}})
    assert sqlite.spool_path("prediction_log") == tmp_path / "log.db.spool.jsonl"  # one machine's file


def test_a_host_replays_only_its_own_spool(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    host_a = DecisionLog(url, spool_path=tmp_path / "a" / "prediction_log.spool.jsonl", flush_interval_s=0)
    host_b = DecisionLog(url, spool_path=tmp_path / "b" / "prediction_log.spool.jsonl", flush_interval_s=0)
    host_a.spool.add([decision_record("spooled-by-a").to_row()])
    assert host_b.write([decision_record("b-1")]) is True
    assert host_a.spool.records() == 1  # b never touches a's spool
    assert [row["request_id"] for row in host_b.records()] == ["b-1"]
    assert host_a.write([decision_record("a-1")]) is True
    assert sorted(row["request_id"] for row in host_a.records()) == ["a-1", "b-1", "spooled-by-a"]
    assert host_a.spool.records() == 0


def test_a_spool_line_that_is_not_an_object_is_set_aside(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.jsonl", "Test")
    spool.path.write_text('[1, 2]\n{"a": 1}\n\n')
    seen: list[list[dict]] = []
    assert spool.replay(lambda rows: seen.append(rows) or len(rows)) == 1
    assert seen == [[{"a": 1}]]
    assert json.loads(spool.rejected_path.read_text())["line"] == "[1, 2]\n"
    assert not spool.pending()
