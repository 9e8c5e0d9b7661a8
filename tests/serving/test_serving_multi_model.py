"""Multi-model endpoints (serving/multi_model.py) on a real endpoint process: models
loaded on their first request, the LRU under a small memory cap (and reload after an
eviction), per-model metrics, unknown and failing models, answers equal to each model's
own predict, one load for concurrent first requests."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving_helpers import X, rows, y
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

import jupyter_mlstudio as mls
import jupyter_mlstudio.errors as mls_errors
from jupyter_mlstudio.config import ARTIFACT_URI_ENV, HOME_ENV, STORE_URI_ENV, StudioConfig
from jupyter_mlstudio.serving import EndpointConfig, EndpointProcess
from jupyter_mlstudio.serving.multi_model import model_size, parse_target
from jupyter_mlstudio.serving.schema import PayloadError
from jupyter_mlstudio.studio import Studio, close_default

HERE = Path(__file__).parent
FORESTS = ("forest-a", "forest-b", "forest-c")


@pytest.fixture(scope="module")
def mm_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Its own studio: three forests of one size, a logistic regression (two versions)
    and a version whose artifact is gone (it cannot load)."""
    home = tmp_path_factory.mktemp("multi-model-home")
    mls.configure(
        home=home,
        store_uri=f"sqlite:///{home / 'mlstudio.db'}",
        artifact_uri=(home / "artifacts").as_uri(),
    )
    try:
        for seed, name in enumerate(FORESTS):
            forest = RandomForestClassifier(n_estimators=15, random_state=seed)
            mls.register(forest.fit(X, y), name, input_example=X)
        for c in (0.1, 1.0):
            mls.register(LogisticRegression(C=c, max_iter=5000).fit(X, y), "logit", input_example=X)
        broken = mls.register(LogisticRegression(max_iter=5000).fit(X, y), "broken")
        import shutil
        from urllib.parse import urlparse

        shutil.rmtree(urlparse(broken.artifact_uri).path)
    finally:
        close_default()
    return home


@pytest.fixture(scope="module")
def local_models(mm_home: Path) -> dict[str, Any]:
    studio = Studio(StudioConfig.resolve(home=mm_home))
    try:
        found = {f"{name}/1": studio.registry.load(name, 1) for name in FORESTS}
        found["logit/1"] = studio.registry.load("logit", 1)
        found["logit/2"] = studio.registry.load("logit", 2)
        return found
    finally:
        studio.close()


@pytest.fixture(scope="module")
def endpoint(
    mm_home: Path, local_models: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EndpointProcess]:
    """One worker, a cap that holds two forests but not three."""
    largest = max(model_size(local_models[f"{n}/1"], 0) for n in FORESTS)
    env = {k: v for k, v in os.environ.items() if k not in (STORE_URI_ENV, ARTIFACT_URI_ENV)}
    env[HOME_ENV] = str(mm_home)
    config = EndpointConfig.model_validate(
        {
            "name": "zoo",
            "variants": [{"model": "logit", "version": 1}],
            "multi_model": {
                "models": [*FORESTS, "logit", "broken"],
                "memory_limit_bytes": int(2.5 * largest),
            },
            "batching": {"max_batch_size": 64, "max_wait_ms": 2},
        }
    )
    process = EndpointProcess(config, env=env, workdir=tmp_path_factory.mktemp("endpoint-zoo"))
    process.start(timeout=120)
    yield process
    process.stop()


def invoke(endpoint: EndpointProcess, target: str, n: int = 3, how: str = "path") -> Any:
    body = {"dataframe_split": rows(n, 10).to_dict("split")}
    if how == "header":
        return endpoint.request(
            "POST", "/invocations", body, {"X-Amzn-SageMaker-Target-Model": target}
        )
    return endpoint.request("POST", f"/models/{target}/invocations", body)


def listing(endpoint: EndpointProcess) -> dict[str, dict[str, Any]]:
    reply = endpoint.request("GET", "/models")
    assert reply.status == 200, reply.body
    return {m["target"]: m for m in reply.json()["models"]}


def test_parse_target() -> None:
    assert parse_target("churn/3") == ("churn", 3, None)
    assert parse_target("churn:3") == ("churn", 3, None)
    assert parse_target("churn@champion") == ("churn", None, "champion")
    assert parse_target("churn") == ("churn", None, None)
    for bad in ("", "a/b", "churn/0", "a@b@c", "../x"):
        with pytest.raises(PayloadError):
            parse_target(bad)


