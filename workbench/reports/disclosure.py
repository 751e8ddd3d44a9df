"""The disclosure model: everything a report shows, as plain data, built once per export.

``workbench.services.disclosure`` fills a :class:`Disclosure` from the project and the engine.
The workbook, PDF and JSON writers only lay it out, so every format shows the same figures.
The inventory (GHG Protocol scopes of a reporting period) and the footprint (SCI-style, per run
and model) are kept in separate sections and never added together.

Uncertainty and the comparison of assumption sets enter as :class:`UncertaintySummary` and
:class:`ComparisonSummary`, which ``workbench.services.disclosure_uncertainty`` and
``workbench.services.disclosure_comparison`` fill from the Monte Carlo analysis. When a report
includes the reduction planner's results, ``workbench.services.disclosure_plan`` fills
:class:`AvoidedEmissionsSection`: avoided emissions, shown apart from every total and never
netted against one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd

DRAFT_NOTICE = "DRAFT: not for disclosure"
# Sections of a report: sheet names of the workbook and headings of the PDF (a sheet name has at most
# 31 characters).
COVER, SUMMARY, ENERGY, SITE_ENERGY, RUNS = "Cover and sign-off", "Summary", "Energy", "Site energy", "Runs"
ASSETS, SCOPE1, MARKETS, FACTORS = "Assets and embodied", "Scope 1", "Markets and instruments", "Factors"
ASSUMPTIONS, UNCERTAINTY, COMPARISON, QUALITY = "Assumptions", "Uncertainty", "Comparison", "Data quality"
SOURCES, REJECTED, AUDIT, METHODOLOGY = "Sources and evidence", "Rejected rows", "Audit log", "Methodology"
CHECKLIST, ESRS_E15, ESRS_E16, AI_ACT = "Checklist", "ESRS E1-5", "ESRS E1-6", "AI Act training energy"
ENGINE_CHECK, MANIFEST = "Engine check", "Manifest"
AVOIDED = "Avoided emissions"
# The totals avoided emissions are set beside, by the key of AvoidedEmissionsSection.reference.
REFERENCE_LABELS = {"footprint_total_co2e_kg": "Footprint total of the runs",
                    "inventory_total_market_based_co2e_kg": "Inventory total, market-based Scope 2",
                    "inventory_total_location_based_co2e_kg": "Inventory total, location-based Scope 2"}
# Data-quality ranking by the 95 % half-width in percent: up to 5 % High, 15 % Good, 30 % Fair, beyond
# that Poor. NOTE: the bands follow the GHG Protocol's uncertainty guidance as recalled, not checked
# against the published text.
RANKING = ((5.0, "High"), (15.0, "Good"), (30.0, "Fair"))
PRESENT, MISSING, NOT_APPLICABLE = "present", "missing", "not applicable"
FOOTPRINT_VIEW_TEXT = ("footprint of runs and models: location-based operational emissions plus embodied "
                       "hardware emissions amortized SCI-style (ISO/IEC 21031:2024); not an inventory")
INVENTORY_VIEW_TEXT = ("inventory of the reporting period: GHG Protocol Corporate Standard scopes, Scope 2 "
                       "location- and market-based, capital goods in full in the year acquired")


@dataclass(frozen=True)
class Header:
    """Report header: the stored header fields plus the export's own facts."""

    project_name: str
    assumption_set: str
    exported_at: str
    draft: bool
    software_version: str
    period_label: str
    period_start_utc: str
    period_end_utc: str
    info: dict[str, Any]

    @property
    def title(self) -> str:
        return f"Carbon disclosure of AI training: {self.project_name}"

    @property
    def entity(self) -> str | None:
        return self.info.get("reporting_entity")

    def field(self, key: str, default: str = "(not stated)") -> Any:
        value = self.info.get(key)
        return default if value in (None, "") else value


