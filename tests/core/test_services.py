"""The services are built from their collaborators (stores, config pieces, other services),
not from a Studio; the logic the REST handlers held (path resolution, source resolution,
list and search forms) is theirs, usable without a server."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import jupyter_mlstudio
from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.errors import InvalidArgumentError, NotFoundError
from jupyter_mlstudio.experiments.run_store import SqlRunStore
from jupyter_mlstudio.experiments.service import ExperimentService
from jupyter_mlstudio.experiments.store import SqlExperimentStore
from jupyter_mlstudio.jobs.specs import ProcessingSpec
from jupyter_mlstudio.store.db import Database
from jupyter_mlstudio.studio import Studio

PACKAGE = Path(jupyter_mlstudio.__file__).parent
STUDIO_MODULE = ("studio", "jupyter_mlstudio.studio")  # ``from ..studio`` or absolute
# Process entry points and fronts: the only modules that open a Studio themselves.
STUDIO_IMPORTERS = {
    "autolog.py",
    "jobs/runner.py",
    "sdk.py",
    "server/app.py",
    "server/handlers/base.py",
    "serving/variants.py",
    "widgets.py",
}


@pytest.fixture
def studio() -> Iterator[Studio]:
    studio = Studio(StudioConfig.resolve())
    yield studio
    studio.close()


def test_only_entry_points_and_fronts_import_the_studio() -> None:
    importers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.module in STUDIO_MODULE:
                importers.add(path.relative_to(PACKAGE).as_posix())
    assert importers == STUDIO_IMPORTERS


def test_the_experiments_service_needs_only_its_stores(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'own.db'}")
    try:
        service = ExperimentService(SqlExperimentStore(db), SqlRunStore(db, str(tmp_path)))
        first = service.experiment("churn")
        assert service.experiment("churn").id == first.id  # get-or-create
        run = service.create_run(first.id, name="r1")
        ended = service.update_run(run.id, name="renamed", status="FAILED")
        assert (ended.name, ended.status) == ("renamed", "FAILED")
        service.delete_run(run.id)
        assert service.restore_run(run.id).id == run.id
        assert [r.id for r in service.search_runs_by_name(["churn"])] == [run.id]
        page, total = service.search_experiment_runs(first.id, order_by="name ASC")
        assert ([r.id for r in page.items], total) == ([run.id], 1)
        with pytest.raises(NotFoundError):
            service.search_experiment_runs("no-such-experiment")
        assert service.list_experiments(name="churn").items == [first]
        other = service.create_run(first.id, name="r2")
        service.discard_run(other.id)  # its job could not be created
        assert service.get_run(other.id).status == "FAILED"
        assert service.search_runs([first.id], lifecycle="deleted").items[0].id == other.id
        with pytest.raises(InvalidArgumentError, match="at most 100 values"):
            service.metric_histories(",".join(f"r{i}" for i in range(101)), "loss", 10)
        with pytest.raises(InvalidArgumentError, match="keys must name at least one value"):
            service.metric_histories(run.id, " , ", 10)
    finally:
        db.dispose()


def test_reading_jobs_needs_no_executor(studio: Studio, tmp_path: Path) -> None:
    """The executor is made on the first submit: a bad one does not stop reads."""
    bad = Studio(StudioConfig.resolve(job_executor="nope"))
    try:
        assert bad.jobs.list().items == []
        with pytest.raises(NotFoundError):
            bad.jobs.find("no-such-job")
        code = tmp_path / "hello.py"
        code.write_text("print('hello')\n")
        with pytest.raises(InvalidArgumentError, match="Unknown job executor 'nope'"):
            bad.jobs.submit(ProcessingSpec(code=str(code)))
    finally:
        bad.close()


def test_registering_by_id_refuses_a_missing_or_unknown_source(studio: Studio) -> None:
    with pytest.raises(InvalidArgumentError, match="either run_id or job_id"):
        studio.registry.register_source("m")
    with pytest.raises(InvalidArgumentError, match="either run_id or job_id"):
        studio.registry.register_source("m", run_id="a", job_id="b")
    with pytest.raises(InvalidArgumentError, match="No job with id 'nope'"):
        studio.registry.register_source("m", job_id="nope")
    with pytest.raises(InvalidArgumentError, match="No run with id 'nope'"):
        studio.registry.register_source("m", run_id="nope")


def test_the_data_columns_of_a_root_relative_path(studio: Studio, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("a,b,label\n1,2,0\n")
    assert studio.jobs.data_columns("data/train.csv", tmp_path) == ["a", "b", "label"]
    for outside in ("../x.csv", "/etc/passwd"):
        with pytest.raises(InvalidArgumentError, match="relative to the server's root"):
            studio.jobs.data_columns(outside, tmp_path)
    with pytest.raises(NotFoundError, match=r"data/missing\.csv does not exist"):
        studio.jobs.data_columns("data/missing.csv", tmp_path)


def test_flow_paths_stay_in_the_root(studio: Studio, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "flows").mkdir(parents=True)
    wrangler = studio.wrangler
    assert wrangler.flow_path("/flows/prep.flow", root) == root / "flows" / "prep.flow"
    with pytest.raises(InvalidArgumentError, match="outside the server's root folder"):
        wrangler.flow_path("../prep.flow", root)
    with pytest.raises(InvalidArgumentError, match=r"not a \.flow file"):
        wrangler.flow_path("flows/prep.py", root)
    with pytest.raises(NotFoundError, match=r"The folder of gone/prep\.flow does not exist"):
        wrangler.flow_path("gone/prep.flow", root)
