"""The artifact store on an S3 API (moto's server and ``s3_fs`` are in conftest). Runs
log and list artifacts there, a training job reads its channel from S3 and writes its model
there, the registry keeps the version there, and an endpoint loads it from there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sklearn.datasets import load_breast_cancer

import jupyter_mlstudio as mls
from jupyter_mlstudio.artifacts import ArtifactRepository
from jupyter_mlstudio.config import ARTIFACT_URI_ENV, StudioConfig
from jupyter_mlstudio.endpoints import EndpointStatus
from jupyter_mlstudio.jobs.specs import ProcessingSpec, TrainingSpec
from jupyter_mlstudio.studio import Studio

from .conftest import BUCKET

pytest.importorskip("s3fs")
pytest.importorskip("moto")


def _studio_on_s3(home: Path, prefix: str) -> Studio:
    """A studio with its database in ``home`` and its artifacts under s3://BUCKET/prefix."""
    return Studio(
        StudioConfig.resolve(
            home=home,
            store_uri=f"sqlite:///{home / 'mlstudio.db'}",
            artifact_uri=f"s3://{BUCKET}/{prefix}",
        )
    )


def test_runs_log_list_and_download_artifacts_on_s3(
    s3_fs: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ARTIFACT_URI_ENV, f"s3://{BUCKET}/runs-artifacts")
    studio = mls.configure()
    assert studio.config.artifact_uri.startswith("s3://")
    report = tmp_path / "report.txt"
    report.write_text("hello from s3\n")
    with mls.start_run(experiment="s3") as run:
        run.log_artifact(report, "reports/report.txt")
        run.log_dict({"a": 1}, "config.json")
    stored = studio.experiments.get_run(run.id)
    assert stored.artifact_uri.startswith(f"s3://{BUCKET}/runs-artifacts")
    repo = ArtifactRepository(stored.artifact_uri)
    assert repo.local_path is None  # really remote
    names = {item.path for item in repo.list()}
    assert {"reports", "config.json"} <= names
    assert [item.name for item in repo.list("reports")] == ["report.txt"]
    assert b"".join(repo.iter_chunks("reports/report.txt")) == b"hello from s3\n"
    # the objects are in the bucket, seen by a client of its own
    keys = s3_fs.find(f"{BUCKET}/runs-artifacts")
    assert any(key.endswith("reports/report.txt") for key in keys)


def test_a_job_reads_s3_writes_its_model_there_and_an_endpoint_serves_it(
    s3_fs: Any, tmp_path: Path
) -> None:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    data = X.iloc[:, :8].assign(target=y)
    with s3_fs.open(f"{BUCKET}/data/train.csv", "wb") as handle:
        handle.write(data.to_csv(index=False).encode())
    studio = _studio_on_s3(tmp_path / "home", "studio")
    try:
        job = studio.jobs.submit(
            TrainingSpec(
                algorithm="random-forest-classifier",
                hyperparameters={"n_estimators": 20},
                channels={"train": f"s3://{BUCKET}/data/train.csv"},
                target="target",
            )
        )
        done = studio.jobs.wait(job.id, timeout=180)
        log = studio.jobs.read_log(job.id).text
        assert done.status == "Completed", (done.failure_reason, log)
        assert done.artifact_uri.startswith(f"s3://{BUCKET}/studio/jobs/")
        outputs = s3_fs.find(f"{BUCKET}/studio/jobs/{job.id}")
        assert any("model" in key for key in outputs), outputs
        assert done.run_id is not None
        assert studio.experiments.get_run(done.run_id).metrics["validation:accuracy"] > 0.85

        version = studio.registry.register(studio.stores.jobs.get_job(job.id), "s3-cancer")
        assert version.artifact_uri.startswith(f"s3://{BUCKET}/studio/models/")
        model = studio.registry.load("s3-cancer", version.version)
        rows = data.drop(columns="target").iloc[:5]
        expected = model.predict(rows).tolist()  # type: ignore[attr-defined]

        endpoint = studio.endpoints.deploy("s3-endpoint", model="s3-cancer", timeout=120)
        try:
            assert endpoint.status is EndpointStatus.IN_SERVICE, endpoint.failure_reason
            assert studio.endpoints.predict("s3-endpoint", rows) == expected
        finally:
            studio.endpoints.delete("s3-endpoint")
    finally:
        studio.close()


def test_the_job_log_tails_from_s3(s3_env: str, tmp_path: Path) -> None:
    studio = _studio_on_s3(tmp_path / "home", "logs")
    try:
        code = tmp_path / "hello.py"
        code.write_text("print('line', 1, flush=True)\nprint('line', 2, flush=True)\n")
        job = studio.jobs.submit(ProcessingSpec(code=str(code)))
        done = studio.jobs.wait(job.id, timeout=120)
        assert done.status == "Completed", done.failure_reason
        chunk = studio.jobs.read_log(job.id)
        assert "line 1" in chunk.text and "line 2" in chunk.text
    finally:
        studio.close()


def test_a_log_replaced_since_it_was_listed_is_read_anew(s3_fs: Any) -> None:
    """A job's log is uploaded again while it runs; a reader whose cached details are
    older than the object must read the new object, not fail (s3fs: FileExpired)."""
    root = f"s3://{BUCKET}/replaced"
    reader = ArtifactRepository(root)
    with s3_fs.open(f"{BUCKET}/replaced/log.txt", "wb") as handle:
        handle.write(b"line 1\n")
    assert reader.read_range("log.txt", 0, 100) == (b"line 1\n", 7)
    reader.list()  # caches the object's details (its ETag)
    with s3_fs.open(f"{BUCKET}/replaced/log.txt", "wb") as handle:
        handle.write(b"line 1\nline 2\n")
    assert reader.read_range("log.txt", 0, 100) == (b"line 1\nline 2\n", 14)
