"""Data Wrangler core: ``.flow`` documents, sources, transforms, engine and exports.

No REST or UI here: the server handlers and the frontend call these functions.
"""

from __future__ import annotations

from .document import (
    SCHEMA_VERSION,
    CsvSource,
    DuckDBSource,
    FlowDocument,
    JsonLinesSource,
    ParquetSource,
    SampleSpec,
    SqlSource,
    Step,
    dump_document,
    load_document,
    parse_document,
    save_document,
)
from .engine import Engine, RunResult, StepStatus
from .flow import Flow, list_transforms
from .preview import ColumnSummary, Preview
from .sources import SampleInfo
from .transforms import TransformInfo, get_transform

__all__ = [
    "SCHEMA_VERSION",
    "ColumnSummary",
    "CsvSource",
    "DuckDBSource",
    "Engine",
    "Flow",
    "FlowDocument",
    "JsonLinesSource",
    "ParquetSource",
    "Preview",
    "RunResult",
    "SampleInfo",
    "SampleSpec",
    "SqlSource",
    "Step",
    "StepStatus",
    "TransformInfo",
    "dump_document",
    "get_transform",
    "list_transforms",
    "load_document",
    "parse_document",
    "save_document",
]
