"""A Parquet dataset read and written by Spark, with its own session settings (master, app name, Spark
configuration), as the Ibis datasets of ``conf/spark`` have theirs: ``spark_master`` picks the cluster."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset
from kedro_datasets._typing import TablePreview


class SparkParquetDataset(AbstractDataset[Any, Any]):
    """Loads a Parquet file or folder as a Spark DataFrame; saves one as a folder of part files."""

    def __init__(
        self,
        *,
        filepath: str,
        master: str = "local[*]",
        app_name: str = "credit-scoring",
        spark_config: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = filepath
        self._master = master
        self._app_name = app_name
        self._spark_config = dict(spark_config or {})
        self._save_args = {"mode": "overwrite", **(save_args or {})}
        self.metadata = metadata
        self._use_this_python()

    def _use_this_python(self) -> None:
        """The Python workers of a local session run this interpreter (which has credit_scoring), not the
        first python3 of the PATH. Set before any session starts (pyspark reads it then); a cluster's
        executors use their own (PYSPARK_PYTHON or spark.pyspark.python of the cluster)."""
        if self._master.startswith("local"):
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    def _session(self) -> Any:
        from pyspark.sql import SparkSession  # noqa: PLC0415 (optional dependency: the spark extra)

        self._use_this_python()
        builder = SparkSession.builder.master(self._master).appName(self._app_name)
        for key, value in self._spark_config.items():
            builder = builder.config(key, str(value))
        return builder.getOrCreate()

    def _path(self) -> str:
        path = Path(self._filepath)
        return str(path if path.is_absolute() or "://" in self._filepath else path.resolve())

    def load(self) -> Any:
        return self._session().read.parquet(self._path())

    def save(self, data: Any) -> None:
        mode = self._save_args.get("mode", "overwrite")
        data.write.mode(mode).parquet(self._path())

    def preview(self, nrows: int = 5) -> TablePreview:
        """The first ``nrows`` rows for Kedro-Viz, read from the file (or folder of part files) with Arrow:
        a preview starts no Spark session."""
        import pyarrow.dataset as ds  # noqa: PLC0415

        frame = ds.dataset(self._filepath, format="parquet").head(nrows).to_pandas()
        return TablePreview(frame.to_dict(orient="split"))

    def _exists(self) -> bool:
        return Path(self._filepath).exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "master": self._master, "app_name": self._app_name}
