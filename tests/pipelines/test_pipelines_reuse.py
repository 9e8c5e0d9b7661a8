"""An unchanged rerun of train → register → deploy registers no duplicate version and
leaves the endpoint as it is: RegisterModel and Deploy are Cached (the version and the
endpoint that serve the same model). Another model registers a new version, a Deploy of
another version is not reused, and a RegisterModel step with its cache off always
registers."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from jupyter_mlstudio.errors import MLStudioError
from jupyter_mlstudio.pipelines import (
    DeployStep,
    ParameterInteger,
    Pipeline,
    RegisterModelStep,
    TrainingStep,
)
from jupyter_mlstudio.pipelines.handle import ExecutionHandle
from jupyter_mlstudio.pipelines.reuse import reusable_result
from jupyter_mlstudio.studio import Studio


@pytest.fixture
def cancer_rows() -> int:
    return 120


def _statuses(handle: ExecutionHandle) -> dict[str, str]:
    return {s.name: s.status for s in handle.steps()}


def test_unchanged_rerun_reuses_version_and_endpoint(
    studio: Studio, tmp_path: Path, cancer_csv: Path
) -> None:
    trees = ParameterInteger("trees", default=5)
    train = TrainingStep(
        "train",
        algorithm="random-forest-classifier",
        data=str(cancer_csv),
        target="target",
        hyperparameters={"n_estimators": trees, "random_state": 0},
    )
    register = RegisterModelStep(
        "register", train.outputs["model"], "reuse-cancer", approval_status="Approved"
    )
    deploy = DeployStep(
        "deploy", "reuse-cancer", "reuse-ep", version=register.properties["ModelVersion"]
    )
    pipeline = Pipeline("reuse", steps=[train, register, deploy], parameters=[trees])
    try:
        first = pipeline.run(studio=studio, base_dir=tmp_path)
        assert first.wait(timeout=240).status == "Succeeded"
        assert _statuses(first) == {
            "train": "Succeeded",
            "register": "Succeeded",
            "deploy": "Succeeded",
        }
        generation = studio.endpoints.get("reuse-ep").generation
        # the version registered from the Training step's model keeps the job's lineage
        version = studio.registry.get_version("reuse-cancer", 1)
        trained = studio.jobs.find(first.step("train").job_id or "")
        assert (version.source_job_id, version.source_run_id) == (trained.id, trained.run_id)
        assert version.data_ref

        second = pipeline.run(studio=studio, base_dir=tmp_path)
        assert second.wait(timeout=60).status == "Succeeded"
        assert _statuses(second) == {"train": "Cached", "register": "Cached", "deploy": "Cached"}
        assert second.step("register").properties == {
            "ModelName": "reuse-cancer",
            "ModelVersion": 1,
        }
        assert second.step("register").cache_source == first.id
        assert [v.version for v in studio.registry.list_versions("reuse-cancer")] == [1]
        endpoint = studio.endpoints.get("reuse-ep")
        assert endpoint.generation == generation and endpoint.status == "InService"
        assert second.step("deploy").properties["EndpointName"] == "reuse-ep"

        # another model registers a new version; a Deploy of another version is not reused
        again = RegisterModelStep(
            "register", train.outputs["model"], "reuse-cancer", approval_status="Approved"
        )
        third = Pipeline("reuse-other", steps=[train, again], parameters=[trees]).run(
            studio=studio, base_dir=tmp_path, parameters={"trees": 6}
        )
        assert third.wait(timeout=240).status == "Succeeded"
        assert _statuses(third) == {"train": "Succeeded", "register": "Succeeded"}
        assert third.step("register").properties["ModelVersion"] == 2
        deploy_args = {"model_name": "reuse-cancer", "endpoint_name": "reuse-ep"}
        assert reusable_result(studio, "Deploy", {**deploy_args, "version": 2}, None) is None
        assert reusable_result(studio, "Deploy", deploy_args, None) is None  # newest: 2
        assert reusable_result(studio, "Deploy", {**deploy_args, "version": 1}, None)

        # the cache off: the same model registers again
        uncached = RegisterModelStep(
            "register",
            train.outputs["model"],
            "reuse-cancer",
            approval_status="Approved",
            cache=False,
        )
        fourth = Pipeline("reuse-uncached", steps=[train, uncached], parameters=[trees]).run(
            studio=studio, base_dir=tmp_path, parameters={"trees": 6}
        )
        assert fourth.wait(timeout=60).status == "Succeeded"
        assert fourth.step("register").status == "Succeeded"
        assert fourth.step("register").properties["ModelVersion"] == 3
    finally:
        with contextlib.suppress(MLStudioError):
            studio.endpoints.delete("reuse-ep")
