"""The sample organisations by name, each with its answer key and the instant tests pin it to.

`baton sandbox serve --org NAME`, `baton demo --org NAME` and the end-to-end test
pick one here. Both are dated relative to `now`, so their answer keys hold on any
day; `pinned_now` is where tests look at them (for the consultancy: just before a
daylight-saving change, see `sandbox.consultancy`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ruamel.yaml import YAML

from sandbox import consultancy
from sandbox.org import Expected, Organisation, sample_org

HERE = Path(__file__).parent


@dataclass(frozen=True)
class SampleOrg:
    name: str
    build: Callable[[datetime], Organisation]
    key_file: Path
    pinned_now: datetime
    about: str

    def answer_key(self) -> list[Expected]:
        """The planted problems, one per entry of the YAML key file."""
        entries = YAML(typ="safe").load(self.key_file.read_text())
        return [Expected(e["kind"], tuple(e["subjects"]), e["why"]) for e in entries]


ORGS: dict[str, SampleOrg] = {o.name: o for o in (
    SampleOrg("agency", sample_org, HERE / "answer_key.yaml",
              datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
              "Fernweh Events, an events agency (Berlin and Europe)"),
    SampleOrg("consultancy", consultancy.consultancy_org, HERE / "consultancy_key.yaml",
              consultancy.PINNED_NOW,
              "Northbeam Software, a software consultancy (New York and London)"),
)}
DEFAULT_ORG = "agency"


def sample(name: str) -> SampleOrg:
    """The organisation called `name`; a ValueError names the known ones."""
    if name not in ORGS:
        raise ValueError(f"unknown sample organisation {name!r}; known: {', '.join(ORGS)}")
    return ORGS[name]
