"""The library entry point: one request in, one report out. Every command goes through here.

Usable without the command line::

    from csmetrics.api import Inputs, ReportRequest, definitions, report
    result = report(ReportRequest(
        inputs=Inputs(interactions=("sample_data/interactions.csv",)),
        definitions=definitions(tz="America/New_York"),
        group_by="day,queue",
    ))
    result.rows  # a polars DataFrame; result.to_document() is the JSON document

A request names the inputs (files, or a store), the definitions, the grouping, the period and the
metrics. :func:`open_session` gives the prepared session for commands that compute several reports
over the same inputs (``fcr-windows``, ``compare``). :func:`compare` takes a :class:`CompareRequest`:
two periods of one input set, or two input sets, under the same definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csmetrics.analysis.targets import Target, evaluate, validate
from csmetrics.calendars.spec import HoursConfig, load_hours_file, parse_hours
from csmetrics.compare import run
from csmetrics.compare.periods import Period
from csmetrics.compare.result import CompareResult
from csmetrics.compare.run import CompareSpec
from csmetrics.definitions.config import Config, apply_recorded, parse_assignments, resolve
from csmetrics.definitions.model import Registry
from csmetrics.definitions.params import Definitions
from csmetrics.definitions.registry import load_registry
from csmetrics.errors import ConfigError, CsMetricsError, QueryError
from csmetrics.inputs import textformat
from csmetrics.inputs.mapping.model import Mapping as ColumnMapping
from csmetrics.inputs.textformat import TextFormat
from csmetrics.pipeline.contract import check_relations
from csmetrics.pipeline.progress import Observer
from csmetrics.pipeline.report import ReportSpec, run_report
from csmetrics.pipeline.resources import Resources
from csmetrics.pipeline.result import Report
from csmetrics.pipeline.session import Session
from csmetrics.staffing.measured import StaffingReport, StaffingSpec, staffing_report
from csmetrics.staffing.model_table import lines_table, parse_agents, parse_interval, staffing_table
from csmetrics.store import read as store_read

if TYPE_CHECKING:
    from csmetrics.analysis.targets import Target
    from csmetrics.render.html.data import ChartData


@dataclass(frozen=True)
class Inputs:
    """What a report reads: interaction files or a store, plus the optional side inputs."""

    interactions: tuple[str, ...] = ()  # files or globs; "-" is CSV on stdin
    store: Path | None = None  # a csmetrics store (csmetrics load), instead of files
    mapping: ColumnMapping | None = None  # a column mapping or preset for the interaction files
    sheet: str | int | None = None  # the sheet of an .xlsx workbook
    text: TextFormat | None = None  # encoding and decimal separator of CSV files (None: UTF-8, decided per file)
    states: tuple[str, ...] = ()  # agent state logs
    roster: str | None = None
    surveys: tuple[str, ...] = ()
    denominator: str | None = None  # the external complaint denominator
    wait: float = 60.0  # seconds to wait for a store another process is writing

    def __post_init__(self) -> None:
        if self.interactions and self.store is not None:
            msg = "give input files or a store (--db), not both; load the files into the store with `csmetrics load`"
            raise ConfigError(msg)
        if not self.interactions and self.store is None:
            msg = 'give input files, or a store with --db FILE (or CSMETRICS_DB, or db = "FILE" in csmetrics.toml)'
            raise ConfigError(msg)


@dataclass(frozen=True)
class ReportRequest:
    inputs: Inputs
    definitions: Definitions | None = None  # None: the defaults
    group_by: str | Sequence[str] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    metrics: Sequence[str] | None = None
    resources: Resources | None = None  # memory limit and spill directory (None: the defaults)
    hours: HoursConfig | None = None  # opening-hours calendars (:func:`opening_hours`); None: none

    @property
    def spec(self) -> ReportSpec:
        return ReportSpec(self.group_by, self.date_from, self.date_to, self.metrics, self.hours)

    def resolved(self) -> Definitions:
        return self.definitions if self.definitions is not None else definitions()


def definitions(
    *,
    config: Config | None = None,
    sets: Mapping[str, Any] | Sequence[str] | None = None,
    tz: str | None = None,
    mapping: ColumnMapping | None = None,
) -> Definitions:
    """Parameter values: defaults < csmetrics.toml < the mapping's [definitions] < ``sets`` < ``tz``.

    ``sets`` is ``{"name": value}`` or ``["name=value", ...]`` (as ``--set``).
    """
    assignments = (
        parse_assignments(sets) if isinstance(sets, Sequence) and not isinstance(sets, str) else dict(sets or {})
    )
    return resolve(
        config=config,
        assignments=assignments,
        overrides={"timezone": tz} if tz else {},
        mapping_values=mapping.definitions if mapping is not None else None,
        mapping_origin=f"mapping {mapping.name}" if mapping is not None else "mapping",
    )


def opening_hours(config: Config | None = None, hours_file: Path | str | None = None) -> HoursConfig:
    """The opening-hours calendars: from ``hours_file`` (``--hours``) when given, else from the calendar tables
    of csmetrics.toml (``[week]``, ``[calendars.NAME]``, ``calendar = "NAME"`` under channels and queues)."""
    if hours_file is not None:
        return load_hours_file(hours_file)
    if config is None or not config.hours:
        return HoursConfig()
    base = config.path.parent if config.path is not None else None
    return parse_hours(config.hours, source=str(config.path or "csmetrics.toml"), base_dir=base)


def _read(session: Session, inputs: Inputs, defs: Definitions) -> None:
    source_timezone = defs["source_timezone"]
    if inputs.store is not None:
        stored = store_read.attach(session.con, inputs.store, wait=inputs.wait)
        session.reading_store(Path(inputs.store).stat().st_size)
        session.use_interactions(stored.interactions, stored.source)
        if stored.states is not None:
            session.use_states(stored.states, stored.states_shape, stored.states_source)
        if stored.surveys is not None:
            session.use_surveys(stored.surveys, stored.surveys_source)
    else:
        sheet = inputs.sheet if inputs.sheet is not None else (inputs.mapping.sheet if inputs.mapping else None)
        session.read_interactions(
            list(inputs.interactions), source_timezone=source_timezone, mapping=inputs.mapping, sheet=sheet
        )
    if inputs.surveys:
        session.read_surveys(list(inputs.surveys))
    if inputs.denominator:
        session.read_denominators(inputs.denominator)
    if inputs.states:
        if session.inputs.states is not None:
            msg = "the store already holds agent states; load the file into it (csmetrics load --kind agent_states)"
            raise ConfigError(msg)
        session.read_states(list(inputs.states), source_timezone=source_timezone)
    if inputs.roster:
        session.read_roster(inputs.roster)


def effective_definitions(inputs: Inputs, defs: Definitions) -> Definitions:
    """``defs`` as a report over ``inputs`` uses them: from a store, with the [definitions] of the mappings its
    loads were read with (above defaults and csmetrics.toml, below --set; loads that disagree are an error)."""
    if inputs.store is None:
        return defs
    recorded = store_read.recorded_definitions(inputs.store, wait=inputs.wait)
    return apply_recorded(defs, recorded, str(inputs.store))


@contextmanager
def open_session(
    inputs: Inputs, defs: Definitions, *, resources: Resources | None = None, observer: Observer | None = None
) -> Iterator[Session]:
    """A session holding every input of ``inputs``, prepared under ``defs`` as the inputs need them
    (:func:`effective_definitions`, then in ``session.definitions``); ``observer`` is told its progress."""
    defs = effective_definitions(inputs, defs)
    session = Session(resources=resources, observer=observer)
    try:
        temp = resources.temp_directory if resources is not None else None
        with textformat.reading(inputs.text or TextFormat.of(None, None, inputs.mapping), temp):
            _read(session, inputs, defs)
        session.prepare(defs)
        yield session
    except QueryError:
        _explain_query_error(session.registry)
        raise
    finally:
        session.close()


def _explain_query_error(registry: Registry) -> None:
    """After a query failed: when a metric or step of ``registry`` breaks the metric contract, raise the
    DefinitionError that names its file and column (pipeline/contract.py) instead. The contract is checked here,
    when a query fails, and by the tests, not before every command: the packaged SQL passes it, and a
    well-formed registry then costs nothing to start."""
    with suppress(QueryError):  # the dry run itself failed: the original error says more
        check_relations(registry)


def report(request: ReportRequest, *, observer: Observer | None = None) -> Report:
    """Read the request's inputs and compute its report."""
    with open_session(request.inputs, request.resolved(), resources=request.resources, observer=observer) as session:
        return run_report(session, session.definitions, request.spec)


