"""Project hooks: fail early, with a useful message, when the raw data is missing; measure every node."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline

logger = logging.getLogger(__name__)

HOW_TO_GET_DATA = (
    "Get data first, either:\n"
    "  - the demo data:  make data   (or: kedro run --pipelines demo_data), or\n"
    "  - the real Kaggle files: kaggle competitions download -c home-credit-default-risk, then unzip the\n"
    "    eight CSV files (application_train.csv, application_test.csv, bureau.csv, ...) into data/01_raw/."
)


class MissingRawDataError(FileNotFoundError):
    """Raised before a run whose raw inputs are not on disk."""


def missing_raw_files(pipeline: Pipeline, catalog: DataCatalog) -> list[str]:
    """Return the file paths of the pipeline's free raw inputs that do not exist."""
    missing = []
    for name in sorted(pipeline.inputs()):
        if name.startswith("params:") or name == "parameters" or name not in catalog:
            continue
        filepath = _filepath(catalog[name])
        if filepath is not None and "01_raw" in Path(filepath).parts and not Path(filepath).exists():
            missing.append(filepath)
    return missing


def _filepath(dataset: Any) -> str | None:
    described = dataset._describe() if hasattr(dataset, "_describe") else {}
    path = described.get("filepath") or getattr(dataset, "_filepath", None)
    return str(path) if path else None


class RawDataCheckHook:
    """Stops a run that needs raw files which are not in data/01_raw, saying how to get them."""

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: DataCatalog
    ) -> None:
        missing = missing_raw_files(pipeline, catalog)
        if missing:
            listed = "\n".join(f"  - {path}" for path in missing)
            raise MissingRawDataError(
                f"No raw data: these input files do not exist:\n{listed}\n{HOW_TO_GET_DATA}"
            )


SLOW_NODE_SECONDS = 10.0
"""Nodes that take at least this long get one INFO line with their time and memory."""
NODE_RESOURCES_ENV = "CREDIT_SCORING_NODE_RESOURCES"
"""Environment variable naming a file to which one JSON line per node is appended."""
SAMPLE_SECONDS = 0.2


def tree_rss(process: psutil.Process) -> int:
    """Resident memory (bytes) of a process plus its child processes (a Spark JVM, workers)."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


class _RssSampler:
    """Daemon thread keeping the peak resident memory of the process tree until `stop`."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._stopped = threading.Event()
        self.peak = tree_rss(self._process)
        self._thread = threading.Thread(target=self._run, name="node-rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, tree_rss(self._process))

    def stop(self) -> int:
        """Stop and join the thread; return the memory now (bytes), counted in the peak too."""
        self._stopped.set()
        self._thread.join()
        now = tree_rss(self._process)
        self.peak = max(self.peak, now)
        return now


@dataclass
class _NodeMeasure:
    name: str
    started_at: str
    wall_start: float = field(default_factory=time.perf_counter)
    cpu_start: float = field(default_factory=time.process_time)
    run_seconds: float | None = None
    sampler: _RssSampler = field(default_factory=_RssSampler)


class NodeResourceHook:
    """Wall time, CPU time and peak memory of every node: logged when slow, written as JSON lines on request.

    A node's measure spans loading its inputs, running it and saving its outputs (lazy Ibis expressions and
    generator nodes such as demo_data do their work while saved). It ends when the next node starts loading or
    running, or when the run ends or fails: it is meant for the SequentialRunner, Kedro's default.
    """

    def __init__(self) -> None:
        self._current: _NodeMeasure | None = None

    @hook_impl
    def before_dataset_loaded(self, dataset_name: str, node: Node) -> None:
        self._begin(node)

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        self._begin(node)

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        if self._current is not None and self._current.name == node.name:
            self._current.run_seconds = time.perf_counter() - self._current.wall_start

    @hook_impl
    def on_node_error(self, node: Node) -> None:
        self._finish()

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._finish()

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._finish()

    def _begin(self, node: Node) -> None:
        if self._current is not None and self._current.name == node.name:
            return
        self._finish()
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._current = _NodeMeasure(node.name, started_at)

    def _finish(self) -> None:
        measure, self._current = self._current, None
        if measure is None:
            return
        end_rss = measure.sampler.stop()
        wall = time.perf_counter() - measure.wall_start
        record = {
            "node": measure.name,
            "wall_s": round(wall, 3),
            "run_s": None if measure.run_seconds is None else round(measure.run_seconds, 3),
            "cpu_s": round(time.process_time() - measure.cpu_start, 3),
            "peak_rss_mb": round(measure.sampler.peak / 2**20, 1),
            "end_rss_mb": round(end_rss / 2**20, 1),
            "started_at": measure.started_at,
        }
        if wall >= SLOW_NODE_SECONDS:
            logger.info(
                "Node %s: %.1f s (CPU %.1f s), peak memory %.1f GB",
                measure.name, wall, record["cpu_s"], measure.sampler.peak / 2**30,
            )  # fmt: skip
        path = os.environ.get(NODE_RESOURCES_ENV)
        if path:
            with open(path, "a", encoding="utf-8") as file:
                file.write(json.dumps(record) + "\n")
