"""Spark processing jobs (SageMaker's PySparkProcessor): a PySpark script run with
spark-submit on a real local Spark (PySpark from PyPI, Debian's Java)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from jupyter_mlstudio.jobs.spark import spark_properties
from jupyter_mlstudio.jobs.specs import ProcessingSpec
from jupyter_mlstudio.studio import Studio

Script = Callable[[str, str], Path]

AGGREGATE = """
import os
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.getOrCreate()
print("master=" + spark.sparkContext.master)
print("shuffle_partitions=" + spark.conf.get("spark.sql.shuffle.partitions"))
print("flag=" + os.environ.get("MY_FLAG", "unset"))
frame = spark.read.csv(os.environ["MLSTUDIO_INPUT_RAW"], header=True, inferSchema=True)
totals = frame.groupBy("shop").agg(F.sum("amount").alias("total"), F.count("*").alias("rows"))
totals.write.parquet(os.environ["MLSTUDIO_OUTPUT_TOTALS"] + "/totals.parquet")
print(f"rows_read={frame.count()}")
spark.stop()
"""


def _csv_folder(folder: Path) -> pd.DataFrame:
    folder.mkdir()
    parts = [
        pd.DataFrame({"shop": [f"s{i % 3}" for i in range(k, k + 40)], "amount": range(k, k + 40)})
        for k in (0, 40, 80)
    ]
    for number, part in enumerate(parts):
        part.to_csv(folder / f"part-{number}.csv", index=False)
    return pd.concat(parts, ignore_index=True)


def test_a_pyspark_job_reads_a_csv_folder_and_writes_parquet(
    studio: Studio, script: Script, tmp_path: Path
) -> None:
    rows = _csv_folder(tmp_path / "raw")
    events = tmp_path / "events"
    job = studio.jobs.submit(
        ProcessingSpec(
            code=str(script("aggregate.py", AGGREGATE)),
            framework="spark",
            instance_count=2,
            inputs=[{"name": "raw", "source": str(tmp_path / "raw")}],
            outputs=[{"name": "totals"}],
            configuration=[
                {
                    "Classification": "spark-defaults",
                    "Properties": {"spark.sql.shuffle.partitions": "3"},
                },
                {
                    "Classification": "spark-env",
                    "Configurations": [
                        {"Classification": "export", "Properties": {"MY_FLAG": "on"}}
                    ],
                },
                {
                    "Classification": "yarn-site",
                    "Properties": {"yarn.nodemanager.vmem-check-enabled": "false"},
                },
            ],
            spark_event_logs_uri=str(events),
            metric_definitions=[{"name": "rows_read", "regex": r"rows_read=(\d+)"}],
        )
    )
    done = studio.jobs.wait(job.id, timeout=240)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)
    # instance_count is the local Spark's cores; SageMaker's classifications applied
    assert "master=local[2]" in log
    assert "shuffle_partitions=3" in log
    assert "flag=on" in log
    assert "configuration 'yarn-site' ignored" in log
    totals = pd.read_parquet(
        Path(done.outputs["totals"].removeprefix("file://")) / "totals.parquet"
    ).sort_values("shop", ignore_index=True)
    expected = (
        rows.groupby("shop")
        .agg(total=("amount", "sum"), rows=("amount", "size"))
        .reset_index()
        .sort_values("shop", ignore_index=True)
    )
    pd.testing.assert_frame_equal(totals, expected, check_dtype=False)
    assert done.run_id is not None
    assert studio.experiments.get_run(done.run_id).metrics["rows_read"] == len(rows)
    # the Spark UI's address was shown while it ran; the event logs are delivered
    assert done.outputs["spark_ui"].startswith("http://127.0.0.1:")
    assert done.outputs["spark_event_logs"] == str(events)
    assert any(events.iterdir())


def test_stopping_a_spark_job_ends_its_driver(studio: Studio, script: Script) -> None:
    code = script(
        "slow.py",
        """
        import time
        from pyspark.sql import SparkSession
        spark = SparkSession.builder.getOrCreate()
        print("spark is up", flush=True)
        time.sleep(600)
        """,
    )
    job = studio.jobs.submit(ProcessingSpec(code=str(code), framework="spark"))
    deadline = time.monotonic() + 180
    while "spark is up" not in studio.jobs.read_log(job.id).text:
        assert time.monotonic() < deadline, studio.jobs.read_log(job.id).text
        assert not studio.jobs.get(job.id).is_terminal, studio.jobs.read_log(job.id).text
        time.sleep(0.5)
    assert _drivers_of(code)  # the check below can see a driver
    studio.jobs.stop(job.id)
    done = studio.jobs.wait(job.id, timeout=60)
    assert done.status == "Stopped"
    # no JVM driver of this job is left behind
    deadline = time.monotonic() + 20
    while _drivers_of(code):
        assert time.monotonic() < deadline, _drivers_of(code)
        time.sleep(0.5)


def _drivers_of(code: Path) -> list[str]:
    """Processes whose command line names the script: spark-submit's JVM and the
    Python driver it starts."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        if any(str(code).encode() in arg for arg in args):
            found.append(b" ".join(args).decode(errors="replace")[:200])
    return found


def test_spark_options_without_spark_are_refused_with_the_reason() -> None:
    with pytest.raises(
        ValidationError, match="instance_count > 1, spark_master need framework 'spark'"
    ):
        ProcessingSpec(code="/x/prep.py", instance_count=2, spark_master="spark://h:7077")
    with pytest.raises(ValidationError, match=r"framework 'spark' runs a PySpark script \(.py\)"):
        ProcessingSpec(code="/x/prep.ipynb", framework="spark")


def test_configuration_in_either_shape() -> None:
    assert spark_properties({"spark.executor.memory": "2g", "spark.ui.enabled": False}) == (
        {"spark.executor.memory": "2g", "spark.ui.enabled": "false"},
        {},
        [],
    )
    one = {"Classification": "spark-defaults", "Properties": {"spark.driver.memory": "1g"}}
    assert spark_properties(one) == ({"spark.driver.memory": "1g"}, {}, [])
    assert spark_properties(None) == ({}, {}, [])


@pytest.fixture(autouse=True)
def _java_on_path() -> None:
    if not os.environ.get("JAVA_HOME") and not any(
        (Path(p) / "java").exists() for p in os.environ.get("PATH", "").split(os.pathsep)
    ):
        pytest.fail("Spark tests need Java: `make test` installs Debian's Java runtime")
