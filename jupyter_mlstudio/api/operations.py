"""Every REST operation, declared once.

The OpenAPI document is generated from this table; the server's route table must
cover exactly these paths (a test checks both ways).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from . import models

API_PREFIX = "/mlstudio/api/v1"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI template relative to API_PREFIX, e.g. "/experiments/{experiment_id}"
    operation_id: str
    summary: str
    tag: str
    response: type[BaseModel] | None
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get",
        "/status",
        "getStatus",
        "Server extension version and storage",
        "status",
        models.Status,
    ),
    Operation("get", "/openapi.json", "getOpenAPI", "This OpenAPI document", "status", None),
    Operation(
        "get",
        "/experiments",
        "listExperiments",
        "List experiments, newest first",
        "experiments",
        models.ExperimentList,
        query=models.ExperimentListQuery,
        errors=(400,),
    ),
    Operation(
        "post",
        "/experiments",
        "createExperiment",
        "Create an experiment",
        "experiments",
        models.Experiment,
        status=201,
        body=models.ExperimentCreate,
        errors=(400, 409),
    ),
    Operation(
        "get",
        "/experiments/{experiment_id}",
        "getExperiment",
        "Describe an experiment",
        "experiments",
        models.Experiment,
        errors=(404,),
    ),
    Operation(
        "patch",
        "/experiments/{experiment_id}",
        "updateExperiment",
        "Rename an experiment or change its description or tags",
        "experiments",
        models.Experiment,
        body=models.ExperimentUpdate,
        errors=(400, 404, 409),
    ),
    Operation(
        "delete",
        "/experiments/{experiment_id}",
        "deleteExperiment",
        "Delete an experiment",
        "experiments",
        None,
        status=204,
        errors=(404,),
    ),
)
