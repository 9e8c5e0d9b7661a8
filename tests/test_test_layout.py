"""Test modules in folders without ``__init__.py`` are imported by their file name
(pytest's default rootdir-based import mode), so two of them with one name make the
second fail to collect ("import file mismatch") — in one worker and not another."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_top_level_test_modules_have_unique_names() -> None:
    names = Counter(
        path.name for path in TESTS.rglob("test_*.py") if not (path.parent / "__init__.py").exists()
    )
    assert [name for name, count in names.items() if count > 1] == []