def test_models_load_lazily_and_answer_like_their_own_predict(
    endpoint: EndpointProcess, local_models: dict[str, Any]
) -> None:
    assert listing(endpoint) == {}  # nothing loaded at start
    expected = local_models["forest-a/1"].predict(rows(3, 10)).tolist()
    reply = invoke(endpoint, "forest-a/1")
    assert reply.status == 200, reply.body
    assert reply.json()["predictions"] == expected
    assert reply.header("X-Invoked-Model") == "forest-a/1"
    # the SageMaker header, the newest version, an URL-encoded reference, OIP v2
    for target, key in (("logit", "logit/2"), ("logit/1", "logit/1")):
        reply = invoke(endpoint, target, how="header")
        assert reply.status == 200, reply.body
        assert reply.header("X-Invoked-Model") == key
        assert reply.json()["predictions"] == local_models[key].predict(rows(3, 10)).tolist()
    reply = invoke(endpoint, "logit%2F2")
    assert reply.status == 200 and reply.header("X-Invoked-Model") == "logit/2"
    reply = endpoint.request("POST", "/models/logit/versions/1/invocations", {"instances": []})
    assert reply.header("X-Invoked-Model") == "logit/1"
    sample = rows(2, 0)
    infer = {
        "inputs": [
            {"name": str(c), "shape": [2], "datatype": "FP64", "data": sample[c].tolist()}
            for c in sample.columns
        ]
    }
    reply = endpoint.request("POST", "/v2/models/forest-b/versions/1/infer", infer)
    assert reply.status == 200, reply.body
    answer = reply.json()
    assert answer["model_name"] == "forest-b" and answer["model_version"] == "1"
    assert answer["outputs"][0]["data"] == local_models["forest-b/1"].predict(sample).tolist()
    metadata = endpoint.request("GET", "/v2/models/forest-b/versions/1").json()
    assert metadata["name"] == "forest-b" and metadata["versions"] == ["1"]
    assert len(metadata["inputs"]) == X.shape[1]
    assert endpoint.request("GET", "/v2/models/logit").json()["parameters"]["variant"] == "primary"
    # without a target: the endpoint's own variant, as any endpoint
    plain = endpoint.request(
        "POST", "/invocations", {"dataframe_split": rows(3, 10).to_dict("split")}
    )
    assert plain.status == 200 and plain.header("X-Invoked-Model") is None
    assert plain.json()["predictions"] == local_models["logit/1"].predict(rows(3, 10)).tolist()
    models = listing(endpoint)
    assert models["forest-a/1"]["loads"] == 1 and models["forest-a/1"]["requests"] == 1
    assert models["logit/2"]["requests"] == 2
    assert models["logit/1"]["loaded"] and models["logit/1"]["bytes"] > 0


def test_unknown_and_failing_models(endpoint: EndpointProcess) -> None:
    reply = invoke(endpoint, "nobody")
    assert reply.status == 404
    assert "not served by endpoint 'zoo'" in reply.json()["error"]["message"]
    reply = invoke(endpoint, "forest-a/9")
    assert reply.status == 404 and "forest-a" in reply.json()["error"]["message"]
    reply = invoke(endpoint, "logit@nosuchalias")
    assert reply.status == 404
    reply = invoke(endpoint, "bad//ref")
    assert reply.status in (400, 404)
    reply = invoke(endpoint, "broken")  # its artifact is gone
    assert reply.status == 404 and "missing" in reply.json()["error"]["message"]
    assert listing(endpoint)["broken/1"]["load_errors"] >= 1
    # the worker survived
    assert invoke(endpoint, "forest-a/1").status == 200


