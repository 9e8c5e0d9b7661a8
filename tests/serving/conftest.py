"""Real endpoint processes on 127.0.0.1, serving models registered in a studio home of
their own (shared by the module's tests: starting an endpoint takes seconds)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving_helpers import StartEndpoint, X, forest, y

import jupyter_mlstudio as mls
from jupyter_mlstudio.config import ARTIFACT_URI_ENV, HOME_ENV, STORE_URI_ENV, StudioConfig
from jupyter_mlstudio.serving import EndpointConfig, EndpointProcess
from jupyter_mlstudio.studio import Studio, close_default

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def serving_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A studio home with ``cancer-rf`` versions 1 and 2 (logged from runs) and
    ``picky`` (a custom estimator that needs ``trusted``)."""
    from serving_models import Picky

    home = tmp_path_factory.mktemp("serving-home")
    # explicit URLs: the environment may name another test's store
    mls.configure(
        home=home,
        store_uri=f"sqlite:///{home / 'mlstudio.db'}",
        artifact_uri=(home / "artifacts").as_uri(),
    )
    try:
        for seed in (1, 2):
            with mls.start_run("serving", name=f"forest-{seed}") as run:
                run.log_model(forest(seed), X=X, register_as="cancer-rf")
        mls.register(Picky().fit(X, y), "picky", input_example=X)
    finally:
        close_default()
    return home


@pytest.fixture(scope="session")
def cancer_model(serving_home: Path) -> Any:
    """Version 1 of ``cancer-rf``, loaded in the test process: what an endpoint serving it
    must answer."""
    studio = Studio(StudioConfig.resolve(home=serving_home))
    try:
        return studio.registry.load("cancer-rf", 1)
    finally:
        studio.close()


@pytest.fixture(scope="session")
def serving_env(serving_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (STORE_URI_ENV, ARTIFACT_URI_ENV)}
    env[HOME_ENV] = str(serving_home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def start_endpoint(
    serving_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartEndpoint]:
    """``start_endpoint(name=..., variants=[...], ...)``: a started endpoint, stopped
    when the module's tests are done."""
    started: list[EndpointProcess] = []

    def start(**config: Any) -> EndpointProcess:
        endpoint = EndpointProcess(
            EndpointConfig.model_validate(config),
            env=serving_env,
            workdir=tmp_path_factory.mktemp(f"endpoint-{config['name']}"),
        )
        started.append(endpoint.start(timeout=120))
        return endpoint

    yield start
    for endpoint in started:
        endpoint.stop()
