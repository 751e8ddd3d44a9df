"""The report header: facts a disclosure needs that no input file contains.

The reporting entity, its consolidation approach, the boundary statements, the base year and
recalculation policy, the designated preparer, reviewer and approver, the grid mix behind the
energy-mix split, the training compute of runs and the reasons why a checklist item does not
apply. Each field is checked on entry and stored in the project (``report_info``), so it is part
of the project state that sign-offs approve. Every change is one transaction with an audit entry.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Callable

from workbench.engine.periods import parse_period
from workbench.errors import UsageError
from workbench.ingest.common import resolve_timezone
from workbench.project import disclosure_repo
from workbench.project.store import Project
from workbench.reports.checklist import STATED_NOT_APPLICABLE

log = logging.getLogger(__name__)

CONSOLIDATION_APPROACHES = ("equity_share", "financial_control", "operational_control")
MIX_PARTS = ("fossil", "nuclear", "renewable")
# Prefixes of keys that carry a name after the dot: a checklist item, a grid zone or a run.
NOT_APPLICABLE = "not_applicable"
GRID_MIX = "grid_mix"
RUN_FLOP = "run_flop"
RUN_HARDWARE = "run_hardware"
# Shares of a grid mix may miss 1 by this much from rounding in the published source.
MIX_TOLERANCE = 0.005


@dataclass(frozen=True)
class Field:
    """One header field: its label, the checklist items it serves and how its value is checked."""

    key: str
    label: str
    items: tuple[int, ...]
    kind: str = "text"  # text, choice, period, timezone, number
    choices: tuple[str, ...] = ()
    help: str = ""


FIELDS: dict[str, Field] = {field.key: field for field in (
    Field("reporting_entity", "Reporting entity", (1,), help="legal name of the organisation reporting"),
    Field("consolidation_approach", "Consolidation approach", (1,), "choice", CONSOLIDATION_APPROACHES,
          help="equity share, financial control or operational control (GHG Protocol Corporate Standard)"),
    Field("reporting_period", "Reporting period of the inventory", (2,), "period",
          help="a year (2025), a month or START/END; empty means the year of the latest data"),
    Field("timezone", "Local time zone", (2,), "timezone",
          help="IANA zone the organisation reports in; the report gives every time in UTC as well"),
    Field("operational_boundary", "Operational boundary", (3,),
          help="facilities, clusters and cloud accounts included"),
    Field("exclusions", "Exclusions", (3,), help="what is excluded, why, and its estimated size; 'none' if nothing"),
    Field("run_boundary", "Boundary of the run footprints", (4,),
          help="final training run only, or including experiments, failed runs, evaluation, data processing, "
               "idle reserved capacity, storage and networking"),
    Field("scope3_exclusions", "Scope 3 categories excluded", (8,),
          help="the Scope 3 categories not reported, each with its justification"),
    Field("base_year", "Base year", (19,), help="the base year, or why there is none yet"),
    Field("recalculation_policy", "Base-year recalculation policy", (19,),
          help="when the base year is recalculated (structural changes, method changes, errors above a threshold)"),
    Field("restatements", "Restatements", (19,), help="restatements of earlier figures with reasons; 'none' if none"),
    Field("preparer", "Preparer", (24,), help="person designated to prepare the report"),
    Field("reviewer", "Reviewer", (24,), help="person designated to review the report"),
    Field("approver", "Approver", (24,), help="person designated to approve the report"),
    Field("assurance", "Verification statement", (24,),
          help="assurance level, verifier and standard (e.g. limited assurance, ISAE 3410), if any"),
    Field("net_revenue", "Net revenue", (13,), "number", help="net revenue of the reporting period, for ESRS "
                                                              "intensity per net revenue"),
    Field("net_revenue_unit", "Unit of net revenue", (13,), help="currency and scale, e.g. EUR million"),
    Field("grid_mix_source", "Source of the grid mixes", (11,), help="publication the grid-mix shares come from"),
)}


@dataclass(frozen=True)
class ReportInfo:
    """The stored header fields, read once for a report."""

    values: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value in (None, "") else value

    def not_applicable(self, item: int) -> str | None:
        """Return the stated reason why checklist item ``item`` does not apply, if any."""
        return self.values.get(f"{NOT_APPLICABLE}.{item}")

    def grid_mix(self) -> dict[str, dict[str, float]]:
        """Return the stated grid mix per zone: shares of fossil, nuclear and renewable generation."""
        prefix = f"{GRID_MIX}."
        return {key[len(prefix):]: value for key, value in self.values.items() if key.startswith(prefix)}

    def run_flop(self) -> dict[str, float]:
        """Return the stated training compute per run, in FLOP."""
        prefix = f"{RUN_FLOP}."
        return {key[len(prefix):]: float(value) for key, value in self.values.items() if key.startswith(prefix)}

    def run_hardware(self) -> dict[str, str]:
        """Return the stated hardware per run (for runs whose telemetry names no accelerator model)."""
        prefix = f"{RUN_HARDWARE}."
        return {key[len(prefix):]: str(value) for key, value in self.values.items() if key.startswith(prefix)}


def read(project: Project) -> ReportInfo:
    """Return the project's report header fields."""
    return ReportInfo(disclosure_repo.report_info(project.conn))


