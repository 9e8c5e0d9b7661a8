"""The data-file rules moved down to :mod:`jupyter_mlstudio.data_files` (the Data Wrangler
uses them too, and it sits below jobs); this name stays for the importers not yet moved."""

from ..data_files import (
    SUPPORTED_SUFFIXES,
    TABLE_SUFFIXES,
    data_files,
    first_table_file,
    read_columns,
    read_table,
    table_suffix,
)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "TABLE_SUFFIXES",
    "data_files",
    "first_table_file",
    "read_columns",
    "read_table",
    "table_suffix",
]
