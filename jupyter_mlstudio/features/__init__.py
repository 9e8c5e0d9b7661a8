"""The Feature Store: feature groups (catalog), an offline history in Parquet read through
DuckDB, an online latest-value store and point-in-time-correct training sets.

The service (:class:`jupyter_mlstudio.features.service.FeatureStore`) is the one API the
SDK, the REST handlers and the endpoints call. This package is also ``mls.features``,
the SDK: ``create_group``, ``get_group``, ``list_groups``, ``dataset`` … (``sdk.py``,
thin calls onto the default studio's service; importing it stays light).
"""

from .handle import FeatureGroupHandle
from .sdk import (
    create_group,
    dataset,
    delete_group,
    delete_record,
    get_group,
    get_record,
    get_records,
    infer_definitions,
    ingest,
    ingest_job,
    list_groups,
    list_versions,
    put_record,
    summary,
    to_df,
    training_set,
)

__all__ = [
    "FeatureGroupHandle",
    "create_group",
    "dataset",
    "delete_group",
    "delete_record",
    "get_group",
    "get_record",
    "get_records",
    "infer_definitions",
    "ingest",
    "ingest_job",
    "list_groups",
    "list_versions",
    "put_record",
    "summary",
    "to_df",
    "training_set",
]