@dataclass(frozen=True)
class SignoffLine:
    """One sign-off stage as the report shows it."""

    stage: str
    name: str
    role: str | None
    signed_at: str
    state_sha256: str
    current: bool
    signed: bool
    signer: str | None
    signature_ok: bool | None

    @property
    def status(self) -> str:
        return "matches the reported state" if self.current else "changed since approval"


@dataclass(frozen=True)
class ChecklistItem:
    """One required disclosure: its status and where the report shows it.

    ``detail`` describes what is shown, or why the item is missing or does not apply.
    """

    id: int
    section: str
    text: str
    status: str
    detail: str
    shown_in: tuple[str, ...] = ()

    @property
    def open(self) -> bool:
        return self.status == MISSING


@dataclass(frozen=True)
class UncertainFigure:
    """A reported figure with its 95 % interval (IPCC convention: U% is the half-width over the mean).

    ``value`` is the reported figure; ``mean``, ``median``, ``sd`` and the intervals are statistics of
    the Monte Carlo trials: ``low``/``high`` the probabilistically symmetric interval (2.5th and 97.5th
    percentiles) and ``shortest_low``/``shortest_high`` the shortest one, which differs for skewed
    outputs. ``approach1_u95_pct`` is the analytic (IPCC Approach 1) half-width, shown for comparison.
    """

    key: str
    label: str
    view: str
    unit: str
    value: float
    mean: float | None
    low: float | None
    high: float | None
    median: float | None = None
    sd: float | None = None
    shortest_low: float | None = None
    shortest_high: float | None = None
    approach1_u95_pct: float | None = None

    @property
    def u95_pct(self) -> float | None:
        if self.low is None or self.high is None or not self.mean:
            return None
        return (self.high - self.low) / 2.0 / abs(self.mean) * 100.0


@dataclass(frozen=True)
class Contributor:
    """An input's first-order share of the variance of one reported figure."""

    input: str
    figure: str
    view: str
    variance_share: float


@dataclass(frozen=True)
class Simulation:
    """One seeded Monte Carlo run of one view: its trial plan, its convergence and what it was computed from.

    ``inputs_sha256`` hashes the assumption set, its distributions, the view, the period, the seed,
    the trial plan and the software version; ``distributions_sha256`` hashes the distributions alone.
    """

    view: str
    period: str | None
    seed: int
    trials: int
    batches: int
    batch_size: int
    adaptive: bool
    converged: bool | None
    ndig: int | None
    explicit_inputs: int
    pooled_families: int
    distributions_sha256: str
    inputs_sha256: str

    @property
    def convergence(self) -> str:
        if not self.adaptive:
            return "fixed number of trials"
        return "converged" if self.converged else "not converged"


@dataclass(frozen=True)
class InputUncertainty:
    """One uncertain input of the analysis, or a pooled family of many small ones (``members`` > 1)."""

    view: str
    name: str
    label: str
    key: str
    distribution: str
    u95_pct: float | None
    basis: str
    origin: str
    members: int = 1


@dataclass(frozen=True)
class UncertaintySummary:
    """Parameter uncertainty of the reported figures.

    ``method`` names the propagation; ``simulations`` lists the Monte Carlo run of each view with
    its seed, trials and convergence. ``distributions`` contains the distributions the assumption set
    stores or inherits, by key (every other input takes its default). ``computed`` False means no
    analysis was run, and ``notes`` gives the reason.
    """

    computed: bool
    method: str
    coverage: float = 0.95
    seed: int | None = None
    simulations: tuple[Simulation, ...] = ()
    figures: tuple[UncertainFigure, ...] = ()
    contributors: tuple[Contributor, ...] = ()
    inputs: tuple[InputUncertainty, ...] = ()
    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @classmethod
    def not_computed(cls, reason: str) -> "UncertaintySummary":
        return cls(computed=False, method="not computed", notes=(reason,))

    @property
    def monte_carlo(self) -> bool:
        return self.computed and bool(self.simulations)

    @property
    def trials(self) -> int | None:
        """Trials drawn over every view (None without Monte Carlo)."""
        return sum(item.trials for item in self.simulations) if self.simulations else None

    @property
    def converged(self) -> bool | None:
        """Whether every adaptive run converged (None without Monte Carlo)."""
        return all(item.converged is not False for item in self.simulations) if self.simulations else None

    def figure(self, key: str) -> UncertainFigure | None:
        return next((item for item in self.figures if item.key == key), None)

    def describe_runs(self) -> str:
        """Return the trials, convergence and seed of each view's run as one line of text."""
        runs = [f"{item.view}: {item.trials:,} trials, {item.convergence}" for item in self.simulations]
        return f"{'; '.join(runs)}; seed {self.seed}" if runs else "no Monte Carlo run"


