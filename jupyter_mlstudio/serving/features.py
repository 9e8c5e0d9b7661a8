"""Online feature lookups of an endpoint deployed with ``features=[...]``.

A request carries record ids (and, optionally, other model inputs); the worker reads the
latest online record of every id from the Feature Store's online store (one batch read
per group and request, in a thread off the event loop), and assembles the model's input
from the request's columns and the looked-up features, named as ``mls.features.dataset``
names them (a feature keeps its name unless it clashes with a record identifier or with
a feature of another group: then ``<group>__<feature>``). So a model trained on a
point-in-time training set gets at serving time the columns it was trained on.

Rules:

- every group's record identifier is a column of the request (typed as the group types
  its ids);
- an id without a live online record (never ingested, deleted) is a ``400`` naming the
  group and the ids: a model gets no made-up values;
- a request column that is also a looked-up feature wins (a caller may send a fresher
  value than the store holds);
- other request columns must be model inputs; the model input is the model signature's
  columns in its order.

The worker opens the online store itself from the studio configuration (SQLite file,
PostgreSQL or Redis URL), never calling back into the Jupyter server. Feature group
versions are pinned at deploy (``customers`` → ``customers@2``), like model versions.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ..errors import MLStudioError, NotFoundError, StoreUnavailableError
from .schema import InputSchema, Part, PayloadError, bad_request

if TYPE_CHECKING:
    import pandas as pd

    from ..features.datasets import Selection
    from ..features.entities import FeatureGroup
    from ..features.service import FeatureStore
    from ..studio import Studio

LOOKUP_THREADS = 4


def resolve_features(
    refs: Sequence[str], group_of: Callable[[str], FeatureGroup]
) -> list[Selection]:
    """The groups and features of ``refs`` with their column names (the training set's
    rules, the record identifiers taking the place of the entity columns); groups
    without an online store are refused."""
    from ..errors import InvalidArgumentError
    from ..features.datasets import resolve_selections
    from ..features.entities import parse_feature_ref

    if isinstance(refs, str) or not refs:
        raise InvalidArgumentError(
            "features lists what an endpoint looks up, e.g. ['customers:age', 'orders:*']."
        )
    ids: list[str] = []
    for ref in refs:
        group = group_of(parse_feature_ref(ref)[0])
        if not group.online_enabled:
            raise InvalidArgumentError(
                f"Feature group {group.ref} has no online store (online_enabled is false): "
                "an endpoint cannot look its features up."
            )
        if group.record_identifier not in ids:
            ids.append(group.record_identifier)
    return resolve_selections(refs, group_of, ids)


def pin_features(refs: Sequence[str], group_of: Callable[[str], FeatureGroup]) -> list[str]:
    """``refs`` with every group's version resolved now (``customers:age`` →
    ``customers@2:age``), checked: unknown groups and features are refused at deploy."""
    from ..features.entities import parse_feature_ref

    resolve_features(refs, group_of)  # every check, once
    pinned = []
    for ref in refs:
        group_ref, feature = parse_feature_ref(ref)
        pinned.append(f"{group_of(group_ref).ref}:{feature}")
    return pinned


class FeatureLookup:
    """A worker's lookups: the online store it opened and the selections it serves."""

    def __init__(self, studio: Studio, refs: Sequence[str]) -> None:
        self._studio = studio
        self.store: FeatureStore = studio.features
        self.selections = resolve_features(refs, self.store.get_group)
        self.id_columns: list[str] = []
        for selection in self.selections:
            if selection.group.record_identifier not in self.id_columns:
                self.id_columns.append(selection.group.record_identifier)
        self.feature_columns = [c for s in self.selections for c in s.columns]
        self._executor = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="mlstudio-features")

    @classmethod
    def open(cls, refs: Sequence[str]) -> FeatureLookup:
        from ..config import StudioConfig
        from ..studio import Studio

        studio = Studio(StudioConfig.resolve(), prepare_schema=False)
        try:
            return cls(studio, refs)
        except BaseException:
            studio.close()
            raise

    def facts(self) -> dict[str, Any]:
        """What ``/metrics`` says about the lookups."""
        return {
            "groups": [s.group.ref for s in self.selections],
            "record_identifiers": self.id_columns,
            "columns": self.feature_columns,
        }

    async def assemble(self, part: Part, schema: InputSchema) -> tuple[Part, dict[str, Any]]:
        """The model's input for one request (its rows as parsed, a DataFrame) and the
        input as captured (``dataframe_split`` of the model's columns)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._assemble, part, schema)

    def _assemble(self, part: Part, schema: InputSchema) -> tuple[Part, dict[str, Any]]:
        request: pd.DataFrame = part.data
        given = [str(c) for c in request.columns]
        missing = [c for c in self.id_columns if c not in given]
        if missing:
            groups = ", ".join(
                s.group.ref for s in self.selections if s.group.record_identifier in missing
            )
            raise bad_request(
                f"The request needs the column {', '.join(map(repr, missing))}: the record "
                f"identifier to look up {groups} by."
            )
        wanted = schema.names if not schema.free else None
        allowed = set(self.id_columns) | set(self.feature_columns) | set(wanted or given)
        extra = [c for c in given if c not in allowed]
        if extra:
            raise bad_request(
                f"Unexpected column {', '.join(map(repr, extra))}: the request carries record "
                f"ids ({', '.join(map(repr, self.id_columns))}) and model inputs that are "
                "not looked up."
            )
        columns: dict[str, list[Any]] = {}
        for selection in self.selections:
            group = selection.group
            ids = [_plain(v) for v in request[group.record_identifier].tolist()]
            records = self._records(group, ids)
            absent = [i for i, r in zip(ids, records, strict=True) if r is None]
            if absent:
                shown = ", ".join(map(repr, absent[:10])) + (", ..." if len(absent) > 10 else "")
                raise PayloadError(
                    400,
                    f"No online record in {group.ref} for {group.record_identifier} "
                    f"{shown} ({len(absent)} of {len(ids)} rows).",
                )
            for feature, column in zip(selection.features, selection.columns, strict=True):
                columns[column] = [r[feature] for r in records if r is not None]
        for column in given:  # the request's values win over the store's
            columns[column] = request[column].tolist()
        names = wanted if wanted is not None else list(columns)
        absent_inputs = [n for n in names if n not in columns]
        if absent_inputs:
            raise bad_request(
                f"Missing column {', '.join(map(repr, absent_inputs))}: the model needs it and "
                "it is neither in the request nor among the looked-up features."
            )
        inputs = {n: columns[n] for n in names}
        assembled = schema.from_columns(inputs)
        rows = [list(r) for r in zip(*inputs.values(), strict=True)]
        return assembled, {"dataframe_split": {"columns": names, "data": rows}}

    def _records(self, group: FeatureGroup, ids: list[Any]) -> list[dict[str, Any] | None]:
        from ..features.online import MAX_BATCH_GET

        found: list[dict[str, Any] | None] = []
        try:
            for start in range(0, len(ids), MAX_BATCH_GET):
                found += self.store.get_records(group.ref, ids[start : start + MAX_BATCH_GET])
        except StoreUnavailableError as exc:
            raise PayloadError(503, f"The online store is unavailable: {exc.message}") from None
        except NotFoundError as exc:  # the group was deleted after the deploy
            raise PayloadError(503, exc.message) from None
        except MLStudioError as exc:  # an id of the wrong type
            raise bad_request(exc.message) from None
        return found

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._studio.close()


def _plain(value: Any) -> Any:
    """A request id as the store takes it: NaN (a missing id) is ``None``; a whole float
    (an integral id in a column pandas made float) is an int."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    return value
