"""``%mls pipeline run`` on a .pipeline file and on a stored pipeline, with parameters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("IPython")

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from jupyter_mlstudio.studio import close_default


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    ip.extension_manager.load_extension("jupyter_mlstudio")
    yield ip
    ip.extension_manager.unload_extension("jupyter_mlstudio")
    close_default()


def test_pipeline_run_magic(
    shell: InteractiveShell,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fns.py").write_text("def half(x: float) -> float:\n    return x / 2\n")
    document = {
        "format": "mlstudio.pipeline",
        "version": 1,
        "name": "magic-pipe",
        "parameters": [{"name": "x", "type": "Float", "default": 8}],
        "steps": [
            {
                "name": "half",
                "type": "Python",
                "arguments": {
                    "file": "fns.py",
                    "function": "half",
                    "kwargs": {"x": {"Get": "Parameters.x"}},
                    "outputs": [{"name": "y", "type": "Float"}],
                },
            }
        ],
    }
    (tmp_path / "magic.pipeline").write_text(json.dumps(document))
    handle = shell.run_line_magic("mls", "pipeline run magic.pipeline")
    assert handle.status == "Succeeded"
    assert handle.step("half").outputs["y"] == 4.0
    assert "half" in capsys.readouterr().out

    again = shell.run_line_magic("mls", "pipeline run magic-pipe --parameters x=3")
    assert again.step("half").outputs["y"] == 1.5
    shell.run_line_magic("mls", "pipeline list")
    assert "magic-pipe  v1" in capsys.readouterr().out
    with pytest.raises(UsageError, match="no parameter 'nope'"):
        shell.run_line_magic("mls", "pipeline run magic-pipe --parameters nope=1")
