"""``/feature-groups`` and ``/feature-datasets``: the Feature Store. Thin: every rule
lives in ``features/``.

A group is named in the path by reference (``customers`` is the newest version,
``customers@2`` a given one). Paths in request bodies are relative to the server's root
folder, like the file browser's, and may not leave it.
"""

from __future__ import annotations

from pathlib import Path

import tornado.web
from jupyter_server.auth.decorator import authorized

from ...api import feature_models
from ...api.operations import API_PREFIX
from ...errors import InvalidArgumentError, NotFoundError
from ...features.entities import parse_group_ref
from ...features.service import IngestResult, json_rows
from ...jobs.service import relative_message
from ...paths import under_root
from .base import MLStudioHandler

RESOURCE = "feature-groups"


class _FeaturesBase(MLStudioHandler):
    auth_resource = "mlstudio:features"

    def _root_path(self, relative: str, label: str, *, must_exist: bool) -> Path:
        """A request path under the server's root folder (symlinks followed), or a 400
        when it leaves the root (a 404 when it must exist and does not)."""
        path = under_root(relative, self.root_dir)
        if path is None:
            raise InvalidArgumentError(
                f"{label}: {relative} is outside the server's root folder; the Feature "
                "Store reads and writes files only there."
            )
        if must_exist and not path.exists():
            raise NotFoundError(f"{label}: {relative} does not exist.")
        return path

    def _relative(self, exc: InvalidArgumentError) -> InvalidArgumentError:
        """The error with paths under the root shown relative to it."""
        return InvalidArgumentError(relative_message(exc.message, self.root_dir))

    def _write_ingest(self, result: IngestResult) -> None:
        self.emit_change(RESOURCE, "updated", result.group)
        self.write_model(
            feature_models.IngestResult(
                group=result.group,
                rows_written=result.rows_written,
                duplicates_dropped=result.duplicates_dropped,
                batches=result.batches,
                ingested_at=result.ingested_at,
            )
        )


class FeatureGroupsHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query(feature_models.FeatureGroupListQuery)
        page = await self.call(
            self.studio.features.list_groups,
            search=query.search,
            max_items=query.max_items,
            next_token=query.next_token,
        )
        self.write_model(
            feature_models.FeatureGroupList(
                items=[feature_models.FeatureGroup.from_entity(g) for g in page.items],
                next_token=page.next_token,
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(feature_models.FeatureGroupCreate)
        group = await self.call(
            self.studio.features.create_group,
            body.name,
            record_identifier=body.record_identifier,
            event_time_feature=body.event_time_feature,
            features=[f.model_dump() for f in body.features],
            description=body.description,
            tags=body.tags,
            ttl_seconds=body.ttl_seconds,
            offline_enabled=body.offline_enabled,
            online_enabled=body.online_enabled,
            new_version=body.new_version,
        )
        self.set_header(
            "Location", f"{self.base_url.rstrip('/')}{API_PREFIX}/feature-groups/{group.ref}"
        )
        self.emit_change(RESOURCE, "created", group.ref)
        self.write_model(feature_models.FeatureGroup.from_entity(group), status=201)


class FeatureGroupHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        group = await self.call(self.studio.features.get_group, ref)
        self.write_model(feature_models.FeatureGroup.from_entity(group))

    @authorized
    @tornado.web.authenticated
    async def patch(self, ref: str) -> None:
        body = self.parse_body(feature_models.FeatureGroupUpdate)
        group = await self.call(
            self.studio.features.update_group,
            ref,
            description=body.description,
            tags=body.tags,
            feature_descriptions=body.feature_descriptions,
        )
        self.emit_change(RESOURCE, "updated", group.ref)
        self.write_model(feature_models.FeatureGroup.from_entity(group))

    @authorized
    @tornado.web.authenticated
    async def delete(self, ref: str) -> None:
        for group in await self.call(self.studio.features.delete_group, ref):
            self.emit_change(RESOURCE, "deleted", group.ref)
        self.set_status(204)
        self.finish()


class FeatureGroupVersionsHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        name, _ = parse_group_ref(ref)
        versions = await self.call(self.studio.features.list_versions, name)
        self.write_model(
            feature_models.FeatureGroupList(
                items=[feature_models.FeatureGroup.from_entity(g) for g in versions]
            )
        )


class FeatureGroupSummaryHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        summary = await self.call(self.studio.features.group_summary, ref)
        offline = summary.offline
        self.write_model(
            feature_models.FeatureGroupSummary(
                group=summary.group.ref,
                records=None if offline is None else offline.records,
                tombstones=None if offline is None else offline.tombstones,
                online_records=summary.online_records,
                latest_event_time=None if offline is None else offline.latest_event_time,
                latest_ingestion=None if offline is None else offline.latest_ingestion,
                features=[]
                if offline is None
                else [
                    feature_models.FeatureStatistics(
                        name=s.name,
                        type=s.type,
                        present=s.present,
                        missing=s.missing,
                        distinct=s.distinct,
                        minimum=s.minimum,
                        maximum=s.maximum,
                        mean=s.mean,
                    )
                    for s in offline.features
                ],
            )
        )


class FeatureGroupIngestionsHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        query = self.parse_query(feature_models.IngestionListQuery)
        page = await self.call(
            self.studio.features.ingestions,
            ref,
            max_items=query.max_items,
            next_token=query.next_token,
        )
        self.write_model(
            feature_models.IngestionList(
                items=[feature_models.Ingestion.from_entity(i) for i in page.items],
                next_token=page.next_token,
            )
        )


class FeatureGroupIngestHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        body = self.parse_body(feature_models.IngestRequest)
        path = self._root_path(body.path, "path", must_exist=True)
        try:
            result = await self.call(
                self.studio.features.ingest_file, ref, path, batch_size=body.batch_size
            )
        except InvalidArgumentError as exc:
            raise self._relative(exc) from None
        self._write_ingest(result)


class FeatureInferenceHandler(_FeaturesBase):
    """Feature types of a data file inferred from all its rows, for the create dialog."""

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        from ...features.inference import infer_file

        body = self.parse_body(feature_models.FeatureInferRequest)
        path = self._root_path(body.path, "path", must_exist=True)
        try:
            schema = await self.call(infer_file, path)
        except InvalidArgumentError as exc:
            raise self._relative(exc) from None
        self.write_model(
            feature_models.FeatureInference(
                features=[
                    feature_models.Feature(name=f.name, type=f.type, description=f.description)
                    for f in schema.features
                ],
                record_identifier=schema.record_identifier,
                event_time_feature=schema.event_time_feature,
                rows=schema.rows,
            )
        )


class FeatureGroupIngestJobHandler(_FeaturesBase):
    """A big file ingested by a processing job: 202 with the job (status in the Jobs
    panel, progress in its log)."""

    @authorized
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        from ...api import job_models
        from ...features.jobs import submit_ingest

        body = self.parse_body(feature_models.IngestJobRequest)
        path = self._root_path(body.path, "path", must_exist=True)
        try:
            job = await self.call(submit_ingest, self.studio, ref, path, batch_size=body.batch_size)
        except InvalidArgumentError as exc:
            raise self._relative(exc) from None
        self.emit_change("jobs", "created", job.id)
        self.write_model(job_models.Job.from_entity(job), status=202)


class FeatureGroupRowsHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        query = self.parse_query(feature_models.RowsQuery)
        columns, rows = await self.call(
            self.studio.features.rows,
            ref,
            limit=query.limit,
            as_of=query.as_of,
            include_deleted=query.include_deleted,
        )
        self.write_model(feature_models.FeatureRows(columns=columns, rows=rows))


class FeatureLookupHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        body = self.parse_body(feature_models.RecordBatchGet)
        group, records = await self.call(self.studio.features.lookup, ref, body.record_ids)
        self.write_model(feature_models.FeatureRecordList(group=group.ref, items=records))


class FeatureRecordHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, ref: str, record_id: str) -> None:
        group, (record,) = await self.call(self.studio.features.lookup, ref, [record_id])
        if record is None:
            raise NotFoundError(f"Feature group {group.ref} has no record {record_id!r} online.")
        self.write_model(
            feature_models.FeatureRecord(group=group.ref, record_id=record_id, record=record)
        )

    @authorized
    @tornado.web.authenticated
    async def put(self, ref: str, record_id: str) -> None:
        body = self.parse_body(feature_models.RecordPut)
        result = await self.call(
            self.studio.features.put_record, ref, body.record, record_id=record_id
        )
        self._write_ingest(result)

    @authorized
    @tornado.web.authenticated
    async def delete(self, ref: str, record_id: str) -> None:
        query = self.parse_query(feature_models.RecordDeleteQuery)
        result = await self.call(
            self.studio.features.delete_record, ref, record_id, event_time=query.event_time
        )
        self._write_ingest(result)


class FeatureDatasetsHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self) -> None:
        """The recorded training sets (lineage), newest first."""
        query = self.parse_query(feature_models.FeatureDatasetRecordQuery)
        page = await self.call(
            self.studio.features.datasets,
            group=query.group,
            max_items=query.max_items,
            next_token=query.next_token,
        )
        self.write_model(
            feature_models.FeatureDatasetRecordList(
                items=[feature_models.FeatureDatasetRecord(**d.to_dict()) for d in page.items],
                next_token=page.next_token,
            )
        )

    @authorized
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.parse_body(feature_models.DatasetCreate)
        entity = self._root_path(body.entity_path, "entity_path", must_exist=True)
        output = (
            None
            if body.output_path is None
            else self._root_path(body.output_path, "output_path", must_exist=False)
        )
        if output is not None and output.is_dir():
            raise InvalidArgumentError(f"output_path: {body.output_path} is a folder.")
        try:
            result = await self.call(
                self.studio.features.dataset,
                entity,
                body.features,
                event_time=body.event_time,
                as_of=body.as_of,
                include_deleted=body.include_deleted,
                event_time_range=(body.event_time_start, body.event_time_end),
                include_duplicated=body.include_duplicated,
                output=output,
            )
        except InvalidArgumentError as exc:
            raise self._relative(exc) from None
        columns, rows = await self.call(json_rows, result.frame.head(body.preview_rows))
        self.write_model(
            feature_models.Dataset(
                sql=result.sql,
                groups=list(result.groups),
                features=list(result.features),
                rows=len(result.frame),
                entity_rows=result.entity_rows,
                as_of=result.as_of,
                fingerprint=result.fingerprint,
                output_path=None
                if output is None
                else output.relative_to(self.root_dir.resolve()).as_posix(),
                preview=feature_models.FeatureRows(columns=columns, rows=rows),
            )
        )


class FeatureGroupLineageHandler(_FeaturesBase):
    @authorized
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        parse_group_ref(ref)  # a 400 for a malformed reference before any query
        lineage = await self.call(self.studio.features.lineage, ref)
        self.write_model(feature_models.FeatureGroupLineage.model_validate(lineage))