@dataclass(frozen=True)
class SetResult:
    """Headline figures of one assumption set, per view."""

    name: str
    assumption_set_sha256: str
    footprint: dict[str, float]
    inventory: dict[str, float]
    distributions_sha256: str | None = None


@dataclass(frozen=True)
class SetDelta:
    """The difference B minus A of one figure between two assumption sets.

    ``low``/``high`` is the 95 % interval of the difference with common random numbers (the
    uncertainty both sets share cancels), ``independent_low``/``independent_high`` the same from
    independent draws for comparison, and ``probability_b_below_a`` the share of trials in which B
    is lower. They are None when no Monte Carlo comparison was run.
    """

    set_a: str
    set_b: str
    view: str
    figure: str
    a: float
    b: float
    low: float | None = None
    high: float | None = None
    probability_b_below_a: float | None = None
    independent_low: float | None = None
    independent_high: float | None = None

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass(frozen=True)
class DeltaPart:
    """The share of a difference between sets caused by one assumption.

    ``contribution`` is the assumption's Shapley value (the shares add up to the difference);
    ``switched_alone`` is the change when only this assumption takes set B's value.
    """

    set_b: str
    assumption: str
    view: str
    figure: str
    contribution: float
    switched_alone: float | None = None


@dataclass(frozen=True)
class ComparisonSummary:
    """Scenario uncertainty: the reported figures under every assumption set of the project."""

    reference_set: str
    method: str
    sets: tuple[SetResult, ...] = ()
    deltas: tuple[SetDelta, ...] = ()
    decomposition: tuple[DeltaPart, ...] = ()
    differing_values: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    seed: int | None = None
    trials: int | None = None


@dataclass(frozen=True)
class AvoidedLever:
    """One reduction lever's avoided emissions (without the lever minus with it), ranked by ``avoided_co2e_kg``.

    ``avoided_co2e_kg`` is the engine's exact difference. ``mean``, ``low`` and ``high`` are the
    Monte Carlo mean and 95 % interval with common random numbers. ``probability_saves`` is the
    share of trials in which the lever lowers the figure. ``reference_output`` names the total the
    lever is measured on (the footprint total, or the market-based inventory total for clean
    procurement), and ``share_of_reference`` is the avoided emissions over that total. The
    ``marginal_*`` figures value the same change with marginal intensities, where a marginal
    series covers it. ``assumption_set_sha256`` and ``distributions_sha256`` hash the lever set's
    values and distributions, so verification can name a lever set that changed.
    """

    rank: int
    set_name: str
    kind: str
    label: str
    view: str
    parent_set: str | None
    parameters: dict[str, Any]
    reference_output: str
    reference_co2e_kg: float
    avoided_co2e_kg: float
    mean_co2e_kg: float
    low_co2e_kg: float
    high_co2e_kg: float
    probability_saves: float
    share_of_reference: float | None
    marginal_co2e_kg: float | None = None
    marginal_low_co2e_kg: float | None = None
    marginal_high_co2e_kg: float | None = None
    depends_on: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    assumption_set_sha256: str = ""
    distributions_sha256: str = ""


