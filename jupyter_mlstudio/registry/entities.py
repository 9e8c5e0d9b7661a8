"""Registry objects as the rest of the studio sees them: immutable snapshots."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import InvalidArgumentError

PENDING_APPROVAL = "PendingManualApproval"
APPROVED = "Approved"
REJECTED = "Rejected"
APPROVAL_STATUSES: tuple[str, ...] = (PENDING_APPROVAL, APPROVED, REJECTED)

MODEL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ALIAS_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# The editable parts of a model card, in the order they are shown and exported.
CARD_FIELDS: tuple[str, ...] = (
    "intended_use",
    "training_data",
    "evaluation",
    "caveats",
    "owner",
)


def validate_model_name(name: object) -> str:
    if not isinstance(name, str) or not MODEL_NAME_PATTERN.match(name):
        raise InvalidArgumentError(
            f"Model name {name!r} must start with a letter or digit and use only letters, "
            "digits, '.', '_' and '-' (at most 128 characters)."
        )
    return name


def validate_alias(alias: object) -> str:
    if not isinstance(alias, str) or not ALIAS_PATTERN.match(alias):
        raise InvalidArgumentError(
            f"Alias {alias!r} must start with a letter and use only letters, digits, '_' "
            "and '-' (at most 64 characters)."
        )
    if alias.lower() == "latest":
        raise InvalidArgumentError("'latest' is reserved: it always means the newest version.")
    return alias


@dataclass(frozen=True)
class ModelGroup:
    id: str
    name: str
    description: str
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime
    latest_version: int
    aliases: dict[str, int] = field(default_factory=dict)  # alias → version number


@dataclass(frozen=True)
class ApprovalEvent:
    at: datetime
    actor: str
    from_status: str
    to_status: str
    comment: str


@dataclass(frozen=True)
class ModelVersion:
    id: str
    group_id: str
    name: str  # the group's name
    version: int
    created_at: datetime
    artifact_uri: str
    content_hash: str
    size_bytes: int
    flavor: str
    signature: dict[str, Any]
    input_example: Any
    library_versions: dict[str, str]
    metrics: dict[str, float]
    params: dict[str, str]
    description: str
    tags: dict[str, str]
    approval_status: str
    card: dict[str, str]
    source_run_id: str | None = None
    source_job_id: str | None = None
    data_ref: dict[str, Any] | None = None
    aliases: tuple[str, ...] = ()
    approvals: tuple[ApprovalEvent, ...] = ()
