"""The core entry point: one ``Studio`` per configuration owns the stores.

The SDK, the magics, the CLI and the server extension all go through a ``Studio``;
none of them holds logic of its own.
"""

from __future__ import annotations

from .config import StudioConfig
from .experiments.store import ExperimentStore, SqlExperimentStore
from .store.db import Database, redact_uri


class Studio:
    def __init__(self, config: StudioConfig, *, prepare_schema: bool = True) -> None:
        self.config = config
        config.home.mkdir(parents=True, exist_ok=True)
        self.db = Database(config.store_uri, prepare_schema=prepare_schema)
        self.experiments: ExperimentStore = SqlExperimentStore(self.db)

    @classmethod
    def open(cls, config: StudioConfig | None = None) -> Studio:
        return cls(config or StudioConfig.resolve())

    @property
    def store_uri_redacted(self) -> str:
        return redact_uri(self.config.store_uri)

    def close(self) -> None:
        self.db.dispose()