@dataclass(frozen=True)
class Narrative:
    """A statement stored with the project and printed beside the avoided emissions."""

    topic: str
    heading: str
    text: str


@dataclass(frozen=True)
class AvoidedEmissionsSection:
    """Avoided emissions of the reduction planner's levers (METHODOLOGY item 9: shown apart, never netted).

    No figure of this section enters any total of the report. ``seed`` and ``trials`` are those of
    the Monte Carlo run of each lever. ``period`` limits the footprints (None: whole run windows).
    ``inventory_period`` is the period of the procurement levers' inventory, None when no lever is
    measured on the inventory. Both periods have ``label``, ``start_utc`` and ``end_utc``.
    """

    assumption_set: str
    method: str
    seed: int
    trials: int
    period: dict[str, Any] | None
    inventory_period: dict[str, Any] | None
    reference: dict[str, float]
    levers: tuple[AvoidedLever, ...]
    narratives: tuple[Narrative, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """The hashes that tie a report to its inputs, state, assumption set and software."""

    project_state_sha256: str
    assumption_set_sha256: str
    input_bundle_sha256: str
    engine_sha256: str
    audit_log_head: str
    audit_log_entries: int


@dataclass(frozen=True)
class Disclosure:
    """Everything a report shows.

    ``footprint`` and ``inventory`` are the compute services' JSON objects (see
    ``ComputeOutcome.as_json`` and ``InventoryOutcome.as_json``). ``energy_rows`` has one row per
    run and UTC hour with the energy chain's inputs; ``site_rows`` one row per site and UTC hour
    of the reporting period; ``embodied_rows`` one row per run and asset it draws on. The other
    tables are lists of records. ``avoided`` is None unless the report includes the reduction plan.
    """

    header: Header
    footprint: dict[str, Any]
    inventory: dict[str, Any]
    assumptions: list[dict[str, Any]]
    assumption_sets: list[dict[str, Any]]
    set_values: dict[str, dict[str, Any]]
    energy_rows: pd.DataFrame
    site_rows: pd.DataFrame
    embodied_rows: pd.DataFrame
    assets: list[dict[str, Any]]
    factors: list[dict[str, Any]]
    instruments: list[dict[str, Any]]
    runs_info: list[dict[str, Any]]
    sampling: list[dict[str, Any]]
    uncertainty: UncertaintySummary
    comparison: ComparisonSummary
    sources: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    rejected_total: int
    audit: list[dict[str, Any]]
    signoffs: tuple[SignoffLine, ...]
    evidence: Evidence
    hourly: pd.DataFrame
    signed: bool = False
    checklist: tuple[ChecklistItem, ...] = ()
    manifest: dict[str, Any] = field(default_factory=dict)
    avoided: AvoidedEmissionsSection | None = None

    @property
    def title(self) -> str:
        return self.header.title

    @property
    def draft(self) -> bool:
        return self.header.draft

    @property
    def open_items(self) -> tuple[ChecklistItem, ...]:
        return tuple(item for item in self.checklist if item.open)

    def with_checklist(self, checklist: tuple[ChecklistItem, ...]) -> "Disclosure":
        return replace(self, checklist=checklist)

    def with_manifest(self, manifest: dict[str, Any]) -> "Disclosure":
        return replace(self, manifest=manifest)


def quality_ranking(u95_pct: float | None) -> str | None:
    """Return High, Good, Fair or Poor for a 95 % half-width in percent (None and NaN are not ranked).

    The half-width is ranked as reports show it, to one decimal, so ±5.0 % is High even when the
    unrounded value is 5.000000000000004.
    """
    if u95_pct is None or not math.isfinite(u95_pct):
        return None
    shown = round(u95_pct, 1)
    for limit, name in RANKING:
        if shown <= limit:
            return name
    return "Poor"


def as_plain(value: Any) -> Any:
    """Return dataclasses of this module as dicts, for JSON and manifests."""
    return asdict(value)