def set_fields(project: Project, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Check and store header fields; a value of None or "" removes the field.

    Keys are the names in :data:`FIELDS`, ``not_applicable.N`` (N a checklist item, value the
    reason), ``grid_mix.ZONE`` (value {fossil, nuclear, renewable} shares adding to 1),
    ``run_flop.RUN`` (training compute in FLOP) and ``run_hardware.RUN`` (accelerators, e.g.
    "8 x NVIDIA A100"). Returns one record per changed field; raises
    UsageError naming the first invalid key or value.
    """
    checked = {key: check_value(key, value) for key, value in values.items()}
    current = read(project).values
    changes = [{"key": key, "old": current.get(key), "new": value}
               for key, value in checked.items() if current.get(key) != value]
    if not changes:
        return []
    with project.transaction():
        for change in changes:
            disclosure_repo.set_report_info(project.conn, change["key"], change["new"], project.actor)
        project.log("set_report_info", "report_info", {"changes": changes})
    log.info("report header: %s", ", ".join(change["key"] for change in changes))
    return changes


def check_value(key: str, value: Any) -> Any:
    """Return ``value`` in the form stored for ``key``; None means remove. Raises UsageError if invalid."""
    if value is None or (isinstance(value, str) and not value.strip()):
        _check_key(key)
        return None
    prefix, _, name = key.partition(".")
    if name:
        return _PATTERN_CHECKS.get(prefix, _unknown_key)(key, name, value)
    field = FIELDS.get(key)
    if field is None:
        _unknown_key(key, "", value)
    return _FIELD_CHECKS[field.kind](field, value)


def _check_key(key: str) -> None:
    prefix, _, name = key.partition(".")
    if key not in FIELDS and not (name and prefix in _PATTERN_CHECKS):
        _unknown_key(key, "", None)


def _unknown_key(key: str, name: str, value: Any) -> Any:
    raise UsageError(f"unknown report header field '{key}'",
                     hint=f"Fields: {', '.join(FIELDS)}, {NOT_APPLICABLE}.ITEM, {GRID_MIX}.ZONE, {RUN_FLOP}.RUN, "
                          f"{RUN_HARDWARE}.RUN.")


def _text(field: Field, value: Any) -> str:
    return str(value).strip()


def _choice(field: Field, value: Any) -> str:
    text = str(value).strip().replace("-", "_").lower()
    if text not in field.choices:
        raise UsageError(f"{field.label} must be one of {', '.join(field.choices)}, not '{value}'")
    return text


def _period(field: Field, value: Any) -> str:
    text = str(value).strip()
    parse_period(text)
    return text


def _timezone(field: Field, value: Any) -> str:
    text = str(value).strip()
    resolve_timezone(text)
    return text


def _number(field: Field, value: Any) -> float:
    return _positive(field.label, value)


def _positive(label: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{label} must be a number, not '{value}'") from None
    if not math.isfinite(number) or number <= 0:
        raise UsageError(f"{label} must be a positive number, not '{value}'")
    return number


def _not_applicable(key: str, item: str, value: Any) -> str:
    if not item.isdigit() or int(item) not in STATED_NOT_APPLICABLE:
        raise UsageError(f"'{key}' names no checklist item that can be stated not applicable",
                         hint=f"Items that may not apply: {', '.join(map(str, sorted(STATED_NOT_APPLICABLE)))}.")
    return str(value).strip()


def _grid_mix(key: str, zone: str, value: Any) -> dict[str, float]:
    """Accept {fossil, nuclear, renewable} or 'F/N/R' text; the shares must add up to 1."""
    if isinstance(value, str):
        parts = value.replace(",", "/").split("/")
        if len(parts) != len(MIX_PARTS):
            raise UsageError(f"grid mix of {zone} must be FOSSIL/NUCLEAR/RENEWABLE shares, not '{value}'",
                             hint="Write for example 0.08/0.68/0.24.")
        value = dict(zip(MIX_PARTS, parts))
    try:
        shares = {part: float(value[part]) for part in MIX_PARTS}
    except (KeyError, TypeError, ValueError):
        raise UsageError(f"grid mix of {zone} needs numeric shares of {', '.join(MIX_PARTS)}, not '{value}'") from None
    if any(share < 0 or share > 1 for share in shares.values()):
        raise UsageError(f"grid mix of {zone}: each share must lie between 0 and 1, not {shares}")
    if abs(sum(shares.values()) - 1.0) > MIX_TOLERANCE:
        raise UsageError(f"grid mix of {zone}: the shares add up to {sum(shares.values()):g}, not 1")
    return shares


def _run_flop(key: str, run: str, value: Any) -> float:
    return _positive(f"training compute of run {run}", value)


def _run_hardware(key: str, run: str, value: Any) -> str:
    return str(value).strip()


_FIELD_CHECKS: dict[str, Callable[[Field, Any], Any]] = {
    "text": _text, "choice": _choice, "period": _period, "timezone": _timezone, "number": _number}
_PATTERN_CHECKS: dict[str, Callable[[str, str, Any], Any]] = {
    NOT_APPLICABLE: _not_applicable, GRID_MIX: _grid_mix, RUN_FLOP: _run_flop, RUN_HARDWARE: _run_hardware}
