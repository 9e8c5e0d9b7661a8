"""A worker warms up before it takes connections (serving/warmup.py): its first request
is answered as fast as the next ones, the warm-up is not counted in the metrics, a model
that refuses its own example still serves, and the garbage collector leaves the
inherited heap and the models alone (frozen)."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving_helpers import X, rows, y
from serving_warm_models import FIRST_CALL_SECONDS, ColdStart

import jupyter_mlstudio as mls
from jupyter_mlstudio.config import ARTIFACT_URI_ENV, HOME_ENV, STORE_URI_ENV
from jupyter_mlstudio.serving import EndpointConfig, EndpointProcess
from jupyter_mlstudio.serving.warmup import example_body
from jupyter_mlstudio.studio import close_default

HERE = Path(__file__).parent
FROZEN = re.compile(r"Warmed up \((\d+) example rows, \d+ ms\); (\d+) objects frozen\.")


@pytest.fixture(scope="module")
def warm_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A studio of its own: ``cold-start`` (slow first predict) and ``picky-example``
    (a model whose registered example it refuses to score)."""
    from serving_models import MAGIC, Picky

    home = tmp_path_factory.mktemp("warmup-home")
    mls.configure(
        home=home,
        store_uri=f"sqlite:///{home / 'mlstudio.db'}",
        artifact_uri=(home / "artifacts").as_uri(),
    )
    try:
        mls.register(ColdStart().fit(X, y), "cold-start", input_example=X)
        refused = X.head(5).copy()
        refused.iloc[:, 0] = MAGIC
        mls.register(Picky(delay=0.0).fit(X, y), "picky-example", input_example=refused)
    finally:
        close_default()
    env = {k: v for k, v in os.environ.items() if k not in (STORE_URI_ENV, ARTIFACT_URI_ENV)}
    env[HOME_ENV] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def endpoint_of(warm_env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    started: list[EndpointProcess] = []

    def start(**config: Any) -> EndpointProcess:
        endpoint = EndpointProcess(
            EndpointConfig.model_validate(config), env=warm_env, workdir=tmp_path / config["name"]
        )
        started.append(endpoint.start(timeout=120))
        return endpoint

    yield start
    for endpoint in started:
        endpoint.stop()


def _timed_predictions(endpoint: EndpointProcess, count: int) -> list[float]:
    """``count`` 1-row requests at once, each on a new connection: their seconds."""
    seconds: list[float] = [0.0] * count
    body = {"dataframe_split": rows(1, 7).to_dict("split")}

    def one(index: int) -> None:
        started = time.perf_counter()
        assert endpoint.predict(body) == [int(rows(1, 7).iloc[0, 0] > 15)]
        seconds[index] = time.perf_counter() - started

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return seconds


def test_every_worker_answers_its_first_request_warm(endpoint_of: Any) -> None:
    endpoint = endpoint_of(
        name="warm",
        variants=[
            {"model": "cold-start", "instances": 2, "trusted": ["serving_warm_models.ColdStart"]}
        ],
    )
    # without the warm-up, the first request of each worker waits for the slow first call
    first = _timed_predictions(endpoint, 4)
    assert max(first) < FIRST_CALL_SECONDS / 2, first
    logged = FROZEN.findall(endpoint.log_path.read_text())
    assert len(logged) == 2, logged  # one line per worker
    for example_rows, frozen in logged:
        # the example's first row alone, then with all 5 of them; the heap inherited
        # from the supervisor (pandas, scikit-learn, tornado...) is out of the collector's walks
        assert int(example_rows) == 6 and int(frozen) > 50_000
    totals = endpoint.metrics()["variants"]["primary"]
    assert totals["requests"] == 4 and totals["batch_size"]["rows"] == 4  # warm-up not counted


def test_a_model_that_refuses_its_example_still_serves(endpoint_of: Any) -> None:
    endpoint = endpoint_of(
        name="refused",
        variants=[{"model": "picky-example", "trusted": ["serving_models.Picky"]}],
    )
    assert endpoint.predict({"dataframe_split": rows(2, 3).to_dict("split")}) == [
        int(v > 15) for v in rows(2, 3).iloc[:, 0]
    ]
    log = endpoint.log_path.read_text()
    assert "Variant primary: no warm-up with its input example" in log
    assert FROZEN.search(log) is not None  # started all the same, with 0 rows warmed


def test_the_warm_up_body_of_an_example() -> None:
    records = [{"a": 1.0, "b": "x"}, {"a": 2.0, "b": "y"}]
    assert example_body(records) == (
        b'{"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, "x"], [2.0, "y"]]}}'
    )
    assert example_body([{"a": 1}, {"b": 2}]) == b'{"dataframe_records": [{"a": 1}, {"b": 2}]}'
    assert example_body([[1, 2]] * 9) == b'{"instances": [' + b"[1, 2], " * 4 + b"[1, 2]]}"
    assert example_body(None) is None and example_body([]) is None
    assert example_body({"a": [1]}) is None
