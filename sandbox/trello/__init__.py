"""Offline replica of the Trello REST API subset baton reads (`/1/...`, key + token)."""

from sandbox.trello.app import create_app
from sandbox.trello.state import TrelloState

__all__ = ["TrelloState", "create_app"]
