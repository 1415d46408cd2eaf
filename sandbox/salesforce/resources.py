"""Bodies of the non-query resources: versions, limits, getDeleted and getUpdated."""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.salesforce.schema import format_datetime
from sandbox.salesforce.soql import parse_datetime
from sandbox.salesforce.state import SalesforceState

OLDEST_VERSION = 31  # 21.0-30.0 were retired in Summer '25
LATEST_VERSION = 66  # Spring '26, current when the samples were recorded (May 2026)
REPLICATION_DAYS = 30


def api_versions() -> list[dict[str, str]]:
    """`GET /services/data/`: every supported version with its release label."""
    return [{"label": release_label(n), "url": f"/services/data/v{n}.0", "version": f"{n}.0"}
            for n in range(OLDEST_VERSION, LATEST_VERSION + 1)]


def release_label(major: int) -> str:
    """Three releases a year; v60.0 is Spring '24, and Winter carries the next year."""
    steps = major - 60
    season = ("Spring", "Summer", "Winter")[steps % 3]
    year = 24 + steps // 3 + (1 if season == "Winter" else 0)
    return f"{season} '{year:02d}"


def is_supported_version(version: str) -> bool:
    major, dot, minor = version.partition(".")
    return (dot == "." and minor == "0" and major.isdigit()
            and OLDEST_VERSION <= int(major) <= LATEST_VERSION)


def limits(state: SalesforceState) -> dict[str, dict[str, object]]:
    """A subset of limits.json, same shapes; DailyApiRequests tracks the replica's
    real usage so it agrees with the Sforce-Limit-Info header."""
    fixed = {
        "ConcurrentAsyncGetReportInstances": 200, "ConcurrentSyncReportRuns": 20,
        "DailyAsyncApexExecutions": 250000, "DailyBulkApiBatches": 15000,
        "DailyBulkV2QueryFileStorageMB": 976562, "DailyBulkV2QueryJobs": 10000,
        "DailyStreamingApiEvents": 10000, "DataStorageMB": 5, "FileStorageMB": 20,
        "HourlyTimeBasedWorkflow": 1000, "MassEmail": 10, "SingleEmail": 15,
        "StreamingApiConcurrentClients": 20,
    }
    body: dict[str, dict[str, object]] = {
        name: {"Max": value, "Remaining": value} for name, value in fixed.items()}
    body["DailyApiRequests"] = {
        "Max": state.daily_api_limit,
        "Remaining": max(0, state.daily_api_limit - state.api_usage)}
    return dict(sorted(body.items()))


class ReplicationError(Exception):
    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def replication_window(state: SalesforceState, start_text: str | None,
                       end_text: str | None) -> tuple[datetime, datetime]:
    """`start`/`end` as getUpdated/getDeleted read them: seconds dropped, start at
    least a minute before end and no more than 30 days back; returns (start,
    latestDateCovered), the latter never later than the current minute."""
    for name, text in (("start", start_text), ("end", end_text)):
        if not text:
            raise ReplicationError("MISSING_ARGUMENT", f"{name} not specified")
    try:
        start, end = parse_datetime(str(start_text)), parse_datetime(str(end_text))
    except ValueError as error:
        raise ReplicationError("INVALID_REPLICATION_DATE", str(error)) from error
    start, end = _minute(start), _minute(end)
    if end - start < timedelta(minutes=1):
        raise ReplicationError("INVALID_REPLICATION_DATE",
                               "startDate must be at least one minute greater than endDate")
    now = state.now()
    if start < now - timedelta(days=REPLICATION_DAYS):
        raise ReplicationError("INVALID_REPLICATION_DATE",
                               "startDate cannot be more than 30 days ago")
    return start, min(end, _minute(now))


def deleted(state: SalesforceState, sobject: str, start: datetime,
            latest: datetime) -> dict[str, object]:
    gone = sorted((r for r in state.rows(sobject, include_deleted=True)
                   if r.deleted_at is not None and start <= r.deleted_at < latest),
                  key=lambda r: (r.deleted_at, r.id))
    return {
        "deletedRecords": [{"id": r.id, "deletedDate": format_datetime(r.deleted_at)}
                           for r in gone if r.deleted_at is not None],
        "earliestDateAvailable": format_datetime(_minute(state.earliest_date_available(sobject))),
        "latestDateCovered": format_datetime(latest),
    }


def updated(state: SalesforceState, sobject: str, start: datetime,
            latest: datetime) -> dict[str, object]:
    """Created or changed rows by SystemModstamp (the resource's documented field)."""
    ids = [r.id for r in state.rows(sobject, include_deleted=False)
           if start <= r.values["SystemModstamp"] < latest]  # type: ignore[operator]
    return {"ids": ids, "latestDateCovered": format_datetime(latest)}
