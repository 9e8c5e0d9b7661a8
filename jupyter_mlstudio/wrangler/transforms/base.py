"""The transform contract: one class per transform, registered by name.

A transform is its parameter model (whose JSON schema drives the UI form), a code
template that writes readable pandas, and ``apply``. By default ``apply`` executes the
code template itself, so what the engine computes and what an export reproduces are the
same statements — exactness by construction rather than by two implementations that
have to agree.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from types import CodeType
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticUndefined

from ...errors import InvalidArgumentError
from ..codegen import Names, col

P = TypeVar("P", bound="Params")

Dtype = Literal["numeric", "datetime", "text", "any"]
GROUPS: dict[str, str] = {
    "columns": "Manage columns",
    "missing": "Missing values",
    "categorical": "Categorical",
    "numeric": "Numeric",
    "outliers": "Outliers",
    "text": "Text",
    "datetime": "Date and time",
    "rows": "Rows",
    "combine": "Combine",
    "formula": "Formula",
    "custom": "Custom code",
    "split": "Split",
    "balance": "Balance",
}
WIDGET = "x-mlstudio-widget"
PORT = "x-mlstudio-port"
DTYPE = "x-mlstudio-dtype"
LANGUAGE = "x-mlstudio-language"


def _field_title(name: str, _info: Any) -> str:
    """A form label from a field name, in sentence case like JupyterLab's own labels
    (``new_column`` -> "New column"); fields whose name reads badly set ``title=``."""
    return name.replace("_", " ").capitalize()


class Params(BaseModel):
    """Base of every parameter model: unknown keys are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid", field_title_generator=_field_title)


def column_param(
    default: Any = PydanticUndefined,
    *,
    many: bool = False,
    dtype: Dtype = "any",
    port: int = 0,
    title: str | None = None,
    description: str | None = None,
) -> Any:
    """A field that names column(s) of an input; the UI renders a column picker.

    The engine reads the same markers to check, before running, that each named column
    exists (and has the right kind of dtype) and to name the culprit when it does not.
    """
    extra: dict[str, Any] = {WIDGET: "columns" if many else "column", PORT: port}
    if dtype != "any":
        extra[DTYPE] = dtype
    return Field(default, json_schema_extra=extra, title=title, description=description)


def code_param(language: Literal["python", "sql"], description: str) -> Any:
    """A field holding code; the UI renders a code editor for ``language``."""
    extra: dict[str, Any] = {WIDGET: "code", LANGUAGE: language}
    return Field(min_length=1, description=description, json_schema_extra=extra)


