"""The energy chain from GPU board to facility, one multiplication per step.

::

    node      = gpu_board x node_uplift            (or metered node energy)
    it        = node x f_dist                       (node energy moved to the PUE measurement point)
    facility  = it x pue                            (never for energy that already is facility-level)

``f_dist`` is 1 + the distribution losses between the point the PUE measures IT energy at and the
server input where node energy is measured. PUE1 measures at the UPS output, PUE2 at the PDU
output and PUE3 at the IT equipment input (ISO/IEC 30134-2). Applying a PUE1 value to node-input
energy would otherwise leave out the PDU and transformer losses.
"""

from __future__ import annotations

from workbench.engine.assumptions import Assumptions
from workbench.errors import FacilityOverheadError, UsageError

LEVELS = ("gpu_board", "node", "it", "facility")
PUE_CATEGORIES = ("PUE1", "PUE2", "PUE3")
# Meter measurement points and the PUE category whose IT energy they measure.
POINT_CATEGORY = {"ups_output": "PUE1", "pdu_output": "PUE2", "server_input": "PUE3"}


def distribution_factor(category: str | None, a: Assumptions) -> float:
    """Return f_dist for node energy measured at the server input and a PUE of ``category``.

    An unknown category gives 1.0: the node energy is taken to be at the PUE's point already.
    """
    if category == "PUE1":
        return 1.0 + a.distribution_loss_ups
    if category == "PUE2":
        return 1.0 + a.distribution_loss_pdu
    return 1.0


def effective_category(site_category: str | None, a: Assumptions) -> str | None:
    """Return the PUE category in force: the assumption set's if it names one, else the site's."""
    return a.pue_category or site_category or None


def level_scales(node_uplift: float, f_dist: float) -> dict[str, float]:
    """Multipliers that move each level's energy to the PUE measurement point (before PUE)."""
    return {"gpu_board": node_uplift * f_dist, "node": f_dist, "it": 1.0}


def to_facility_kwh(energy_kwh: float, level: str, *, node_uplift: float = 1.0, f_dist: float = 1.0,
                    pue: float | None = None) -> float:
    """Carry ``energy_kwh`` measured at ``level`` up the chain to facility energy.

    Raises FacilityOverheadError when ``level`` is ``facility`` and a PUE is given, because the
    overhead is already in the figure, and UsageError for an unknown level or a PUE below 1.
    """
    if level not in LEVELS:
        raise UsageError(f"unknown energy level '{level}'", hint=f"Use one of: {', '.join(LEVELS)}.")
    if level == "facility":
        if pue is not None:
            raise FacilityOverheadError(f"{energy_kwh:,.6g} kWh")
        return energy_kwh
    if pue is None:
        raise UsageError(f"energy at level '{level}' needs a PUE to reach facility level")
    if pue < 1.0:
        raise UsageError(f"PUE must be at least 1, not {pue:g}", hint="PUE is facility energy over IT energy.")
    return energy_kwh * level_scales(node_uplift, f_dist)[level] * pue


def pue_from_meters(facility_kwh: float, it_kwh: float) -> float:
    """Return PUE = facility energy / IT energy over the same period; both in kWh.

    Raises UsageError when IT energy is not positive or exceeds facility energy.
    """
    if it_kwh <= 0:
        raise UsageError(f"IT energy must be positive to compute a PUE, not {it_kwh:g} kWh")
    if facility_kwh < it_kwh:
        raise UsageError(f"facility energy {facility_kwh:,.6g} kWh is below IT energy {it_kwh:,.6g} kWh",
                         hint="Check that both meters cover the same period and that the points are right.")
    return facility_kwh / it_kwh
