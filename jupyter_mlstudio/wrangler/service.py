"""What the Data Wrangler editor asks the server for, in one place: previews with every
node's status, insights reports (saved as artifacts), exports written next to the flow,
and flow jobs. One engine is shared by every open flow, so its per-step sample cache
(keyed by source fingerprints and step parameters, never by file name) serves them all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    MLStudioError,
    NotFoundError,
)
from ..jobs.specs import ProcessingSpec
from ..paths import under_root
from .document import load_document
from .engine import Engine
from .flow import Flow
from .notebook import free_path
from .sources import confine_sources

if TYPE_CHECKING:
    from ..features.entities import FeatureGroup
    from ..features.service import FeatureStore, IngestResult
    from ..jobs.entities import Job
    from ..jobs.specs import JobSpec

PREVIEW_CACHE_STEPS = 256


class WranglerService:
    def __init__(
        self,
        artifact_uri: str,
        *,
        submit: Callable[[JobSpec], Job],
        features: Callable[[], FeatureStore] | None = None,
    ) -> None:
        self._artifact_uri = artifact_uri
        self._submit = submit  # the job service's submit (a flow job is a processing job)
        # The Feature Store, opened on the first export to it (pyarrow and DuckDB).
        self._features = features
        self.engine = Engine(cache_size=PREVIEW_CACHE_STEPS)

    def flow(
        self,
        path: Path,
        document: Mapping[str, Any],
        *,
        strict: bool = False,
        roots: Sequence[Path] | None = None,
    ) -> Flow:
        """The flow being edited: ``document`` as the editor holds it, its relative
        source paths resolved against ``path``'s folder. With ``roots`` (the REST API),
        a source outside them is refused before anything reads it."""
        flow = Flow.from_json(dict(document), base_dir=path.parent, strict=strict)
        if roots is not None:
            confine_sources(flow.document, flow.base_dir, roots)
        flow.path = path
        flow.engine = self.engine
        return flow

    # -- previews -----------------------------------------------------------------------
    def preview(
        self,
        path: Path,
        document: Mapping[str, Any],
        node: str | None = None,
        output: str | None = None,
        rows: int = 100,
        *,
        roots: Sequence[Path] | None = None,
    ) -> dict[str, Any]:
        """Every node's status on the sample, and ``node``'s first rows (or why not)."""
        flow = self.flow(path, document, roots=roots)
        doc = flow.document
        if not doc.sources:
            return {"statuses": [], "preview": None, "error": "Add a data source to start."}
        node = node or doc.last_node()
        if node not in doc.node_ids():
            raise InvalidArgumentError(f"The flow has no source or step {node!r}.")
        statuses = [s.model_dump(mode="json") for s in flow.status()]
        state = next((s for s in statuses if s["id"] == node), None)
        if state is not None and state["state"] != "ok":
            return {
                "statuses": statuses,
                "preview": None,
                "error": state["message"] or f"{node} is {state['state']}",
            }
        try:
            preview = flow.preview(node, rows=rows, output=output)
        except MLStudioError as exc:
            return {"statuses": statuses, "preview": None, "error": exc.message}
        return {"statuses": statuses, "preview": preview.model_dump(mode="json"), "error": None}

    # -- insights -----------------------------------------------------------------------
    def report(
        self,
        path: Path,
        document: Mapping[str, Any],
        node: str | None = None,
        output: str | None = None,
        target: str | None = None,
        *,
        roots: Sequence[Path] | None = None,
    ) -> dict[str, Any]:
        """The insights report of a node's sample output, saved as an artifact under
        ``<artifact store>/wrangler/<flow>/<node>-<time>/`` (JSON and standalone HTML)."""
        from .insights import build_report, report_figures, save_report

        flow = self.flow(path, document, roots=roots)
        frame = flow.sample(node, output=output)
        report = build_report(frame, target=target or None)
        node_id = node or "last"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        destination = f"{self._artifact_uri.rstrip('/')}/wrangler/{path.stem}/{node_id}-{stamp}"
        save_report(report, destination)
        return {
            "report": report.model_dump(mode="json"),
            "figures": report_figures(report),
            "artifact_uri": destination,
        }

    # -- exports ------------------------------------------------------------------------
    def export(
        self,
        path: Path,
        document: Mapping[str, Any],
        what: str,
        *,
        node: str | None = None,
        output: str | None = None,
        target: str | None = None,
        roots: Sequence[Path] | None = None,
    ) -> Path:
        """Write ``what`` (script, notebook, sklearn, pyspark, report-html) next to the flow
        under a name not taken yet; the file written."""
        flow = self.flow(path, document, strict=True, roots=roots)
        stem = path.stem
        if what == "script":
            target_path = free_path(path.parent / f"{stem}.py")
            target_path.write_text(flow.to_code())
        elif what == "notebook":
            target_path = free_path(path.parent / f"{stem}.ipynb")
            flow.to_notebook(target_path)
        elif what == "sklearn":
            target_path = free_path(path.parent / f"{stem}-pipeline.skops")
            try:
                flow.to_sklearn(target_path)
            except InvalidArgumentError as exc:
                raise ConflictError(exc.message) from None
        elif what == "pyspark":
            from .pyspark_export import to_pyspark

            # paths stay relative to the flow's folder, where the script is written
            script = to_pyspark(flow.document, None, name=path.name, output_dir=f"{stem}-output")
            target_path = free_path(path.parent / f"{stem}-pyspark.py")
            target_path.write_text(script)
        elif what == "report-html":
            from .insights import build_report, report_html

            report = build_report(flow.sample(node, output=output), target=target or None)
            target_path = free_path(path.parent / f"{stem}-insights.html")
            target_path.write_text(report_html(report, title=f"{path.name}: insights"))
        else:
            raise InvalidArgumentError(f"Unknown export {what!r}.")
        return target_path

    def export_to_feature_store(
        self,
        path: Path,
        document: Mapping[str, Any],
        *,
        group: str,
        record_identifier: str,
        event_time_feature: str,
        description: str | None = None,
        new_group: bool = True,
        output: str | None = None,
        roots: Sequence[Path] | None = None,
        as_job: bool = False,
    ) -> tuple[FeatureGroup, IngestResult | Job]:
        """Run the flow on its full data and ingest the result into a feature group: a
        new one (features inferred from the result's dtypes) or, with ``new_group=False``,
        a new batch of the newest version of an existing group of the same schema.

        ``as_job=True`` runs the *saved* flow over its whole source in a processing job
        that ingests the result (``features.jobs``; source ``job:<id> flow:<path>``),
        and returns that Job at once; the group's schema comes from the flow's sample
        here, and the job refuses a full result that does not fit it."""
        from ..features.entities import infer_features

        if self._features is None:
            raise InvalidArgumentError("This server has no Feature Store.")
        store = self._features()
        if as_job:
            if not path.is_file():
                raise InvalidArgumentError(
                    f"Save the flow first: the job runs the saved {path.name}."
                )
            flow = Flow.load(path)
            if roots is not None:
                confine_sources(flow.document, flow.base_dir, roots)
            node, index = flow._target(output)  # the output the job will ingest
            frame = flow.sample(node, flow.document.outputs_of(node)[index])
        else:
            flow = self.flow(path, document, strict=True, roots=roots)
            frame = flow.run(output=output)
        for role, column in (
            ("record identifier", record_identifier),
            ("event time", event_time_feature),
        ):
            if column not in frame.columns:
                raise InvalidArgumentError(
                    f"The flow's result has no column {column!r} for the {role} "
                    f"(columns: {', '.join(map(str, frame.columns))})."
                )
        # An event time the flow leaves as text (ISO-8601 in a CSV) is a timestamp feature:
        # ingestion parses it, and refuses values that are not times.
        inferred = [
            f
            if f.name != event_time_feature or f.type == "timestamp"
            else replace(f, type="timestamp")
            for f in infer_features((str(c), str(t)) for c, t in frame.dtypes.items())
        ]
        source = f"Data Wrangler flow {path.name}"

        def ingest(target: FeatureGroup) -> IngestResult | Job:
            if not as_job:
                return store.ingest(target.ref, frame, source=source)
            from ..features.jobs import ingest_spec

            return self._submit(
                ingest_spec(store, target.ref, flow=path.resolve(), flow_output=output)
            )

        if new_group:
            try:
                created = store.create_group(
                    group,
                    record_identifier=record_identifier,
                    event_time_feature=event_time_feature,
                    features=inferred,
                    description=description,
                )
            except AlreadyExistsError as exc:
                raise InvalidArgumentError(
                    f"{exc.message} Pick another name, or add a batch to the existing group."
                ) from None
            try:
                return created, ingest(created)
            except Exception:
                store.delete_group(created.ref)  # a new group the data did not fit: no trace
                raise
        try:
            existing = store.get_group(group)
        except NotFoundError as exc:
            raise InvalidArgumentError(exc.message) from None
        _check_same_schema(existing, inferred, record_identifier, event_time_feature)
        return existing, ingest(existing)

    def flow_path(self, relative: str, root: Path) -> Path:
        """The .flow file a request names relative to the server's ``root`` folder; it
        must lie inside it, in a folder that exists."""
        path = under_root(relative, root)
        if path is None:
            raise InvalidArgumentError(f"{relative} is outside the server's root folder.")
        if path.suffix != ".flow":
            raise InvalidArgumentError(f"{relative} is not a .flow file.")
        if not path.parent.is_dir():
            raise NotFoundError(f"The folder of {relative} does not exist.")
        return path

    def confine_job_code(self, code: str, root: Path, roots: Sequence[Path]) -> None:
        """A processing job's ``code`` asked for over REST (relative to ``root``): when it
        is a saved flow, its sources obey the same confinement as in the editor. A path
        that leaves ``root`` is left to the job service, which refuses it with its message."""
        path = under_root(code, root)
        if path is not None:
            self.confine_flow_file(path, roots)

    def confine_flow_file(self, path: Path, roots: Sequence[Path]) -> None:
        """Refuse a saved flow whose sources leave ``roots`` (a processing job of a
        .flow asked for over REST); a flow that does not load is left to the job."""
        if path.suffix != ".flow" or not path.is_file():
            return
        try:
            document = load_document(path, strict=False)
        except InvalidArgumentError:
            return
        confine_sources(document, path.parent.resolve(), roots)

    # -- jobs ---------------------------------------------------------------------------
    def run_job(
        self,
        path: Path,
        output_format: str = "parquet",
        name: str | None = None,
        engine: str = "auto",
        *,
        roots: Sequence[Path] | None = None,
    ) -> Job:
        """The saved flow on the full data, as a processing job (the Job)."""
        if not path.is_file():
            raise InvalidArgumentError(f"Save the flow first: {path.name} does not exist yet.")
        flow = Flow.load(path)  # refuse a flow that does not load, before a job exists
        if roots is not None:
            confine_sources(flow.document, flow.base_dir, roots)
        spec = ProcessingSpec(
            code=str(path),
            parameters={"output_format": output_format, "engine": engine},
            name=name or f"flow-{path.stem}"[:63],
        )
        return self._submit(spec)


def _check_same_schema(
    group: FeatureGroup,
    inferred: Sequence[Any],
    record_identifier: str,
    event_time_feature: str,
) -> None:
    """Refuse a flow result that does not have ``group``'s schema (names and types)."""
    if (group.record_identifier, group.event_time_feature) != (
        record_identifier,
        event_time_feature,
    ):
        raise InvalidArgumentError(
            f"{group.ref} has record identifier {group.record_identifier!r} and event time "
            f"{group.event_time_feature!r}, not {record_identifier!r} and {event_time_feature!r}."
        )
    want = {f.name: f.type for f in group.features}
    have = {f.name: f.type for f in inferred}
    problems = [f"missing {n!r}" for n in want if n not in have]
    problems += [f"unknown {n!r}" for n in have if n not in want]
    problems += [
        f"{n!r} is {have[n]}, not {t}"
        for n, t in want.items()
        # integers where the group has fractions fit; ingestion checks the values
        if n in have and have[n] != t and not (have[n] == "integral" and t == "fractional")
    ]
    if problems:
        raise InvalidArgumentError(
            f"The flow's result does not match the schema of {group.ref}: "
            f"{'; '.join(problems)}. Export to a new group instead."
        )
