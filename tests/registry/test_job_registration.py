"""Registering what training jobs produce (issue 13, defects 7 and 8), with real job
processes and real SQLite: a version registered from a job's *run* keeps the job's data
lineage, and a script-mode model that is not our model folder leaves the job Completed
with a registration error that says what the registry expects."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sklearn.datasets import load_iris

import jupyter_mlstudio as mls
from jupyter_mlstudio.artifacts import ArtifactRepository
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.jobs.handle import RegistrationWarning
from jupyter_mlstudio.registry.service import data_reference

X, y = load_iris(return_X_y=True, as_frame=True)

JOBLIB_SCRIPT = """
import os

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

train = os.environ["SM_CHANNEL_TRAIN"]
frame = pd.concat(pd.read_csv(os.path.join(train, f)) for f in sorted(os.listdir(train)))
model = LogisticRegression(max_iter=500).fit(frame.drop(columns=["target"]), frame["target"])
joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
print("accuracy=0.97")
"""


@pytest.fixture
def channels(tmp_path: Path) -> dict[str, str]:
    train, validation = tmp_path / "train.csv", tmp_path / "validation.csv"
    X.assign(target=y).iloc[:120].to_csv(train, index=False)
    X.assign(target=y).iloc[120:].to_csv(validation, index=False)
    return {"train": str(train), "validation": str(validation)}


def test_registering_a_jobs_run_records_the_jobs_data_like_registering_the_job(
    channels: dict[str, str],
) -> None:
    job = mls.train(
        "logistic-regression",
        data=channels["train"],
        target="target",
        channels={"validation": channels["validation"]},
    )
    done = job.wait(timeout=120)
    assert done.run_id is not None

    # what the Register button of the run view does: the registry called with a run id
    from_run = mls.register(done.run_id, "iris-from-run")
    from_job = mls.register(job, "iris-from-job")

    train_ref = data_reference(channels["train"])
    assert train_ref["hash"].startswith("sha256:")
    assert from_run.source_job_id == job.id and from_run.source_run_id == done.run_id
    assert from_run.data_ref is not None
    assert from_run.data_ref["uri"] == channels["train"]
    assert from_run.data_ref["hash"] == train_ref["hash"]
    assert from_run.data_ref["channels"] == {
        "train": train_ref,
        "validation": data_reference(channels["validation"]),
    }
    assert from_run.data_ref == from_job.data_ref

    card = from_run.card["training_data"]
    assert f"Data: {channels['train']}" in card and train_ref["hash"] in card
    assert f"Channel validation: {channels['validation']}" in card
    assert card == from_job.card["training_data"]
    lineage = mls.studio().registry.lineage("iris-from-run", 1)
    assert lineage["data"] == from_run.data_ref
    assert lineage["job"]["id"] == job.id and lineage["run"]["id"] == done.run_id
    markdown = mls.model_card("iris-from-run", 1)
    assert train_ref["hash"] in markdown


def test_a_plain_run_still_has_no_data_lineage() -> None:
    with mls.start_run("iris") as run:
        run.log_model(load_iris_model(), X=X)
    version = mls.register(run.id, "iris-plain")
    assert version.data_ref is None and version.source_job_id is None


def load_iris_model() -> object:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=500).fit(X, y)


def test_register_as_on_a_joblib_script_keeps_the_job_completed(
    tmp_path: Path, channels: dict[str, str]
) -> None:
    script = tmp_path / "train_joblib.py"
    script.write_text(textwrap.dedent(JOBLIB_SCRIPT).lstrip())
    job = mls.train(
        str(script),
        channels={"train": channels["train"]},
        register_as="iris-joblib",
        metric_definitions=[{"name": "accuracy", "regex": r"accuracy=([0-9.]+)"}],
    )
    with pytest.warns(RegistrationWarning, match="Not registered as 'iris-joblib'"):
        done = job.wait(timeout=120)

    assert done.status == "Completed" and done.failure_reason is None
    error = done.registration_error
    assert error is not None and done.outputs["registration_error"] == error
    assert done.outputs["model"].endswith("/model")  # the trained model is kept
    assert "registered_model" not in done.outputs
    # the message names what is there, what is expected and how to produce it
    assert "has no model under" not in error
    assert "model.joblib" in error and "SM_MODEL_DIR" in error
    assert "model.skops" in error and "metadata.json" in error
    assert "run.log_model" in error and "save_sklearn_model" in error
    assert "model_fn" in error

    log = job.logs()
    assert log is not None and "the model was not registered" in log
    assert "job completed" in log and "job failed" not in log
    assert done.run_id is not None
    run = mls.get_run(done.run_id)
    assert run.status == "FINISHED" and run.metrics["accuracy"] == 0.97
    assert run.tags["mlstudio.registration_error"] == error
    with pytest.raises(mls.NotFoundError):
        mls.get_model("iris-joblib")

    # registering the run (or the job) later gives the same explanation, not
    # "the run has no model under model/"
    names = [a.name for a in ArtifactRepository(run.artifact_uri).list("model")]
    assert names == ["model.joblib"]
    with pytest.raises(InvalidArgumentError, match=r"model\.joblib") as from_run:
        mls.register(done.run_id, "iris-joblib")
    assert "has no model under" not in from_run.value.message
    assert "metadata.json" in from_run.value.message
    with pytest.raises(InvalidArgumentError, match=r"model\.joblib.*metadata\.json"):
        mls.register(job, "iris-joblib")


def test_register_as_on_a_script_that_saves_our_model_folder_registers_it(
    tmp_path: Path, channels: dict[str, str]
) -> None:
    script = tmp_path / "train_skops.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            from pathlib import Path

            import pandas as pd
            from sklearn.linear_model import LogisticRegression

            from jupyter_mlstudio.registry.format import save_sklearn_model

            frame = pd.read_csv(Path(os.environ["SM_CHANNEL_TRAIN"]) / "train.csv")
            X, y = frame.drop(columns=["target"]), frame["target"]
            model = LogisticRegression(max_iter=500).fit(X, y)
            save_sklearn_model(model, Path(os.environ["SM_MODEL_DIR"]), X=X)
            """
        ).lstrip()
    )
    job = mls.train(str(script), channels={"train": channels["train"]}, register_as="iris-skops")
    done = job.wait(timeout=120)
    assert done.registration_error is None and done.outputs["registered_model"] == "iris-skops/1"
    version = mls.get_model_version("iris-skops", 1)
    assert version.data_ref is not None and version.data_ref["uri"] == channels["train"]
    assert mls.load_model("iris-skops").predict(X.head(2)).shape == (2,)


def test_a_broken_model_folder_is_a_registration_error_too(tmp_path: Path) -> None:
    # metadata.json that is JSON but not an object: reading it raises AttributeError
    script = tmp_path / "broken.py"
    script.write_text(
        "import os\n"
        "folder = os.environ['SM_MODEL_DIR']\n"
        "open(os.path.join(folder, 'metadata.json'), 'w').write('[1, 2]')\n"
        "open(os.path.join(folder, 'model.skops'), 'wb').write(b'not a model')\n"
    )
    job = mls.train(str(script), register_as="broken")
    with pytest.warns(RegistrationWarning, match="Not registered as 'broken'"):
        done = job.wait(timeout=60)
    assert done.status == "Completed" and done.registration_error is not None
    with pytest.raises(mls.NotFoundError):
        mls.get_model("broken")
