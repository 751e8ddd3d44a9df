"""Reconciliation findings: where two figures that should agree do not.

* metered vs telemetry energy of a site over the hours a facility meter covers: the implied
  overhead (meter / runs' node energy) and the energy no run accounts for;
* a total against the sum of its rows;
* a published total that its listed rows do not reach;
* two sources stating the same quantity and disagreeing.

Each check returns a :class:`Finding` whose severity is ``ok``, ``info``, ``warning`` or
``error``; checks never change the figures they compare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

SEVERITIES = ("ok", "info", "warning", "error")


@dataclass(frozen=True)
class Finding:
    """One reconciliation result: what was compared, how it came out and the figures behind it."""

    check: str
    severity: str
    subject: str
    message: str
    values: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"check": self.check, "severity": self.severity, "subject": self.subject, "message": self.message,
                "values": dict(self.values)}


def metered_vs_telemetry(site: str, period: str, metered_facility_kwh: float, runs_node_kwh: float,
                         runs_facility_kwh: float, tolerance_rel: float = 0.02) -> Finding:
    """Compare a site's facility meter with its runs' energy over the hours the meter covers.

    ``metered / runs_node`` is the implied overhead: PUE divided by the share of the site the
    runs use. ``metered - runs_facility`` is energy no run accounts for (idle, non-AI loads). Runs whose facility energy exceeds the meter by more than the tolerance point to
    double-counted telemetry, a wrong PUE or a meter that misses part of the site.
    """
    values = {"metered_facility_kwh": metered_facility_kwh, "runs_node_kwh": runs_node_kwh,
              "runs_facility_kwh": runs_facility_kwh, "unallocated_kwh": metered_facility_kwh - runs_facility_kwh}
    subject = f"site {site}, {period}"
    if metered_facility_kwh <= 0 or runs_node_kwh <= 0:
        return Finding("metered_vs_telemetry", "info", subject,
                       "no overlap of facility meter readings and run telemetry to compare", values)
    values["implied_overhead"] = metered_facility_kwh / runs_node_kwh
    values["runs_share_of_metered"] = runs_facility_kwh / metered_facility_kwh
    if runs_facility_kwh > metered_facility_kwh * (1.0 + tolerance_rel):
        return Finding("metered_vs_telemetry", "error", subject,
                       f"the runs' facility energy ({runs_facility_kwh:,.6g} kWh) exceeds the facility meter "
                       f"({metered_facility_kwh:,.6g} kWh) over the same hours; check for double-counted telemetry, "
                       "the PUE and the meter's coverage", values)
    return Finding("metered_vs_telemetry", "info", subject,
                   f"the facility meter is {values['implied_overhead']:.3g} times the runs' node energy; "
                   f"{values['unallocated_kwh']:,.6g} kWh ({1 - values['runs_share_of_metered']:.1%}) is not "
                   "attributed to any run (idle machines, non-AI loads, overhead)", values)


def totals_vs_rows(subject: str, total: float, rows: Mapping[str, float], tolerance_rel: float = 1e-9,
                   tolerance_abs: float = 1e-9) -> Finding:
    """Check that ``total`` equals the sum of ``rows``."""
    summed = float(sum(rows.values()))
    gap = total - summed
    values = {"total": total, "sum_of_rows": summed, "gap": gap}
    if abs(gap) <= max(tolerance_abs, tolerance_rel * abs(total)):
        return Finding("totals_vs_rows", "ok", subject, "the total equals the sum of its rows", values)
    return Finding("totals_vs_rows", "error", subject,
                   f"the total {total:,.6g} differs from the sum of its {len(rows)} rows {summed:,.6g} by {gap:,.6g}",
                   values)


def published_total_gap(subject: str, rows: Mapping[str, float], published_total: float, unit: str,
                        tolerance_rel: float = 0.01) -> Finding:
    """Check whether listed rows reach a published total; report the gap instead of hiding it."""
    summed = float(sum(rows.values()))
    gap = published_total - summed
    values = {"published_total": published_total, "sum_of_rows": summed, "gap": gap,
              "gap_share": gap / published_total if published_total else 0.0}
    if abs(gap) <= tolerance_rel * abs(published_total):
        return Finding("published_total_gap", "ok", subject,
                       f"the {len(rows)} listed rows reach the published total", values)
    direction = "below" if gap > 0 else "above"
    return Finding("published_total_gap", "warning", subject,
                   f"the {len(rows)} listed rows sum to {summed:,.6g} {unit}, {abs(gap):,.6g} {unit} "
                   f"({abs(values['gap_share']):.1%}) {direction} the published total of {published_total:,.6g} "
                   f"{unit}; the published total includes something the rows do not list", values)


def sources_disagree(subject: str, quantity: str, by_source: Mapping[str, float], unit: str,
                     tolerance_rel: float = 0.05) -> Finding:
    """Compare two or more sources stating the same quantity; the spread is relative to their mean."""
    values = {f"{source}": float(value) for source, value in by_source.items()}
    figures = list(values.values())
    if len(figures) < 2:
        return Finding("sources_disagree", "ok", subject, f"only one source states the {quantity}", values)
    mean = sum(figures) / len(figures)
    spread = (max(figures) - min(figures)) / mean if mean else 0.0
    values["relative_spread"] = spread
    listing = ", ".join(f"{source} {value:,.6g} {unit}" for source, value in by_source.items())
    if spread <= tolerance_rel:
        return Finding("sources_disagree", "ok", subject,
                       f"{len(figures)} sources agree on the {quantity} within {tolerance_rel:.0%}: {listing}", values)
    return Finding("sources_disagree", "warning", subject,
                   f"{len(figures)} sources disagree on the {quantity} by {spread:.1%}: {listing}", values)
