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
    binary: bool = False  # the 200 body is a file, not JSON


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
    Operation(
        "get",
        "/experiments/{experiment_id}/runs",
        "searchRuns",
        "Search an experiment's runs: filter, sort, paginate",
        "runs",
        models.RunList,
        query=models.RunListQuery,
        errors=(400, 404),
    ),
    Operation(
        "get",
        "/experiments/{experiment_id}/keys",
        "listExperimentKeys",
        "Metric, param and tag names used in an experiment",
        "runs",
        models.ExperimentKeys,
        errors=(404,),
    ),
    Operation(
        "post",
        "/runs",
        "createRun",
        "Start a run",
        "runs",
        models.Run,
        status=201,
        body=models.RunCreate,
        errors=(400, 404),
    ),
    Operation(
        "get", "/runs/{run_id}", "getRun", "Describe a run", "runs", models.Run, errors=(404,)
    ),
    Operation(
        "patch",
        "/runs/{run_id}",
        "updateRun",
        "Rename, move or end a run",
        "runs",
        models.Run,
        body=models.RunUpdate,
        errors=(400, 404),
    ),
    Operation(
        "delete",
        "/runs/{run_id}",
        "deleteRun",
        "Move a run to the trash",
        "runs",
        None,
        status=204,
        errors=(404,),
    ),
    Operation(
        "post",
        "/runs/{run_id}/restore",
        "restoreRun",
        "Bring a run back from the trash",
        "runs",
        models.Run,
        errors=(404,),
    ),
    Operation(
        "post",
        "/runs/{run_id}/batch",
        "logBatch",
        "Log metrics, params and tags",
        "runs",
        None,
        status=204,
        body=models.LogBatch,
        errors=(400, 404, 409),
    ),
    Operation(
        "delete",
        "/runs/{run_id}/tags/{key}",
        "deleteRunTag",
        "Remove a run's tag",
        "runs",
        None,
        status=204,
        errors=(404,),
    ),
    Operation(
        "get",
        "/metric-histories",
        "getMetricHistories",
        "Metric series of several runs, downsampled",
        "runs",
        models.MetricHistoryList,
        query=models.MetricHistoryQuery,
        errors=(400, 404),
    ),
    Operation(
        "get",
        "/runs/{run_id}/artifacts",
        "listArtifacts",
        "List a run's artifacts",
        "artifacts",
        models.ArtifactList,
        query=models.ArtifactQuery,
        errors=(400, 404),
    ),
    Operation(
        "get",
        "/runs/{run_id}/artifacts/content",
        "getArtifactContent",
        "Download one artifact (streamed)",
        "artifacts",
        None,
        query=models.ArtifactQuery,
        errors=(400, 404),
        binary=True,
    ),
    Operation(
        "get",
        "/jobs",
        "listJobs",
        "List jobs, newest first",
        "jobs",
        models.JobList,
        query=models.JobListQuery,
        errors=(400,),
    ),
    Operation(
        "post",
        "/jobs/training",
        "createTrainingJob",
        "Start a training job (built-in algorithm or script)",
        "jobs",
        models.Job,
        status=201,
        body=models.TrainingJobCreate,
        errors=(400, 409),
    ),
    Operation(
        "post",
        "/jobs/processing",
        "createProcessingJob",
        "Start a processing job (script or notebook)",
        "jobs",
        models.Job,
        status=201,
        body=models.ProcessingJobCreate,
        errors=(400, 409),
    ),
    Operation(
        "get", "/jobs/{job_id}", "getJob", "Describe a job", "jobs", models.Job, errors=(404,)
    ),
    Operation(
        "post",
        "/jobs/{job_id}/stop",
        "stopJob",
        "Stop a job (its whole process group)",
        "jobs",
        models.Job,
        errors=(404, 409),
    ),
    Operation(
        "post",
        "/jobs/{job_id}/clone",
        "cloneJob",
        "Start a new job with the same spec",
        "jobs",
        models.Job,
        status=201,
        body=models.JobClone,
        errors=(400, 404, 409),
    ),
    Operation(
        "get",
        "/jobs/{job_id}/log",
        "getJobLog",
        "Read a job's log from a byte offset",
        "jobs",
        models.JobLogChunk,
        query=models.JobLogQuery,
        errors=(400, 404),
    ),
    Operation(
        "get",
        "/algorithms",
        "listAlgorithms",
        "Built-in training algorithms and their hyperparameter schemas",
        "jobs",
        models.AlgorithmList,
    ),
    Operation(
        "get",
        "/data/columns",
        "getDataColumns",
        "Column names of a data file (header only)",
        "jobs",
        models.DataColumns,
        query=models.DataColumnsQuery,
        errors=(400, 404),
    ),
)
