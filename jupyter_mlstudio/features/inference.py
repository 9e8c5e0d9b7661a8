"""Feature types of a data file, inferred on the server from all its rows (not the
first lines a browser can read), and the id and event-time columns guessed from its
header: what "Create feature group from a data file" starts from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .entities import FeatureDefinition, infer_features

_ID = re.compile(r"(^|_)id$", re.IGNORECASE)
_TIME = re.compile(r"time|date|^ts$", re.IGNORECASE)


@dataclass(frozen=True)
class FileSchema:
    features: tuple[FeatureDefinition, ...]
    record_identifier: str | None
    event_time_feature: str | None
    rows: int


def infer_file(path: str | Path) -> FileSchema:
    """Read the whole file (the ``data_files`` rules) and infer each column's type from
    its dtype; a text column whose every value parses as an ISO-8601 time is a
    timestamp, and whole numbers with blanks (floats to pandas) are integral."""
    import pandas as pd

    from .service import _read_data

    frame = _read_data(path)
    features = []
    for f in infer_features((str(c), str(t)) for c, t in frame.dtypes.items()):
        if f.type == "fractional":
            # pandas reads whole numbers with blanks as floats: they are integral
            column = frame[f.name].dropna()
            if len(column) < len(frame) and len(column) and (column % 1 == 0).all():
                f = FeatureDefinition(f.name, "integral", f.description)
        elif f.type == "string":
            column = frame[f.name].dropna()
            if len(column) and column.map(lambda v: isinstance(v, str)).all():
                try:
                    pd.to_datetime(column, format="ISO8601", utc=True)
                except (ValueError, TypeError):
                    pass
                else:
                    f = FeatureDefinition(f.name, "timestamp", f.description)
        features.append(f)
    names = [f.name for f in features]
    record_id = next((n for n in names if _ID.search(n)), names[0] if names else None)
    timestamps = [f.name for f in features if f.type == "timestamp" and f.name != record_id]
    event_time = next(
        (n for n in timestamps if _TIME.search(n)),
        timestamps[0] if timestamps else next((n for n in names if _TIME.search(n)), None),
    )
    return FileSchema(tuple(features), record_id, event_time, len(frame))