def fcr_windows(request: ReportRequest, windows: Sequence[float], *, observer: Observer | None = None) -> Report:
    """The FCR metrics at several repeat windows side by side: one report with a window_hours column first."""
    from csmetrics.analysis.fcr_windows import fcr_by_window

    with open_session(request.inputs, request.resolved(), resources=request.resources, observer=observer) as session:
        return fcr_by_window(session, session.definitions, windows, request.spec)


def staffing(request: ReportRequest, spec: StaffingSpec, *, observer: Observer | None = None) -> StaffingReport:
    """Required agents per interval from the measured volume, AHT and patience; with agent states, the staffed
    agents and the measured against the predicted service level (docs/staffing.md)."""
    with open_session(request.inputs, request.resolved(), resources=request.resources, observer=observer) as session:
        result = staffing_report(session, session.definitions, request.spec, spec)
    assert isinstance(result, StaffingReport)
    return result


def staffing_model(
    volume: float,
    interval: str | float,
    aht_seconds: float,
    *,
    model: str | None = None,
    threshold_seconds: float = 20.0,
    target: float = 0.8,
    patience_seconds: float | None = None,
    max_occupancy: float | None = None,
    max_abandon: float | None = None,
    max_asa_seconds: float | None = None,
    max_blocking: float | None = None,
    shrinkage: float = 0.0,
    agents: str | Sequence[int] | None = None,
) -> dict[str, Any]:
    """The model alone (no data): its measures at several agent counts and the requirement, as ``csmetrics
    staffing --volume ...`` prints them (docs/staffing.md). ``interval`` is seconds or a length such as ``30m``;
    ``model`` is erlang-c, erlang-a (needs ``patience_seconds``; the default when it is given) or erlang-b
    (lines for ``max_blocking``, default 0.01); ``agents`` a list or ``"11,12,13"`` / ``"10-16"``.
    A value out of range is a ConfigError (exit 2)."""
    model = model or ("erlang-a" if patience_seconds is not None else "erlang-c")
    _check_model(model, patience_seconds, max_blocking)
    if model != "erlang-a" and max_abandon is not None:
        msg = f"--max-abandon caps the abandonment of Erlang A; --model {model} has none: give --patience SECONDS"
        raise ConfigError(msg)
    try:
        seconds = parse_interval(interval)
        counts = parse_agents(agents) if isinstance(agents, str) else agents
        if model == "erlang-b":
            blocking = 0.01 if max_blocking is None else max_blocking
            return lines_table(volume, seconds, aht_seconds, blocking, shrinkage, counts)
        return staffing_table(
            volume,
            seconds,
            aht_seconds,
            threshold_seconds,
            target,
            patience_seconds=patience_seconds,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
            agents=counts,
            max_abandon=max_abandon,
            max_asa_seconds=max_asa_seconds,
        )
    except ValueError as e:
        raise ConfigError(f"staffing: {e}") from None


