"""The model registry with real files, real processes and real SQLite (the store's
contract on both backends is in tests/stores/test_registry_store.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import jupyter_mlstudio as mls
from jupyter_mlstudio.errors import (
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
)
from jupyter_mlstudio.registry.format import save_sklearn_model

X, y = load_iris(return_X_y=True, as_frame=True)


def fitted(c: float = 1.0) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=500).fit(X, y)


def logged_run(c: float = 1.0, experiment: str = "iris") -> str:
    with mls.start_run(experiment, name=f"C={c}") as run:
        run.log_param("C", c)
        run.log_metric("accuracy", float(fitted(c).score(X, y)))
        run.log_model(fitted(c), X=X)
    return run.id


def test_register_from_a_run_copies_model_metrics_params_and_prefills_the_card() -> None:
    run_id = logged_run(0.5)
    version = mls.register(run_id, "iris-lr", description="baseline", tags={"team": "ml"})
    assert (version.name, version.version, version.approval_status) == (
        "iris-lr",
        1,
        "PendingManualApproval",
    )
    assert version.source_run_id == run_id and version.metrics["accuracy"] > 0.9
    assert version.params == {"C": "0.5"} and version.tags == {"team": "ml"}
    assert [c["name"] for c in version.signature["inputs"]] == list(X.columns)
    assert version.input_example[0]["sepal length (cm)"] == X.iloc[0, 0]
    assert version.library_versions["scikit-learn"]
    assert version.content_hash.startswith("sha256:") and version.size_bytes > 0
    assert "accuracy" in version.card["evaluation"] and "sepal" in version.card["training_data"]
    lineage = mls.studio().registry.lineage("iris-lr", 1)
    assert lineage["run"]["id"] == run_id and lineage["run"]["experiment_name"] == "iris"
    # the registered copy is independent of the run's artifacts
    assert "/models/" in version.artifact_uri
    model = mls.load_model("iris-lr", 1)
    assert (model.predict(X) == fitted(0.5).predict(X)).all()


def test_log_model_with_register_as_and_estimators_directly() -> None:
    with mls.start_run("iris") as run:
        version = run.log_model(fitted(), X=X, register_as="iris-lr")
    assert version.version == 1 and version.source_run_id == run.id
    direct = mls.register(fitted(2.0), "iris-lr", input_example=X.head(3))
    assert direct.version == 2 and direct.source_run_id is None
    assert len(direct.input_example) == 3
    assert [v.version for v in mls.list_model_versions("iris-lr")] == [2, 1]
    assert mls.get_model_version("iris-lr").version == 2  # newest by default
    assert mls.get_model("iris-lr").latest_version == 2


def test_versions_are_immutable() -> None:
    mls.register(logged_run(), "iris-lr")
    for field in ("artifact_uri", "metrics", "signature", "content_hash"):
        with pytest.raises(ConflictError, match="immutable"):
            mls.studio().registry.update_version("iris-lr", 1, **{field: "x"})
    changed = mls.update_model_version(
        "iris-lr", 1, description="now documented", card={"intended_use": "demos only"}
    )
    assert changed.description == "now documented"
    assert changed.card["intended_use"] == "demos only"
    assert changed.card["evaluation"]  # the rest of the card is kept
    with pytest.raises(InvalidArgumentError, match="Unknown model card fields"):
        mls.update_model_version("iris-lr", 1, card={"colour": "blue"})


def test_approvals_need_a_comment_and_keep_their_history() -> None:
    mls.register(logged_run(), "iris-lr")
    with pytest.raises(InvalidArgumentError, match="comment is required"):
        mls.set_approval("iris-lr", 1, "Approved", "  ")
    with pytest.raises(InvalidArgumentError, match="must be one of"):
        mls.set_approval("iris-lr", 1, "Shipped", "go")
    mls.set_approval("iris-lr", 1, "Approved", "validated on holdout")
    with pytest.raises(ConflictError, match="already Approved"):
        mls.set_approval("iris-lr", 1, "Approved", "again")
    version = mls.set_approval("iris-lr", 1, "Rejected", "drift found")
    assert version.approval_status == "Rejected"
    assert [(e.from_status, e.to_status, e.comment) for e in version.approvals] == [
        ("PendingManualApproval", "Approved", "validated on holdout"),
        ("Approved", "Rejected", "drift found"),
    ]
    card = mls.model_card("iris-lr", 1)
    assert "Approved → Rejected — drift found" in card and card.startswith("# Model card")


def test_aliases_point_at_one_version_and_move() -> None:
    for c in (0.5, 1.0):
        mls.register(logged_run(c), "iris-lr")
    mls.set_alias("iris-lr", "champion", 1)
    assert mls.get_model_version("iris-lr", alias="champion").version == 1
    moved = mls.set_alias("iris-lr", "champion", 2)
    assert moved.aliases == ("champion",)
    assert mls.get_model_version("iris-lr", 1).aliases == ()
    assert mls.get_model("iris-lr").aliases == {"champion": 2}
    assert mls.get_model_version("iris-lr", alias="latest").version == 2
    for bad in ("latest", "9lives", "has space"):
        with pytest.raises(InvalidArgumentError):
            mls.set_alias("iris-lr", bad, 1)
    with pytest.raises(NotFoundError, match="no version 7"):
        mls.set_alias("iris-lr", "challenger", 7)
    mls.delete_alias("iris-lr", "champion")
    with pytest.raises(NotFoundError, match="no alias 'champion'"):
        mls.get_model_version("iris-lr", alias="champion")


def test_alias_moves_are_atomic_for_readers() -> None:
    for c in (0.5, 1.0):
        mls.register(logged_run(c), "iris-lr")
    registry = mls.studio().registry
    registry.set_alias("iris-lr", "champion", 1)
    seen: set[int] = set()
    errors: list[Exception] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.add(registry.get_version("iris-lr", alias="champion").version)
            except Exception as exc:  # any miss is a failure of atomicity
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(100):
        registry.set_alias("iris-lr", "champion", 1 + i % 2)
    done.set()
    reader.join()
    assert errors == [] and seen == {1, 2}


REGISTER_MANY = """
import sys
import jupyter_mlstudio as mls
numbers = [mls.register(sys.argv[1], "shared").version for _ in range(int(sys.argv[2]))]
print(",".join(map(str, numbers)))
"""


def test_concurrent_registrations_from_two_processes_get_distinct_numbers(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    save_sklearn_model(fitted(), folder, X=X)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", REGISTER_MANY, str(folder), "15"],
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes)
    numbers = [int(n) for out in outputs for n in out.strip().split(",")]
    assert sorted(numbers) == list(range(1, 31))
    assert mls.get_model("shared").latest_version == 30


def test_loading_refuses_a_tampered_or_missing_artifact() -> None:
    version = mls.register(logged_run(), "iris-lr")
    folder = Path(version.artifact_uri.removeprefix("file://"))
    metadata = folder / "metadata.json"
    original = metadata.read_text()
    metadata.write_text(json.dumps({**json.loads(original), "note": "edited"}))
    with pytest.raises(InvalidArgumentError, match="changed after it was registered"):
        mls.load_model("iris-lr", 1)
    metadata.write_text(original)
    assert mls.load_model("iris-lr", 1) is not None
    for file in folder.iterdir():
        file.unlink()
    with pytest.raises(NotFoundError, match="artifact of iris-lr version 1 is missing"):
        mls.load_model("iris-lr", 1)


def test_loading_refuses_untrusted_types_unless_named() -> None:
    from custom_steps import Doubler

    model = make_pipeline(Doubler(), LogisticRegression(max_iter=500)).fit(X, y)
    mls.register(model, "custom", input_example=X)
    with pytest.raises(InvalidArgumentError, match=r"custom_steps\.Doubler") as refused:
        mls.load_model("custom")
    assert "trusted=['custom_steps.Doubler']" in refused.value.message
    loaded = mls.load_model("custom", trusted=["custom_steps.Doubler"])
    assert (loaded.predict(X) == model.predict(X)).all()


def test_deleting_a_model_with_versions_needs_force() -> None:
    version = mls.register(logged_run(), "iris-lr")
    with pytest.raises(ConflictError, match="force=True"):
        mls.delete_model("iris-lr")
    mls.delete_model("iris-lr", force=True)
    with pytest.raises(NotFoundError):
        mls.get_model("iris-lr")
    assert not Path(version.artifact_uri.removeprefix("file://")).exists()
    mls.studio().registry.create_group("empty")
    mls.delete_model("empty")  # no versions: no force needed


def test_a_model_version_in_use_is_never_deleted(tmp_path: Path) -> None:
    version = mls.register(logged_run(), "iris-lr")
    with pytest.raises(ConflictError, match="in use by endpoints"):
        mls.studio().stores.registry.delete_group(
            "iris-lr", force=True, in_use=frozenset({version.id})
        )
    assert mls.get_model_version("iris-lr", 1).id == version.id


def test_register_a_training_job_records_job_and_data_lineage(tmp_path: Path) -> None:
    data = tmp_path / "iris.csv"
    X.assign(target=y).to_csv(data, index=False)
    job = mls.train("logistic-regression", data=str(data), target="target")
    job.wait(timeout=120)
    version = mls.register(job, "iris-job")
    assert version.source_job_id == job.id and version.source_run_id == job.job.run_id
    assert version.data_ref is not None and version.data_ref["uri"] == str(data)
    assert version.data_ref["hash"].startswith("sha256:")
    assert "validation:accuracy" in version.metrics
    lineage = mls.studio().registry.lineage("iris-job", 1)
    assert lineage["job"]["name"] == job.name and lineage["job"]["status"] == "Completed"
    assert mls.load_model("iris-job").predict(X.head(2)).shape == (2,)


def test_bad_sources_are_refused_clearly() -> None:
    with mls.start_run("iris") as run:
        run.log_metric("m", 1)
    with pytest.raises(InvalidArgumentError, match="has no model under model/"):
        mls.register(run.id, "nothing")
    with pytest.raises(InvalidArgumentError, match="neither a run id nor a model folder"):
        mls.register("not-a-run", "nothing")
    with pytest.raises(InvalidArgumentError, match="Register a run, a job"):
        mls.register(42, "nothing")
    with pytest.raises(InvalidArgumentError, match="Model name"):
        mls.register(fitted(), "bad name!")


def test_a_training_job_registers_its_model_on_success(tmp_path: Path) -> None:
    data = tmp_path / "iris.csv"
    X.assign(target=y).to_csv(data, index=False)
    job = mls.train("ridge", data=str(data), target="target", register_as="iris-ridge")
    done = job.wait(timeout=120)
    assert done.outputs["registered_model"] == "iris-ridge/1"
    version = mls.get_model_version("iris-ridge", 1)
    assert version.source_job_id == job.id and "validation:r2" in version.metrics
    assert version.data_ref is not None and version.data_ref["uri"] == str(data)

    script = tmp_path / "no_model.py"
    script.write_text("print('trained nothing')\n")
    nothing = mls.train(str(script), register_as="iris-ridge")
    # training succeeded: the job completes and says why nothing was registered
    with pytest.warns(UserWarning, match="SM_MODEL_DIR.* is empty"):
        ended = nothing.wait(timeout=60)
    assert ended.status == "Completed" and ended.registration_error is not None
    assert mls.get_model("iris-ridge").latest_version == 1
