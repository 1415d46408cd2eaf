"""The `sources:` entries of baton.yaml, one model per tool.

Credentials are `SecretStr`, so they print as `**********` in any repr, log
or error; the only way to read one is `.get_secret_value()` at the moment a
connector authenticates. Base URLs are configurable for every tool because
that is how the sandbox and on-premise proxies plug in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr


def _http_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f'"{value}" is not an http(s) URL')
    return value


HttpURL = Annotated[str, AfterValidator(_http_url)]
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
    token: SecretStr
    workspace: str
    projects: list[str] = Field(default_factory=list, description="empty = all projects")
    estimate_field: str | None = Field(None, description="custom field holding effort; "
                                       "empty = found by name (see connectors/effort.py)")
    base_url: HttpURL = "https://app.asana.com/api/1.0"


class TrelloSource(SourceBase):
    type: Literal["trello"]
    key: SecretStr
    token: SecretStr
    boards: list[str] = Field(default_factory=list, description="empty = all boards")
    estimate_field: str | None = Field(None, description="custom field holding effort; "
                                       "empty = found by name, else labels like 8h")
    base_url: HttpURL = "https://api.trello.com/1"


class GoogleOAuth(Strict):
    kind: Literal["oauth"]
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr
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
    session_id: SecretStr


class SalesforcePassword(Strict):
    kind: Literal["password"]
    username: str
    password: SecretStr
    security_token: SecretStr
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


Source = Annotated[AsanaSource | TrelloSource | GoogleSource | SalesforceSource,
                   Field(discriminator="type")]
