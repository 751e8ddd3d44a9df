"""Reconciliation findings for a project's footprint and inventory results."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from workbench.engine import reconcile
from workbench.engine.declared import declared_energy_kwh
from workbench.engine.footprint import FootprintResult
from workbench.engine.inventory import InventoryResult
from workbench.engine.runs import with_window_hours

if TYPE_CHECKING:
    from workbench.services.compute import FootprintModel

log = logging.getLogger(__name__)

TOLERANCE_SOURCES = 0.05


def footprint_findings(model: "FootprintModel", result: FootprintResult) -> list[reconcile.Finding]:
    """Check totals against rows, sources against each other and models against published totals."""
    rows = {run.name: float(value) for run, value in zip(result.inputs, result.columns["total_co2e_kg"])}
    findings = [reconcile.totals_vs_rows("footprint total", result.totals["total_co2e_kg"], rows)]
    names = {run.name for run in result.inputs}
    findings += _overlapping_sources(model, names)
    findings += _declared_vs_telemetry(model, result)
    findings += _published_totals(model, result)
    return findings


def _overlapping_sources(model: "FootprintModel", names: set[str]) -> list[reconcile.Finding]:
    """Runs whose energy at one level comes from two sources that cover the same hours and hardware.

    Sources overlap when their hour ranges meet and they share a device, or one of them states
    run-level energy without devices (CodeCarbon). Both are added in the footprint, so an
    overlap double counts unless the two measure different hardware.
    """
    findings = []
    frame = model.energy_by_source
    if frame.empty:
        return findings
    for (run, level), rows in frame[frame["run"].isin(names)].groupby(["run", "level"]):
        items = list(rows.itertuples(index=False))
        overlapping = {}
        for first in range(len(items)):
            for second in range(first + 1, len(items)):
                if _overlap(items[first], items[second]):
                    for item in (items[first], items[second]):
                        overlapping[f"{item.source} ({item.kind})"] = float(item.energy_kwh)
        if not overlapping:
            continue
        finding = reconcile.sources_disagree(f"run {run}", f"{level} energy", overlapping, "kWh", TOLERANCE_SOURCES)
        note = (" The sources cover the same hours and hardware and both are added in the footprint; remove one "
                "import to avoid double counting.")
        findings.append(reconcile.Finding(finding.check, "warning", finding.subject, finding.message + note,
                                          finding.values))
    return findings


def _overlap(first, second) -> bool:
    if first.first_hour > second.last_hour or second.first_hour > first.last_hour:
        return False
    devices_first = set(filter(None, str(first.devices).split(",")))
    devices_second = set(filter(None, str(second.devices).split(",")))
    if not devices_first or not devices_second:
        return True
    return bool(devices_first & devices_second)


def _declared_vs_telemetry(model: "FootprintModel", result: FootprintResult) -> list[reconcile.Finding]:
    findings = []
    levels = {"gpu_board": "gpu_energy_kwh", "node": "node_energy_kwh", "facility": "facility_energy_kwh"}
    for index, run in enumerate(result.inputs):
        declaration = model.declarations.get(run.run_id)
        if declaration is None or run.declared is not None:
            continue
        stated, _ = declared_energy_kwh(with_window_hours(declaration, run.start_s, run.end_s), result.assumptions)
        measured = float(result.columns[levels[declaration.level]][index])
        findings.append(reconcile.sources_disagree(
            f"run {run.name}", f"{declaration.level} energy", {"declared": stated, "telemetry": measured}, "kWh",
            TOLERANCE_SOURCES))
    return findings


def _published_totals(model: "FootprintModel", result: FootprintResult) -> list[reconcile.Finding]:
    findings = []
    models = np.array([run.model or "" for run in result.inputs], dtype=object)
    for row in model.published_totals.itertuples(index=False):
        chosen = models == row.model
        if not chosen.any():
            continue
        names = [run.name for run, keep in zip(result.inputs, chosen) if keep]
        if row.co2e_kg is not None and not np.isnan(row.co2e_kg):
            values = dict(zip(names, result.columns["operational_co2e_kg"][chosen].tolist()))
            findings.append(reconcile.published_total_gap(
                f"model {row.model}: operational emissions against {row.source_text}", values, row.co2e_kg, "kg"))
        if row.accelerator_hours is not None and not np.isnan(row.accelerator_hours):
            values = dict(zip(names, np.nan_to_num(result.columns["accelerator_hours"][chosen]).tolist()))
            findings.append(reconcile.published_total_gap(
                f"model {row.model}: accelerator-hours against {row.source_text}", values, row.accelerator_hours,
                "accelerator-h"))
    return findings


def inventory_findings(result: InventoryResult) -> list[reconcile.Finding]:
    """Check the inventory's totals against their rows and each site's meter against its runs."""
    t = result.totals
    scope2_sites = {site.site: site.co2e_kg for site in result.sites if site.boundary != "cloud"}
    findings = [
        reconcile.totals_vs_rows("Scope 2 location-based", t["scope2_location_co2e_kg"], scope2_sites),
        reconcile.totals_vs_rows("Scope 2 market-based", t["scope2_market_co2e_kg"],
                                 {market.market: market.co2e_kg for market in result.market.markets}),
        reconcile.totals_vs_rows("total, location-based", t["total_location_based_co2e_kg"],
                                 {"scope 1": t["scope1_co2e_kg"], "scope 2": t["scope2_location_co2e_kg"],
                                  "scope 3": t["scope3_co2e_kg"]}),
        reconcile.totals_vs_rows("Scope 1", t["scope1_co2e_kg"],
                                 {str(line.activity_id): line.co2e_kg for line in result.scope1.lines}),
    ]
    for site in result.sites:
        if site.facility_meter_hours and site.runs_node_kwh_in_metered_hours > 0:
            findings.append(reconcile.metered_vs_telemetry(
                site.site, result.period.label, site.metered_facility_kwh, site.runs_node_kwh_in_metered_hours,
                site.runs_facility_kwh_in_metered_hours))
    return findings
