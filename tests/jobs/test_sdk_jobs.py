"""``mls.train``, ``mls.process``, the job handle and the ``%%mls job`` magic."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_diabetes

import jupyter_mlstudio as mls

Script = Callable[[str, str], Path]


def test_train_a_built_in_algorithm_on_a_dataframe() -> None:
    frame = load_diabetes(as_frame=True).frame
    job = mls.train("ridge", data=frame, target="target", hyperparameters={"alpha": 0.5})
    ended = job.wait(progress=True, timeout=120)
    assert ended.status == "Completed"
    assert job.metrics["validation:r2"] > 0.3
    assert job.run is not None and job.run.params["alpha"] == "0.5"
    assert "job completed" in (job.logs() or "")
    # the DataFrame was staged once, content-addressed, as the train channel
    staged = Path(ended.spec["channels"]["train"])
    assert staged.suffix == ".parquet" and pd.read_parquet(staged).shape == frame.shape
    again = mls.train("lasso", data=frame, target="target")
    assert again.job.spec["channels"]["train"] == str(staged)
    again.wait(timeout=120)
    assert [j.name for j in mls.list_jobs(kind="training")] == [again.name, job.name]
    assert mls.get_job(job.name).id == job.id


def test_process_a_script_with_dataframe_inputs_and_follow_its_log(script: Script) -> None:
    code = script(
        "count.py",
        """
        import os, glob
        import pandas as pd
        [path] = glob.glob(os.environ["MLSTUDIO_INPUT_PEOPLE"] + "/*.parquet")
        people = pd.read_parquet(path)
        people.groupby("team").size().to_csv(os.environ["MLSTUDIO_OUTPUT_COUNTS"] + "/counts.csv")
        print("teams:", people["team"].nunique())
        """,
    )
    people = pd.DataFrame({"name": ["ann", "bob", "cy"], "team": ["a", "b", "a"]})
    job = mls.process(str(code), inputs={"people": people}, outputs=["counts"])
    out = io.StringIO()
    job.logs(follow=True, file=out)  # returns when the job has ended
    assert "teams: 2" in out.getvalue()
    assert job.status == "Completed"
    assert job.outputs["counts"].endswith("/processing/output/counts")


def test_wait_raises_with_the_reason_when_a_job_fails(script: Script) -> None:
    job = mls.process(str(script("bad.py", "raise SystemExit('the config file is missing')\n")))
    with pytest.raises(mls.JobFailedError, match="the config file is missing"):
        job.wait(timeout=60)
    assert job.wait(check=False).status == "Failed"


def test_stop_from_the_handle(script: Script) -> None:
    job = mls.process(
        str(script("sleep.py", "import time\nprint('up', flush=True)\ntime.sleep(120)\n"))
    )
    deadline = time.monotonic() + 30
    while "up" not in (job.logs() or ""):
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.05)
    assert job.stop(timeout=30).status == "Stopped"


@pytest.fixture
def shell() -> Iterator[object]:
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.extension_manager.load_extension("jupyter_mlstudio")
    yield ip
    ip.extension_manager.unload_extension("jupyter_mlstudio")


def test_cell_magic_runs_the_cell_as_a_job_and_streams_its_log(
    shell: object,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "input.txt").write_text("3\n")
    shell.run_cell_magic(  # type: ignore[attr-defined]
        "mls",
        "job --name cell-job",
        "n = int(open('input.txt').read())\nprint('squares', [i * i for i in range(n)])\n",
    )
    printed = capsys.readouterr().out
    assert "Job cell-job started." in printed
    assert "squares [0, 1, 4]" in printed  # ran in the notebook's folder
    assert printed.rstrip().endswith("Job cell-job: Completed")
    table = shell.run_line_magic("mls", "jobs")  # type: ignore[attr-defined]
    assert list(table.index) == ["cell-job"] and table.loc["cell-job", "status"] == "Completed"
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="cell magic"):
        shell.run_line_magic("mls", "job --name x")  # type: ignore[attr-defined]
