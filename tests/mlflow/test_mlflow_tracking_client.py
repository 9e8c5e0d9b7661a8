"""The real mlflow client's tracking calls against a real Jupyter server with our extension:
only ``mlflow.set_tracking_uri`` and MLFLOW_TRACKING_TOKEN, then everything is ours."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from mlflow_server import Server, mlflow_request

from jupyter_mlstudio import sdk
from jupyter_mlstudio.studio import Studio

mlflow = pytest.importorskip("mlflow")


def test_a_script_logs_through_the_fluent_api(client: object, studio_of: Studio) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mlflow.set_experiment("fluent")
    with mlflow.start_run(run_name="parent") as parent:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"solver": "adam", "layers": 3})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"auc": 0.91, "f1": 0.8})
        mlflow.set_tag("team", "vision")
        mlflow.log_dict({"a": 1}, "config/settings.json")
        figure, axes = plt.subplots()
        axes.plot([1, 2, 3])
        mlflow.log_figure(figure, "plots/curve.png")
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_metric("loss", 0.25)
    parent_id, child_id = parent.info.run_id, child.info.run_id

    # our store holds exactly what was logged
    ours = studio_of.experiments.get_run(parent_id)
    assert ours.name == "parent" and ours.status == "FINISHED"
    assert dict(ours.params) == {"alpha": "0.5", "solver": "adam", "layers": "3"}
    assert ours.metrics["loss"] == pytest.approx(0.2) and ours.metrics["auc"] == 0.91
    assert ours.tags["team"] == "vision"
    history = studio_of.experiments.get_metric_history(parent_id, "loss")
    assert [(m.step, m.value) for m in history] == [(s, 1.0 / (s + 1)) for s in range(5)]
    child_run = studio_of.experiments.get_run(child_id)
    assert child_run.parent_run_id == parent_id  # nested in our UI
    artifacts = studio_of.experiments.artifacts(parent_id)
    assert [f.path for f in artifacts.list("plots")] == ["plots/curve.png"]
    with artifacts.open("config/settings.json") as saved:
        assert json.load(saved) == {"a": 1}

    # and the client reads it back in MLflow's terms
    fetched = mlflow.get_run(parent_id)
    assert fetched.data.params["alpha"] == "0.5"
    assert fetched.data.tags["mlflow.runName"] == "parent"
    assert mlflow.get_run(child_id).data.tags["mlflow.parentRunId"] == parent_id
    history = mlflow.MlflowClient().get_metric_history(parent_id, "loss")
    assert [(m.step, m.value) for m in history] == [(s, 1.0 / (s + 1)) for s in range(5)]
    # the run's metric is the latest with its own step and time, as MLflow's server gives
    latest = {m.key: m for m in fetched.data._metric_objs}
    assert (latest["loss"].step, latest["loss"].value) == (4, 0.2)
    assert latest["loss"].timestamp == history[-1].timestamp
    searched = mlflow.search_runs(filter_string="run_name = 'parent'", output_format="list")
    assert {m.key: m.step for m in searched[0].data._metric_objs}["loss"] == 4
    assert {a.path for a in mlflow.MlflowClient().list_artifacts(parent_id)} >= {
        "config",
        "plots",
    }

    # start_run(run_id=...) resumes an ended run (an evaluation logged later), then ends it
    with mlflow.start_run(run_id=parent_id):
        assert studio_of.experiments.get_run(parent_id).status == "RUNNING"
        mlflow.log_metric("eval_auc", 0.93)
    resumed = studio_of.experiments.get_run(parent_id)
    assert resumed.status == "FINISHED" and resumed.metrics["eval_auc"] == 0.93
    assert resumed.end_time is not None and resumed.params["alpha"] == "0.5"


def test_search_runs_equals_what_mls_search_runs_shows(client: object, studio_of: Studio) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    assert isinstance(client, MlflowClient)
    experiment_id = client.create_experiment("search-parity", tags={"owner": "ml"})
    for index in range(12):
        run = client.create_run(experiment_id, run_name=f"r{index}")
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("acc", index / 12, 0, 0), Metric("loss", 1 - index / 12, 0, 0)],
            params=[Param("lr", str(0.1 * (index % 3))), Param("kind", "ab"[index % 2])],
            tags=[RunTag("fold", str(index % 4))],
        )
        client.set_terminated(run.info.run_id, "FINISHED" if index % 5 else "FAILED")

    query = "metrics.acc > 0.2 and params.kind = 'a' and attributes.status = 'FINISHED'"
    frame = mlflow.search_runs([experiment_id], filter_string=query, order_by=["metrics.acc DESC"])

    # what mls.search_runs shows (its DataFrame, over the server's store)
    ours = sdk.runs_to_frame(
        studio_of.experiments.search_runs_by_name(["search-parity"], query, ["metrics.acc DESC"])
    )
    assert list(frame["run_id"]) == list(ours["run_id"])
    assert len(frame) == 3  # kind a: even index; acc > 0.2: from 3; FAILED: 0, 5, 10
    for column in ("metrics.acc", "metrics.loss", "params.lr", "params.kind", "tags.fold"):
        assert list(frame[column]) == list(ours[column]), column

    # the tags MLflow keeps as tags and we keep as attributes filter the same way
    named = mlflow.search_runs(
        [experiment_id], filter_string="tags.mlflow.runName = 'r4'", output_format="list"
    )
    assert [r.info.run_name for r in named] == ["r4"]
    by_user = client.search_runs([experiment_id], "attributes.user_id = 'nobody'", max_results=5)
    assert list(by_user) == []
    page = client.search_runs([experiment_id], max_results=5)
    assert len(page) == 5 and page.token
    rest = client.search_runs([experiment_id], max_results=50, page_token=page.token)
    assert len(rest) == 7
    # deleted runs: ACTIVE_ONLY hides them, DELETED_ONLY shows them
    client.delete_run(page[0].info.run_id)
    from mlflow.entities import ViewType

    deleted = client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [page[0].info.run_id]
    client.restore_run(page[0].info.run_id)
    assert len(client.search_runs([experiment_id], max_results=100)) == 12


def test_experiments_and_the_default_one(client: object, studio_of: Studio) -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    assert isinstance(client, MlflowClient)
    # no experiment set: MLflow's default experiment "0" is our Default
    run = client.create_run("0")
    assert studio_of.experiments.get_experiment(run.info.experiment_id).name == "Default"
    assert client.get_experiment("0").name == "Default"
    # the client's start time is the run's (a run replayed or logged from a skewed clock)
    started = client.create_run("0", start_time=1_600_000_000_123).info.run_id
    assert client.get_run(started).info.start_time == 1_600_000_000_123
    assert studio_of.experiments.get_run(started).start_time.timestamp() == 1_600_000_000.123
    client.set_terminated(started, "KILLED", end_time=1_600_000_060_000)
    ended = client.get_run(started).info
    assert (ended.status, ended.end_time) == ("KILLED", 1_600_000_060_000)

    eid = client.create_experiment("renamed-later")
    client.set_experiment_tag(eid, "stage", "dev")
    client.rename_experiment(eid, "renamed")
    experiment = client.get_experiment_by_name("renamed")
    assert experiment is not None and experiment.experiment_id == eid
    assert experiment.tags["stage"] == "dev"
    names = {e.name for e in client.search_experiments(filter_string="name LIKE 'renam%'")}
    assert names == {"renamed"}
    with pytest.raises(MlflowException, match="already exists"):
        client.create_experiment("renamed")

    client.delete_experiment(eid)
    assert client.get_experiment(eid).lifecycle_stage == "deleted"
    assert "renamed" not in {e.name for e in client.search_experiments()}
    with pytest.raises(MlflowException, match="deleted"):
        client.create_run(eid)
    client.restore_experiment(eid)
    assert client.get_experiment(eid).lifecycle_stage == "active"
    assert studio_of.experiments.get_experiment(eid).name == "renamed"  # nothing lost


def test_values_limits_and_errors_in_mlflows_shape(client: object, server: Server) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import Metric
    from mlflow.exceptions import MlflowException

    assert isinstance(client, MlflowClient)
    run = client.create_run("0").info.run_id
    client.log_metric(run, "odd", math.nan)
    client.log_metric(run, "big", math.inf)
    metrics = client.get_run(run).data.metrics
    assert math.isnan(metrics["odd"]) and metrics["big"] == math.inf
    client.log_param(run, "p", "1")
    with pytest.raises(MlflowException) as changed:
        client.log_param(run, "p", "2")
    assert changed.value.get_http_status_code() == 400  # type: ignore[no-untyped-call]
    # the client splits big batches itself; a raw request over MLflow's limits is refused
    many = {"run_id": run, "params": [{"key": f"k{i}", "value": "v"} for i in range(101)]}
    status, body = mlflow_request(
        server, "POST", "/api/2.0/mlflow/runs/log-batch", json.dumps(many).encode()
    )
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "at most 100 params" in str(body["message"])
    # and a batch the client splits arrives whole
    client.log_batch(run, metrics=[Metric("m", float(i), 0, i) for i in range(2500)])
    assert len(client.get_metric_history(run, "m")) == 2500
    client.set_tag(run, "gone", "soon")
    client.delete_tag(run, "gone")
    assert "gone" not in client.get_run(run).data.tags
    with pytest.raises(MlflowException, match="Invalid filter"):
        client.search_runs(["0"], "metrics.x >>> 1")

    status, body = mlflow_request(server, "GET", "/api/2.0/mlflow/runs/frobnicate")
    assert (status, body["error_code"]) == (404, "ENDPOINT_NOT_FOUND")
    status, body = mlflow_request(server, "GET", "/api/2.0/mlflow/nothing/here")
    assert (status, body["error_code"]) == (404, "ENDPOINT_NOT_FOUND")
    status, body = mlflow_request(server, "POST", "/api/2.0/mlflow/runs/log-metric", b"{no")
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    status, body = mlflow_request(
        server, "POST", "/api/2.0/mlflow/runs/log-metric", json.dumps({"run_id": run}).encode()
    )
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "key" in str(body["message"])
    status, body = mlflow_request(server, "GET", "/api/2.0/mlflow/runs/get?run_id=nope")
    assert (status, body["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    body_bytes = json.dumps({"experiment_ids": ["0"]}).encode()
    status, _ = mlflow_request(server, "POST", "/api/2.0/mlflow/runs/search", body_bytes, False)
    assert status in (401, 403)
    status, _ = mlflow_request(server, "GET", "/api/2.0/mlflow/nothing", token=False)
    assert status in (401, 403)


def test_an_mlflow_run_shows_in_our_rest_api(
    client: object, server: Server, tmp_path: Path
) -> None:
    import urllib.request

    import pandas as pd

    mlflow.set_experiment("seen-by-us")
    note = tmp_path / "note.txt"
    note.write_text("hello")
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(frame, source="s3://bucket/train.csv", name="train")
    with mlflow.start_run(run_name="visible") as run:
        mlflow.log_metric("score", 3.0)
        mlflow.log_artifact(str(note), artifact_path="notes")
        mlflow.log_input(dataset, context="training")
    run_id = run.info.run_id
    base = server.url.removesuffix("/mlflow")

    def ours(path: str) -> Any:
        request = urllib.request.Request(
            f"{base}/api/v1/{path}", headers={"Authorization": f"token {server.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    shown = ours(f"runs/{run_id}")
    assert shown["name"] == "visible" and shown["metrics"] == {"score": 3.0}
    # the dataset the run used is one of its tags (our run view lists them)
    used = shown["tags"]["mlflow.dataset.train.training"]
    assert f"digest={dataset.digest}" in used and "s3://bucket/train.csv" in used
    listed = ours(f"runs/{run_id}/artifacts?path=notes")["items"]
    assert [(i["path"], i["size"]) for i in listed] == [("notes/note.txt", 5)]
    request = urllib.request.Request(
        f"{base}/api/v1/runs/{run_id}/artifacts/content?path=notes/note.txt",
        headers={"Authorization": f"token {server.token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.read() == b"hello"


def test_logged_model_records_stay_out_of_run_tags(client: object, studio_of: Studio) -> None:
    """The registry side keeps a run's logged models as ``mlstudio.mlflow.logged_model.*``
    run tags; MLflow's run shows none of them (its tags are the user's)."""
    from mlflow import MlflowClient

    assert isinstance(client, MlflowClient)
    run_id = client.create_run("0", run_name="with-model").info.run_id
    model = client.create_logged_model(experiment_id="0", source_run_id=run_id, name="m")
    recorded = studio_of.experiments.get_run(run_id).tags
    assert any(k.startswith("mlstudio.mlflow.logged_model.") for k in recorded)
    shown = client.get_run(run_id).data.tags
    assert not any(k.startswith("mlstudio.") for k in shown), shown
    # MLflow's default experiment "0" is the Default one for logged models too
    found = client.search_logged_models(experiment_ids=["0"], filter_string="name = 'm'")
    assert [m.model_id for m in found] == [model.model_id]


def test_the_keys_and_calls_mlflow_accepts(client: object, studio_of: Studio) -> None:
    """Keys with MLflow's allowed characters (system metrics use slashes), and the fluent
    helpers that read runs back (parent, last active run, experiment by id)."""
    mlflow.set_experiment("keys")
    keys = ["system/cpu_utilization_percentage", "val loss", "f1:macro", "a.b-c_d"]
    with mlflow.start_run() as parent, mlflow.start_run(nested=True) as child:
        mlflow.log_metrics(dict.fromkeys(keys, 1.0), step=2)
        mlflow.log_params(dict.fromkeys(keys, "v"))
        mlflow.set_tags(dict.fromkeys(keys, "t"))
    assert mlflow.get_parent_run(child.info.run_id).info.run_id == parent.info.run_id
    last = mlflow.last_active_run()
    assert last is not None and last.info.run_id == parent.info.run_id
    ours = studio_of.experiments.get_run(child.info.run_id)
    assert set(keys) <= set(ours.metrics) and set(keys) <= set(ours.params)
    assert all(ours.tags[k] == "t" for k in keys)
    found = mlflow.search_runs(
        filter_string="metrics.`val loss` = 1 and params.`f1:macro` = 'v'", output_format="list"
    )
    assert [r.info.run_id for r in found] == [child.info.run_id]
    mlflow.set_experiment(experiment_id=parent.info.experiment_id)
    with mlflow.start_run() as again:
        # asynchronous logging (a thread batching log-batch calls) arrives whole
        for step in range(30):
            mlflow.log_metric("async", float(step), step=step, synchronous=False)
        mlflow.log_param("mode", "async", synchronous=False)
    assert again.info.experiment_id == parent.info.experiment_id
    history = studio_of.experiments.get_metric_history(again.info.run_id, "async")
    assert [m.step for m in history] == list(range(30))