def _check_model(model: str, patience_seconds: float | None, max_blocking: float | None) -> None:
    if model not in ("erlang-c", "erlang-a", "erlang-b"):
        msg = f"--model must be one of erlang-c, erlang-a, erlang-b, got {model!r}"
        raise ConfigError(msg)
    if model == "erlang-a" and patience_seconds is None:
        msg = "--model erlang-a needs the mean patience: give --patience SECONDS"
        raise ConfigError(msg)
    if model != "erlang-a" and patience_seconds is not None:
        msg = f"--patience is the abandonment of Erlang A; --model {model} has none (drop --model or --patience)"
        raise ConfigError(msg)
    if model != "erlang-b" and max_blocking is not None:
        msg = "--max-blocking is the lost-contact target of Erlang B: add --model erlang-b"
        raise ConfigError(msg)


def report_with_charts(
    request: ReportRequest, *, targets: Sequence[Target] = (), observer: Observer | None = None
) -> ChartData:
    """The report of ``request`` with everything its HTML page and charts show (csmetrics.render.html): the
    whole period and the previous period of equal length without grouping, the chart series, and ``targets``
    evaluated on the whole period (those without a group filter) and on the report's rows."""
    from csmetrics.analysis.targets import evaluate
    from csmetrics.render.html.data import collect

    with open_session(request.inputs, request.resolved(), resources=request.resources, observer=observer) as session:
        result = run_report(session, session.definitions, request.spec)
        data = collect(session, session.definitions, request.spec, result)
    names = {m.name for m in result.metrics}
    shown = [t for t in targets if t.metric in names and all(k in result.group_keys for k, _ in t.where)]
    data.targets_not_shown = [
        f"{t.text} ({'no metric ' + t.metric if t.metric not in names else 'the report is not grouped by its groups'})"
        for t in targets
        if t not in shown
    ]
    data.tile_checks = evaluate([t for t in shown if not t.where], data.overall, allow_no_data=True).results
    data.row_checks = evaluate(shown, result, allow_no_data=True).results
    return data


PREVIEW_METRICS = ("offered", "answered", "abandoned", "abandon_rate", "service_level", "csat", "nps")
PREVIEW_MAX_ROWS = 1_000_000


