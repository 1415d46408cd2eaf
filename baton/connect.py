"""From configured sources to connectors: the one place config meets connectors/.

connectors/ never imports baton (its classes take plain values), so this
module unwraps each source's settings — secrets included, at the last moment —
and hands them over. It also builds the scrubber that removes every
configured secret from anything sync records or prints.

Connectors get the run's `now` as their clock, read once for the whole run, so
cursors, signposts and calendar windows follow an injected `--now` and do not
depend on how long the run takes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, get_args

from pydantic import BaseModel, SecretStr

from baton.config import BatonConfig
from baton.sources import AsanaSource, GoogleSource, SalesforceSource, Source, TrelloSource
from connectors.asana import AsanaConnector
from connectors.batch import Connector
from connectors.google import GoogleConnector
from connectors.google.client import auth_from_mapping
from connectors.policy import Scrubber
from connectors.salesforce import Auth as SalesforceAuth
from connectors.salesforce import SalesforceConnector
from connectors.trello import TrelloConnector
from rules.horizon import NOTHING, Horizon
from sync.pipeline import SourcePlan


class UnknownSource(KeyError):
    """`--source NAME` that the config does not define."""


def plans_for(config: BatonConfig, names: Sequence[str], now: datetime,
              horizon: Horizon = NOTHING) -> list[SourcePlan]:
    """Plans for the named sources (all when none), in config order. `horizon` is what the
    rules look at: calendar windows are widened to it."""
    known = [s.name for s in config.sources]
    for name in names:
        if name not in known:
            raise UnknownSource(f'unknown source "{name}"; configured: {", ".join(known)}')
    return [SourcePlan(s.name, s.type, _deferred(s, now, horizon)) for s in config.sources
            if not names or s.name in names]


def scrubber_for(config: BatonConfig) -> Scrubber:
    return Scrubber.of(value for source in config.sources for value in _secrets(source))


def _secrets(model: BaseModel) -> list[str]:
    values: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            values.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            values += _secrets(value)
    return values


def _unset_secrets(model: BaseModel) -> bool:
    """Whether a secret field was left None (a config loaded for a read-only command)."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None and SecretStr in get_args(field.annotation):
            return True
        if isinstance(value, BaseModel) and _unset_secrets(value):
            return True
    return False


def _plain(model: BaseModel) -> dict[str, Any]:
    """A settings model as plain values: secrets revealed, paths as strings."""
    return {name: (value.get_secret_value() if isinstance(value, SecretStr)
                   else None if value is None else value if isinstance(value, str | int | float)
                   else str(value))
            for name, value in ((n, getattr(model, n)) for n in type(model).model_fields)}


def _deferred(source: Source, now: datetime, horizon: Horizon) -> Callable[[], Connector]:
    """Connectors are built inside the source's isolation boundary, not up front."""
    return lambda: build_connector(source, now, horizon)


def calendar_window(source: GoogleSource, horizon: Horizon) -> tuple[int, int]:
    """(past, future) days a Google source lists: its own window, widened to the rules'."""
    return (max(source.window_past_days, horizon.past_days),
            max(source.window_future_days, horizon.future_days))


def build_connector(source: Source, now: datetime, horizon: Horizon = NOTHING) -> Connector:
    if _unset_secrets(source):
        raise RuntimeError(f"{source.name}: config was loaded without secrets; commands that "
                           "call an API load it with load_config(..., secrets=True)")

    def clock() -> datetime:
        return now

    match source:
        case AsanaSource():
            return AsanaConnector(source.name, source.base_url, source.token.get_secret_value(),
                                  source.workspace, source.projects,
                                  estimate_field=source.estimate_field,
                                  timeout_seconds=source.timeout_seconds, clock=clock)
        case TrelloSource():
            return TrelloConnector(source.name, source.base_url, source.key.get_secret_value(),
                                   source.token.get_secret_value(), source.boards,
                                   timeout_seconds=source.timeout_seconds,
                                   estimate_field=source.estimate_field)
        case GoogleSource():
            past, future = calendar_window(source, horizon)
            return GoogleConnector(
                source.name, calendars=source.calendars, base_url=source.base_url,
                auth=auth_from_mapping(_plain(source.auth)), tasks_owner=source.tasks_owner,
                window_past_days=past, window_future_days=future,
                timeout_seconds=source.timeout_seconds, clock=clock)
        case SalesforceSource():
            return SalesforceConnector(
                source.name, source.instance_url, SalesforceAuth(**_plain(source.auth)),
                ca_bundle=str(source.ca_bundle) if source.ca_bundle else None,
                api_version=source.api_version, timeout_seconds=source.timeout_seconds,
                bulk_threshold_records=source.bulk_threshold_records, now=clock)
