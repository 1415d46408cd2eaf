"""Asana connector (`asana` SDK 5.x): users, projects, tasks per project.

`client.py` holds the SDK calls and sorts their errors, `streams.py` the streams and
pull logic, `mapping.py` the payload -> model functions. See `connectors/asana.md`.
"""

from connectors.asana.streams import AsanaConnector, TaskCursor

__all__ = ["AsanaConnector", "TaskCursor"]
