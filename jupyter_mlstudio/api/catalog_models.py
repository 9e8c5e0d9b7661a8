"""Request and response models of ``/catalog`` (JumpStart: entries, launches,
pre-built models' deploy and fine-tune)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from ..catalog.entries import CatalogEntry as EntryEntity
from ..catalog.entries import CatalogError as ErrorEntity
from ..catalog.entries import CatalogSource as SourceEntity
from ..catalog.launcher import CatalogLaunch as LaunchEntity
from ..catalog.resources import ResourceCheck as ResourceCheckEntity
from .common_models import RequestModel, ResponseModel

Task = Literal[
    "classification",
    "regression",
    "forecasting",
    "clustering",
    "anomaly-detection",
    "image-classification",
]
Kind = Literal["solution", "model"]
LaunchStatus = Literal["Preparing", "Running", "Completed", "Failed"]


class CatalogListQuery(RequestModel):
    task: Task | None = Field(default=None, description="Only entries of this task.")
    kind: Kind | None = Field(default=None, description="Solutions or pre-built models.")
    q: str | None = Field(
        default=None, max_length=200, description="Words the title, description or tags hold."
    )


class CatalogData(ResponseModel):
    source: str
    rows: int | None
    size_mb: float | None


class CatalogResources(ResponseModel):
    ram_mb: int
    disk_mb: int
    minutes: float


class CatalogParameter(ResponseModel):
    name: str
    type: Literal["Float", "Integer", "String", "Boolean"]
    default: Any
    description: str
    choices: list[Any] | None
    minimum: float | None
    maximum: float | None


class CatalogEntrySummary(ResponseModel):
    name: str
    kind: Kind
    title: str
    task: Task
    description: str
    tags: list[str]
    licence: str
    source: str = Field(description="The catalog it comes from ('built-in' or a private one).")
    data: CatalogData | None
    resources: CatalogResources

    @classmethod
    def fields_of(cls, e: EntryEntity) -> dict[str, Any]:
        m = e.manifest
        return {
            "name": m.name,
            "kind": m.kind,
            "title": m.title,
            "task": m.task,
            "description": m.description,
            "tags": list(m.tags),
            "licence": m.licence,
            "source": e.source,
            "data": CatalogData(**m.data.model_dump()) if m.data is not None else None,
            "resources": CatalogResources(**m.resources.model_dump()),
        }

    @classmethod
    def from_entity(cls, e: EntryEntity) -> CatalogEntrySummary:
        return cls(**cls.fields_of(e))


class CatalogLoadError(ResponseModel):
    source: str
    path: str
    message: str

    @classmethod
    def from_entity(cls, e: ErrorEntity) -> CatalogLoadError:
        return cls(source=e.source, path=e.path, message=e.message)


class CatalogSourceInfo(ResponseModel):
    name: str
    location: str
    builtin: bool

    @classmethod
    def from_entity(cls, s: SourceEntity) -> CatalogSourceInfo:
        return cls(name=s.name, location=s.location, builtin=s.builtin)


class CatalogList(ResponseModel):
    entries: list[CatalogEntrySummary]
    errors: list[CatalogLoadError] = Field(
        description="Entries that could not be read (a malformed manifest), with the reason."
    )
    sources: list[CatalogSourceInfo]
    tasks: list[str]


class CatalogResourceCheck(ResponseModel):
    ok: bool
    free_ram_mb: int
    free_disk_mb: int
    warnings: list[str]

    @classmethod
    def from_entity(cls, r: ResourceCheckEntity) -> CatalogResourceCheck:
        return cls(
            ok=r.ok, free_ram_mb=r.free_ram_mb, free_disk_mb=r.free_disk_mb, warnings=r.warnings
        )


class CatalogEntry(CatalogEntrySummary):
    readme: str = Field(description="The entry's README (markdown).")
    parameters: list[CatalogParameter]
    creates: list[str]
    model_name: str | None
    endpoint_name: str | None
    monitor: bool
    metrics: dict[str, float] = Field(description="A pre-built model's metrics.")
    input_example: Any = Field(description="A pre-built model's example request body.")
    resource_check: CatalogResourceCheck

    @classmethod
    def from_entry(cls, e: EntryEntity, check: ResourceCheckEntity) -> CatalogEntry:
        m = e.manifest
        return cls(
            **CatalogEntrySummary.fields_of(e),
            readme=e.readme(),
            parameters=[CatalogParameter(**p.model_dump()) for p in m.parameters],
            creates=list(m.creates),
            model_name=m.model_name,
            endpoint_name=m.endpoint_name,
            monitor=m.monitor,
            metrics=dict(m.metrics),
            input_example=e.input_example(),
            resource_check=CatalogResourceCheck.from_entity(check),
        )


class CatalogLaunchStart(RequestModel):
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Launch parameters (the entry's, by name)."
    )
    folder: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The project folder's name under the root (default: the entry's); a "
        "taken name gets -2, -3, ...",
    )


class CatalogLaunch(ResponseModel):
    id: str
    entry: str
    folder: str = Field(description="The project folder, relative to the server's root.")
    status: LaunchStatus
    message: str
    parameters: dict[str, Any]
    pipeline_name: str | None
    execution_id: str | None = Field(description="The pipeline execution: the launch's steps.")
    failed_step: str | None = Field(
        description="Which step failed (data, build, a pipeline step, monitor)."
    )
    error: str | None
    notebook: str | None = Field(description="The notebook to open, relative to the root.")
    model_name: str | None
    model_version: int | None
    endpoint_name: str | None
    monitor_name: str | None
    warnings: list[str] = Field(description="The resource check's warnings at launch.")
    created: datetime
    finished: datetime | None

    @classmethod
    def from_entity(cls, launch: LaunchEntity) -> CatalogLaunch:
        return cls(
            id=launch.id,
            entry=launch.entry,
            folder=launch.folder,
            status=launch.status,
            message=launch.message,
            parameters=launch.parameters,
            pipeline_name=launch.pipeline_name,
            execution_id=launch.execution_id,
            failed_step=launch.failed_step,
            error=launch.error,
            notebook=launch.notebook,
            model_name=launch.model_name,
            model_version=launch.model_version,
            endpoint_name=launch.endpoint_name,
            monitor_name=launch.monitor_name,
            warnings=list(launch.warnings),
            created=launch.created,
            finished=launch.finished,
        )


class CatalogLaunchList(ResponseModel):
    launches: list[CatalogLaunch]


class CatalogDeployRequest(RequestModel):
    endpoint_name: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        max_length=63,
        description="Default: the entry's endpoint name.",
    )


class CatalogDeployment(ResponseModel):
    model_name: str
    model_version: int
    endpoint_name: str


class CatalogFineTuneRequest(RequestModel):
    data: str = Field(
        min_length=1, description="A CSV or Parquet file, relative to the server's root."
    )
    target: str | None = Field(default=None, min_length=1, description="Default: the entry's.")


class CatalogFineTune(ResponseModel):
    job_id: str
    job_name: str
