"""Offline replica of the Asana REST API subset baton's connector reads (/api/1.0).

`AsanaState` holds the organisation and is the builder API; `create_app(state)`
serves it. See the module docstrings for the real behaviours reproduced.
"""

from sandbox.asana.app import create_app
from sandbox.asana.state import UNSET, AsanaState

__all__ = ["UNSET", "AsanaState", "create_app"]
