from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .datasets import write_datasets


@pytest.fixture(scope="session")
def dataset_files(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[Path, Path, dict[str, Any]]]:
    return write_datasets(tmp_path_factory.mktemp("datasets"))
