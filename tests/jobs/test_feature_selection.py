"""Which columns built-in algorithms use as features (issue 13, the feature picker):
``exclude_columns`` in the spec, and identifiers and personal or free text dropped on
their own, each named in the job's log and in its run."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tornado.httpclient import HTTPResponse

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.jobs.builtin import train_builtin
from jupyter_mlstudio.jobs.specs import TrainingSpec
from jupyter_mlstudio.registry.format import read_metadata
from jupyter_mlstudio.studio import Studio

Fetch = Callable[..., Awaitable[HTTPResponse]]


def customers(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """Customers as the shipped example has them: an id, a name, real features."""
    rng = np.random.default_rng(seed)
    visits = rng.poisson(5, rows)
    tickets = rng.poisson(1, rows)
    return pd.DataFrame(
        {
            "customer_id": np.arange(5001, 5001 + rows),
            "name": [f"{rng.choice(['Ana', 'Ben', 'Eli'])} {i:04d}" for i in range(rows)],
            "age": rng.integers(18, 80, rows),
            "income": rng.integers(15_000, 150_000, rows),  # distinct, but not an id
            "city": rng.choice(["Paris", "Lyon", "Brest"], rows),
            "monthly_visits": visits,
            "support_tickets": tickets,
            "churned": (tickets * 2 - visits + rng.normal(0, 1, rows) > 0).astype(int),
        }
    )


@pytest.fixture
def customers_csv(tmp_path: Path) -> Path:
    path = tmp_path / "customers.csv"
    customers().to_csv(path, index=False)
    return path


def test_identifiers_and_names_are_dropped_with_a_note_and_recorded_in_the_run(
    studio: Studio, customers_csv: Path
) -> None:
    job = studio.jobs.submit(
        TrainingSpec(
            algorithm="logistic-regression",
            channels={"train": str(customers_csv)},
            target="churned",
            exclude_columns=["city"],
        )
    )
    done = studio.jobs.wait(job.id, timeout=120)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)

    assert "note: column 'customer_id' is not used as a feature (identifier" in log
    assert "note: column 'name' is not used as a feature (personal data" in log
    assert "note: column 'city' is not used as a feature (excluded (exclude_columns))" in log
    assert "'income' is not used" not in log  # distinct numbers are not identifiers
    assert done.run_id is not None
    run = studio.experiments.get_run(done.run_id)
    assert run.params["dropped_columns"] == "customer_id, name, city"

    metadata = read_metadata(Path(done.outputs["model"].removeprefix("file://")))
    inputs = [c["name"] for c in metadata.signature["inputs"]]
    assert inputs == ["age", "income", "monthly_visits", "support_tickets"]
    assert set(metadata.extra["dropped_columns"]) == {"customer_id", "name", "city"}


def test_unknown_or_target_exclude_columns_are_refused_before_the_job_runs(
    studio: Studio, customers_csv: Path, tmp_path: Path
) -> None:
    def submit(**fields: Any) -> None:
        studio.jobs.submit(
            TrainingSpec.model_validate(
                {
                    "algorithm": "logistic-regression",
                    "channels": {"train": str(customers_csv)},
                    "target": "churned",
                }
                | fields
            )
        )

    with pytest.raises(InvalidArgumentError) as refused:
        submit(exclude_columns=["customer_id", "cutsomer_name", "zip"])
    message = refused.value.message
    assert message.startswith("exclude_columns: 'cutsomer_name', 'zip' are not columns")
    assert "customer_id, name, age" in message  # the columns there are
    with pytest.raises(InvalidArgumentError, match="'churned' is the target column"):
        submit(exclude_columns=["churned"])
    script = tmp_path / "train.py"
    script.write_text("print('hi')\n")
    with pytest.raises(InvalidArgumentError, match="exclude_columns: built-in algorithms only"):
        studio.jobs.submit(TrainingSpec(entry_point=str(script), exclude_columns=["a"]))
    assert studio.stores.jobs.count_jobs() == 0


def test_the_training_itself_fails_clearly_on_an_unknown_excluded_column(
    customers_csv: Path, tmp_path: Path
) -> None:
    # what a job on data that could not be checked at submission (a URL) ends with
    with pytest.raises(InvalidArgumentError) as failed:
        train_builtin(
            "logistic-regression",
            {},
            {"train": customers_csv},
            "churned",
            tmp_path / "model",
            exclude_columns=["nope"],
            log=lambda _: None,
        )
    assert failed.value.message.startswith(
        "exclude_columns: 'nope' is not a column of the training data; its columns are "
        "customer_id, name"
    )


def test_what_counts_as_an_identifier(tmp_path: Path) -> None:
    rows = 200
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "row": np.arange(rows),  # counts up: a row number
            "userId": rng.permutation(rows) * 7,  # distinct and named like an id
            "store_id": rng.integers(0, 5, rows),  # an id that repeats: a real category
            "salary": rng.permutation(rows) * 13 + 20_000,  # distinct, not an id
            "weight": rng.normal(70, 10, rows),  # floats are never identifiers
            "comment": [f"note number {i} about the order" for i in range(rows)],
            "code": [f"c{i % 150}" for i in range(rows)],  # 150 values in 200 rows
            "plan": rng.choice(["basic", "pro"], rows),
            "E-Mail": [f"u{i % 3}@example.com" for i in range(rows)],
            "y": rng.integers(0, 2, rows),
        }
    )
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    lines: list[str] = []
    result = train_builtin(
        "logistic-regression", {}, {"train": path}, "y", tmp_path / "model", log=lines.append
    )
    assert set(result.dropped_columns) == {"row", "userId", "comment", "code", "E-Mail"}
    assert result.dropped_columns["comment"].startswith("identifier: a distinct value")
    assert result.dropped_columns["code"] == (
        "free text or identifier: 150 distinct values in 200 rows"
    )
    assert [c["name"] for c in result.metadata["signature"]["inputs"]] == [
        "store_id",
        "salary",
        "weight",
        "plan",
    ]

    # in a handful of rows every column is distinct: only names decide there
    small = frame.head(20)
    small.to_csv(path, index=False)
    result = train_builtin(
        "logistic-regression", {}, {"train": path}, "y", tmp_path / "small", log=lines.append
    )
    assert set(result.dropped_columns) == {"E-Mail"}


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlstudio": True}}}


async def test_exclude_columns_over_rest(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    customers().to_csv(jp_root_dir / "customers.csv", index=False)

    async def create(exclude: list[str]) -> tuple[int, Any]:
        response = await jp_fetch(
            "mlstudio",
            "api",
            "v1",
            "jobs",
            "training",
            method="POST",
            raise_error=False,
            body=json.dumps(
                {
                    "algorithm": "logistic-regression",
                    "channels": {"train": "customers.csv"},
                    "target": "churned",
                    "exclude_columns": exclude,
                }
            ),
        )
        return response.code, json.loads(response.body)

    status, refused = await create(["customer_id", "zip"])
    assert status == 400
    assert refused["error"]["message"].startswith("exclude_columns: 'zip' is not a column")
    status, job = await create(["age"])
    assert status == 201 and job["spec"]["exclude_columns"] == ["age"]
    for _ in range(600):
        response = await jp_fetch("mlstudio", "api", "v1", "jobs", job["id"])
        job = json.loads(response.body)
        if job["status"] not in ("Pending", "Running"):
            break
        await asyncio.sleep(0.2)
    assert job["status"] == "Completed", job["failure_reason"]


def test_the_sdk_passes_exclude_columns(customers_csv: Path) -> None:
    import jupyter_mlstudio as mls

    job = mls.train(
        "logistic-regression",
        data=str(customers_csv),
        target="churned",
        exclude_columns=["city"],
        wait=True,
    )
    assert job.job.spec["exclude_columns"] == ["city"]
    log = job.logs()
    assert log is not None
    assert "note: column 'city' is not used as a feature (excluded (exclude_columns))" in log


def test_metadata_that_is_not_an_object_is_refused_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "metadata.json").write_text("[1, 2]")
    with pytest.raises(InvalidArgumentError, match="must hold a JSON object"):
        read_metadata(tmp_path)
