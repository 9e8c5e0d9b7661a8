"""The target-tracking decision and the autoscaler's bookkeeping, without processes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.serving.autoscaling import (
    Autoscaler,
    AutoscalingConfig,
    Clock,
    Observation,
    decide,
    read_state,
    target_count,
)
from jupyter_mlstudio.serving.config import EndpointConfig

POLICY = AutoscalingConfig(
    min=1,
    max=4,
    target_invocations_per_instance=1000,
    scale_out_cooldown=10,
    scale_in_cooldown=60,
)


def test_target_tracking_on_invocations_per_instance() -> None:
    assert target_count(POLICY, 1, Observation(0)) == 1  # never under min
    assert target_count(POLICY, 1, Observation(1000)) == 1
    assert target_count(POLICY, 1, Observation(1001)) == 2
    assert target_count(POLICY, 3, Observation(2500)) == 3
    assert target_count(POLICY, 1, Observation(1e6)) == 4  # never over max


def test_target_tracking_on_cpu() -> None:
    cpu = AutoscalingConfig(min=1, max=8, target_cpu_percent=50)
    assert target_count(cpu, 2, Observation(0, cpu_percent=100)) == 4
    assert target_count(cpu, 4, Observation(0, cpu_percent=20)) == 2
    assert target_count(cpu, 2, Observation(0, cpu_percent=50)) == 2
    assert target_count(cpu, 3, Observation(0, cpu_percent=None)) == 3  # not measured yet


def test_cooldowns_hold_changes_back() -> None:
    busy, idle = Observation(3500), Observation(0)
    assert decide(POLICY, 1, busy, Clock(), now=100) == 4
    # another scale-out waits for the scale-out cooldown
    assert decide(POLICY, 2, busy, Clock(last_out=95), now=100) == 2
    assert decide(POLICY, 2, busy, Clock(last_out=90), now=100) == 4
    # a scale-in waits for the scale-in cooldown after any scaling
    assert decide(POLICY, 4, idle, Clock(last_out=50), now=100) == 4
    assert decide(POLICY, 4, idle, Clock(last_out=30, last_in=50), now=100) == 4
    assert decide(POLICY, 4, idle, Clock(last_out=30, last_in=39), now=100) == 1
    # a count outside the policy (changed since) comes back inside at once
    assert decide(POLICY, 6, busy, Clock(last_out=99), now=100) == 4


def test_the_autoscaler_follows_the_window(tmp_path: Path) -> None:
    policy = POLICY.model_copy(update={"window_seconds": 10, "scale_in_cooldown": 5})
    scaler = Autoscaler([("primary", 1, policy)], None, tmp_path, now=0)
    for second in range(11):  # 50 requests a second: 3000 a minute -> 3 instances
        scaler.observe(float(second), [50 * second], {})
    assert scaler.desired(10.0) == 3
    for second in range(11, 30):  # idle: the window empties, then the cooldown passes
        scaler.observe(float(second), [500], {})
    assert scaler.desired(29.0) == 1
    scaler.record(1)
    scaler.write_state(29.0)
    state = read_state(tmp_path)
    assert state is not None and state["instances"] == 1 and state["desired"] == 1


def test_scale_to_zero_and_the_cold_start(tmp_path: Path) -> None:
    scaler = Autoscaler([("primary", 2, None)], 30.0, tmp_path, now=0)
    scaler.observe(0.0, [0], {})
    scaler.observe(10.0, [5], {})  # a request at 10 s
    assert scaler.desired(39.0) == 2
    assert scaler.desired(40.0) == 0
    scaler.went_to_zero(40.0)
    scaler.waking(100.0, requests_so_far=5)
    assert scaler.desired(100.1) == 2  # waking: not idle
    scaler.observe(100.4, [6], {})
    assert scaler.last_cold_start == pytest.approx(0.4)
    assert scaler.cold_starts == 1 and not scaler.scaled_to_zero


def test_validation_messages() -> None:
    with pytest.raises(ValidationError, match="must not be above max"):
        AutoscalingConfig(min=3, max=2, target_invocations_per_instance=10)
    with pytest.raises(ValidationError, match="Give a target"):
        AutoscalingConfig(min=1, max=2)
    with pytest.raises(ValidationError, match="Give one target"):
        AutoscalingConfig(target_invocations_per_instance=10, target_cpu_percent=50)
    with pytest.raises(InvalidArgumentError, match="scale_to_zero_after"):
        EndpointConfig.parse(
            '{"name": "e", "variants": [{"model": "m"}], "scale_to_zero_after": 0}'
        )
    config = EndpointConfig.model_validate(
        {
            "name": "e",
            "variants": [
                {"model": "m", "instances": 9, "autoscaling": {"max": 3, "target_cpu_percent": 70}},
                {"name": "b", "model": "m", "instances": 2},
            ],
        }
    )
    assert config.worker_count == 5 and config.worker_capacity == 5  # 9 brought to max 3
