"""RegisterModel and Deploy steps whose result already exists are Cached, not run again.

They are not job steps (there is no job result to key by content), but running them
again on an unchanged input only adds a duplicate model version and rolls the endpoint
over to an identical model. So, when the step's cache is enabled:

- a RegisterModel step whose model folder has the content hash of a version of the same
  model group with the requested approval status (registered within the cache's expiry)
  reuses that version; its cache source is the execution that registered it;
- a Deploy step whose endpoint is InService serving exactly that model version (one
  variant; the newest version when none is given) leaves the endpoint as it is.

A changed model (another hash) or a different endpoint configuration runs the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MLStudioError
from ..registry.format import folder_digest

if TYPE_CHECKING:
    from ..studio import Studio

REUSABLE_STEP_TYPES = frozenset({"RegisterModel", "Deploy"})
EXECUTION_TAG = "mlstudio.pipeline_execution"


@dataclass(frozen=True)
class Reused:
    properties: dict[str, Any]
    source: str | None = None  # the execution whose step produced it, when known


def reusable_result(
    studio: Studio,
    step_type: str,
    arguments: Mapping[str, Any],
    newer_than: datetime | None,
) -> Reused | None:
    """What the step would produce, when it already exists; None: run the step."""
    try:
        if step_type == "RegisterModel":
            return _registered(studio, arguments, newer_than)
        if step_type == "Deploy":
            return _deployed(studio, arguments)
    except (MLStudioError, OSError):
        return None  # not reusable: the step runs and reports the problem itself
    return None


def _registered(studio: Studio, a: Mapping[str, Any], newer_than: datetime | None) -> Reused | None:
    source = str(a["model"])
    if "://" in source.removeprefix("file://"):
        return None  # a remote artifact: hashing it means downloading it
    folder = Path(source.removeprefix("file://"))
    if not folder.is_dir():
        return None
    from ..serving.inference_code import TRUST_CODE_TAG

    digest, _ = folder_digest(folder)
    status = a.get("approval_status") or "PendingManualApproval"
    for version in studio.registry.list_versions(a["model_name"]):
        if (
            version.content_hash == digest
            and version.approval_status == status
            and (newer_than is None or version.created_at >= newer_than)
            # code the step trusts must be trusted in the version it reuses
            and not (a.get("trust_code") and version.tags.get(TRUST_CODE_TAG) == "false")
        ):
            return Reused(
                {"ModelName": a["model_name"], "ModelVersion": version.version},
                version.tags.get(EXECUTION_TAG),
            )
    return None


def _deployed(studio: Studio, a: Mapping[str, Any]) -> Reused | None:
    endpoint = studio.endpoints.get(a["endpoint_name"])
    if endpoint.status.value != "InService" or len(endpoint.variants) != 1:
        return None
    version = a.get("version")
    if version is None:
        version = studio.registry.get_version(a["model_name"], None, None).version
    served = endpoint.variants[0]
    if served.model != a["model_name"] or served.version != int(version):
        return None
    return Reused({"EndpointName": endpoint.name, "EndpointUrl": endpoint.url or ""})
