"""Scope 1: stationary combustion in back-up generators and fugitive refrigerant releases.

Fuel: ``fuel energy (GJ) x (CO2 + CH4 x GWP + N2O x GWP)`` with IPCC 2006 default factors held
as assumptions. Refrigerants: ``mass released x GWP``, with the top-up mass as the usual proxy
for the mass released. Per-gas masses are kept, because an inventory reports each gas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.engine.assumptions import Assumptions
from workbench.engine.gwp import gas_gwp, refrigerant_gwp
from workbench.engine.periods import Period
from workbench.errors import UsageError

FUELS = ("diesel", "natural_gas")
# Energy units of fuel; the therm and MMBtu use the international-table BTU (1055.05585 J).
GJ_PER_UNIT = {"GJ": 1.0, "MJ": 1e-3, "TJ": 1e3, "kWh": 3.6e-3, "MWh": 3.6, "therm": 0.105505585,
               "MMBtu": 1.05505585}
MASS_KG = {"kg": 1.0, "t": 1000.0, "g": 1e-3, "lb": 0.45359237}
LITRES_PER_UNIT = {"L": 1.0, "gal": 3.785411784}


@dataclass(frozen=True)
class Scope1Activity:
    """One Scope 1 record: a fuel delivery or burn, or a refrigerant top-up.

    ``kind`` is ``fuel`` or ``refrigerant``; ``substance`` names the fuel (diesel, natural_gas)
    or the refrigerant (R-410A, R-32, ...). A record may state its own factor
    (``co2e_kg_per_unit``) or, for a refrigerant, its own ``gwp`` or ``composition``.
    """

    activity_id: int | str
    kind: str
    substance: str
    amount: float
    unit: str
    date_s: float
    site: str | None = None
    co2e_kg_per_unit: float | None = None
    gwp: float | None = None
    composition: dict[str, float] | None = None
    source: str | None = None


@dataclass(frozen=True)
class Scope1Line:
    """The emissions of one Scope 1 record, per gas (kg of gas) and in total (kgCO2e)."""

    activity_id: int | str
    kind: str
    substance: str
    site: str | None
    amount: float
    unit: str
    gas_kg: dict[str, float]
    co2e_kg: float
    basis: str
    fuel_gj: float | None = None


@dataclass(frozen=True)
class Scope1Result:
    """Scope 1 of a period: lines, totals per gas and the GWP set used."""

    lines: tuple[Scope1Line, ...]
    gwp_set: str
    co2e_kg: float
    combustion_co2e_kg: float
    fugitive_co2e_kg: float
    gas_kg: dict[str, float] = field(default_factory=dict)
    gas_co2e_kg: dict[str, float] = field(default_factory=dict)


def fuel_factors(fuel: str, a: Assumptions) -> dict[str, float]:
    """Return kg of CO2, CH4 and N2O per GJ of ``fuel`` from the assumption set."""
    if fuel == "diesel":
        return {"CO2": a.diesel_co2_kg_per_gj, "CH4": a.diesel_ch4_kg_per_tj / 1000.0,
                "N2O": a.diesel_n2o_kg_per_tj / 1000.0}
    if fuel == "natural_gas":
        return {"CO2": a.natural_gas_co2_kg_per_gj, "CH4": a.natural_gas_ch4_kg_per_tj / 1000.0,
                "N2O": a.natural_gas_n2o_kg_per_tj / 1000.0}
    raise UsageError(f"no default factors for fuel '{fuel}'",
                     hint=f"Use one of: {', '.join(FUELS)}, or give the record its own co2e_kg_per_unit.")


def fuel_energy_gj(fuel: str, amount: float, unit: str, a: Assumptions) -> float:
    """Convert a fuel quantity to GJ (net calorific value); volumes need the fuel's density."""
    if unit in GJ_PER_UNIT:
        return amount * GJ_PER_UNIT[unit]
    if fuel == "diesel":
        if unit in LITRES_PER_UNIT:
            return amount * LITRES_PER_UNIT[unit] * a.diesel_density_kg_per_l / 1000.0 * a.diesel_ncv_gj_per_t
        if unit in MASS_KG:
            return amount * MASS_KG[unit] / 1000.0 * a.diesel_ncv_gj_per_t
    raise UsageError(f"cannot convert {fuel} in '{unit}' to energy",
                     hint="Give diesel in L, gal (US), kg, t or an energy unit (GJ, MJ, TJ, kWh, MWh, therm, MMBtu); "
                          "other fuels in energy units, or give the record its own co2e_kg_per_unit.")


