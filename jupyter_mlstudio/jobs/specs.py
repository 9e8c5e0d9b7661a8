"""What a job does, as validated data. Specs are stored with the job and are enough to
run it again (Clone), on any executor.

Paths in a spec are absolute by the time it is stored: the service resolves them
against the caller's folder (the SDK's working directory, the server's root).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..paths import NoNulStr, PathStr

DEFAULT_EXPERIMENT = "Jobs"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
CHANNEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
# JSON values: SageMaker sends text; built-in algorithms also take numbers, lists, null.
HyperparameterValue = str | int | float | bool | list[int | float | str] | None


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MetricDefinition(SpecModel):
    """Like SageMaker's MetricDefinitions: the first group of ``regex`` in a log line is
    the value of metric ``name``."""

    name: str = Field(min_length=1, max_length=250)
    regex: str = Field(min_length=1, max_length=1000)

    @field_validator("regex")
    @classmethod
    def _compiles_with_a_group(cls, value: str) -> str:
        try:
            pattern = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if pattern.groups < 1:
            raise ValueError("needs one capturing group around the value, e.g. 'loss=([0-9.]+)'")
        return value


class CommonSpec(SpecModel):
    name: Annotated[str, Field(pattern=NAME_PATTERN)] | None = Field(
        default=None, description="Unique job name; generated when omitted."
    )
    experiment: str | None = Field(
        default=None,
        max_length=256,
        description=f"Experiment of the run the job logs to (created if missing; "
        f"default {DEFAULT_EXPERIMENT!r}).",
    )
    environment: dict[NoNulStr, NoNulStr] = Field(
        default_factory=dict, description="Extra environment variables for the job's process."
    )
    metric_definitions: list[MetricDefinition] = Field(
        default_factory=list, description="Metrics read from the job's log by regex."
    )
    working_dir: PathStr | None = Field(
        default=None, description="Folder the code runs in (default: the code's own folder)."
    )
    timeout_seconds: float | None = Field(
        default=None, gt=0, description="Stop the job after this long (default: no limit)."
    )


class TrainingSpec(CommonSpec):
    """A built-in ``algorithm`` or a SageMaker script-mode ``entry_point`` (exactly one)."""

    kind: Literal["training"] = "training"
    algorithm: str | None = Field(default=None, description="Built-in algorithm name.")
    entry_point: PathStr | None = Field(default=None, description="Training script (.py).")
    source_dir: PathStr | None = Field(
        default=None, description="Folder copied to the job's code folder; the script runs there."
    )
    hyperparameters: dict[str, HyperparameterValue] = Field(default_factory=dict)
    channels: dict[Annotated[str, Field(pattern=CHANNEL_PATTERN)], PathStr] = Field(
        default_factory=dict,
        description="Input channels: name → file, folder or fsspec URL (e.g. train, validation).",
    )
    target: str | None = Field(default=None, description="Target column (built-in algorithms).")
    instance_count: int = Field(
        default=1,
        ge=1,
        le=256,
        description="Hosts to train on. A script runs as that many processes algo-1..algo-N "
        "(SM_HOSTS, SM_CURRENT_HOST, MASTER_ADDR/MASTER_PORT/WORLD_SIZE/RANK); XGBoost and "
        "LightGBM built-ins train across that many Dask workers (the configured cluster, else "
        "a local one); other built-ins train on one.",
    )
    channel_distribution: dict[
        Annotated[str, Field(pattern=CHANNEL_PATTERN)],
        Literal["FullyReplicated", "ShardedByS3Key"],
    ] = Field(
        default_factory=dict,
        description="Per channel: every host sees all its files (FullyReplicated, the "
        "default) or its share of them (ShardedByS3Key). Script mode.",
    )
    checkpoint_local_path: PathStr = Field(
        default="/opt/ml/checkpoints",
        description="Folder the script keeps checkpoints in ($MLSTUDIO_CHECKPOINT_DIR). "
        "Script mode.",
    )
    checkpoint_uri: PathStr | None = Field(
        default=None,
        description="Where checkpoints are synced while the job runs and restored from when "
        "it (or a retry) starts, as SageMaker's checkpoint_s3_uri: a folder or fsspec URL "
        "(default: the job's artifacts, checkpoints/).",
    )
    max_retry_attempts: int = Field(
        default=0,
        ge=0,
        le=30,
        description="Run a failed script again up to this many times, each attempt "
        "starting from the synced checkpoints. Script mode.",
    )
    exclude_columns: list[str] = Field(
        default_factory=list, description="Columns never used as features, e.g. identifiers"
    )
    validation_fraction: float = Field(default=0.2, gt=0, lt=1)
    register_as: Annotated[str, Field(pattern=NAME_PATTERN)] | None = Field(
        default=None,
        description="Register the model under this name in the model registry when the "
        "job succeeds; if it cannot, the job still completes and reports why in its "
        "registration_error.",
    )

    @field_validator("checkpoint_local_path")
    @classmethod
    def _inside_the_container(cls, value: str) -> str:
        if not value.startswith("/opt/ml/") or ".." in value.split("/"):
            raise ValueError("must be a folder under /opt/ml/, e.g. /opt/ml/checkpoints")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> TrainingSpec:
        if (self.algorithm is None) == (self.entry_point is None):
            raise ValueError("give either a built-in 'algorithm' or a script 'entry_point'")
        if self.algorithm is not None and "train" not in self.channels:
            raise ValueError("built-in algorithms need a 'train' channel with the training data")
        if self.algorithm is not None:
            script_only = [
                name
                for name, used in (
                    ("channel_distribution", self.channel_distribution),
                    ("checkpoint_uri", self.checkpoint_uri),
                    ("max_retry_attempts", self.max_retry_attempts),
                    ("checkpoint_local_path", self.checkpoint_local_path != "/opt/ml/checkpoints"),
                )
                if used
            ]
            if script_only:
                raise ValueError(f"{', '.join(script_only)}: script mode (entry_point) only")
        unknown = sorted(set(self.channel_distribution) - set(self.channels))
        if unknown:
            raise ValueError(f"channel_distribution names channels the job lacks: {unknown}")
        return self


class ProcessingInput(SpecModel):
    name: Annotated[str, Field(pattern=CHANNEL_PATTERN)]
    source: PathStr = Field(min_length=1, description="File, folder or fsspec URL.")
    destination: PathStr | None = Field(
        default=None,
        description="Where the script finds it; default /opt/ml/processing/input/<name>, "
        "mapped into the job's working folder.",
    )


class ProcessingOutput(SpecModel):
    name: Annotated[str, Field(pattern=CHANNEL_PATTERN)]
    source: PathStr | None = Field(
        default=None,
        description="Folder the script writes; default /opt/ml/processing/output/<name>.",
    )
    destination: PathStr | None = Field(
        default=None,
        description="Also copy the output here (path or fsspec URL); it is always kept "
        "with the job's artifacts.",
    )


class ProcessingSpec(CommonSpec):
    """A Python script or a notebook, with inputs and outputs."""

    kind: Literal["processing"] = "processing"
    code: PathStr = Field(
        min_length=1,
        json_schema_extra={"pattern": r"^[^\u0000-\u001F\u007F]*\.(py|ipynb|flow)$"},
        description="A .py script, an .ipynb notebook, or a Data Wrangler .flow (run on the "
        "full data; each output written as parameters['output_format'], parquet or csv).",
    )
    arguments: list[NoNulStr] = Field(default_factory=list, description="Script arguments.")
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Notebook parameters, injected papermill-style after the cell tagged "
        "'parameters'.",
    )
    inputs: list[ProcessingInput] = Field(default_factory=list)
    outputs: list[ProcessingOutput] = Field(default_factory=list)
    framework: Literal["python", "spark"] = Field(
        default="python",
        description="'spark' runs the .py script with spark-submit (SageMaker's "
        "PySparkProcessor): on a local Spark with instance_count cores, or on spark_master.",
    )
    instance_count: int = Field(
        default=1,
        ge=1,
        le=256,
        description="Spark: executors (cores of a local Spark); Python processing runs on "
        "one host.",
    )
    spark_master: NoNulStr | None = Field(
        default=None,
        max_length=500,
        description="Spark master URL, e.g. spark://host:7077 (default: the studio's "
        "spark_master, else local[instance_count]).",
    )
    configuration: list[dict[str, Any]] | dict[str, Any] | None = Field(
        default=None,
        description="Spark configuration: SageMaker's list of {Classification, Properties} "
        "(spark-defaults → --conf, spark-env's export → environment; others ignored and "
        "logged), or a plain {property: value} mapping.",
    )
    spark_event_logs_uri: PathStr | None = Field(
        default=None,
        description="Where Spark's event logs are delivered (SageMaker's "
        "spark_event_logs_s3_uri): a folder or fsspec URL; also kept with the job.",
    )
    submit_py_files: list[PathStr] = Field(
        default_factory=list, description="spark-submit --py-files."
    )
    submit_jars: list[PathStr] = Field(default_factory=list, description="spark-submit --jars.")
    submit_files: list[PathStr] = Field(default_factory=list, description="spark-submit --files.")

    @field_validator("code")
    @classmethod
    def _python_or_notebook(cls, value: str) -> str:
        if not value.endswith((".py", ".ipynb", ".flow")):
            raise ValueError("must be a Python script (.py), a notebook (.ipynb) or a flow (.flow)")
        return value

    @model_validator(mode="after")
    def _spark_options_need_spark(self) -> ProcessingSpec:
        if self.framework == "spark":
            if not self.code.endswith(".py"):
                raise ValueError("framework 'spark' runs a PySpark script (.py)")
            return self
        used = [
            name
            for name, value in (
                ("instance_count > 1", self.instance_count > 1),
                ("spark_master", self.spark_master),
                ("configuration", self.configuration),
                ("spark_event_logs_uri", self.spark_event_logs_uri),
                ("submit_py_files", self.submit_py_files),
                ("submit_jars", self.submit_jars),
                ("submit_files", self.submit_files),
            )
            if value
        ]
        if used:
            raise ValueError(f"{', '.join(used)} need framework 'spark'")
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> ProcessingSpec:
        for label, items in (("input", self.inputs), ("output", self.outputs)):
            names = [item.name for item in items]
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"{label} names must be unique; repeated: {', '.join(duplicates)}")
        return self


class BatchTransformSpec(CommonSpec):
    """Score a registered model over files (SageMaker Batch Transform): CSV or Parquet
    in, one predictions file per input file (per partition on a Dask cluster) out."""

    kind: Literal["batch-transform"] = "batch-transform"
    model: str = Field(pattern=NAME_PATTERN, description="Registered model name.")
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="Model version (default: the alias, else the newest).",
    )
    alias: str | None = Field(
        default=None, max_length=64, description="Model alias, e.g. 'champion'."
    )
    input: PathStr = Field(
        min_length=1, description="A CSV or Parquet file, or a folder of them (or fsspec URL)."
    )
    input_format: Literal["csv", "parquet"] | None = Field(
        default=None, description="Format of the input; default: from each file's extension."
    )
    output: PathStr = Field(
        min_length=1,
        description="Folder the predictions are written to (part-00000.parquet, …).",
    )
    output_format: Literal["parquet", "csv"] = "parquet"
    chunk_rows: int = Field(
        default=10_000, ge=1, le=10_000_000, description="Rows scored at a time."
    )
    join_input_columns: list[Annotated[str, Field(min_length=1)]] | Literal["all"] | None = Field(
        default=None,
        description="Input columns copied next to the predictions: a list, 'all', or none.",
    )
    prediction_column: str = Field(default="prediction", min_length=1, max_length=256)
    probabilities: bool = Field(
        default=False,
        description="Also write one probability_<class> column per class (classifiers "
        "with predict_proba).",
    )
    trusted_types: list[str] = Field(
        default_factory=list,
        description="Types outside scikit-learn/NumPy/SciPy the model may load.",
    )

    @model_validator(mode="after")
    def _version_or_alias(self) -> BatchTransformSpec:
        if self.version is not None and self.alias is not None:
            raise ValueError("give a model 'version' or an 'alias', not both")
        joined = self.join_input_columns
        if isinstance(joined, list) and self.prediction_column in joined:
            raise ValueError(
                f"prediction_column {self.prediction_column!r} is also a joined input column; "
                "rename one of them"
            )
        return self


JobSpec = TrainingSpec | ProcessingSpec | BatchTransformSpec


def parse_spec(data: dict[str, Any]) -> JobSpec:
    """The stored spec of a job, back as a model."""
    if data.get("kind") == "processing":
        return ProcessingSpec.model_validate(data)
    if data.get("kind") == "batch-transform":
        return BatchTransformSpec.model_validate(data)
    return TrainingSpec.model_validate(data)
