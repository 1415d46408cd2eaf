"""Full listings of large objects through Bulk API 2.0 query jobs.

REST pages carry 2,000 rows each, so a full listing of a million-row object is 500
sequential round trips, each counted against the daily API quota. A Bulk API 2.0 query
job runs the same SOQL on Salesforce's side and hands the rows back in large CSV sets:

* **When.** Only a full listing (first sync, `--full`, a cursor older than the recycle
  bin) is ever a candidate; incremental pulls stay on REST. The full listing asks REST
  first anyway, and that first page's `totalSize` is the size of exactly this query
  (queryAll counts the recycle bin too), so deciding costs no extra call: above
  `threshold` records the REST listing is dropped and a job lists the object instead.
  At 1M rows that is about 25 requests instead of REST's 500 (the daily API quota counts
  requests, not rows).
* **How.** `POST jobs/query` with the stream's own SELECT (queryAll for deletable
  objects, so recycle-bin rows come back with IsDeleted true and become tombstones;
  no ORDER BY, which Bulk API 2.0 advises against), poll `GET jobs/query/{id}` with
  backoff until `JobComplete` (`Failed` / `Aborted` end the stream with the job's
  scrubbed `errorMessage`), then read `GET jobs/query/{id}/results?maxRecords=50000` set
  by set, following `Sforce-Locator` until it is the string `null`; each set becomes
  batches of 10,000 rows (one transaction each).
* **Same rows.** CSV values are text; each is turned back into the JSON type REST sends
  (`FIELD_TYPES`: booleans, numbers, `+0000` datetimes, null for an empty field) and the
  row gets REST's `attributes` block, so the stream's own mapper sees, and stores as
  `raw`, exactly what the REST listing would have given. A row whose values do not
  convert is quarantined and makes the listing incomplete, as for REST.
* **Calls.** Every request goes through the source's `CallPolicy` and the client's error
  sorting (POST only retried when refused, the rest when retriable). A results set whose
  row count disagrees with `Sforce-NumberOfRecords` was cut off and is fetched again (a
  locator can be read any number of times while the job exists).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests
from simple_salesforce.util import call_salesforce

from connectors.batch import Quarantined
from connectors.errors import ConnectorError, CursorExpired, RecordInvalid, Retriable
from connectors.listing import quarantine
from connectors.salesforce.client import PagingLoop, SalesforceClient

if TYPE_CHECKING:
    from connectors.salesforce.streams import Stream

log = logging.getLogger("connectors.salesforce")
DEFAULT_THRESHOLD_RECORDS = 100_000
RESULT_SET_RECORDS = 50_000  # rows per results request (1M rows: 20 requests, REST 500)
BATCH_RECORDS = 10_000  # rows per batch, i.e. per transaction
FIRST_POLL_DELAY_SECONDS = 0.2
MAX_POLL_DELAY_SECONDS = 10.0
MAX_JOB_WAIT_SECONDS = 2 * 60 * 60
CSV_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{3})?Z$")

Convert = Callable[[str], Any]


class BulkJobFailed(ConnectorError):
    """The query job ended Failed or Aborted, or never finished: this stream fails,
    nothing of it is tombstoned, and the next run lists it again."""


def _text(value: str) -> str | None:
    return value or None  # Salesforce stores an empty text field as null


def _boolean(value: str) -> bool | None:
    if value in ("true", "false"):
        return value == "true"
    if value == "":
        return None
    raise ValueError(f"not a CSV boolean: {value[:20]!r}")


def _datetime(value: str) -> str | None:
    """`2026-11-01T10:00:00.000Z` → REST's `2026-11-01T10:00:00.000+0000`."""
    if value == "":
        return None
    match = CSV_DATETIME.match(value)
    if match is None:
        raise ValueError(f"not a CSV datetime: {value[:40]!r}")
    return f"{match.group(1)}{match.group(2) or '.000'}+0000"


def _number(value: str) -> float | None:
    return float(value) if value else None


