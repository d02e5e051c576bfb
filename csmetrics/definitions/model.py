"""The registry's model: metrics, steps, fragments, groupings and the registry itself (plain data)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csmetrics.definitions.params import ParamSpec

UNITS = ("count", "ratio", "seconds", "hours", "score", "number")
# What a metric reads (header key ``source``) and the relation that is.
SOURCES = {"contacts": "scoped", "states": "state_time", "concurrency": "concurrency_time"}
KINDS = ("aggregate", "standalone")
NEEDS = ("hours",)  # side inputs a metric can need (header key ``needs``): hours = opening-hours calendars


@dataclass(frozen=True)
class Metric:
    """A metric: its SQL file, the header declared there, and what it reads."""

    name: str
    title: str
    unit: str
    description: str
    order: int
    path: Path
    sql: str  # the body: one aggregate expression, or a whole query (standalone)
    params: tuple[ParamSpec, ...]  # declared in this file
    uses: tuple[str, ...]  # variables the body reads, directly or through macros
    notes: str = ""
    label: str = ""  # short column heading for tables
    source: str = "contacts"
    kind: str = "aggregate"
    reads: tuple[str, ...] = ()
    shows: tuple[str, ...] = ()  # parameters declared elsewhere that shape this metric
    needs: str = ""  # "hours": only with opening hours (absent from a report without them, an error if asked)

    @property
    def relation(self) -> str:
        """The relation an aggregate metric is computed over."""
        return SOURCES[self.source]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """What the report shows with this metric: the parameters it reads, then those it names."""
        return (*self.uses, *(p for p in self.shows if p not in self.uses))


@dataclass(frozen=True)
class Step:
    """A preparation step: ``sql/steps/<name>.sql``."""

    name: str
    path: Path
    sql: str
    reads: tuple[str, ...]
    creates: tuple[str, ...]
    params: tuple[ParamSpec, ...]
    uses: tuple[str, ...]


@dataclass(frozen=True)
class Fragment:
    """A query composed into a report: ``sql/report/<file>.sql`` defining the relation ``name``."""

    name: str
    path: Path
    sql: str
    reads: tuple[str, ...]
    params: tuple[ParamSpec, ...]
    uses: tuple[str, ...]
    key_only: tuple[str, ...] = ()


@dataclass(frozen=True)
class QualityExpression:
    """An aggregate over ``scoped`` that feeds data_quality: ``sql/quality/<name>.sql``."""

    name: str
    description: str
    path: Path
    sql: str


@dataclass(frozen=True)
class Accounting:
    """A query over the session's small tables whose rows data_quality is made of: ``sql/accounting/<name>.sql``."""

    name: str
    description: str
    path: Path
    sql: str


@dataclass(frozen=True)
class Macros:
    path: Path
    sql: str
    params: tuple[ParamSpec, ...]
    defines: tuple[str, ...]


@dataclass(frozen=True)
class Grouping:
    """A ``--by`` grouping from sql/groupings.toml."""

    token: str
    key: str  # output column; the typed key column is grp__<key>
    expression: str
    label: str = ""  # macro writing the key as text ("" = already text)
    agent_time: bool = False
    denominator: bool = False
    needs: str = ""
    meaning: str = ""

    @property
    def column(self) -> str:
        return "grp__" + self.key


@dataclass(frozen=True)
class Registry:
    metrics: tuple[Metric, ...]
    steps: tuple[Step, ...]  # in pipeline order
    inputs: tuple[str, ...]
    fragments: dict[str, Fragment]
    quality: tuple[QualityExpression, ...]
    accounting: dict[str, Accounting]
    macros: tuple[Macros, ...]
    groupings: dict[str, Grouping]
    aliases: dict[str, str]
    params: dict[str, ParamSpec]  # full name -> spec, frame params first

    def metric(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def tables(self) -> tuple[str, ...]:
        """Every relation the pipeline holds: the inputs and what the steps create."""
        return (*self.inputs, *(t for s in self.steps for t in s.creates))
