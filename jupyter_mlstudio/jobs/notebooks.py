"""Run a notebook as a job, papermill-style: parameters go into a new cell after the
cell tagged ``parameters`` (or first, when none is tagged); the executed notebook, with
its outputs, is kept even when a cell fails."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from ..errors import InvalidArgumentError

INJECTED_TAG = "injected-parameters"


class NotebookFailed(Exception):
    """A cell raised; the message names the cell and the error."""


def read_notebook(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise InvalidArgumentError(f"Notebook {path} does not exist.") from None
    except Exception as exc:  # nbformat raises many kinds for a broken file
        raise InvalidArgumentError(f"{path.name} is not a readable notebook: {exc}") from None


def inject_parameters(nb: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> None:
    """Insert the parameter assignments as their own cell, replacing an earlier injection."""
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    if not parameters:
        return
    lines = ["# Parameters"]
    for name, value in parameters.items():
        if not name.isidentifier():
            raise InvalidArgumentError(f"Notebook parameter {name!r} is not a Python name.")
        lines.append(f"{name} = {value!r}")
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = [INJECTED_TAG]
    position = next(
        (
            index + 1
            for index, existing in enumerate(nb.cells)
            if "parameters" in existing.get("metadata", {}).get("tags", [])
        ),
        0,
    )
    nb.cells.insert(position, cell)


def execute_notebook(
    source: Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    cwd: Path,
    log: Callable[[str], None],
    timeout: float | None = None,
) -> None:
    """Execute ``source`` with ``parameters`` and write the result to ``output``."""
    nb = read_notebook(source)
    inject_parameters(nb, parameters)
    kernel = nb.metadata.get("kernelspec", {}).get("name") or "python3"
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        resources={"metadata": {"path": str(cwd)}},
        allow_errors=False,
    )
    log(f"[mlstudio] executing {source.name}: {code_cells} code cells on kernel {kernel}")
    done = 0

    def on_cell_executed(cell: Any, cell_index: int, execute_reply: Any, **_: Any) -> None:
        nonlocal done
        if cell.cell_type != "code":
            return
        done += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                log(str(out.get("text", "")).rstrip("\n"))
            elif out.get("output_type") in ("execute_result", "display_data"):
                text = out.get("data", {}).get("text/plain")
                if text:
                    log(str(text))
        log(f"[mlstudio] cell {cell_index + 1} done ({done}/{code_cells})")

    client.on_cell_executed = on_cell_executed
    try:
        client.execute()
    except CellExecutionError as exc:
        name = getattr(exc, "ename", "Error")
        value = getattr(exc, "evalue", "")
        raise NotebookFailed(f"A notebook cell raised {name}: {value}") from None
    finally:
        output.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(output))
