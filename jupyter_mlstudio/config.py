"""Where the studio keeps its state, resolved the same way by the SDK and the server.

Precedence: explicit argument (server traitlet) > environment variable > default under
the home folder. The defaults need no setup: SQLite and a local artifact folder under
``$MLSTUDIO_HOME`` (``~/.mlstudio``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "MLSTUDIO_HOME"
STORE_URI_ENV = "MLSTUDIO_STORE_URI"
ARTIFACT_URI_ENV = "MLSTUDIO_ARTIFACT_URI"
JOB_EXECUTOR_ENV = "MLSTUDIO_JOB_EXECUTOR"
DASK_ADDRESS_ENV = "MLSTUDIO_DASK_ADDRESS"
SPARK_MASTER_ENV = "MLSTUDIO_SPARK_MASTER"
ONLINE_STORE_URI_ENV = "MLSTUDIO_ONLINE_STORE_URI"
MAX_CONCURRENT_JOBS_ENV = "MLSTUDIO_MAX_CONCURRENT_JOBS"
SERVER_ROOT_ENV = "MLSTUDIO_SERVER_ROOT"  # the file browser's root, exported to kernels


def default_home() -> Path:
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".mlstudio").expanduser()


@dataclass(frozen=True)
class StudioConfig:
    home: Path
    store_uri: str
    artifact_uri: str
    job_executor: str = "local"  # or "dask"
    dask_address: str = ""  # scheduler address for the dask executor
    max_concurrent_jobs: int | None = None  # local executor; default: number of cores
    spark_master: str = ""  # Spark processing jobs; default: a local Spark per job
    # Feature Store online store: SQLAlchemy or redis:// URL; "" picks the default
    online_store_uri: str = ""

    @classmethod
    def resolve(
        cls,
        home: str | os.PathLike[str] | None = None,
        store_uri: str | None = None,
        artifact_uri: str | None = None,
        job_executor: str | None = None,
        dask_address: str | None = None,
        max_concurrent_jobs: int | None = None,
        spark_master: str | None = None,
        online_store_uri: str | None = None,
    ) -> StudioConfig:
        home_path = Path(home).expanduser() if home else default_home()
        store = store_uri or os.environ.get(STORE_URI_ENV) or _sqlite_uri(home_path / "mlstudio.db")
        artifacts = (
            artifact_uri
            or os.environ.get(ARTIFACT_URI_ENV)
            or (home_path / "artifacts").resolve().as_uri()
        )
        concurrency = max_concurrent_jobs or os.environ.get(MAX_CONCURRENT_JOBS_ENV) or None
        return cls(
            home=home_path,
            store_uri=store,
            artifact_uri=artifacts,
            job_executor=job_executor or os.environ.get(JOB_EXECUTOR_ENV) or "local",
            dask_address=dask_address or os.environ.get(DASK_ADDRESS_ENV) or "",
            max_concurrent_jobs=int(concurrency) if concurrency else None,
            spark_master=spark_master or os.environ.get(SPARK_MASTER_ENV) or "",
            online_store_uri=online_store_uri or os.environ.get(ONLINE_STORE_URI_ENV) or "",
        )


def _sqlite_uri(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"
