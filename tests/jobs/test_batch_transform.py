"""Batch transform jobs: a registered model scored over files by real job processes,
in chunks (local executor) or by partition on a real Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import jupyter_mlstudio as mls
from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.jobs.specs import BatchTransformSpec
from jupyter_mlstudio.studio import Studio

DATA = load_breast_cancer(as_frame=True)
FEATURES = list(DATA.data.columns)


def cancer_frame() -> pd.DataFrame:
    frame = DATA.frame.copy()
    frame.insert(0, "id", [f"row-{i}" for i in range(len(frame))])
    return frame


@pytest.fixture
def model(studio: Studio) -> Any:
    """A fitted classifier, registered as ``cancer`` version 1 (named columns)."""
    estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    estimator.fit(DATA.data, DATA.target)
    studio.registry.register(estimator, "cancer", input_example=DATA.data.head())
    return estimator


@pytest.fixture
def cancer_csv(tmp_path: Path) -> Path:
    path = tmp_path / "score" / "cancer.csv"
    path.parent.mkdir()
    cancer_frame().to_csv(path, index=False)
    return path


def read_parts(folder: Path, suffix: str = "parquet") -> list[pd.DataFrame]:
    parts = sorted(folder.glob(f"part-*.{suffix}"))
    if suffix == "csv":
        return [pd.read_csv(p) for p in parts]
    return [pd.read_parquet(p) for p in parts]


def completed(studio: Studio, job_id: str) -> Any:
    done = studio.jobs.wait(job_id, timeout=180)
    assert done.status == "Completed", (done.failure_reason, studio.jobs.read_log(job_id).text)
    return done


def test_csv_scored_in_chunks_equals_in_process_predict(
    studio: Studio, model: Any, cancer_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "predictions"
    job = studio.jobs.batch_transform(
        "cancer",
        str(cancer_csv),
        str(out),
        chunk_rows=100,  # 569 rows: six chunks
        join_input_columns=["id", "target"],
        probabilities=True,
    )
    assert job.kind == "batch-transform"
    done = completed(studio, job.id)
    parts = read_parts(out)
    assert len(parts) == 1 and [p.name for p in sorted(out.iterdir())] == ["part-00000.parquet"]
    result = parts[0]
    frame = cancer_frame()
    assert list(result.columns) == ["id", "target", "prediction", "probability_0", "probability_1"]
    assert result["id"].tolist() == frame["id"].tolist()
    np.testing.assert_array_equal(result["prediction"], model.predict(frame[FEATURES]))
    np.testing.assert_allclose(
        result[["probability_0", "probability_1"]], model.predict_proba(frame[FEATURES])
    )
    assert done.outputs == {"predictions": str(out)}
    assert done.progress == 1.0
    run = studio.experiments.get_run(done.run_id)
    assert run.metrics["rows_scored"] == len(frame) and run.metrics["rows_per_second"] > 0
    assert run.params["model"] == "cancer" and run.params["model_version"] == "1"
    history = studio.experiments.get_metric_history(done.run_id, "rows_scored")
    assert [m.value for m in history] == [100, 200, 300, 400, 500, 569]
    log = studio.jobs.read_log(job.id).text
    assert "cancer.csv: 569 rows scored" in log


def test_folder_of_parquet_files_one_output_per_input(
    studio: Studio, model: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    frame = cancer_frame()
    pieces = [frame.iloc[:200], frame.iloc[200:400], frame.iloc[400:]]
    for i, piece in enumerate(pieces):
        piece.to_parquet(folder / f"batch-{i}.parquet", index=False)
    (folder / "notes.txt").write_text("not data")
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00007.parquet").write_text("left over from an earlier run")
    job = studio.jobs.batch_transform(
        "cancer", str(folder), str(out), chunk_rows=64, join_input_columns="all"
    )
    completed(studio, job.id)
    parts = read_parts(out)
    assert [p.name for p in sorted(out.iterdir())] == [f"part-0000{i}.parquet" for i in range(3)]
    for piece, part in zip(pieces, parts, strict=True):
        assert list(part.columns) == [*frame.columns, "prediction"]
        np.testing.assert_array_equal(part["prediction"], model.predict(piece[FEATURES]))
        pd.testing.assert_frame_equal(part[FEATURES], piece[FEATURES].reset_index(drop=True))


def test_csv_output_version_and_alias(studio: Studio, model: Any, cancer_csv: Path) -> None:
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(DATA.data, DATA.target)
    studio.registry.register(forest, "cancer", input_example=DATA.data.head())
    studio.registry.set_alias("cancer", "champion", 1)
    frame = cancer_frame()
    outputs = {}
    for label, options in {
        "newest": {},
        "pinned": {"version": 1},
        "alias": {"alias": "champion"},
    }.items():
        out = cancer_csv.parent / label
        job = studio.jobs.batch_transform(
            "cancer",
            str(cancer_csv),
            str(out),
            output_format="csv",
            prediction_column="malignant",
            **options,
        )
        completed(studio, job.id)
        (part,) = read_parts(out, "csv")
        assert list(part.columns) == ["malignant"]
        outputs[label] = part["malignant"].to_numpy()
    np.testing.assert_array_equal(outputs["newest"], forest.predict(frame[FEATURES]))
    np.testing.assert_array_equal(outputs["pinned"], model.predict(frame[FEATURES]))
    np.testing.assert_array_equal(outputs["alias"], model.predict(frame[FEATURES]))


def test_relative_paths_resolve_against_the_callers_folder(
    studio: Studio, model: Any, cancer_csv: Path
) -> None:
    job = studio.jobs.batch_transform("cancer", "cancer.csv", "rel-out", base_dir=cancer_csv.parent)
    assert job.spec["input"] == str(cancer_csv)
    assert job.spec["output"] == str(cancer_csv.parent / "rel-out")
    completed(studio, job.id)
    with pytest.raises(InvalidArgumentError, match=r"input: '\.\./x\.csv' must be a path relative"):
        studio.jobs.batch_transform(
            "cancer", "../x.csv", "out", base_dir=cancer_csv.parent, within_base=True
        )


def test_submit_refuses_what_would_fail(
    studio: Studio, model: Any, cancer_csv: Path, tmp_path: Path
) -> None:
    missing = cancer_frame().drop(columns=["mean area"])
    bad = tmp_path / "no-area.csv"
    missing.to_csv(bad, index=False)
    out = str(tmp_path / "out")
    with pytest.raises(InvalidArgumentError, match=r"no-area\.csv has no column 'mean area'"):
        studio.jobs.batch_transform("cancer", str(bad), out)
    with pytest.raises(InvalidArgumentError, match=r"join_input_columns: .*'ident'"):
        studio.jobs.batch_transform("cancer", str(cancer_csv), out, join_input_columns=["ident"])
    with pytest.raises(InvalidArgumentError, match=r"model: .*'nope'"):
        studio.jobs.batch_transform("nope", str(cancer_csv), out)
    with pytest.raises(InvalidArgumentError, match=r"model: .*version 9"):
        studio.jobs.batch_transform("cancer", str(cancer_csv), out, version=9)
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        studio.jobs.batch_transform("cancer", str(tmp_path / "gone.csv"), out)
    with pytest.raises(InvalidArgumentError, match="not both"):
        studio.jobs.batch_transform("cancer", str(cancer_csv), out, version=1, alias="x")
    (tmp_path / "data.txt").write_text("a,b\n1,2\n")
    with pytest.raises(InvalidArgumentError, match="input_format"):
        studio.jobs.batch_transform("cancer", str(tmp_path / "data.txt"), out)
    with pytest.raises(InvalidArgumentError, match="already has a column 'target'"):
        studio.jobs.batch_transform(
            "cancer",
            str(cancer_csv),
            out,
            join_input_columns="all",
            prediction_column="target",
        )
    assert studio.stores.jobs.count_jobs() == 0


def test_a_bad_value_fails_the_job_naming_file_rows_and_column(
    studio: Studio, model: Any, tmp_path: Path
) -> None:
    frame = cancer_frame().astype({"mean texture": object})
    frame.loc[250, "mean texture"] = "n/a?"
    path = tmp_path / "dirty.csv"
    frame.to_csv(path, index=False)
    job = studio.jobs.batch_transform("cancer", str(path), str(tmp_path / "out"), chunk_rows=100)
    done = studio.jobs.wait(job.id, timeout=120)
    assert done.status == "Failed"
    assert done.failure_reason == (
        "dirty.csv, rows 200-299: column 'mean texture' should hold numbers (float64) "
        "but row 250 has 'n/a?'."
    )


def test_sdk_batch_transform_with_a_dataframe(studio: Studio, tmp_path: Path) -> None:
    mls.configure()  # the SDK's studio: the same home as the fixture's
    estimator = LogisticRegression(max_iter=5000).fit(DATA.data, DATA.target)
    mls.register(estimator, "cancer-lr", input_example=DATA.data.head())
    handle = mls.batch_transform(
        "cancer-lr",
        DATA.data.iloc[:50],
        str(tmp_path / "sdk-out"),
        chunk_rows=20,
        wait=True,
    )
    assert handle.status == "Completed"
    assert handle.metrics["rows_scored"] == 50
    (part,) = read_parts(tmp_path / "sdk-out")
    np.testing.assert_array_equal(part["prediction"], estimator.predict(DATA.data.iloc[:50]))
    assert [j.kind for j in mls.list_jobs(kind="batch-transform")] == ["batch-transform"]


def test_spec_validation() -> None:
    spec = BatchTransformSpec(model="m", input="in.csv", output="out")
    assert (spec.kind, spec.chunk_rows, spec.output_format) == (
        "batch-transform",
        10_000,
        "parquet",
    )
    with pytest.raises(ValueError, match="chunk_rows"):
        BatchTransformSpec(model="m", input="in.csv", output="out", chunk_rows=0)
    with pytest.raises(ValueError, match="also a joined input column"):
        BatchTransformSpec(model="m", input="i", output="o", join_input_columns=["prediction"])


# -- on a Dask cluster -------------------------------------------------------------------
def test_dask_executor_scores_by_partition(cluster: Any, tmp_path: Path) -> None:
    studio = Studio(
        StudioConfig.resolve(job_executor="dask", dask_address=cluster.scheduler_address)
    )
    try:
        estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        estimator.fit(DATA.data, DATA.target)
        studio.registry.register(estimator, "cancer", input_example=DATA.data.head())
        folder = tmp_path / "inputs"
        folder.mkdir()
        frame = cancer_frame()
        frame.iloc[:300].to_csv(folder / "a.csv", index=False)
        frame.iloc[300:].to_parquet(folder / "b.parquet", index=False)
        out = tmp_path / "out"
        job = studio.jobs.batch_transform(
            "cancer", str(folder), str(out), chunk_rows=100, join_input_columns=["id"]
        )
        assert job.executor == "dask"
        done = completed(studio, job.id)
        parts = read_parts(out)
        assert len(parts) >= 2  # the CSV was split into partitions
        result = pd.concat(parts, ignore_index=True)
        assert result["id"].tolist() == frame["id"].tolist()
        np.testing.assert_array_equal(result["prediction"], estimator.predict(frame[FEATURES]))
        run = studio.experiments.get_run(done.run_id)
        assert run.metrics["rows_scored"] == len(frame)
        assert "on the Dask cluster" in studio.jobs.read_log(job.id).text

        dirty = cancer_frame().astype({"mean texture": object})
        dirty.loc[250, "mean texture"] = "n/a?"
        dirty.to_csv(tmp_path / "dirty.csv", index=False)
        bad = studio.jobs.batch_transform(
            "cancer", str(tmp_path / "dirty.csv"), str(tmp_path / "bad-out"), chunk_rows=100
        )
        failed = studio.jobs.wait(bad.id, timeout=180)
        assert failed.status == "Failed"
        assert failed.failure_reason is not None
        assert "dirty.csv, rows 200-299: column 'mean texture'" in failed.failure_reason
    finally:
        studio.close()
