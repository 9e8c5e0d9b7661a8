"""Edits of a baseline's constraints.json made by the real baseline code: validated whole
(nothing written on a bad value), saved as a new version the next real execution uses,
every version kept, reset to the suggested file, stale edits refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_mlstudio.errors import ConflictError, InvalidArgumentError
from jupyter_mlstudio.monitor import suggest_baseline
from jupyter_mlstudio.monitor.baseline import load_constraints
from jupyter_mlstudio.monitor.constraints_edit import (
    VERSIONS_FOLDER,
    FeatureEdit,
    edit_constraints,
    get_constraints,
    reset_constraints,
)
from jupyter_mlstudio.studio import Studio

from .scenario import traffic


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    baseline = tmp_path / "baseline"
    suggest_baseline(traffic(1500, seed=1)).save(baseline)
    table = tmp_path / "scored.csv"
    traffic(1500, seed=2, shifted=True).to_csv(table, index=False)
    return baseline, table


def _drifted(studio: Studio, monitor: str) -> set[str]:
    ended = studio.monitor.wait(studio.monitor.run_now(monitor).id, timeout=120)
    return {
        v["feature_name"]
        for v in studio.monitor.violations(ended.id)
        if v["constraint_check_type"] == "baseline_drift_check"
    }


def test_an_edit_is_a_new_version_the_next_execution_uses(
    studio: Studio, inputs: tuple[Path, Path]
) -> None:
    baseline, table = inputs
    service = studio.monitor
    service.create_monitor("scored", data=str(table), baseline=str(baseline))
    suggested_text = (baseline / "constraints.json").read_text()
    shown = get_constraints(service, "scored")
    assert shown.version == 0 and not shown.edited
    income = next(f for f in shown.features if f.name == "income")
    assert income.inferred_type == "Fractional" and income.completeness == 1.0
    plan = next(f for f in shown.features if f.name == "plan")
    assert sorted(plan.domains or []) == ["basic", "plus", "premium"]
    assert _drifted(studio, "scored") == {"income", "balance", "tenure"}

    # income: a threshold its drift stays under; plan: a smaller domain
    saved = edit_constraints(
        service,
        "scored",
        [
            FeatureEdit("income", "Fractional", 1.0, None, None, "wasserstein", 50.0),
            FeatureEdit("plan", "String", 1.0, None, ["basic", "plus"]),
        ],
        version=0,
    )
    assert saved.version == 2 and saved.edited
    versions = baseline / VERSIONS_FOLDER
    assert sorted(p.name for p in versions.iterdir()) == [
        "constraints.1.json",
        "constraints.2.json",
    ]
    assert (versions / "constraints.1.json").read_text() == suggested_text  # the old kept
    current = load_constraints(baseline / "constraints.json")  # still SageMaker's schema
    edited = current.feature("income")
    assert edited is not None and edited.monitoring_config_overrides is not None
    assert edited.monitoring_config_overrides.comparison_threshold == 50.0
    raw = json.loads((baseline / "constraints.json").read_text())
    assert raw["features"][0]["monitoringConfigOverrides"]["comparison_method"] == "wasserstein"
    untouched = current.feature("age")
    assert untouched is not None and untouched.num_constraints is not None  # as suggested
    assert (versions / "constraints.2.json").read_text() == (
        baseline / "constraints.json"
    ).read_text()

    # the next execution checks the new version: income no longer drifts, "premium" is new
    ended = service.wait(service.run_now("scored").id, timeout=120)
    found = service.violations(ended.id)
    drifted = {
        v["feature_name"] for v in found if v["constraint_check_type"] == "baseline_drift_check"
    }
    assert drifted == {"balance", "tenure"}
    assert any(
        v["feature_name"] == "plan" and v["constraint_check_type"] == "categorical_values_check"
        for v in found
    )

    # an edit made on version 0 after version 2 was saved: a conflict, nothing written
    with pytest.raises(ConflictError, match="reload"):
        edit_constraints(service, "scored", [FeatureEdit("age", "Integral", 0.5)], version=0)
    assert len(list(versions.iterdir())) == 2

    reset = reset_constraints(service, "scored", version=2)
    assert reset.version == 3 and not reset.edited
    assert (baseline / "constraints.json").read_text() == suggested_text
    assert len(list(versions.iterdir())) == 3
    assert _drifted(studio, "scored") == {"income", "balance", "tenure"}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (FeatureEdit("nope", "Fractional"), "nope: not a feature of this baseline"),
        (FeatureEdit("income", "Decimal"), "the type is one of"),
        (FeatureEdit("income", "Fractional", 1.5), "completeness is between 0 and 1"),
        (FeatureEdit("income", "Fractional", float("nan")), "completeness is between 0 and 1"),
        (FeatureEdit("plan", "String", 1.0, True), "only a numerical feature can be non-negative"),
        (FeatureEdit("income", "Fractional", 1.0, None, ["a"]), "only a String feature"),
        (FeatureEdit("plan", "String", 1.0, None, ["a", "a"]), "lists a value twice"),
        (FeatureEdit("income", "Fractional", 1.0, None, None, "t-test"), "drift method is one of"),
        (FeatureEdit("income", "Fractional", 1.0, None, None, "psi", 0.0), "threshold is above 0"),
        (FeatureEdit("income", "Fractional", 1.0, None, None, "ks", 5.0), "p-value below 1"),
    ],
)
def test_bad_edits_are_refused_and_nothing_is_written(
    studio: Studio, inputs: tuple[Path, Path], edit: FeatureEdit, message: str
) -> None:
    baseline, table = inputs
    studio.monitor.create_monitor("scored", data=str(table), baseline=str(baseline))
    before = (baseline / "constraints.json").read_text()
    good = FeatureEdit("age", "Integral", 0.5)  # a valid edit in the same request
    with pytest.raises(InvalidArgumentError, match=message):
        edit_constraints(studio.monitor, "scored", [good, edit], version=0)
    assert (baseline / "constraints.json").read_text() == before
    assert not (baseline / VERSIONS_FOLDER).exists()


def test_a_feature_edited_twice_in_one_request_is_refused(
    studio: Studio, inputs: tuple[Path, Path]
) -> None:
    baseline, table = inputs
    studio.monitor.create_monitor("scored", data=str(table), baseline=str(baseline))
    with pytest.raises(InvalidArgumentError, match="age: edited twice"):
        edit_constraints(
            studio.monitor,
            "scored",
            [FeatureEdit("age", "Integral", 0.5), FeatureEdit("age", "Integral", 0.9)],
            version=0,
        )


def test_saves_racing_on_one_version_keep_one_and_refuse_the_others(
    studio: Studio, inputs: tuple[Path, Path]
) -> None:
    """Rounds of eight threads saving different edits made on the same version at once:
    each round, one save is the next version and the others are conflicts, and the
    current file is the winner's. (A race: without the exclusive create, a round lets two
    saves through often, not always; six rounds catch it most runs.)"""
    import threading

    baseline, table = inputs
    studio.monitor.create_monitor("scored", data=str(table), baseline=str(baseline))
    version = 0
    for round_ in range(6):
        barrier = threading.Barrier(8)
        outcomes: list[object] = [None] * 8

        def save(
            index: int, based_on: int, barrier: threading.Barrier, outcomes: list[object]
        ) -> None:
            barrier.wait()
            try:
                outcomes[index] = edit_constraints(
                    studio.monitor,
                    "scored",
                    [FeatureEdit("age", "Integral", (index + 1) / 10)],
                    version=based_on,
                ).version
            except ConflictError as exc:
                outcomes[index] = exc

        threads = [
            threading.Thread(target=save, args=(i, version, barrier, outcomes)) for i in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        expected = version + 2 if version == 0 else version + 1  # the first adds version 1
        winners = [i for i, o in enumerate(outcomes) if o == expected]
        assert len(winners) == 1, (round_, outcomes)
        assert all(isinstance(o, ConflictError) for i, o in enumerate(outcomes) if i != winners[0])
        versions = sorted(int(p.name.split(".")[1]) for p in (baseline / VERSIONS_FOLDER).iterdir())
        assert versions == list(range(1, expected + 1))
        age = load_constraints(baseline / "constraints.json").feature("age")
        assert age is not None and age.completeness == (winners[0] + 1) / 10
        version = expected
