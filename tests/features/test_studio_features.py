"""A studio builds its feature store from its configuration: the catalog in the metadata
database, the online store in the home folder, Parquet under the artifact URI."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from jupyter_mlstudio.config import StudioConfig
from jupyter_mlstudio.studio import Studio


def test_studio_features(tmp_path: Path) -> None:
    config = StudioConfig.resolve(
        home=tmp_path / "home",
        store_uri=f"sqlite:///{tmp_path / 'home' / 'mlstudio.db'}",
        artifact_uri=(tmp_path / "artifacts").as_uri(),
    )
    studio = Studio(config)
    assert studio.features is studio.features  # one service per studio
    studio.features.create_group(
        "customers",
        record_identifier="id",
        event_time_feature="ts",
        features=[{"name": "id", "type": "string"}, {"name": "ts", "type": "timestamp"}],
    )
    ts = datetime(2024, 1, 1, tzinfo=timezone.utc)
    studio.features.ingest("customers", pd.DataFrame({"id": ["a"], "ts": [ts]}))
    assert studio.features.get_record("customers", "a") == {"id": "a", "ts": ts}
    assert (tmp_path / "home" / "feature-store" / "online.db").is_file()
    assert list((tmp_path / "artifacts" / "feature-store" / "offline" / "customers").iterdir())
    studio.close()
    reopened = Studio(config)  # the catalog and the records outlive the studio
    assert reopened.features.get_record("customers", "a") == {"id": "a", "ts": ts}
    reopened.close()
