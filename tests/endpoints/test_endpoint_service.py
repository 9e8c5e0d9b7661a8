"""The endpoint lifecycle with real serving processes: deploy, predict, update, a failed
deploy, restart after the process is gone, adoption by a new service, and delete."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.endpoints import EndpointStatus
from jupyter_mlstudio.errors import AlreadyExistsError, ConflictError, NotFoundError
from jupyter_mlstudio.studio import Studio

X, y = load_breast_cancer(return_X_y=True, as_frame=True)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    home = tmp_path_factory.mktemp("endpoints-home")
    studio = Studio(
        StudioConfig.resolve(
            home=home,
            store_uri=f"sqlite:///{home / 'mlstudio.db'}",
            artifact_uri=(home / "artifacts").as_uri(),
        )
    )
    for seed in (1, 2):
        model = RandomForestClassifier(n_estimators=10, random_state=seed).fit(X, y)
        studio.registry.register(model, "cancer", input_example=X)
    yield studio
    for endpoint in studio.endpoints.store.all():
        studio.endpoints.delete(endpoint.name)
    studio.close()


def _model(studio: Studio, version: int) -> object:
    return studio.registry.load("cancer", version)


def test_deploy_predict_and_the_token(studio: Studio) -> None:
    service = studio.endpoints
    endpoint = service.deploy("one", model="cancer", alias="latest", instances=1, timeout=120)
    assert endpoint.status is EndpointStatus.IN_SERVICE, endpoint.failure_reason
    assert endpoint.port and endpoint.pid and endpoint.url == f"http://127.0.0.1:{endpoint.port}"
    assert [(v.model, v.version) for v in endpoint.variants] == [("cancer", 2)]
    assert "token" not in endpoint.config
    expected = _model(studio, 2).predict(X.iloc[:5])  # type: ignore[attr-defined]
    assert service.predict("one", X.iloc[:5]) == expected.tolist()
    assert service.predict("one", X.iloc[:2].to_dict("records")) == expected[:2].tolist()
    # the direct port wants the token
    connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=10)
    connection.request(
        "POST", "/invocations", body="{}", headers={"Content-Type": "application/json"}
    )
    assert connection.getresponse().status == 401
    connection.close()
    # the registry keeps what an endpoint serves
    with pytest.raises(ConflictError, match="in use by endpoints"):
        studio.registry.delete_model("cancer", force=True)
    with pytest.raises(AlreadyExistsError):
        service.deploy("one", model="cancer")
    assert service.example("one")["body"].count("mean radius") == 1


def test_a_missing_model_is_refused_before_anything_starts(studio: Studio) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        studio.endpoints.deploy("missing", model="nope")
    with pytest.raises(NotFoundError):
        studio.endpoints.get("missing")


@pytest.fixture(scope="module")
def tampered(studio: Studio) -> str:
    """A registered model whose file changed after registration: it cannot load."""
    version = studio.registry.register(
        RandomForestClassifier(n_estimators=3).fit(X, y), "tampered", input_example=X
    )
    folder = Path(version.artifact_uri.removeprefix("file://"))
    (folder / "model.skops").write_bytes(b"not a model")
    return "tampered"


def test_a_model_that_cannot_load_fails_the_endpoint_with_the_reason(
    studio: Studio, tampered: str
) -> None:
    endpoint = studio.endpoints.deploy("broken", model=tampered, timeout=120)
    assert endpoint.status is EndpointStatus.FAILED
    assert "changed after it was registered" in (endpoint.failure_reason or "")
    with pytest.raises(ConflictError, match="Failed"):
        studio.endpoints.predict("broken", X.iloc[:1])
    studio.endpoints.delete("broken")
    with pytest.raises(NotFoundError):
        studio.endpoints.get("broken")


def test_update_versions_and_weights(studio: Studio, tampered: str) -> None:
    service = studio.endpoints
    service.deploy("ab", model="cancer", version=1, timeout=120)
    updated = service.update(
        "ab",
        variants=[
            {"name": "a", "model": "cancer", "version": 1, "weight": 1},
            {"name": "b", "model": "cancer", "version": 2, "weight": 0},
        ],
        timeout=120,
    )
    assert updated.status is EndpointStatus.IN_SERVICE, updated.failure_reason
    assert updated.generation == 2
    assert {(v.name, v.version, v.weight) for v in updated.variants} == {("a", 1, 1), ("b", 2, 0)}
    expected = _model(studio, 2).predict(X.iloc[:3]).tolist()  # type: ignore[attr-defined]
    assert service.predict("ab", X.iloc[:3], variant="b") == expected
    reweighted = service.update("ab", weights={"a": 0, "b": 1}, timeout=120)
    assert {(v.name, v.weight) for v in reweighted.variants} == {("a", 0), ("b", 1)}
    assert reweighted.generation == 3
    assert service.metrics("ab")["variants"]["b"]["weight"] == 1
    with pytest.raises(Exception, match="no variant 'c'"):
        service.update("ab", weights={"c": 1})
    # a failed update: the old version keeps serving, the reason is kept
    failed = service.update("ab", variants=[{"name": "a", "model": tampered}], timeout=120)
    assert failed.status is EndpointStatus.IN_SERVICE
    assert "Update failed" in (failed.failure_reason or "")
    assert failed.generation == 3 and {v.name for v in failed.variants} == {"a", "b"}
    assert service.predict("ab", X.iloc[:3]) == expected


def test_a_lost_process_comes_back_and_a_live_one_is_adopted(studio: Studio) -> None:
    service = studio.endpoints
    before = service.deploy("phoenix", model="cancer", version=1, timeout=120)
    assert before.pid is not None
    # a new service (a restarted Jupyter server) finds it alive and leaves it alone
    other = Studio(studio.config)
    try:
        assert other.endpoints.reconcile() == []
        assert other.endpoints.get("phoenix").pid == before.pid
        os.killpg(before.pid, signal.SIGKILL)  # a crash, or a reboot
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and other.endpoints._serving(before):
            time.sleep(0.05)
        assert other.endpoints.reconcile() == ["phoenix"]
        other.endpoints._join("phoenix", 120)
        after = other.endpoints.get("phoenix")
    finally:
        other.close()
    assert after.status is EndpointStatus.IN_SERVICE, after.failure_reason
    assert after.pid != before.pid
    assert after.port == before.port and after.token == before.token
    assert len(service.predict("phoenix", X.iloc[:2])) == 2


def test_an_endpoint_whose_server_died_while_it_started_is_adopted_not_started_twice(
    studio: Studio,
) -> None:
    # A "server" deploys and is killed while the serving process loads its model: the
    # next one must find that process (its pid is recorded while Creating) and adopt it
    # once it is ready, not start a second serving process beside it.
    import subprocess
    import sys

    config = studio.config
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from jupyter_mlstudio.config import StudioConfig\n"
            "from jupyter_mlstudio.studio import Studio\n"
            "studio = Studio(StudioConfig.resolve(home=sys.argv[1], store_uri=sys.argv[2], "
            "artifact_uri=sys.argv[3]))\n"
            "studio.endpoints.deploy('adopted', model='cancer', version=1, wait=False)\n"
            "time.sleep(600)\n",
            str(config.home),
            config.store_uri,
            config.artifact_uri,
        ]
    )
    try:
        deadline = time.monotonic() + 60
        seen = None
        while time.monotonic() < deadline:
            with contextlib.suppress(NotFoundError):
                seen = studio.endpoints.get("adopted")
                if seen.pid is not None:
                    break
            time.sleep(0.01)
        assert seen is not None and seen.pid is not None, "no pid recorded"
        assert seen.status is EndpointStatus.CREATING  # the process is still loading
    finally:
        owner.kill()
        owner.wait()
    deadline = time.monotonic() + 60
    while studio.endpoints.get("adopted").status is not EndpointStatus.IN_SERVICE:
        assert studio.endpoints.reconcile() == []  # nothing started again
        assert time.monotonic() < deadline, studio.endpoints.get("adopted")
        time.sleep(0.2)
    adopted = studio.endpoints.get("adopted")
    assert adopted.pid == seen.pid and adopted.url is not None
    assert len(studio.endpoints.predict("adopted", X.iloc[:2])) == 2


def test_delete_stops_the_process_and_frees_the_versions(studio: Studio) -> None:
    service = studio.endpoints
    endpoint = service.deploy("gone", model="cancer", version=1, timeout=120)
    folder = service.folder("gone")
    assert folder.exists() and endpoint.pid
    service.delete("gone")
    with pytest.raises(NotFoundError):
        service.get("gone")
    assert not folder.exists()
    assert not _running(endpoint.pid)


def _running(pid: int) -> bool:
    import psutil

    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
