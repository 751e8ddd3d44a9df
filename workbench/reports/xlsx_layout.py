"""The rows of every referenced cell of the workbook, worked out before the first row is written.

Write-only sheets are written top to bottom, one sheet after another, so a formula on the
Summary or Runs sheet must know the rows of the Energy or Site energy sheet in advance.
:func:`plan` computes those rows from the disclosure's tables; the column tuples below fix the
column letters the formulas use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from workbench.engine.assumptions import SPECS
from workbench.reports import xlsx_cells as c
from workbench.reports.disclosure import Disclosure
from workbench.reports.xlsx_cells import Column

C = Column
ENERGY_COLUMNS = (
    C("Run", "run", 26), C("Site no.", "site_no", 7, c.COUNT), C("Hour start (UTC)", "hour", 17),
    C("Hour key (Unix s)", "hour_key", 12, c.COUNT), C("GPU board energy, measured (kWh)", "gpu_board", 13, c.KWH),
    C("Node energy, metered (kWh)", "node_metered", 13, c.KWH), C("IT energy, metered (kWh)", "it_metered", 13, c.KWH),
    C("Facility energy, metered (kWh)", "facility_metered", 13, c.KWH),
    C("GPU-only part (kWh)", "gpu_part", 13, c.KWH), C("Declared-energy multiplier", "scale", 11, c.NUMBER),
    C("f_dist (distribution losses)", "f_dist", 10, c.SHARE), C("PUE in this hour", "pue", 9, c.SHARE),
    C("Node energy = (GPU x uplift + node) x multiplier (kWh)", "node", 15, c.KWH),
    C("IT energy at the PUE point = node x f_dist + IT x multiplier (kWh)", "it", 15, c.KWH),
    C("Facility-level metered x multiplier (kWh)", "facility_scaled", 13, c.KWH),
    C("Facility energy = IT x PUE + facility-level (kWh)", "facility", 15, c.KWH),
    C("GPU energy = GPU-only part x multiplier (kWh)", "gpu", 13, c.KWH),
    C("Location-based factor (gCO2e/kWh)", "factor", 12, c.G_PER_KWH),
    C("Operational emissions = facility x factor / 1000 (kgCO2e)", "operational", 15, c.KG),
    C("Energy without a factor (kWh)", "unmatched", 12, c.KWH), C("Factor resolution", "resolution", 10),
)
SITE_COLUMNS = (
    C("Site no.", "site_no", 7, c.COUNT), C("Site", "site", 16), C("Boundary", "boundary", 16),
    C("Market no.", "market_no", 7, c.COUNT), C("Market", "market", 9), C("Hour start (UTC)", "hour", 17),
    C("Hour key (Unix s)", "hour_key", 12, c.COUNT), C("Source of the hour's electricity", "source", 16),
    C("Facility meter (kWh)", "facility_meter", 13, c.KWH), C("IT meter (kWh)", "it_meter", 13, c.KWH),
    C("Runs' facility energy = IT x PUE + facility-level, from Energy (kWh)", "runs_facility", 16, c.KWH),
    C("Electricity (kWh)", "electricity", 14, c.KWH), C("Location-based factor (gCO2e/kWh)", "factor", 12, c.G_PER_KWH),
    C("Location-based emissions (kgCO2e)", "location_kg", 14, c.KG),
    C("Electricity without a factor (kWh)", "unmatched", 12, c.KWH),
    C("Residual-mix factor (gCO2e/kWh)", "residual", 12, c.G_PER_KWH),
    C("In Scope 2 (1) or Scope 3 category 1 (0)", "in_scope2", 10, c.COUNT),
)
RUN_COLUMNS = (
    C("Run", "run", 26), C("Kind", "kind", 11), C("Model", "model", 12), C("Site", "site", 12),
    C("Grid zone", "zone", 9), C("Energy basis and method", "energy_method", 22), C("Start (UTC)", "start_utc", 21),
    C("End (UTC)", "end_utc", 21), C("Wall-clock time (h)", "wall_clock_hours", 10, c.HOURS),
    C("Accelerators", "accelerators", 9, c.COUNT), C("Hardware", "hardware", 24),
    C("GPU-hours", "accelerator_hours", 10, c.NUMBER), C("Tokens", "tokens", 12, c.SCIENTIFIC),
    C("Compute (FLOP)", "flop", 12, c.SCIENTIFIC), C("GPU energy (kWh)", "gpu_energy_kwh", 13, c.KWH),
    C("Node energy (kWh)", "node_energy_kwh", 13, c.KWH), C("IT energy (kWh)", "it_energy_kwh", 13, c.KWH),
    C("Facility energy (kWh)", "facility_energy_kwh", 14, c.KWH),
    C("Operational emissions, location-based (kgCO2e)", "operational_co2e_kg", 15, c.KG),
    C("Energy without an emission factor (kWh)", "unmatched_energy_kwh", 12, c.KWH),
    C("Embodied emissions, amortized (kgCO2e)", "embodied_co2e_kg", 15, c.KG),
    C("Total emissions (kgCO2e)", "total_co2e_kg", 15, c.KG),
    C("SCI per 10^9 tokens (kgCO2e)", "sci_per_1e9_tokens", 13, c.KG),
    C("Resource share (fraction)", "resource_share", 10, c.SHARE), C("PUE category", "pue_category", 9),
    C("Factor resolution (kWh per resolution)", "factor_resolution_kwh", 24), C("Warnings", "warnings", 50),
)
ASSET_COLUMNS = (
    C("Asset ID", "id", 8, c.COUNT), C("Item", "item", 34), C("Category", "category", 11),
    C("Quantity", "quantity", 9, c.NUMBER), C("Embodied per unit (kgCO2e)", "embodied_kg_per_unit", 13, c.KG),
    C("Embodied total = quantity x per unit (kgCO2e)", "embodied_total", 14, c.KG), C("Acquired", "acquired", 11),
    C("In service", "in_service", 11), C("Lifetime (years)", "lifetime_years", 9, c.NUMBER),
    C("Usage rate", "usage_rate", 8, c.SHARE), C("Site", "site", 12),
    C("Inventory: Scope 3 category if acquired in the period", "inventory_category", 12, c.COUNT),
    C("Product carbon footprint source", "embodied_source", 50),
)
ALLOCATION_COLUMNS = (
    C("Run", "run", 26), C("Asset ID", "asset_id", 8, c.COUNT), C("Item", "item", 34),
    C("Embodied total (kgCO2e)", "embodied_total", 14, c.KG),
    C("Asset in service from (h after the origin)", "service_start_h", 12, c.NUMBER),
    C("Lifetime used (years)", "lifetime", 9, c.NUMBER), C("Usage rate used", "usage", 8, c.SHARE),
    C("Run start (h after the origin)", "run_start_h", 12, c.NUMBER),
    C("Run end (h after the origin)", "run_end_h", 12, c.NUMBER),
    C("Overlap of run and service life (h)", "overlap_h", 11, c.HOURS),
    C("Reserved fraction of the window", "reserved", 9, c.SHARE), C("Resource share", "share", 9, c.SHARE),
    C("Charged to the run (kgCO2e)", "charged", 14, c.KG),
)
SCOPE1_COLUMNS = (
    C("Record", "activity_id", 22), C("Kind", "kind", 11), C("Substance", "substance", 12), C("Site", "site", 12),
    C("Amount", "amount", 10, c.NUMBER), C("Unit", "unit", 6), C("Fuel energy (GJ)", "fuel_gj", 10, c.NUMBER),
    C("CO2 (kg)", "co2_kg", 11, c.NUMBER), C("CH4 (kg)", "ch4_kg", 10, c.NUMBER), C("N2O (kg)", "n2o_kg", 10, c.NUMBER),
    C("Refrigerant released (kg)", "refrigerant_kg", 10, c.NUMBER), C("GWP of CH4", "gwp_ch4", 8, c.NUMBER),
    C("GWP of N2O", "gwp_n2o", 8, c.NUMBER), C("GWP of the refrigerant", "gwp_refrigerant", 10, c.NUMBER),
    C("Emissions = CO2 + CH4 x GWP + N2O x GWP + refrigerant x GWP (kgCO2e)", "co2e", 15, c.KG),
    C("Upstream, Scope 3 category 3a (kgCO2e)", "upstream", 12, c.KG), C("Basis", "basis", 40),
)
MARKET_COLUMNS = (
    C("Market no.", "market_no", 7, c.COUNT), C("Market", "market", 10),
    C("Scope 2 consumption (MWh)", "consumption", 13, c.MWH), C("Covered by certificates (MWh)", "eac", 12, c.MWH),
    C("Covered by direct contracts (MWh)", "ppa", 12, c.MWH), C("Covered by supplier rates (MWh)", "supplier", 12, c.MWH),
    C("Location-based fallback (MWh)", "fallback_mwh", 12, c.MWH),
    C("Residual mix = consumption - covered - fallback (MWh)", "residual_mwh", 14, c.MWH),
    C("Residual-mix factor (gCO2e/kWh)", "residual_factor", 12, c.G_PER_KWH),
    C("Instruments (kgCO2e)", "instruments_kg", 12, c.KG),
    C("Residual mix (kgCO2e)", "residual_kg", 12, c.KG), C("Location-based fallback (kgCO2e)", "fallback_kg", 12, c.KG),
    C("Market-based Scope 2 (kgCO2e)", "market_kg", 14, c.KG),
)
USE_COLUMNS = (
    C("Instrument", "instrument_id", 22), C("Type", "type", 9), C("Label", "label", 30),
    C("Market no.", "market_no", 7, c.COUNT), C("Market", "market", 9), C("Covered (MWh)", "covered_mwh", 12, c.MWH),
    C("Emission rate (kgCO2e/MWh)", "ef_kg_per_mwh", 11, c.KG_PER_MWH),
    C("Emissions = covered x rate (kgCO2e)", "co2e_kg", 13, c.KG), C("Unused (MWh)", "unused_mwh", 10, c.MWH),
    C("Technology", "technology", 10), C("Registry", "tracking_registry", 16), C("Certificates", "certificate_serials", 24),
    C("Vintage start", "vintage_start", 11), C("Vintage end", "vintage_end", 11), C("Retired", "retired", 7),
    C("Retirement evidence (SHA-256)", "retirement_evidence_sha256", 20),
    C("Quality criteria 1-8 (pass, fail, not assessed)", "criteria", 40),
)


@dataclass
class Layout:
    """Row numbers of everything a formula on another sheet refers to."""

    energy_last: int
    run_energy: dict[int, tuple[int, int]]
    site_last: int
    run_row: dict[int, int]
    runs_last: int
    assumption_row: dict[str, int]
    asset_row: dict[int, int]
    register_last: int
    allocation_first: int
    allocation_last: int
    run_allocation: dict[int, tuple[int, int]]
    scope1_last: int
    market_row: dict[str, int]
    markets_last: int
    uses_first: int
    uses_last: int
    market_numbers: dict[str, int] = field(default_factory=dict)


def _blocks(frame: pd.DataFrame, key: str, first_row: int) -> dict[int, tuple[int, int]]:
    """Return the first and last sheet row of each value of ``key`` in a frame grouped by it."""
    blocks: dict[int, tuple[int, int]] = {}
    for position, value in enumerate(frame[key].tolist()):
        row = first_row + position
        start, _ = blocks.get(int(value), (row, row))
        blocks[int(value)] = (start, row)
    return blocks


def plan(disclosure: Disclosure) -> Layout:
    """Work out the rows of the activity tables of ``disclosure``."""
    first = c.FIRST_DATA_ROW
    energy, sites, allocation = disclosure.energy_rows, disclosure.site_rows, disclosure.embodied_rows
    register_last = first + max(len(disclosure.assets), 1) - 1
    # A blank row, the section title and the header row lie between the register and the allocation.
    allocation_first = register_last + 4
    markets = disclosure.inventory["scope2"]["markets"]
    market_numbers = dict(zip(sites["market"], sites["market_no"])) if len(sites) else {}
    for market in markets:
        market_numbers.setdefault(market["market"], len(market_numbers) + 1)
    markets_last = first + max(len(markets), 1) - 1
    uses = disclosure.inventory["scope2"]["instruments_used"]
    return Layout(
        energy_last=first + max(len(energy), 1) - 1, run_energy=_blocks(energy, "run_index", first),
        site_last=first + max(len(sites), 1) - 1,
        run_row={index: first + index for index in range(len(disclosure.footprint["runs"]))},
        runs_last=first + max(len(disclosure.footprint["runs"]), 1) - 1,
        assumption_row={key: first + index for index, key in enumerate(SPECS)},
        asset_row={asset["id"]: first + index for index, asset in enumerate(disclosure.assets)},
        register_last=register_last, allocation_first=allocation_first,
        allocation_last=allocation_first + max(len(allocation), 1) - 1,
        run_allocation=_blocks(allocation, "run_index", allocation_first),
        scope1_last=first + max(len(disclosure.inventory["scope1"]["records"]), 1) - 1,
        market_row={market["market"]: first + index for index, market in enumerate(markets)},
        markets_last=markets_last, uses_first=markets_last + 4, uses_last=markets_last + 4 + max(len(uses), 1) - 1,
        market_numbers={str(name): int(number) for name, number in market_numbers.items()})