def fuel_line(activity: Scope1Activity, a: Assumptions) -> Scope1Line:
    """Return the per-gas emissions of one fuel record."""
    if activity.co2e_kg_per_unit is not None:
        co2e = activity.amount * activity.co2e_kg_per_unit
        return Scope1Line(activity.activity_id, "fuel", activity.substance, activity.site, activity.amount,
                          activity.unit, {"CO2e": co2e}, co2e, "factor stated on the record")
    gj = fuel_energy_gj(activity.substance, activity.amount, activity.unit, a)
    gases = {gas: gj * factor for gas, factor in fuel_factors(activity.substance, a).items()}
    co2e = sum(mass * gas_gwp(gas, a.gwp_set) for gas, mass in gases.items())
    return Scope1Line(activity.activity_id, "fuel", activity.substance, activity.site, activity.amount,
                      activity.unit, gases, co2e, f"IPCC 2006 default factors, {a.gwp_set} GWPs", fuel_gj=gj)


def refrigerant_line(activity: Scope1Activity, a: Assumptions) -> Scope1Line:
    """Return the emissions of one refrigerant top-up, taken as the mass released."""
    if activity.unit not in MASS_KG:
        raise UsageError(f"refrigerant record {activity.activity_id}: mass in '{activity.unit}' is not supported",
                         hint=f"Give refrigerant masses in {', '.join(MASS_KG)}.")
    mass_kg = activity.amount * MASS_KG[activity.unit]
    if activity.gwp is not None:
        gwp, basis = activity.gwp, "GWP stated on the record"
    else:
        gwp, basis = refrigerant_gwp(activity.substance, a.gwp_set, activity.composition)
    return Scope1Line(activity.activity_id, "refrigerant", activity.substance, activity.site, activity.amount,
                      activity.unit, {activity.substance: mass_kg}, mass_kg * gwp, f"{basis}: {gwp:g}")


def scope1(activities: list[Scope1Activity], a: Assumptions, period: Period | None = None) -> Scope1Result:
    """Return the Scope 1 emissions of the records dated inside ``period`` (all records when None)."""
    lines = []
    for activity in activities:
        if period is not None and not (period.start_s <= activity.date_s < period.end_s):
            continue
        if activity.kind == "fuel":
            lines.append(fuel_line(activity, a))
        elif activity.kind == "refrigerant":
            lines.append(refrigerant_line(activity, a))
        else:
            raise UsageError(f"Scope 1 record {activity.activity_id}: unknown kind '{activity.kind}'",
                             hint="Use fuel or refrigerant.")
    gas_kg: dict[str, float] = {}
    gas_co2e: dict[str, float] = {}
    for line in lines:
        for gas, mass in line.gas_kg.items():
            gas_kg[gas] = gas_kg.get(gas, 0.0) + mass
        if line.kind == "fuel" and "CO2e" not in line.gas_kg:
            for gas, mass in line.gas_kg.items():
                gas_co2e[gas] = gas_co2e.get(gas, 0.0) + mass * gas_gwp(gas, a.gwp_set)
        else:
            key = "CO2e (stated factor)" if line.kind == "fuel" else line.substance
            gas_co2e[key] = gas_co2e.get(key, 0.0) + line.co2e_kg
    combustion = sum(line.co2e_kg for line in lines if line.kind == "fuel")
    fugitive = sum(line.co2e_kg for line in lines if line.kind == "refrigerant")
    return Scope1Result(tuple(lines), a.gwp_set, combustion + fugitive, combustion, fugitive, gas_kg, gas_co2e)


def fuel_upstream_kg(line: Scope1Line, a: Assumptions) -> float | None:
    """Return the well-to-tank emissions of a fuel line (Scope 3 category 3a); None when no factor is set."""
    if line.substance == "diesel" and a.diesel_wtt_kg_per_l is not None and line.fuel_gj is not None:
        litres = line.fuel_gj / a.diesel_ncv_gj_per_t * 1000.0 / a.diesel_density_kg_per_l
        return litres * a.diesel_wtt_kg_per_l
    if line.substance == "natural_gas" and a.natural_gas_wtt_kg_per_gj is not None and line.fuel_gj is not None:
        return line.fuel_gj * a.natural_gas_wtt_kg_per_gj
    return None
