"""Google connector: Calendar events, People contacts and Google Tasks.

`client.py` holds the SDK calls and error sorting, `streams.py` the stream facts and
pull logic, `mapping.py` the payload → model functions. See `connectors/google.md`.
"""

from connectors.google.client import (
    OAuthAuth,
    ServiceAccountAuth,
    api_endpoints,
    auth_from_mapping,
)
from connectors.google.streams import GoogleConnector

__all__ = ["GoogleConnector", "OAuthAuth", "ServiceAccountAuth", "api_endpoints",
           "auth_from_mapping"]
