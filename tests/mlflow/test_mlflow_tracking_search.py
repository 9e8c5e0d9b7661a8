"""MLflow's run filter and order_by translated onto our grammar (mlflow_compat/search.py).

- Units: the identifiers MLflow keeps as tags that are attributes here (and back), quoted
  values left alone, the attributes refused with a clear message.
- Property (hypothesis): a random MLflow filter over runs logged through
  :class:`MlflowTracking` on a real SQLite store selects exactly the runs mlflow's own
  evaluator (``SearchUtils.filter``, the file store's) selects from the same runs as the
  client decodes them (``runs/get``'s JSON → ``mlflow.entities.Run``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.experiments.run_entities import Metric
from jupyter_mlstudio.mlflow_compat.search import mlflow_order_by, mlflow_run_filter
from jupyter_mlstudio.mlflow_compat.tracking import MlflowTracking
from jupyter_mlstudio.studio import Studio

mlflow = pytest.importorskip("mlflow")
from mlflow.entities import Run as MlflowRun  # noqa: E402
from mlflow.protos.service_pb2 import Run as ProtoRun  # noqa: E402
from mlflow.utils.proto_json_utils import parse_dict  # noqa: E402
from mlflow.utils.search_utils import SearchUtils  # noqa: E402


# -- units -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mlflow_filter", "ours"),
    [
        ("tags.mlflow.runName = 'a'", "run_name = 'a'"),
        ("tags.\"mlflow.parentRunId\" = 'p'", "parent_run_id = 'p'"),
        ("attributes.user_id = 'x'", "tags.mlflow.user = 'x'"),
        # MLflow's user_id of a run without one is "": it is not 'x'
        ("attr.`user_id` != 'x'", "(tags.mlflow.user != 'x' OR NOT (tags.mlflow.user LIKE '%'))"),
        ("attributes.run_name LIKE 'r%'", "run_name LIKE 'r%'"),
        ("metrics.`my acc` >= 0.5", "metrics.`my acc` >= 0.5"),
        ("params.lr IS NULL", "NOT ((params.lr = '' OR params.lr != ''))"),
        ("tags.`a b` is not null", "(tags.`a b` = '' OR tags.`a b` != '')"),
        # a quoted value naming an attribute stays a value
        ("tags.note = 'attributes.user_id'", "tags.note = 'attributes.user_id'"),
        (
            "params.lr = '0.1' and attributes.run_id IN ('a', 'b')",
            "(params.lr = '0.1' AND run_id IN ('a', 'b'))",
        ),
    ],
)
def test_mlflow_identifiers_become_ours(mlflow_filter: str, ours: str) -> None:
    assert mlflow_run_filter(mlflow_filter) == ours


def test_order_by_and_refusals() -> None:
    assert mlflow_order_by(["metrics.acc DESC", "tags.mlflow.runName", "attr.user_id"]) == [
        "metrics.acc DESC",
        "run_name ASC",
        "tags.mlflow.user ASC",
    ]
    assert mlflow_run_filter(None) is None and mlflow_order_by([]) is None
    with pytest.raises(InvalidArgumentError, match="lifecycle_stage is not supported"):
        mlflow_run_filter("attributes.lifecycle_stage = 'deleted'")
    with pytest.raises(InvalidArgumentError, match="only supported for tags and params"):
        mlflow_run_filter("metrics.loss IS NULL")
    with pytest.raises(InvalidArgumentError, match="Invalid filter at character"):
        mlflow_run_filter("metrics.acc >>> 1")


# -- property: the same runs as mlflow's own evaluator ---------------------------------
ACC = [0.1, 0.25, 0.5, 0.75, 0.9]
LR = ["0.1", "0.01", "adam", "Adam", ""]
TEAMS = ["vision", "Vision", "nlp", "a%b", "x_y"]
NAMES = ["alpha", "beta", "Alpha", "run_7", "r%x"]
STATUSES = ["FINISHED", "FAILED", "RUNNING"]


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MlflowTracking, str]]:
    """Twenty runs logged through the tracking core, with gaps (missing metrics, params,
    tags), nested runs, users and statuses."""
    home: Path = tmp_path_factory.mktemp("mlflow-search")
    studio = Studio(StudioConfig.resolve(home=home, store_uri=f"sqlite:///{home}/s.db"))
    tracking = MlflowTracking(studio)
    experiment = tracking.create_experiment("search-property", {})["experiment_id"]
    first: str | None = None
    for i in range(20):
        tags = {"team": TEAMS[i % 5]} if i % 4 else {}
        if first and i % 3 == 0:
            tags["mlflow.parentRunId"] = first
        user = ["alice", "bob", ""][i % 3]
        run = tracking.create_run(experiment, NAMES[i % 5] + str(i // 5), tags, user)
        run_id = run["run"]["info"]["run_id"]
        first = first or run_id
        metrics = [Metric("acc", ACC[i % 5] + i / 1000, step=0, timestamp=1.0)]
        if i % 6:
            metrics.append(Metric("loss", float(i % 7), step=0, timestamp=1.0))
        params = {"lr": LR[i % 5]} if i % 7 else {}
        tracking.log_batch(run_id, metrics, params, {})
        tracking.update_run(run_id, STATUSES[i % 3], None, None)
    yield tracking, experiment
    studio.close()


def _decoded(run: dict[str, Any]) -> MlflowRun:
    """The run as the client decodes ``runs/get``'s JSON."""
    proto = ProtoRun()
    parse_dict(run, proto)  # type: ignore[no-untyped-call]
    return MlflowRun.from_proto(proto)


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "\\'") + "'"