def test_lru_eviction_under_the_cap_and_reload(
    endpoint: EndpointProcess, local_models: dict[str, Any]
) -> None:
    for name in FORESTS:  # a, b, c: the third load evicts the least recently used forest
        assert invoke(endpoint, f"{name}/1").status == 200
    models = listing(endpoint)
    loaded_forests = [n for n in FORESTS if models[f"{n}/1"]["loaded"]]
    assert "forest-c" in loaded_forests and len(loaded_forests) <= 2
    evicted = [n for n in FORESTS if not models[f"{n}/1"]["loaded"]]
    assert evicted and all(models[f"{n}/1"]["evictions"] >= 1 for n in evicted)
    # the evicted one loads again and answers the same
    again = evicted[0]
    loads = models[f"{again}/1"]["loads"]
    reply = invoke(endpoint, f"{again}/1")
    assert reply.json()["predictions"] == local_models[f"{again}/1"].predict(rows(3, 10)).tolist()
    after = listing(endpoint)
    assert after[f"{again}/1"]["loads"] == loads + 1 and after[f"{again}/1"]["loaded"]
    assert sum(after[f"{n}/1"]["loaded"] for n in FORESTS) <= 2


def test_concurrent_first_requests_load_once(endpoint: EndpointProcess) -> None:
    before = listing(endpoint)  # a forest never asked for is not listed yet
    target = next(f"{n}/1" for n in FORESTS if not before.get(f"{n}/1", {}).get("loaded"))
    earlier = before.get(target, {"loads": 0, "requests": 0})
    loads = earlier["loads"]
    totals = endpoint.metrics()["totals"]["requests"]
    statuses: list[int] = []

    def send() -> None:
        statuses.append(invoke(endpoint, target).status)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    after = listing(endpoint)[target]
    assert after["loads"] == loads + 1
    assert after["requests"] == earlier["requests"] + 8
    assert after["latency_ms"]["p50"] is not None
    assert endpoint.metrics()["totals"]["requests"] == totals + 8  # in the endpoint's totals


def test_sdk_deploy_list_invoke_and_add_models(mm_home: Path, local_models: dict[str, Any]) -> None:
    """mls.deploy(models=[...]), endpoint.models(), predict_model and add_models through
    the studio (the endpoint service), with its token."""
    import time

    from jupyter_mlstudio.endpoints.service import EndpointRequestError

    mls.configure(
        home=mm_home,
        store_uri=f"sqlite:///{mm_home / 'mlstudio.db'}",
        artifact_uri=(mm_home / "artifacts").as_uri(),
    )
    try:
        endpoint = mls.deploy("zoo-sdk", models=["logit", "forest-a"])
        try:
            assert endpoint.variants[0]["model"] == "logit"  # the first: plain /invocations
            sample = rows(3, 20)
            answer = endpoint.predict_model("forest-a/1", sample).tolist()
            assert answer == local_models["forest-a/1"].predict(sample).tolist()
            listed = {(m["model"], m["version"]): m for m in endpoint.models()}
            assert listed[("forest-a", 1)]["loaded"] and listed[("forest-a", 1)]["requests"] == 1
            assert listed[("logit", None)]["loaded"] is False  # allowed, not served yet
            with pytest.raises(EndpointRequestError) as refused:
                endpoint.predict_model("forest-b", sample)
            assert refused.value.status == 404
            assert endpoint.add_models(["forest-b"]) == ["logit", "forest-a", "forest-b"]
            time.sleep(0.3)  # the worker looks a refused name up again after 0.2 s
            answer = endpoint.predict_model("forest-b", sample).tolist()
            assert answer == local_models["forest-b/1"].predict(sample).tolist()
            with pytest.raises(mls_errors.NotFoundError):
                endpoint.add_models(["no-such-model"])
        finally:
            endpoint.delete()
    finally:
        close_default()


def test_rolling_update_starts_a_new_model_table(endpoint: EndpointProcess) -> None:
    """A rolling update (SIGHUP) counts models afresh, like every figure, loads them again
    on demand and removes the old generation's model table."""
    import time

    assert invoke(endpoint, "forest-a/1").status == 200
    runtime = endpoint.workdir / "runtime"
    assert [p.name for p in runtime.glob("*.models")] == ["metrics.bin.models"]
    endpoint.update(endpoint.config.model_copy(update={"return_probabilities": False}))
    assert listing(endpoint) == {}  # the new generation has served nothing yet
    assert invoke(endpoint, "forest-a/1").status == 200
    assert listing(endpoint)["forest-a/1"]["loads"] == 1
    deadline = time.monotonic() + 30
    while (runtime / "metrics.bin.models").exists() and time.monotonic() < deadline:
        time.sleep(0.2)  # removed once the old workers drained
    assert [p.name for p in runtime.glob("*.models")] == ["metrics-g2.bin.models"]
