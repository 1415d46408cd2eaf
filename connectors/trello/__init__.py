"""Trello through py-trello: board members, boards (projects) and cards (tasks).

See `streams.py` for cursors and deletions, `mapping.py` for what each Trello
field becomes, `client.py` for how py-trello is pointed at the base URL and how
errors are sorted, and `connectors/trello.md` for the checklist.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from connectors.batch import Batch
from connectors.policy import CallPolicy
from connectors.trello.client import TrelloApi
from connectors.trello.mapping import MapContext
from connectors.trello.streams import STREAMS, BoardScope, CardPuller, pull_boards, pull_members


class TrelloConnector:
    """One Trello account (key + token); `boards` empty means every board of the
    token's member, closed ones included."""

    def __init__(self, source: str, base_url: str, key: str, token: str,
                 boards: Sequence[str] = (), timeout_seconds: float = 30.0,
                 policy: CallPolicy | None = None, estimate_field: str | None = None) -> None:
        self.source = source
        self.policy = policy or CallPolicy(timeout_seconds=timeout_seconds)
        self.api = TrelloApi(source, base_url, key, token, timeout_seconds, self.policy)
        self.scope = BoardScope(self.api, boards)
        self.ctx = MapContext(source, tuple(self.api.scrub.secrets), estimate_field)

    def streams(self) -> list[str]:
        """Members first (assignees refer to them), then boards, then their cards."""
        return list(STREAMS)

    def pull(self, stream: str, cursors: Mapping[str, str | None], full: bool
             ) -> Iterator[Batch]:
        if stream == "members":
            return pull_members(self.api, self.scope, self.ctx)
        if stream == "boards":
            return pull_boards(self.api, self.scope, self.ctx)
        if stream == "cards":
            return CardPuller(self.api, self.scope, self.ctx).pull(cursors, full)
        raise ValueError(f"unknown Trello stream {stream!r}; one of {', '.join(STREAMS)}")


__all__ = ["TrelloConnector"]
