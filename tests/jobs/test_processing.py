"""Processing jobs: scripts and notebooks with inputs and outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import nbformat
import pandas as pd

from jupyter_mlstudio.artifacts import ArtifactRepository
from jupyter_mlstudio.jobs.specs import ProcessingSpec
from jupyter_mlstudio.studio import Studio

Script = Callable[[str, str], Path]


def test_script_reads_inputs_and_writes_outputs_in_the_container_layout(
    studio: Studio, script: Script, tmp_path: Path
) -> None:
    raw = tmp_path / "raw.csv"
    pd.DataFrame({"x": [1, 2, 3, None], "y": ["a", "b", "c", "d"]}).to_csv(raw, index=False)
    delivered = tmp_path / "delivered"
    code = script(
        "prep.py",
        """
        import sys
        import pandas as pd
        frame = pd.read_csv("/opt/ml/processing/input/raw/raw.csv".replace(
            "/opt/ml", __import__("os").environ["MLSTUDIO_PROCESSING_ROOT"][:-len("/processing")]))
        clean = frame.dropna()
        clean.to_csv(__import__("os").environ["MLSTUDIO_OUTPUT_CLEAN"] + "/clean.csv", index=False)
        print(f"rows_kept={len(clean)} of {len(frame)}; argv={sys.argv[1:]}")
        """,
    )
    job = studio.jobs.submit(
        ProcessingSpec(
            code=str(code),
            arguments=["--mode", "strict"],
            inputs=[{"name": "raw", "source": str(raw)}],
            outputs=[{"name": "clean"}, {"name": "copy", "destination": str(delivered)}],
            metric_definitions=[{"name": "rows_kept", "regex": r"rows_kept=(\d+)"}],
        )
    )
    done = studio.jobs.wait(job.id, timeout=60)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)
    assert "argv=['--mode', 'strict']" in log
    # the output folder lives with the job's artifacts and is listed as an output
    assert done.outputs["clean"] == f"{job.artifact_uri}/processing/output/clean"
    clean = ArtifactRepository(done.artifact_uri).open("processing/output/clean/clean.csv")
    assert len(pd.read_csv(clean)) == 3
    assert done.outputs["copy"] == str(delivered) and delivered.is_dir()
    assert done.run_id is not None
    assert studio.experiments.get_run(done.run_id).metrics["rows_kept"] == 3


def _notebook(path: Path, cells: list[tuple[str, list[str]]]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for source, tags in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


def test_notebook_runs_with_injected_parameters_and_is_kept_executed(
    studio: Studio, tmp_path: Path
) -> None:
    notebook = _notebook(
        tmp_path / "report.ipynb",
        [
            ("alpha = 1\nlabel = 'default'", ["parameters"]),
            ("result = alpha * 10\nprint(f'result={result} label={label}')", []),
            ("open('written-by-notebook.txt', 'w').write(label)", []),
        ],
    )
    job = studio.jobs.submit(
        ProcessingSpec(code=str(notebook), parameters={"alpha": 4, "label": "tuned"})
    )
    done = studio.jobs.wait(job.id, timeout=120)
    log = studio.jobs.read_log(job.id).text
    assert done.status == "Completed", (done.failure_reason, log)
    assert "result=40 label=tuned" in log
    # runs in the notebook's folder, like JupyterLab
    assert (tmp_path / "written-by-notebook.txt").read_text() == "tuned"
    executed = nbformat.reads(
        ArtifactRepository(done.artifact_uri).open("output/report.ipynb").read().decode(), 4
    )
    assert executed.cells[1].metadata["tags"] == ["injected-parameters"]
    assert "alpha = 4" in executed.cells[1].source
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    assert any("result=40" in o.get("text", "") for o in outputs)
    assert done.outputs["notebook"].endswith("/output/report.ipynb")


def test_failing_notebook_fails_the_job_and_keeps_the_executed_notebook(
    studio: Studio, tmp_path: Path
) -> None:
    notebook = _notebook(
        tmp_path / "broken.ipynb",
        [("print('before')", []), ("raise KeyError('customer_id')", []), ("print('never')", [])],
    )
    job = studio.jobs.submit(ProcessingSpec(code=str(notebook)))
    done = studio.jobs.wait(job.id, timeout=120)
    assert done.status == "Failed"
    assert done.failure_reason == "A notebook cell raised KeyError: 'customer_id'"
    executed = json.loads(ArtifactRepository(done.artifact_uri).open("output/broken.ipynb").read())
    assert "".join(executed["cells"][0]["outputs"][0]["text"]) == "before\n"
    assert executed["cells"][2].get("outputs", []) == []