def _integer(value: str) -> int | None:
    if value == "":
        return None
    number = float(value)
    if not number.is_integer():
        raise ValueError(f"not a whole number: {value[:20]!r}")
    return int(number)


FIELD_TYPES: dict[str, Convert] = {
    **dict.fromkeys(("Id", "Username", "Email", "FirstName", "LastName", "Name",
                     "Description", "OwnerId", "AccountId", "StageName", "Subject", "WhoId",
                     "WhatId", "Status", "CloseDate", "ActivityDate"), _text),
    **dict.fromkeys(("IsDeleted", "IsActive", "IsClosed", "IsWon", "IsAllDayEvent"),
                    _boolean),
    **dict.fromkeys(("SystemModstamp", "StartDateTime", "EndDateTime"), _datetime),
    "Amount": _number,
    "DurationInMinutes": _integer,
}
"""How each selected field's CSV text becomes the JSON value REST sends for it. Dates
stay `YYYY-MM-DD` text, as in JSON. Every field a stream selects must be here
(tests/connectors/test_connectors_salesforce_bulk.py checks), because a guess would
hand a mapper a string where it expects a boolean."""


def json_row(csv_row: dict[str, str], sobject: str, api_version: str) -> dict[str, Any]:
    """One CSV row as the REST row of the same record; ValueError when a value is not
    of its field's type."""
    row: dict[str, Any] = {"attributes": {"type": sobject}}
    for name, text in csv_row.items():
        row[name] = FIELD_TYPES.get(name, _text)(text)
    if isinstance(row.get("Id"), str):
        row["attributes"]["url"] = f"/services/data/v{api_version}/sobjects/{sobject}/{row['Id']}"
    return row


def read_page(header: list[str], rows: list[list[str]], sobject: str, api_version: str,
              scrub: Callable[[str], str]) -> dict[str, Any]:
    """A page as the REST loop takes it: `records` in REST's JSON form, `quarantined`
    for rows that do not read (a value not of its type, a wrong number of columns)."""
    records: list[dict[str, Any]] = []
    quarantined: list[Quarantined] = []
    for values in rows:
        row = dict(zip(header, values, strict=False))
        try:
            if len(values) != len(header):
                row = {"columns": header, "values": values}
                raise ValueError(f"row has {len(values)} values for {len(header)} columns")
            records.append(json_row(row, sobject, api_version))
        except ValueError as error:
            key = values[header.index("Id")] if "Id" in header[:len(values)] else None
            quarantined.append(quarantine(row, key or None, RecordInvalid(str(error)), scrub))
    return {"records": records, "quarantined": quarantined}


@dataclass
class ResultSet:
    header: list[str]
    rows: list[list[str]]
    locator: str | None