def preview_mapping(
    path: Path, mapping_text: str, *, rows: int, sheet: str | int | None = None, text: TextFormat | None = None
) -> dict[str, Any]:
    """What a report over ``path`` read with the mapping ``mapping_text`` would say (``csmetrics inspect``):
    offered, answered, abandon rate, service level and the data-quality counts, under the mapping's own
    [definitions] and the defaults. A mapping that cannot be read gives ``{"error": ...}`` (what to edit);
    a file of more than PREVIEW_MAX_ROWS rows is not read again (``{"skipped": ...}``)."""
    if rows > PREVIEW_MAX_ROWS:
        return {"skipped": f"the file has {rows:,} rows; run csmetrics report FILE --mapping MAPPING to see them"}
    try:
        mapping = ColumnMapping.from_toml(mapping_text, "the starter mapping")
        request = ReportRequest(
            Inputs(interactions=(str(path),), mapping=mapping, sheet=sheet, text=text),
            definitions(mapping=mapping),
            metrics=PREVIEW_METRICS,
        )
        result = report(request)
    except CsMetricsError as e:
        return {"error": str(e)}
    quality = result.data_quality
    figures = result.rows.to_dicts()[0] if result.rows.height else dict.fromkeys(PREVIEW_METRICS)
    return {
        "rows": quality.get("rows_read", 0),
        **{name: figures.get(name) for name in PREVIEW_METRICS},
        "excluded_by_mapping": quality.get("excluded_by_mapping", 0),
        "duplicates_merged": quality.get("duplicates_merged", 0),
        "duplicates_superseded": quality.get("duplicates_superseded", 0),
        "rejected": quality.get("rejected", {}).get("total", 0),
        "rejected_by_reason": quality.get("rejected", {}).get("by_reason", {}),
    }


@dataclass(frozen=True)
class CompareRequest:
    """Two sides under the same definitions: ``before`` and ``after`` periods of the ``inputs`` (one input set),
    or of two input sets (``after_inputs`` given; a period left open is all the data of its side)."""

    inputs: Inputs
    before: Period = field(default_factory=Period)
    after: Period = field(default_factory=Period)
    after_inputs: Inputs | None = None  # None: both periods come from ``inputs``
    definitions: Definitions | None = None  # None: the defaults
    group_by: str | Sequence[str] | None = None
    metrics: Sequence[str] | None = None  # None: every metric with a [compare] table in its SQL file
    resources: Resources | None = None
    targets: Sequence[Target] = ()  # evaluated on both sides; each must name a metric and groups of the comparison
    config_targets: Sequence[Target] = ()  # from csmetrics.toml: those that apply are evaluated, others skipped

    @property
    def spec(self) -> CompareSpec:
        return CompareSpec(self.group_by, self.metrics, self.before, self.after)

    def resolved(self) -> Definitions:
        return self.definitions if self.definitions is not None else definitions()


def compare(request: CompareRequest, *, observer: Observer | None = None) -> CompareResult:
    """Compare the metrics of two periods (or two input sets): one row per group and metric, with the difference,
    its 95 % interval and p-value by the metric's declared method (docs/definitions.md, "Comparing periods")."""
    one_input_set = request.after_inputs is None
    spec = request.spec
    run.check_spec(load_registry(), spec, one_input_set=one_input_set)
    defs = request.resolved()
    options = {"resources": request.resources, "observer": observer}
    if one_input_set:
        with open_session(request.inputs, defs, **options) as session:
            before = run.measure(session, session.definitions, spec, spec.before)
            after = run.measure(session, session.definitions, spec, spec.after)
            registry, used = session.registry, session.definitions
    else:
        assert request.after_inputs is not None
        used = effective_definitions(request.inputs, defs)
        run.check_same_definitions(used, effective_definitions(request.after_inputs, defs))
        with open_session(request.inputs, defs, **options) as session:
            before = run.measure(session, session.definitions, spec, spec.before)
        with open_session(request.after_inputs, defs, **options) as session:
            after = run.measure(session, session.definitions, spec, spec.after)
            registry = session.registry
    result = run.combine(registry, before, after, used)
    _compare_targets(result, request)
    return result


def _compare_targets(result: CompareResult, request: CompareRequest) -> None:
    """Both sides' verdicts on the targets (explicit ones must apply; configured ones are used where they apply)."""
    explicit = list(request.targets)
    validate(explicit, result.before)
    names, keys = {m.name for m in result.metrics}, set(result.group_keys)
    chosen = explicit or [t for t in request.config_targets if t.metric in names and all(k in keys for k, _ in t.where)]
    if chosen:
        before = evaluate(chosen, result.before, allow_no_data=True).results
        after = evaluate(chosen, result.after, allow_no_data=True).results
        result.with_targets(before, after)


__all__ = [
    "CompareRequest",
    "Inputs",
    "Observer",
    "Report",
    "ReportRequest",
    "Resources",
    "StaffingReport",
    "StaffingSpec",
    "compare",
    "definitions",
    "fcr_windows",
    "open_session",
    "opening_hours",
    "report",
    "report_with_charts",
    "staffing",
    "staffing_model",
]
