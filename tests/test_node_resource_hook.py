"""NodeResourceHook measures a node's time and memory, writes JSON lines on request and leaks no thread."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from kedro.pipeline import Node

from credit_scoring import hooks
from credit_scoring.hooks import NODE_RESOURCES_ENV, NodeResourceHook

ALLOCATED_MB = 200


def allocate_and_sleep(size_mb: int) -> int:
    """Touch `size_mb` MB of memory, hold it for half a second, return a checksum."""
    block = np.ones(size_mb * 2**20 // 8)
    time.sleep(0.5)
    return int(block[:10].sum())


@pytest.fixture
def node() -> Node:
    return Node(allocate_and_sleep, "params:size_mb", "checksum", name="allocate_node")


def run_measured(hook: NodeResourceHook, node: Node) -> None:
    """The hook calls of a SequentialRunner run of one node."""
    hook.before_dataset_loaded(dataset_name="params:size_mb", node=node)
    hook.before_node_run(node=node)
    node.run({"params:size_mb": ALLOCATED_MB})
    hook.after_node_run(node=node)
    hook.after_pipeline_run()


def test_writes_one_json_line_with_plausible_figures(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "nodes.jsonl"
    monkeypatch.setenv(NODE_RESOURCES_ENV, str(out))
    run_measured(NodeResourceHook(), node)
    (line,) = out.read_text().splitlines()
    record = json.loads(line)
    assert record["node"] == "allocate_node"
    assert 0.5 <= record["wall_s"] < 10
    assert 0.5 <= record["run_s"] <= record["wall_s"]
    assert 0 < record["cpu_s"] < record["wall_s"]
    assert record["peak_rss_mb"] >= ALLOCATED_MB
    assert record["end_rss_mb"] > 0
    assert record["started_at"].endswith("+00:00")


def test_writes_no_file_without_the_variable(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(NODE_RESOURCES_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    run_measured(NodeResourceHook(), node)
    assert list(tmp_path.iterdir()) == []


def test_the_sampler_thread_stops_after_the_run(node: Node) -> None:
    before = threading.active_count()
    hook = NodeResourceHook()
    hook.before_node_run(node=node)
    assert threading.active_count() == before + 1
    run_measured(hook, node)
    assert threading.active_count() == before


def test_a_node_error_stops_the_sampler(node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "nodes.jsonl"
    monkeypatch.setenv(NODE_RESOURCES_ENV, str(out))
    before = threading.active_count()
    hook = NodeResourceHook()
    hook.before_node_run(node=node)
    hook.on_node_error(node=node)
    assert threading.active_count() == before
    assert json.loads(out.read_text())["run_s"] is None


def test_the_next_node_ends_the_measure_of_the_previous_one(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "nodes.jsonl"
    monkeypatch.setenv(NODE_RESOURCES_ENV, str(out))
    other = Node(allocate_and_sleep, "params:size_mb", "other_checksum", name="other_node")
    hook = NodeResourceHook()
    hook.before_node_run(node=node)
    hook.after_node_run(node=node)
    hook.before_dataset_loaded(dataset_name="params:size_mb", node=other)
    assert [json.loads(line)["node"] for line in out.read_text().splitlines()] == ["allocate_node"]
    hook.after_pipeline_run()
    assert len(out.read_text().splitlines()) == 2


def test_logs_only_slow_nodes(
    node: Node, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(NODE_RESOURCES_ENV, raising=False)
    with caplog.at_level(logging.INFO, logger=hooks.__name__):
        run_measured(NodeResourceHook(), node)
        assert hook_messages(caplog) == []
        monkeypatch.setattr(hooks, "SLOW_NODE_SECONDS", 0.1)
        run_measured(NodeResourceHook(), node)
    (message,) = hook_messages(caplog)
    assert message.startswith("Node allocate_node: ")
    assert "s (CPU " in message
    assert "peak memory" in message


def hook_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The hook's own log lines (Kedro logs every node it runs too)."""
    return [record.getMessage() for record in caplog.records if record.name == hooks.__name__]
