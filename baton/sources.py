"""The `sources:` entries of baton.yaml, one model per tool.

Credentials are `SecretStr`, so they print as `**********` in any repr, log
or error; the only way to read one is `.get_secret_value()` at the moment a
connector authenticates. Commands that never call an API load the config with
`SECRETS_OPTIONAL` in the validation context: a secret whose `${VAR}` is unset is
then None, and only then. Base URLs are configurable for every tool because
that is how the sandbox and on-premise proxies plug in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationInfo

SECRETS_OPTIONAL = "secrets_optional"


def _http_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f'"{value}" is not an http(s) URL')
    return value


def _present(value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
    if value is None and not (info.context or {}).get(SECRETS_OPTIONAL):
        raise ValueError('a value is required here, e.g. "${VARIABLE}"')
    return value


HttpURL = Annotated[str, AfterValidator(_http_url)]
Secret = Annotated[SecretStr | None, AfterValidator(_present)]
SourceName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceBase(Strict):
    name: SourceName
    max_age_minutes: int = Field(60, ge=1, description="older than this → data is stale")
    timeout_seconds: float = Field(30.0, gt=0, le=600, description="per HTTP call")


class AsanaSource(SourceBase):
    type: Literal["asana"]
    token: Secret
    workspace: str
    projects: list[str] = Field(default_factory=list, description="empty = all projects")
    estimate_field: str | None = Field(None, description="custom field holding effort; "
                                       "empty = found by name (see connectors/effort.py)")
    base_url: HttpURL = "https://app.asana.com/api/1.0"


class TrelloSource(SourceBase):
    type: Literal["trello"]
    key: Secret
    token: Secret
    boards: list[str] = Field(default_factory=list, description="empty = all boards")
    estimate_field: str | None = Field(None, description="custom field holding effort; "
                                       "empty = found by name, else labels like 8h")
    base_url: HttpURL = "https://api.trello.com/1"


class GoogleOAuth(Strict):
    kind: Literal["oauth"]
    client_id: str
    client_secret: Secret
    refresh_token: Secret
    token_uri: HttpURL = "https://oauth2.googleapis.com/token"


class GoogleServiceAccount(Strict):
    kind: Literal["service_account"]
    key_file: Path
    subject: str | None = Field(None, description="user to impersonate (domain-wide delegation)")


class GoogleSource(SourceBase):
    type: Literal["google"]
    calendars: list[str] = Field(default_factory=list)
    tasks_owner: str | None = Field(None, description="whose Google Tasks these are "
                                                      "(default: the first calendar)")
    auth: Annotated[GoogleOAuth | GoogleServiceAccount, Field(discriminator="kind")]
    base_url: HttpURL = "https://www.googleapis.com/"
    window_past_days: int = Field(30, ge=0, description=(
        "calendar window behind now (widened to what the rules look at)"))
    window_future_days: int = Field(180, ge=1, description=(
        "calendar window ahead of now (widened to what the rules look at)"))


class SalesforceSession(Strict):
    kind: Literal["session"]
    session_id: Secret


class SalesforcePassword(Strict):
    kind: Literal["password"]
    username: str
    password: Secret
    security_token: Secret
    domain: str = "login"


class SalesforceJWT(Strict):
    kind: Literal["jwt"]
    username: str
    consumer_key: str
    private_key_file: Path
    domain: str = "login"


class SalesforceSource(SourceBase):
    type: Literal["salesforce"]
    instance_url: HttpURL
    auth: Annotated[SalesforceSession | SalesforcePassword | SalesforceJWT,
                    Field(discriminator="kind")]
    ca_bundle: Path | None = Field(None, description="CA file for private instances; wins "
                                                     "over REQUESTS_CA_BUNDLE")
    api_version: str = Field("60.0", pattern=r"^\d+\.\d$")
    bulk_threshold_records: int | None = Field(100_000, ge=0, description=(
        "a full listing of an object with more records than this runs as a Bulk API 2.0 "
        "query job instead of REST pages; null = always REST"))


Source = Annotated[AsanaSource | TrelloSource | GoogleSource | SalesforceSource,
                   Field(discriminator="type")]