def _number(value: float) -> str:
    return repr(value)


def _clauses(run_ids: list[str]) -> st.SearchStrategy[str]:
    strings = st.sampled_from(TEAMS + LR + NAMES + ["%a%", "a%", "%", "_lpha%", "nope"])
    string_op = st.sampled_from(["=", "!=", "LIKE", "ILIKE"])
    numeric_op = st.sampled_from(["=", "!=", ">", ">=", "<", "<="])
    metric_value = st.sampled_from([*ACC, 0.0, 0.5 + 0.005, 3.0, 10.0])
    ids = st.lists(st.sampled_from(run_ids), min_size=1, max_size=4, unique=True)
    return st.one_of(
        st.builds(
            lambda k, o, v: f"{k} {o} {_number(v)}",
            st.sampled_from(["metrics.acc", "metrics.loss", "metrics.`acc`", "metrics.gone"]),
            numeric_op,
            metric_value,
        ),
        st.builds(
            lambda k, o, v: f"{k} {o} {_quoted(v)}",
            st.sampled_from(["params.lr", 'params."lr"', "tags.team", "tags.`team`"]),
            string_op,
            strings,
        ),
        st.builds(
            lambda k, o, v: f"{k} {o} {_quoted(v)}",
            st.sampled_from(
                ["run_name", "attributes.run_name", "tags.mlflow.runName", "tags.`mlflow.user`"]
            ),
            string_op,
            strings,
        ),
        st.builds(
            lambda o, v: f"attributes.user_id {o} {_quoted(v)}",
            string_op,
            st.sampled_from(["alice", "bob", "carol", "", "%", "a%"]),
        ),
        st.builds(
            lambda o, v: f"attributes.status {o} {_quoted(v)}",
            st.sampled_from(["=", "!="]),
            st.sampled_from(STATUSES),
        ),
        st.builds(
            lambda o, v: f"tags.mlflow.parentRunId {o} {_quoted(v)}",
            st.sampled_from(["=", "!="]),
            st.sampled_from(run_ids[:2]),
        ),
        st.builds(
            lambda k, o: f"{k} {o}",
            st.sampled_from(
                ["params.lr", 'params."lr"', "params.gone", "tags.team", "tags.`team`"]
            ),
            st.sampled_from(["IS NULL", "IS NOT NULL", "is not null"]),
        ),
        st.builds(
            lambda o, v: f"attributes.run_id {o} (" + ", ".join(map(_quoted, v)) + ")",
            st.sampled_from(["IN", "NOT IN"]),
            ids,
        ),
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_filters_select_what_mlflow_selects(
    logged: tuple[MlflowTracking, str], data: st.DataObject
) -> None:
    tracking, experiment = logged
    everything = tracking.search_runs([experiment], None, "ALL", 1000, None, None)["runs"]
    decoded = [_decoded(r) for r in everything]
    run_ids = sorted(r.info.run_id for r in decoded)
    clauses = data.draw(st.lists(_clauses(run_ids), min_size=1, max_size=3), label="clauses")
    joiner = data.draw(st.sampled_from([" and ", " AND "]), label="joiner")
    text = joiner.join(clauses)

    expected = sorted(r.info.run_id for r in SearchUtils.filter(decoded, text))  # type: ignore[no-untyped-call]
    found = tracking.search_runs([experiment], text, "ALL", 1000, None, None)["runs"]
    assert sorted(r["info"]["run_id"] for r in found) == expected, text


@pytest.mark.parametrize(
    "order_by",
    [
        ["metrics.acc DESC"],
        ["metrics.acc"],
        ["attributes.run_name DESC", "metrics.acc"],
        ["tags.mlflow.runName", "metrics.acc DESC"],
    ],
)
def test_order_by_orders_as_mlflow_does(
    logged: tuple[MlflowTracking, str], order_by: list[str]
) -> None:
    tracking, experiment = logged
    ours: list[dict[str, Any]] = tracking.search_runs(
        [experiment], None, "ALL", 1000, order_by, None
    )["runs"]
    decoded = [_decoded(r) for r in ours]
    expected = [r.info.run_id for r in SearchUtils.sort(decoded, order_by)]  # type: ignore[no-untyped-call]
    assert [r["info"]["run_id"] for r in ours] == expected
