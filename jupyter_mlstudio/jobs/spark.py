"""Spark processing jobs: a PySpark script run with ``spark-submit``.

What SageMaker's ``PySparkProcessor`` takes maps onto one command line: ``submit_app`` is
the job's code, ``arguments`` its arguments, ``configuration`` (a list of
``{"Classification": ..., "Properties": {...}}``) becomes ``--conf`` options
(``spark-defaults``) and environment variables (``spark-env``'s ``export``), and
``spark_event_logs_s3_uri`` a folder the event logs are written to and delivered from.

The master is the spec's ``spark_master``, else the studio's (``MLSTUDIO_SPARK_MASTER``,
``c.MLStudio.spark_master``), else a local Spark with one core per instance
(``local[N]``) — PySpark from PyPI carries ``spark-submit``; Spark needs a Java runtime.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import SPARK_MASTER_ENV

SPARK_UI_OUTPUT = "spark_ui"
SPARK_EVENT_LOGS_OUTPUT = "spark_event_logs"
# Classifications of SageMaker's Spark configuration that a spark-submit can honour;
# the others (yarn-site, hadoop-env, …) configure a cluster SageMaker builds.
SPARK_DEFAULTS = "spark-defaults"
SPARK_ENV = "spark-env"


class SparkUnavailable(Exception):
    """spark-submit or Java cannot be found; the message says how to get them."""


@dataclass(frozen=True)
class SparkSubmit:
    """The command of a Spark processing job and what the job shows about it."""

    command: list[str]
    environment: dict[str, str]
    ui_url: str
    ignored: list[str]  # configuration classifications that were not applied


def spark_home() -> Path:
    """The Spark that PySpark ships (its ``bin/spark-submit``), or ``SPARK_HOME``."""
    configured = os.environ.get("SPARK_HOME")
    if configured and (Path(configured) / "bin" / "spark-submit").is_file():
        return Path(configured)
    try:
        import pyspark
    except ImportError:
        raise SparkUnavailable(
            "Spark processing jobs need PySpark: pip install 'jupyter-mlstudio[spark]' "
            "(or set SPARK_HOME to a Spark installation)."
        ) from None
    home = Path(pyspark.__file__).parent
    if not (home / "bin" / "spark-submit").is_file():
        raise SparkUnavailable(f"PySpark at {home} has no bin/spark-submit; set SPARK_HOME.")
    return home


def require_java() -> None:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise SparkUnavailable(
            "Spark needs a Java runtime (17 or newer): install one (on Debian: "
            "apt-get install default-jre-headless) or set JAVA_HOME."
        )


def spark_properties(configuration: Any) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(spark properties, environment, ignored classifications) of a configuration: a
    plain ``{"spark.x": value}`` mapping or SageMaker's list of classifications (nested
    ``Configurations`` as in ``spark-env`` → ``export``)."""
    if configuration is None:
        return {}, {}, []
    if isinstance(configuration, Mapping):
        if "Classification" in configuration:
            configuration = [configuration]
        else:
            return {str(k): _text(v) for k, v in configuration.items()}, {}, []
    properties: dict[str, str] = {}
    environment: dict[str, str] = {}
    ignored: list[str] = []
    for item in configuration:
        classification = item.get("Classification")
        if classification == SPARK_DEFAULTS:
            properties.update({str(k): _text(v) for k, v in item.get("Properties", {}).items()})
        elif classification == SPARK_ENV:
            for nested in item.get("Configurations", []):
                if nested.get("Classification") == "export":
                    environment.update(
                        {str(k): _text(v) for k, v in nested.get("Properties", {}).items()}
                    )
        else:
            ignored.append(str(classification))
    return properties, environment, ignored


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_submit(
    script: Path,
    arguments: Sequence[str],
    *,
    instance_count: int,
    master: str | None,
    configuration: Any,
    event_logs_dir: Path | None,
    py_files: Sequence[str] = (),
    jars: Sequence[str] = (),
    files: Sequence[str] = (),
) -> SparkSubmit:
    """The spark-submit command line of a processing job."""
    home = spark_home()
    master = master or os.environ.get(SPARK_MASTER_ENV) or f"local[{instance_count}]"
    properties, environment, ignored = spark_properties(configuration)
    ui_port = free_port()
    properties.setdefault("spark.ui.port", str(ui_port))
    properties.setdefault("spark.app.name", script.stem)
    if not master.startswith("local"):
        properties.setdefault("spark.executor.instances", str(instance_count))
    if event_logs_dir is not None:
        event_logs_dir.mkdir(parents=True, exist_ok=True)
        properties["spark.eventLog.enabled"] = "true"
        properties["spark.eventLog.dir"] = event_logs_dir.resolve().as_uri()
    command = [str(home / "bin" / "spark-submit"), "--master", master]
    for key, value in sorted(properties.items()):
        command += ["--conf", f"{key}={value}"]
    for flag, values in (("--py-files", py_files), ("--jars", jars), ("--files", files)):
        if values:
            command += [flag, ",".join(values)]
    command += [str(script), *arguments]
    environment = {
        "SPARK_HOME": str(home),
        # the driver and the executors run the job's own interpreter and packages
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        **environment,
    }
    ui_port = int(properties["spark.ui.port"])
    return SparkSubmit(
        command=command,
        environment=environment,
        ui_url=f"http://127.0.0.1:{ui_port}",
        ignored=ignored,
    )