def dtype_kind(series: pd.Series) -> Dtype:
    """The coarse kind the column pickers filter on."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "any"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "text"
    return "any"


class TransformInfo(BaseModel):
    """What the transform palette lists: the REST layer serves this as is."""

    name: str
    group: str
    group_title: str
    title: str
    description: str
    inputs: list[str]
    outputs: list[str]
    fittable: bool
    params_schema: dict[str, Any]


@functools.lru_cache(maxsize=512)
def _compile(source: str) -> CodeType:
    return compile(source, "<step>", "exec")


@functools.lru_cache(maxsize=32)
def _import_namespace(imports: tuple[str, ...]) -> dict[str, Any]:
    namespace: dict[str, Any] = {"pd": pd, "np": np}
    for line in imports:
        exec(_compile(line), namespace)  # noqa: S102 - our own fixed import lines
    return namespace


def _is_dask_frame(value: Any) -> bool:
    """A dask.dataframe DataFrame: the same generated code also runs on those (see
    ``wrangler.distributed``)."""
    return type(value).__module__.startswith("dask") and hasattr(value, "npartitions")


def run_code(
    source: str,
    inputs: Mapping[str, pd.DataFrame],
    outputs: Sequence[str],
    imports: tuple[str, ...],
    owned: Collection[str] = (),
) -> dict[str, pd.DataFrame]:
    """Execute generated pandas code with the input frames bound to their names.

    Inputs are shallow copies (free under copy-on-write) so in-place statements such as
    ``df["a"] = ...`` never reach the frame a cache or another branch still holds —
    except ``owned`` ones, which nobody else holds and which are bound as they are.
    """
    namespace = dict(_import_namespace(imports))
    lazy = any(not isinstance(frame, pd.DataFrame) for frame in inputs.values())
    for name, frame in inputs.items():
        namespace[name] = frame if name in owned or lazy else frame.copy(deep=False)
    exec(_compile(source), namespace)  # noqa: S102 - the point of a code step
    result: dict[str, pd.DataFrame] = {}
    for name in outputs:
        value = namespace.get(name)
        if not isinstance(value, pd.DataFrame) and not (lazy and _is_dask_frame(value)):
            got = "nothing" if value is None else type(value).__name__
            raise InvalidArgumentError(f"the code must leave a DataFrame in `{name}`, got {got}")
        result[name] = value
    return result


class Transform(Generic[P]):
    """One data-prep operation. Subclasses set the class attributes and ``code``."""

    name: ClassVar[str]
    group: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    params_model: type[P]
    ports: ClassVar[tuple[str, ...]] = ("df",)
    outputs: ClassVar[tuple[str, ...]] = ("df",)
    fittable: ClassVar[bool] = False
    imports: ClassVar[tuple[str, ...]] = ()

    def parse(self, params: Mapping[str, Any] | BaseModel) -> P:
        """Validate raw params; the error names each bad field."""
        if isinstance(params, self.params_model):
            return params
        raw = params.model_dump() if isinstance(params, BaseModel) else dict(params)
        try:
            return self.params_model.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'params'}: {err['msg']}"
                for err in exc.errors()
            )
            raise InvalidArgumentError(f"invalid parameters for {self.name}: {problems}") from None

    def code(self, p: P, n: Names) -> str:
        """Readable pandas statements; ``n`` holds the variable names to use."""
        raise NotImplementedError

    def column_refs(self, p: P) -> list[tuple[int, str, Dtype]]:
        """(input port, column, required dtype kind) for every column the params name."""
        refs: list[tuple[int, str, Dtype]] = []
        for field_name, info in type(p).model_fields.items():
            extra = info.json_schema_extra
            if not isinstance(extra, dict) or extra.get(WIDGET) not in ("column", "columns"):
                continue
            value = getattr(p, field_name)
            names = value if isinstance(value, list) else [value] if value else []
            port = int(cast(int, extra.get(PORT, 0)))
            dtype = cast(Dtype, extra.get(DTYPE, "any"))
            refs.extend((port, str(c), dtype) for c in names)
        return refs

    def apply(
        self, frames: Sequence[pd.DataFrame], p: P, *, owned: Sequence[bool] | None = None
    ) -> dict[str, pd.DataFrame]:
        """Run the step on in-memory frames; returns one frame per output name.

        ``owned[i]`` says the caller gives up frame i, so it may be modified in place."""
        names = self.engine_names()
        source = self.code(p, names)
        mine = [n for n, o in zip(names.inputs, owned or [False] * len(frames), strict=True) if o]
        produced = run_code(
            source,
            dict(zip(names.inputs, frames, strict=True)),
            list(names.outputs),
            self.imports,
            owned=mine,
        )
        return {out: produced[var] for out, var in names.outputs.items()}

    def engine_names(self) -> Names:
        """The names the engine binds: port names in, output names out."""
        return Names(self.ports, {o: o for o in self.outputs})

    def sklearn(self, p: P, columns: Sequence[str]) -> Any:
        """A fresh, unfitted scikit-learn equivalent applied to ``columns``, or None."""
        return None

    def example(self, df: pd.DataFrame) -> dict[str, Any] | None:
        """Params that make sense on ``df`` (used by the exactness tests), or None."""
        raise NotImplementedError

    def info(self) -> TransformInfo:
        return TransformInfo(
            name=self.name,
            group=self.group,
            group_title=GROUPS[self.group],
            title=self.title,
            description=self.description,
            inputs=list(self.ports),
            outputs=list(self.outputs),
            fittable=self.fittable,
            params_schema=self.params_model.model_json_schema(),
        )


class InPlaceColumns(Transform[P]):
    """Rewrites each chosen column (``p.columns``) in place with one expression of it:
    ``df["a"] = df["a"].str.lower()``. Subclasses give :meth:`value`."""

    def value(self, p: P, x: str) -> str:
        """The column's new value; ``x`` is the code that reads it (``df["a"]``)."""
        raise NotImplementedError

    def code(self, p: P, n: Names) -> str:
        refs = [col(n.out, c) for c in cast(Any, p).columns]
        return n.start() + "\n".join(f"{x} = {self.value(p, x)}" for x in refs)


class ColumnParts(Transform[P]):
    """Adds one column ``<column>_<part>`` per chosen part of one column (``p.column``):
    date parts, text statistics. Subclasses give :meth:`parts` and :meth:`part_value`."""

    def parts(self, p: P) -> Sequence[str]:
        raise NotImplementedError

    def part_value(self, source: str, part: str) -> str:
        """The part's value; ``source`` is the code that reads the column."""
        raise NotImplementedError

    def code(self, p: P, n: Names) -> str:
        column = str(cast(Any, p).column)
        source = col(n.out, column)
        lines = [
            f"{col(n.out, f'{column}_{part}')} = {self.part_value(source, part)}"
            for part in self.parts(p)
        ]
        return n.start() + "\n".join(lines)


REGISTRY: dict[str, Transform[Any]] = {}

T = TypeVar("T", bound=type[Transform[Any]])


def register(cls: T) -> T:
    """Class decorator: add one instance of the transform to the registry."""
    if cls.group not in GROUPS:
        raise ValueError(f"unknown group {cls.group!r} for {cls.name}")
    if cls.name in REGISTRY:
        raise ValueError(f"transform {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls()
    return cls


# -- helpers the examples share ----------------------------------------------------


def of_kind(df: pd.DataFrame, kind: Dtype, *, exclude: Sequence[str] = ("id",)) -> list[str]:
    """Columns of ``df`` of one dtype kind, in order, leaving out identifiers."""
    return [str(c) for c in df.columns if c not in exclude and dtype_kind(df[c]) == kind]


def with_missing(df: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    return [c for c in columns if bool(df[c].isna().any())]
