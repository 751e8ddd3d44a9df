"""Computing a project's inventory for a reporting period (GHG Protocol scopes).

:class:`InventoryModel` shares the prepared runs of a :class:`~workbench.services.compute.FootprintModel`
and adds the site meters, contractual instruments, Scope 1 records and residual-mix factors.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from workbench import __version__
from workbench.engine import reconcile
from workbench.engine.assumptions import Assumptions
from workbench.engine.inventory import InventoryResult, PreparedInventory
from workbench.engine.periods import Period, parse_period
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service
from workbench.services import inventory_inputs
from workbench.services.compute import FootprintModel

log = logging.getLogger(__name__)


class InventoryModel:
    """A project's inventory inputs prepared once; :meth:`compute` runs per assumption set and period."""

    def __init__(self, project: Project, footprint: FootprintModel | None = None) -> None:
        self.footprint = footprint or FootprintModel(project)
        residual = self.footprint.basis_tables("residual_mix")
        self.prepared = PreparedInventory(
            self.footprint.prepared, self.footprint.sites, inventory_inputs.load_instruments(project),
            inventory_inputs.load_scope1_activities(project), residual)
        log.info("prepared inventory model: %d sites, %d instruments, %d Scope 1 records, %d residual-mix zones",
                 len(self.prepared.sites), len(self.prepared.instruments), len(self.prepared.scope1_activities),
                 len(residual))

    def compute(self, assumptions: Assumptions, period: Period) -> InventoryResult:
        return self.prepared.compute(assumptions, period)

    def default_period(self) -> Period:
        """Return the calendar year (UTC) of the latest hour with run or meter energy, else the current year."""
        latest = [float(run.hours.max()) for run in self.footprint.prepared.inputs if len(run.hours)]
        latest += [float(site.facility_hours.max()) for site in self.prepared.sites if len(site.facility_hours)]
        latest += [float(site.it_hours.max()) for site in self.prepared.sites if len(site.it_hours)]
        moment = datetime.fromtimestamp(max(latest), timezone.utc) if latest else datetime.now(timezone.utc)
        return parse_period(str(moment.year))


@dataclass(frozen=True)
class InventoryOutcome:
    """An inventory result with the project and assumption set it was computed from."""

    project: str
    assumption_set: str
    assumption_set_sha256: str
    result: InventoryResult
    findings: tuple[reconcile.Finding, ...] = ()

    @property
    def view(self) -> str:
        return self.result.view

    @property
    def totals(self) -> dict[str, float]:
        return self.result.totals

    def as_json(self) -> dict[str, Any]:
        """Return the CLI's JSON for ``compute --view inventory`` (keys are only ever added)."""
        r = self.result
        return {
            "project": self.project,
            "assumption_set": self.assumption_set,
            "assumption_set_sha256": self.assumption_set_sha256,
            "view": r.view,
            "period": r.period.as_dict(),
            "assumptions": r.assumptions.as_dict(),
            "scope1": _scope1_json(r),
            "scope2": _scope2_json(r),
            "scope3": r.scope3,
            "capital_goods": [asdict(good) for good in r.capital_goods],
            "offsets_reported_separately": [{"instrument_id": item.instrument_id, "label": item.label,
                                             "credit_co2e_kg": item.credit_co2e_kg, "market": item.market}
                                            for item in r.market.offsets],
            "totals": r.totals,
            "reconciliation": [finding.as_dict() for finding in self.findings],
            "disclosures": list(r.disclosures),
            "warnings": list(r.warnings),
            "software": {"name": "carbon-workbench", "version": __version__},
        }


def _scope1_json(r: InventoryResult) -> dict[str, Any]:
    s = r.scope1
    return {"co2e_kg": s.co2e_kg, "combustion_co2e_kg": s.combustion_co2e_kg, "fugitive_co2e_kg": s.fugitive_co2e_kg,
            "gwp_set": s.gwp_set, "gas_kg": s.gas_kg, "gas_co2e_kg": s.gas_co2e_kg,
            "records": [asdict(line) for line in s.lines]}


def _scope2_json(r: InventoryResult) -> dict[str, Any]:
    markets = []
    for market in r.market.markets:
        item = asdict(market)
        item["shares"] = market.shares()
        markets.append(item)
    return {
        "location_based_co2e_kg": r.totals["scope2_location_co2e_kg"],
        "market_based_co2e_kg": r.totals["scope2_market_co2e_kg"],
        "energy_kwh": r.totals["scope2_energy_kwh"],
        "sites": [asdict(site) for site in r.sites],
        "markets": markets,
        "instruments_used": [asdict(use) for use in r.market.used],
        "instruments_excluded": [asdict(item) for item in r.market.excluded],
        "residual_mix_unavailable": [market.market for market in r.market.markets
                                     if market.location_fallback_mwh > 0 and not market.residual_mix_available],
    }


def compute_inventory(project: Project, set_name: str = assumption_service.DEFAULT_SET,
                      model: InventoryModel | None = None, *, period: Period | None = None) -> InventoryOutcome:
    """Compute the inventory of ``project`` for ``period`` (default: the year of its latest data)."""
    from workbench.services import reconciliation

    assumptions = assumption_service.snapshot(project, set_name)
    model = model or InventoryModel(project)
    result = model.compute(assumptions, period or model.default_period())
    return InventoryOutcome(project.name, set_name, assumption_service.set_hash(project, set_name), result,
                            tuple(reconciliation.inventory_findings(result)))
