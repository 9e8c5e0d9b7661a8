"""``%load_ext jupyter_mlstudio`` and the ``%mls`` magics, on a real IPython shell."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("IPython")

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import jupyter_mlstudio as mls


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    assert ip.extension_manager.load_extension("jupyter_mlstudio") is None
    yield ip
    ip.extension_manager.unload_extension("jupyter_mlstudio")


@pytest.fixture
def churn() -> list[str]:
    ids = []
    for i, (model, auc) in enumerate([("lr", 0.81), ("rf", 0.93), ("gbm", 0.88)]):
        with mls.start_run("churn", name=f"run-{i}", tags={"team": "growth"}) as run:
            run.log_params({"model": model, "depth": i})
            run.log_metric("auc", auc)
        ids.append(run.id)
    return ids


def test_load_ext_registers_the_magic(shell: InteractiveShell) -> None:
    assert "mls" in shell.magics_manager.magics["line"]
    shell.extension_manager.unload_extension("jupyter_mlstudio")
    assert "mls" not in shell.magics_manager.magics["line"]
    shell.extension_manager.load_extension("jupyter_mlstudio")


def test_runs_filter_sort_and_columns(shell: InteractiveShell, churn: list[str]) -> None:
    frame = shell.run_line_magic(
        "mls", 'runs churn --filter "metrics.auc > 0.85" --order-by "metrics.auc DESC"'
    )
    assert list(frame.index) == [churn[1], churn[2]]
    assert list(frame.columns) == [
        "name",
        "status",
        "start_time",
        "duration_s",
        "metrics.auc",
        "params.depth",
        "params.model",
    ]
    assert list(frame["name"]) == ["run-1", "run-2"]
    assert set(frame["status"]) == {"FINISHED"}
    assert (frame["duration_s"] >= 0).all()
    html = frame._repr_html_()
    assert "<table" in html and "run-1" in html and "metrics.auc" in html

    everything = shell.run_line_magic("mls", "runs churn --all")
    assert "tags.team" in everything.columns and len(everything) == 3


def test_runs_quoted_values_and_max(
    shell: InteractiveShell, churn: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    frame = shell.run_line_magic("mls", "runs churn --filter \"params.model = 'rf'\"")
    assert list(frame.index) == [churn[1]]
    frame = shell.run_line_magic("mls", 'runs churn --order-by "metrics.auc ASC" --max 2')
    assert list(frame["metrics.auc"]) == [0.81, 0.88]
    assert "Showing the first 2 runs" in capsys.readouterr().out


def test_runs_in_a_cell_shows_a_table(shell: InteractiveShell, churn: list[str]) -> None:
    result = shell.run_cell("%mls runs churn")
    assert result.success
    assert len(result.result) == 3


def test_no_matching_runs(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    mls.create_experiment("empty")
    assert shell.run_line_magic("mls", "runs empty") is None
    assert "No runs in 'empty'" in capsys.readouterr().out


def test_experiments(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    assert shell.run_line_magic("mls", "experiments") is None
    assert "No experiments yet" in capsys.readouterr().out
    mls.create_experiment("a", description="first")
    mls.create_experiment("b")
    frame = shell.run_line_magic("mls", "experiments")
    assert list(frame.index) == ["b", "a"]
    assert frame.loc["a", "description"] == "first"


@pytest.mark.parametrize("line", ["help", "", "runs --help", "-h"])
def test_help(shell: InteractiveShell, capsys: pytest.CaptureFixture[str], line: str) -> None:
    assert shell.run_line_magic("mls", line) is None
    out = capsys.readouterr().out
    assert "%mls runs <experiment>" in out and "%mls experiments" in out


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("runs missing", "No experiment named 'missing'."),
        ('runs churn --filter "metrics.auc >>"', "Invalid filter"),
        ('runs churn --filter "metrics.auc > 1; DROP TABLE runs"', "Invalid filter"),
        ("runs churn --max 0", "--max must be at least 1"),
        ("runs churn --max x", "invalid int value"),
        ("runs", "the following arguments are required: experiment"),
        ("bogus", "invalid choice: 'bogus'"),
        ('runs "churn', "No closing quotation"),
    ],
)
def test_errors_are_one_line(
    shell: InteractiveShell,
    churn: list[str],
    capsys: pytest.CaptureFixture[str],
    line: str,
    message: str,
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        shell.run_line_magic("mls", line)
    result = shell.run_cell(f"%mls {line}")
    assert isinstance(result.error_in_exec, UsageError)
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_import_stays_light() -> None:
    code = (
        "import sys, jupyter_mlstudio as mls; "
        "print(sorted(m for m in ('IPython', 'sklearn', 'skops', 'ipywidgets', 'matplotlib', "
        "'tornado', 'jupyter_server') if m in sys.modules)); "
        "callable(mls.load_ipython_extension) and callable(mls.autolog) or sys.exit(1)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_wrangle_opens_a_new_flow_on_a_kernel_dataframe(
    shell: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    from jupyter_mlstudio import magics
    from jupyter_mlstudio.wrangler import Flow
    from jupyter_mlstudio.wrangler.notebook import OPEN_FLOW_MIME

    shown: list[dict[str, object]] = []
    monkeypatch.setattr(magics, "_display_bundle", shown.append)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("MLSTUDIO_SERVER_ROOT", str(tmp_path))
    shell.user_ns["sales"] = pd.DataFrame({"region": ["n", "s", None], "amount": [1.5, 2.0, 3.25]})
    shell.run_line_magic("mls", "wrangle sales")
    shell.run_line_magic("mls", "wrangle sales")  # a second one does not overwrite
    assert [b[OPEN_FLOW_MIME]["path"] for b in shown] == [  # type: ignore[index]
        "work/sales.flow",
        "work/sales-1.flow",
    ]
    flow = Flow.load(tmp_path / "work" / "sales.flow")
    pd.testing.assert_frame_equal(flow.run(), shell.user_ns["sales"])
    with pytest.raises(UsageError, match="no variable 'nope'"):
        shell.run_line_magic("mls", "wrangle nope")
    shell.user_ns["number"] = 3
    with pytest.raises(UsageError, match="not a pandas DataFrame"):
        shell.run_line_magic("mls", "wrangle number")
