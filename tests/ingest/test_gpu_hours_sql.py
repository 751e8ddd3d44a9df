"""The raw-samples to GPU-hours SQL gives the importer's GPU-hours on DuckDB and on Spark SQL."""

from __future__ import annotations

import math
import shutil
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from workbench.ingest.nvidia_smi import read_query_csv

UUIDS = ["GPU-aaaaaaaa-0000-1111-2222-333344445555", "GPU-bbbbbbbb-0000-1111-2222-333344445555"]
MAX_GAP_S = 60.0
COLUMNS = ["energy_wh", "idle_energy_wh", "sample_count", "measured_samples", "coverage", "gap_seconds",
           "longest_gap_s"]


def gpu_hours_sql() -> str:
    return resources.files("workbench.ingest").joinpath("sql/gpu_hours.sql").read_text("utf-8")


@pytest.fixture
def small_log(tmp_path):
    """Two GPUs, uneven sampling across 01:00, a [N/A], a 4-hour outage, idle stretches."""
    rng = np.random.default_rng(7)
    rows = ["timestamp, uuid, power.draw [W], utilization.gpu [%]"]
    moments = list(np.cumsum(rng.uniform(5, 25, 600)) + 1735689600.0)  # from 2025-01-01 00:00 UTC
    moments += [moments[-1] + 4 * 3600 + 17 + step * 10 for step in range(40)]
    for position, moment in enumerate(moments):
        stamp = pd.Timestamp(moment, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for device, uuid in enumerate(UUIDS):
            power = "[N/A]" if (position, device) in ((100, 0), (101, 1)) else f"{rng.uniform(50, 400):.2f} W"
            utilization = "0 %" if (position // 50) % 3 == device else "87 %"
            rows.append(f"{stamp}, {uuid}, {power}, {utilization}")
    path = tmp_path / "small.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def samples_from(path) -> pd.DataFrame:
    frame = pd.read_csv(path, skipinitialspace=True)
    return pd.DataFrame({
        "device_key": frame["uuid"],
        "t_s": pd.to_datetime(frame["timestamp"], utc=True).astype("datetime64[us, UTC]").astype("int64") / 1e6,
        "power_w": pd.to_numeric(frame["power.draw [W]"].str.removesuffix(" W"), errors="coerce"),
        "utilization_pct": pd.to_numeric(frame["utilization.gpu [%]"].str.removesuffix(" %"), errors="coerce"),
    })


def importer_hours(path) -> pd.DataFrame:
    energy = read_query_csv(path, max_gap_s=MAX_GAP_S).tables["energy"]
    return energy.set_index(["device_key", "hour_utc"])[COLUMNS].sort_index()


def assert_same_hours(sql: pd.DataFrame, expected: pd.DataFrame) -> None:
    sql = sql.set_index(["device_key", "hour_utc"])[COLUMNS].sort_index()
    assert list(sql.index) == list(expected.index)
    for column in COLUMNS:
        left, right = sql[column].to_numpy(float), expected[column].to_numpy(float)
        assert np.array_equal(np.isnan(left), np.isnan(right)), column
        assert left[~np.isnan(left)] == pytest.approx(right[~np.isnan(right)], rel=1e-9, abs=1e-9), column


def test_sql_on_duckdb_equals_importer(small_log):
    import duckdb

    expected = importer_hours(small_log)
    con = duckdb.connect()
    con.register("samples", samples_from(small_log))
    con.execute(f"CREATE VIEW gpu_hours_params AS SELECT CAST({MAX_GAP_S} AS DOUBLE) AS max_gap_s")
    result = con.execute(gpu_hours_sql()).df()

    assert_same_hours(result, expected)
    assert expected["gap_seconds"].max() == 3600.0
    assert expected["energy_wh"].sum() > 0


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_sql_on_spark_equals_importer(small_log, monkeypatch):
    pyspark = pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime")
    from pyspark.sql import SparkSession
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    expected = importer_hours(small_log)
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    spark = (SparkSession.builder.master("local[1]").appName("gpu-hours-sql")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    try:
        schema = StructType([StructField("device_key", StringType()), StructField("t_s", DoubleType()),
                             StructField("power_w", DoubleType()), StructField("utilization_pct", DoubleType())])
        # Spark keeps NaN as a number, not as NULL, so missing readings are passed as None.
        records = [(row[0], *(None if math.isnan(value) else float(value) for value in row[1:]))
                   for row in samples_from(small_log).itertuples(index=False)]
        spark.createDataFrame(records, schema).createOrReplaceTempView("samples")
        spark.sql(f"SELECT CAST({MAX_GAP_S} AS DOUBLE) AS max_gap_s").createOrReplaceTempView("gpu_hours_params")
        result = pd.DataFrame([row.asDict() for row in spark.sql(gpu_hours_sql()).collect()])
    finally:
        spark.stop()
    assert pyspark.__version__
    assert_same_hours(result, expected)
