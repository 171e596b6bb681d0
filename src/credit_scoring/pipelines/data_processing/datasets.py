"""An Ibis file dataset whose Spark connection is configured entirely in the catalog.

kedro-datasets' ``ibis.FileDataset`` passes its connection settings to ``ibis.pyspark.connect()``, which can
only adopt an existing SparkSession (its keyword arguments become runtime SQL settings): the master URL, the
driver memory or the UI switch cannot be set from YAML. This subclass builds the SparkSession from the
``connection`` block first (``master``, ``app_name``, ``spark_config``), then hands it to Ibis. Other backends
are unchanged. ``preview()`` shows a table's first rows in Kedro-Viz.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from ibis import BaseBackend
from kedro_datasets._typing import TablePreview
from kedro_datasets.ibis import FileDataset

DEFAULT_MASTER = "local[*]"


class IbisFileDataset(FileDataset):
    """``ibis.FileDataset`` plus a catalog-configured SparkSession for ``backend: pyspark``.

    Example (``conf/spark/catalog_data_processing.yml``)::

        connection:
          backend: pyspark
          master: local[*]            # or spark://host:7077, yarn, k8s://...
          app_name: credit-scoring
          spark_config:
            spark.sql.shuffle.partitions: 8
    """

    def _connect(self) -> BaseBackend:
        config: dict[str, Any] = deepcopy(self._connection_config)
        if config.get("backend") != "pyspark":
            return super()._connect()
        import ibis  # noqa: PLC0415
        from pyspark.sql import SparkSession  # noqa: PLC0415

        builder = SparkSession.builder.master(str(config.get("master") or DEFAULT_MASTER))
        builder = builder.appName(str(config.get("app_name") or "credit-scoring"))
        for key, value in (config.get("spark_config") or {}).items():
            builder = builder.config(key, str(value))
        return ibis.pyspark.connect(builder.getOrCreate())

    def preview(self, nrows: int = 5) -> TablePreview:
        """The first ``nrows`` rows for Kedro-Viz, as ``pandas.ParquetDataset.preview`` gives them ("split"
        orientation). Read from the file itself, never through the engine: a preview starts no Spark
        session and registers no table in the shared DuckDB connection; a raw CSV shows text, as loaded."""
        import pandas as pd  # noqa: PLC0415
        import pyarrow.dataset as ds  # noqa: PLC0415

        path = str(self._get_load_path())
        filesystem = self._filesystem() if self._fs_prefix else None
        if self._file_format == "parquet":  # a file, or the folder of part files Spark writes
            frame = ds.dataset(path, format="parquet", filesystem=filesystem).head(nrows).to_pandas()
        elif self._file_format == "csv":
            frame = pd.read_csv(self._fs_prefix + path, nrows=nrows, dtype=str, keep_default_na=False)
        else:
            frame = self.load().head(nrows).to_pandas()
        return TablePreview(frame.to_dict(orient="split"))