class BulkReader:
    """Lists one stream through a query job when its full listing is large."""

    def __init__(self, client: SalesforceClient, threshold: int | None) -> None:
        self.client = client
        self.threshold = threshold

    def wanted(self, first_page: dict[str, Any]) -> bool:
        total = first_page.get("totalSize")
        return (self.threshold is not None and isinstance(total, int)
                and total > self.threshold)

    def pages(self, stream: Stream, soql: str) -> Iterator[tuple[dict[str, Any], bool]]:
        """(page, last) as the REST loop yields them (see `read_page`)."""
        what = f"{self.client.source}: {stream.name}"
        try:
            yield from self._listing(stream, soql, what)
        except CursorExpired as error:
            # Bulk rows are not ordered by SystemModstamp, so the REST loop's resume
            # from the highest stamp seen would skip rows: fail the stream instead.
            raise BulkJobFailed(f"{what}: {error}") from None

    def _listing(self, stream: Stream, soql: str, what: str
                 ) -> Iterator[tuple[dict[str, Any], bool]]:
        job_id = self._create(soql, include_deleted=stream.include_deleted)
        log.info("%s: listing through Bulk API 2.0 query job %s", what, job_id)
        self._wait(job_id, what)
        seen: set[str] = set()
        locator: str | None = None
        while True:
            result = self._results(job_id, locator)
            starts = range(0, max(len(result.rows), 1), BATCH_RECORDS)
            for start in starts:
                chunk = result.rows[start:start + BATCH_RECORDS]
                last = result.locator is None and start == starts[-1]
                yield read_page(result.header, chunk, stream.sobject,
                                self.client.api_version, self.client.scrub), last
            if result.locator is None:
                return
            if result.locator in seen:
                raise PagingLoop(f"{what}: Sforce-Locator repeated; stopping instead of looping")
            seen.add(result.locator)
            locator = result.locator

    # -- calls ---------------------------------------------------------------------------

    def _create(self, soql: str, *, include_deleted: bool) -> str:
        body = {"operation": "queryAll" if include_deleted else "query", "query": soql,
                "contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"}
        job = self._json("POST", "query", json=body, idempotent=False)
        if not isinstance(job.get("id"), str):
            raise ConnectorError(f"{self.client.source}: POST jobs/query answered no job id")
        return job["id"]

    def _wait(self, job_id: str, what: str) -> None:
        delay, waited = FIRST_POLL_DELAY_SECONDS, 0.0
        while True:
            job = self._json("GET", f"query/{job_id}")
            state = job.get("state")
            if state == "JobComplete":
                return
            if state in ("Failed", "Aborted"):
                message = self.client.scrub(str(job.get("errorMessage") or "no errorMessage"))
                raise BulkJobFailed(f"{what}: Bulk API query job {job_id} {state}: "
                                    f"{message[:300]}")
            if waited >= MAX_JOB_WAIT_SECONDS:
                raise BulkJobFailed(f"{what}: Bulk API query job {job_id} still {state} "
                                    f"after {waited:.0f} s")
            self.client.policy.sleep(delay)
            waited += delay
            delay = min(delay * 2, MAX_POLL_DELAY_SECONDS)

    def _results(self, job_id: str, locator: str | None) -> ResultSet:
        params: dict[str, str | int] = {"maxRecords": RESULT_SET_RECORDS}
        if locator:
            params["locator"] = locator

        def fetch() -> ResultSet:
            response = self._send("GET", f"query/{job_id}/results", params=params,
                                  accept="text/csv")
            text = response.content.decode("utf-8", errors="replace")
            try:
                header, *rows = list(csv.reader(io.StringIO(text, newline=""))) or [[]]
            except csv.Error as error:
                raise Retriable(f"{self.client.source}: results of job {job_id} are not "
                                f"complete CSV ({error})") from None
            announced = response.headers.get("Sforce-NumberOfRecords", "")
            if not announced.isdigit() or int(announced) != len(rows):
                raise Retriable(f"{self.client.source}: results of job {job_id} were cut "
                                f"short ({len(rows)} rows, announced {announced or '?'})")
            following = response.headers.get("Sforce-Locator")
            return ResultSet(header, rows,
                             None if following in (None, "", "null") else following)

        return self.client.policy.call(fetch)

    def _json(self, method: str, path: str, *, idempotent: bool = True,
              **kwargs: Any) -> dict[str, Any]:
        """A JSON call; a body that is not a complete JSON object is retried."""
        def call() -> dict[str, Any]:
            try:
                body = self._send(method, path, **kwargs).json()
            except requests.exceptions.JSONDecodeError:
                body = None
            if not isinstance(body, dict):
                raise Retriable(f"{self.client.source}: {method} jobs/{path}: the answer "
                                "was not a complete JSON object")
            return body
        return self.client.policy.call(call, idempotent=idempotent)

    def _send(self, method: str, path: str, *, accept: str = "application/json",
              **kwargs: Any) -> requests.Response:
        """One request through the SDK's call helper (its errors are the SDK's, so the
        client sorts them as it sorts REST errors)."""
        def send() -> requests.Response:
            sdk = self.client.sdk()
            headers = {"Authorization": f"Bearer {sdk.session_id}", "Accept": accept,
                       "Content-Type": "application/json"}
            return call_salesforce(sdk.bulk2_url + path, method, self.client.session,
                                   headers, **kwargs)
        return self.client._sorted(f"{method} jobs/{path.split('/')[0]}", send)
