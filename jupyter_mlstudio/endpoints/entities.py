"""Endpoint records as the rest of the studio sees them: immutable snapshots."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class EndpointStatus(str, enum.Enum):
    """SageMaker's endpoint statuses (the ones a local endpoint can be in)."""

    CREATING = "Creating"
    IN_SERVICE = "InService"
    UPDATING = "Updating"
    FAILED = "Failed"
    DELETING = "Deleting"


# statuses in which an operation is under way (its owner process drives it)
TRANSITIONAL = frozenset(
    {EndpointStatus.CREATING, EndpointStatus.UPDATING, EndpointStatus.DELETING}
)


@dataclass(frozen=True)
class DeployedVariant:
    """A variant as it serves: the version is pinned (aliases resolved at deploy)."""

    name: str
    model: str
    version: int
    weight: float
    instances: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.model,
            "version": self.version,
            "weight": self.weight,
            "instances": self.instances,
        }


@dataclass(frozen=True)
class Endpoint:
    id: str
    name: str
    status: EndpointStatus
    # the desired config (serving.EndpointConfig as JSON, without the token)
    config: dict[str, Any]
    variants: list[DeployedVariant]
    created_at: datetime
    updated_at: datetime
    host: str  # the machine the process runs on
    url: str | None = None  # direct URL once it serves
    port: int | None = None
    pid: int | None = None  # the serving process (its supervisor)
    token: str | None = field(default=None, repr=False)
    failure_reason: str | None = None
    generation: int = 1
    owner_pid: int | None = None  # the process driving a transitional status

    @property
    def auth(self) -> bool:
        return self.token is not None

    @property
    def instances(self) -> int:
        return sum(v.instances for v in self.variants)
