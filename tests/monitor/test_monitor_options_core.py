"""A monitor's options are checked by the core, so the SDK refuses what REST refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

import jupyter_mlstudio as mls
from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.monitor import suggest_baseline
from jupyter_mlstudio.studio import Studio

from .scenario import traffic


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("data-quality", {"drift_share": 2}, "drift_share"),
        ("data-quality", {"no_such_option": 1}, "no_such_option"),
        ("model-quality", {"offset_seconds": -1}, "offset_seconds"),
        ("model-quality", {"problem_type": "ranking"}, "problem_type"),
    ],
)
def test_bad_options_are_refused_by_the_sdk_and_nothing_is_created(
    studio: Studio, tmp_path: Path, kind: str, options: dict[str, object], message: str
) -> None:
    baseline = tmp_path / "baseline"
    suggest_baseline(traffic(200, seed=1)).save(baseline)
    table = tmp_path / "scored.csv"
    traffic(200, seed=2).to_csv(table, index=False)
    if kind == "data-quality":
        with pytest.raises(InvalidArgumentError, match=message):
            mls.monitor.create_schedule(
                data=table, baseline=str(baseline), cron=None, options=options
            )
    else:  # a model-quality monitor watches an endpoint: refused for its options first
        with pytest.raises(InvalidArgumentError, match=message):
            studio.monitor.create_monitor("mq", endpoint="nowhere", kind=kind, options=options)
    assert studio.monitor.list_monitors() == []
