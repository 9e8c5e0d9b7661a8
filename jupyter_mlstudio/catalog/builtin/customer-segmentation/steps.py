"""The segmentation pipeline's Python step (a module-level ``@mls.step`` function: it
runs as a job that imports this file): score the chosen k-means model and profile each
segment in a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jupyter_mlstudio as mls

FEATURES = [
    "recency_days",
    "frequency",
    "monetary",
    "avg_basket",
    "tenure_months",
    "online_share",
    "return_rate",
    "discount_share",
]


def local_path(location: str) -> Path:
    """A step output's path (outputs are ``file://`` URLs in the artifact store)."""
    from urllib.parse import unquote, urlparse

    if location.startswith("file:"):
        return Path(unquote(urlparse(location).path))
    return Path(location)


def read_table(location: str) -> Any:
    import pandas as pd

    path = local_path(location)
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    frames = [pd.read_parquet(f) if f.suffix == ".parquet" else pd.read_csv(f) for f in files]
    return pd.concat(frames, ignore_index=True)


def name_segments(profile: Any) -> dict[int, str]:
    """A readable name for each segment from its mean profile: the lapsed (longest since
    the last order), the bargain hunters (most discounted orders), the high spenders
    (highest yearly spend), in that order while segments are left; any others are
    regulars (numbered when there are several)."""
    names: dict[int, str] = {}
    left = list(profile.index)
    for label, column in (
        ("lapsed", "recency_days"),
        ("bargain hunters", "discount_share"),
        ("high spenders", "monetary"),
    ):
        if not left:
            break
        pick = profile.loc[left, column].idxmax()
        names[int(pick)] = label
        left.remove(pick)
    for n, segment in enumerate(left, start=1):
        names[int(segment)] = "regulars" if len(left) == 1 else f"regulars {n}"
    return names


@mls.step(outputs={"silhouette": float, "segments": int, "report": "Json"})
def profile(model: str, customers: str, test: str) -> dict[str, Any]:
    """Segment every customer, measure the clustering on the held-out split and describe
    each segment: its size, the mean of each feature, how it differs from the average
    customer, its regions, and a name."""
    from sklearn.metrics import silhouette_score

    from jupyter_mlstudio.registry.format import load_sklearn_model

    pipeline = load_sklearn_model(local_path(model))
    held_out = read_table(test)[FEATURES]
    labels = pipeline.predict(held_out)
    transformed = pipeline[:-1].transform(held_out)
    silhouette = float(silhouette_score(transformed, labels, random_state=0))
    table = read_table(customers)
    table["segment"] = pipeline.predict(table[FEATURES])
    means = table.groupby("segment")[FEATURES].mean()
    overall = table[FEATURES].mean()
    names = name_segments(means)
    regions = (
        table.assign(region=table["region"].str.strip().str.title())
        .groupby("segment")["region"]
        .agg(lambda r: r.value_counts(normalize=True).round(3).to_dict())
    )
    segments = []
    for segment, row in means.iterrows():
        lift = (row / overall - 1.0).round(3)
        members = table["segment"] == segment
        segments.append(
            {
                "segment": int(segment),
                "name": names[int(segment)],
                "customers": int(members.sum()),
                "share": round(float(members.mean()), 3),
                "means": {k: round(float(v), 3) for k, v in row.items()},
                "vs_average": {k: float(v) for k, v in lift.items()},
                "regions": regions.get(segment, {}),
            }
        )
    segments.sort(key=lambda s: -s["customers"])
    for s in segments:
        print(f"segment {s['segment']} {s['name']:<16} {s['customers']:>5} customers")
    print(f"held-out silhouette: {silhouette:.3f}")
    return {
        "silhouette": silhouette,
        "segments": len(segments),
        "report": {
            "metrics": {"silhouette": silhouette, "segments": len(segments)},
            "segments": segments,
            "features": FEATURES,
        },
    }
