"""Bulk API 2.0 query jobs over the replica's org and SOQL engine.

`POST /services/data/vXX.X/jobs/query` takes `{"operation": "query" | "queryAll",
"query": SOQL}` (optionally `contentType: CSV`, `columnDelimiter`, `lineEnding`) and
answers with the job in state `UploadComplete`. The query is parsed and checked against
the schema right away, so a malformed query or an unknown field is refused with the
same 400 error array as the REST query resource. A job then moves on as it is polled
(`GET .../jobs/query/{id}`): `InProgress` on the first poll, finished on the second —
`JobComplete`, or `Failed` with an `errorMessage` when a `failed_job` fault is queued
for it (`Knobs.fail_job_next`, matched against the job's SOQL), which is how a real job
fails at run time (e.g. "Retried more than 15 times"). The rows are a snapshot taken
when the job completes. The `malformed` and `truncated` faults apply to results sets.

Results (`GET .../jobs/query/{id}/results?maxRecords=N&locator=L`) are CSV in the
requested column order, every set with its header row; `Sforce-NumberOfRecords` counts
the set and `Sforce-Locator` names the next one, or is the string `null` after the
last. CSV values are text: booleans `true` / `false`, datetimes
`2026-11-01T10:00:00.000Z`, dates `2026-11-01`, null an empty field, and a relationship
field a dotted column (`Owner.Email`). A locator is reusable as long as the job exists
(`DELETE .../jobs/query/{id}` removes it).
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from sandbox.salesforce import query, soql
from sandbox.salesforce.resources import is_supported_version
from sandbox.salesforce.schema import FieldKind, FieldValue, format_datetime, make_id
from sandbox.salesforce.state import SalesforceState

ErrorResponse = Callable[..., Response]
JOB_PREFIX = "750"
DEFAULT_MAX_RECORDS = 50_000
FAILED_MESSAGE = "Retried more than 15 times. Apply a filter criteria and try again."
DELIMITERS = {"COMMA": ",", "SEMICOLON": ";", "TAB": "\t", "PIPE": "|", "CARET": "^",
              "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


@dataclass
class QueryJob:
    id: str
    operation: str
    soql: str
    plan: query.Plan
    api_version: str
    created: datetime
    created_by: str
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = "UploadComplete"
    polls: int = 0
    modstamp: datetime | None = None
    rows: list[list[str]] = field(default_factory=list)
    error_message: str | None = None

    def info(self, *, created: bool = False) -> dict[str, object]:
        """The job as the API describes it (creation answers with fewer keys)."""
        body: dict[str, object] = {
            "id": self.id, "operation": self.operation, "object": self.plan.root.name,
            "createdById": self.created_by, "createdDate": format_datetime(self.created),
            "systemModstamp": format_datetime(self.modstamp or self.created),
            "state": self.state, "concurrencyMode": "Parallel", "contentType": "CSV",
            "apiVersion": float(self.api_version), "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter}
        if created:
            return body
        body.update(jobType="V2Query", numberRecordsProcessed=len(self.rows), retries=0,
                    totalProcessingTime=0, isPkChunkingSupported=True)
        if self.error_message is not None:
            body["errorMessage"] = self.error_message
        return body


@dataclass
class QueryJobs:
    """Every query job of the org, by id."""

    by_id: dict[str, QueryJob] = field(default_factory=dict)
    sequence: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, job_of: Callable[[str], QueryJob]) -> QueryJob:
        with self.lock:
            self.sequence += 1
            job = job_of(make_id(JOB_PREFIX, 7_000_000 + self.sequence))
            self.by_id[job.id] = job
            return job


def csv_value(kind: FieldKind, value: FieldValue) -> str:
    """One value as Bulk API CSV writes it."""
    if value is None:
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "datetime" and isinstance(value, datetime):
        stamp = value.astimezone(UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    if kind in ("double", "currency"):
        return repr(float(value))  # type: ignore[arg-type]
    if kind == "date" and not isinstance(value, str):
        return value.isoformat()  # type: ignore[union-attr]
    return str(value)


def run_job(state: SalesforceState, job: QueryJob) -> None:
    """Take the snapshot of rows the results will serve, or fail the job."""
    job.modstamp = state.now()
    if state.knobs.take("failed_job", job.soql) is not None:
        job.state, job.error_message = "Failed", FAILED_MESSAGE
        return
    records = query.run(state, job.plan, include_deleted=job.operation == "queryAll")
    job.rows = [[csv_value(r.field.kind, query.value_at(state, record, r))
                 for r in job.plan.fields] for record in records]
    job.state = "JobComplete"


def locator_of(offset: int) -> str:
    """Real locators look like `MTAwMDA`: base64 of the offset, without padding."""
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def offset_of(locator: str) -> int | None:
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def add_routes(app: FastAPI, state: SalesforceState, error: ErrorResponse) -> None:
    """Registers the query-job resources; `error(state, status, code, message)` is the
    replica's Salesforce error array."""
    jobs = QueryJobs()
    base = "/services/data/v{version}/jobs/query"

    def refused(version: str) -> Response | None:
        if is_supported_version(version):
            return None
        return error(state, 404, "NOT_FOUND", "The requested resource does not exist")

    async def create(request: Request, version: str) -> Response:
        if (answer := refused(version)) is not None:
            return answer
        try:
            body = await request.json()
        except ValueError:
            return error(state, 400, "JSON_PARSER_ERROR", "The request body is not JSON")
        problem = _invalid_request(body)
        if problem is not None:
            return error(state, 400, "INVALIDJOB", problem)
        try:
            plan = query.plan(soql.parse(body["query"]))
        except soql.SoqlError as failure:
            return error(state, 400, failure.error_code, failure.message)
        users = [r.id for r in state.rows("User", include_deleted=False)]
        job = jobs.add(lambda job_id: QueryJob(
            job_id, body["operation"], body["query"], plan, version, state.now(),
            users[0] if users else make_id("005", 1),
            body.get("columnDelimiter", "COMMA"), body.get("lineEnding", "LF")))
        return JSONResponse(job.info(created=True), 200)

    def job_info(version: str, job_id: str) -> Response:
        job = jobs.by_id.get(job_id)
        if (answer := refused(version)) is not None or job is None:
            return answer or _no_job(state, error, job_id)
        with jobs.lock:
            job.polls += 1
            if job.state == "UploadComplete":
                job.state, job.modstamp = "InProgress", state.now()
            elif job.state == "InProgress":
                run_job(state, job)
        return JSONResponse(job.info(), 200)

    def results(request: Request, version: str, job_id: str, locator: str | None = None,
                maxRecords: str | None = None) -> Response:  # the API spells it so
        job = jobs.by_id.get(job_id)
        if (answer := refused(version)) is not None or job is None:
            return answer or _no_job(state, error, job_id)
        if job.state != "JobComplete":
            return error(state, 400, "INVALIDJOB", f"Job {job_id} is not complete: {job.state}")
        size = int(maxRecords) if maxRecords and maxRecords.isdigit() else None
        if maxRecords is not None and not size:
            return error(state, 400, "INVALIDPARAMETER", "maxRecords must be a positive integer")
        start = offset_of(locator) if locator else 0
        if start is None or not 0 <= start <= len(job.rows) or (locator and start == 0):
            return error(state, 400, "INVALIDLOCATOR", f"Invalid locator: {locator}")
        end = min(len(job.rows), start + (size or DEFAULT_MAX_RECORDS))
        header = [r.ref.dotted for r in job.plan.fields]
        rows = job.rows[start:end]
        fault = state.knobs.take("malformed", request.url.path) if rows else None
        if fault is not None:
            rows = [_malformed(header, rows[0], fault.form), *rows[1:]]
        body = _csv(header, rows, DELIMITERS[job.column_delimiter],
                    LINE_ENDINGS[job.line_ending]).encode()
        if state.knobs.take("truncated", request.url.path):
            body = body[:len(body) // 2]
        return Response(body, 200, media_type="text/csv", headers={
            "Sforce-NumberOfRecords": str(end - start),
            "Sforce-Locator": locator_of(end) if end < len(job.rows) else "null"})

    def delete(version: str, job_id: str) -> Response:
        if (answer := refused(version)) is not None or jobs.by_id.pop(job_id, None) is None:
            return answer or _no_job(state, error, job_id)
        return Response(status_code=204)

    for path, endpoint, method in ((base, create, "POST"),
                                   (base + "/{job_id}", job_info, "GET"),
                                   (base + "/{job_id}", delete, "DELETE"),
                                   (base + "/{job_id}/results", results, "GET")):
        for variant in (path, path + "/"):
            app.add_api_route(variant, endpoint, methods=[method])


def _csv(header: list[str], rows: list[list[str]], delimiter: str, newline: str) -> str:
    def quoted(value: str, *, is_header: bool) -> str:
        if not value and not is_header:
            return ""
        return '"' + value.replace('"', '""') + '"'
    lines = [delimiter.join(quoted(v, is_header=True) for v in header)]
    lines += [delimiter.join(quoted(v, is_header=False) for v in row) for row in rows]
    return newline.join(lines) + newline


def _malformed(header: list[str], row: list[str], form: str) -> list[str]:
    """A row a client cannot read: its first datetime is not one (`default`), or its
    Id is empty (the id forms; CSV has no types, so null and wrong-type read alike)."""
    broken = list(row)
    if form == "default":
        stamp = next((i for i, v in enumerate(row) if v.endswith("Z") and "T" in v), None)
        if stamp is not None:
            broken[stamp] = "not-a-date"
            return broken
    if "Id" in header:
        broken[header.index("Id")] = ""
    return broken


def _invalid_request(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return "query is required"
    if body.get("operation") not in ("query", "queryAll"):
        return f"Invalid operation: {body.get('operation')}; use query or queryAll"
    if body.get("contentType", "CSV") != "CSV":
        return "contentType must be CSV"
    if body.get("columnDelimiter", "COMMA") not in DELIMITERS:
        return f"Invalid columnDelimiter: {body.get('columnDelimiter')}"
    if body.get("lineEnding", "LF") not in LINE_ENDINGS:
        return f"Invalid lineEnding: {body.get('lineEnding')}"
    return None


def _no_job(state: SalesforceState, error: ErrorResponse, job_id: str) -> Response:
    return error(state, 404, "NOT_FOUND", f"Job not found: {job_id}")
