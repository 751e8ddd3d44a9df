"""The activity sheets of the workbook, whose formulas every total traces back to.

* Energy: per run and UTC hour, the energy chain as formulas over the measured energy and the
  assumption cells (node uplift, PUE), and emissions = facility energy x the hour's factor.
* Runs: per run, sums over its block of Energy rows, embodied emissions over its allocation rows.
* Site energy: per site and hour of the reporting period, the inventory's electricity (facility
  meter, IT meter x PUE, or the runs' facility energy summed from the Energy sheet).
* Scope 1, Markets and instruments, Assets and embodied: Scope 1 per gas, market-based Scope 2
  per market with the instruments in hierarchy order, and the asset register with the
  amortization of each asset line to each run.

Formulas match text columns by number (site no., market no., run rows) and never by a name, so a
run or site whose name starts with ``=`` or contains wildcards cannot change what a formula adds.
"""

from __future__ import annotations

import math
from typing import Any

from openpyxl import Workbook

from workbench.clock import epoch_to_text

from workbench.engine.gwp import gas_gwp
from workbench.errors import UsageError
from workbench.reports import disclosure as d
from workbench.reports import xlsx_cells as c
from workbench.reports.disclosure import Disclosure
from workbench.reports.xlsx_layout import (ALLOCATION_COLUMNS, ASSET_COLUMNS, ENERGY_COLUMNS, MARKET_COLUMNS,
                                           RUN_COLUMNS, SCOPE1_COLUMNS, SITE_COLUMNS, USE_COLUMNS, Layout)

FIRST = c.FIRST_DATA_ROW
HOURS_PER_YEAR = 8760
# Excel's 1,048,576 rows per sheet, less the banner and header rows.
MAX_SHEET_ROWS = 1_048_576 - FIRST + 1
FUEL_FACTOR_KEYS = {"diesel": ("diesel_co2_kg_per_gj", "diesel_ch4_kg_per_tj", "diesel_n2o_kg_per_tj"),
                    "natural_gas": ("natural_gas_co2_kg_per_gj", "natural_gas_ch4_kg_per_tj",
                                    "natural_gas_n2o_kg_per_tj")}
CRITERIA = range(1, 9)


def name(key: str) -> str:
    """Return the defined name of assumption ``key`` (one cell on the Assumptions sheet)."""
    return f"assumption_{key}"


def _letters(columns: tuple) -> dict[str, str]:
    return {column.key: c.letter(columns, column.key) for column in columns}


def _range(sheet: str, column: str, first: int, last: int) -> str:
    return f"{c.sheet_ref(sheet)}${column}${first}:${column}${last}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _sheet(workbook: Workbook, title: str, columns: tuple, disclosure: Disclosure, description: str) -> Any:
    sheet = c.new_sheet(workbook, title, columns, draft=disclosure.draft, project_name=disclosure.header.project_name)
    c.banner(sheet, disclosure.draft, description)
    c.header_row(sheet, columns)
    return sheet


# -- Energy ------------------------------------------------------------------------------------------

def write_energy(workbook: Workbook, disclosure: Disclosure) -> None:
    sheet = _sheet(workbook, d.ENERGY, ENERGY_COLUMNS, disclosure,
                   "Energy chain per run and UTC hour: measured energy (values) carried to facility energy and "
                   "operational emissions by formulas over the Assumptions sheet")
    L = _letters(ENERGY_COLUMNS)
    frame = disclosure.energy_rows
    if len(frame) > MAX_SHEET_ROWS:
        raise UsageError(f"the project has {len(frame):,} run-hours, more than the {MAX_SHEET_ROWS:,} rows an Excel "
                         "sheet holds", hint="Export the PDF or JSON, which do not list run-hours, or split the "
                                             "project by period.")
    # NOTE: openpyxl writes about 3,500 energy rows per second (30 s per 100,000 rows, measured on a 2-core
    # AMD EPYC VM), so a fleet-sized export takes minutes. XlsxWriter would be about 30 % faster.
    for offset, row in enumerate(frame.itertuples(index=False)):
        r = FIRST + offset
        pue = (c.formula(sheet, f"={name('pue')}", c.SHARE) if _missing(row.metered_pue)
               else c.number(sheet, float(row.metered_pue), c.SHARE))
        sheet.append([
            c.text(sheet, row.run), c.number(sheet, int(row.site_no), c.COUNT), c.hour_cell(sheet, row.hour_utc),
            c.number(sheet, int(row.hour_utc), c.COUNT), c.number(sheet, float(row.gpu_board_kwh), c.KWH),
            c.number(sheet, float(row.node_kwh), c.KWH), c.number(sheet, float(row.it_kwh), c.KWH),
            c.number(sheet, float(row.facility_kwh), c.KWH), c.number(sheet, float(row.gpu_part_kwh), c.KWH),
            c.number(sheet, float(row.scale), c.NUMBER), c.number(sheet, float(row.f_dist), c.SHARE), pue,
            c.formula(sheet, f"=({L['gpu_board']}{r}*{name('node_uplift')}+{L['node_metered']}{r})*{L['scale']}{r}",
                      c.KWH),
            c.formula(sheet, f"={L['node']}{r}*{L['f_dist']}{r}+{L['it_metered']}{r}*{L['scale']}{r}", c.KWH),
            c.formula(sheet, f"={L['facility_metered']}{r}*{L['scale']}{r}", c.KWH),
            c.formula(sheet, f"={L['it']}{r}*{L['pue']}{r}+{L['facility_scaled']}{r}", c.KWH),
            c.formula(sheet, f"={L['gpu_part']}{r}*{L['scale']}{r}", c.KWH),
            c.number(sheet, None if _missing(row.factor_g_per_kwh) else float(row.factor_g_per_kwh), c.G_PER_KWH),
            c.formula(sheet, f"=IF(ISNUMBER({L['factor']}{r}),{L['facility']}{r}*{L['factor']}{r}/1000,0)", c.KG),
            c.formula(sheet, f"=IF(ISNUMBER({L['factor']}{r}),0,{L['facility']}{r})", c.KWH),
            c.text(sheet, row.factor_resolution or "none")])


# -- Runs --------------------------------------------------------------------------------------------

def write_runs(workbook: Workbook, disclosure: Disclosure, layout: Layout) -> None:
    sheet = _sheet(workbook, d.RUNS, RUN_COLUMNS, disclosure,
                   "Footprint per run: sums over each run's rows on the Energy sheet and its embodied allocation")
    L = _letters(RUN_COLUMNS)
    E = _letters(ENERGY_COLUMNS)
    info = {item["run"]: item for item in disclosure.runs_info}
    method = disclosure.footprint["assumptions"]["embodied_method"]
    sums = (("gpu_energy_kwh", "gpu"), ("node_energy_kwh", "node"), ("it_energy_kwh", "it"),
            ("facility_energy_kwh", "facility"), ("operational_co2e_kg", "operational"),
            ("unmatched_energy_kwh", "unmatched"))
    for index, run in enumerate(disclosure.footprint["runs"]):
        r = layout.run_row[index]
        record = dict(info.get(run["run"], {}), **run)
        record["energy_method"] = f"{record.get('energy_basis', '')}: {record.get('energy_method', '')}"
        cells = c.record_row(sheet, RUN_COLUMNS, record)
        block = layout.run_energy.get(index)
        for key, energy_key in sums:
            expression = f"=SUM({_range(d.ENERGY, E[energy_key], *block)})" if block else "=0"
            cells[RUN_COLUMNS.index(_column(key))] = c.formula(sheet, expression, _column(key).number_format)
        cells[RUN_COLUMNS.index(_column("embodied_co2e_kg"))] = c.formula(
            sheet, _embodied_formula(method, layout, index, f"{L['accelerator_hours']}{r}"), c.KG)
        cells[RUN_COLUMNS.index(_column("total_co2e_kg"))] = c.formula(
            sheet, f"={L['operational_co2e_kg']}{r}+{L['embodied_co2e_kg']}{r}", c.KG, bold=True)
        cells[RUN_COLUMNS.index(_column("sci_per_1e9_tokens"))] = c.formula(
            sheet, f'=IF(N({L["tokens"]}{r})>0,{L["total_co2e_kg"]}{r}/({L["tokens"]}{r}/1E9),"")', c.KG)
        sheet.append(cells)


def _column(key: str) -> Any:
    return next(column for column in RUN_COLUMNS if column.key == key)


def _embodied_formula(method: str, layout: Layout, index: int, accelerator_hours: str) -> str:
    if method == "llmcarbon":
        return (f"=N({accelerator_hours})*{name('chip_area_mm2')}/100*{name('chip_embodied_kg_per_cm2')}"
                f"/({name('chip_lifetime_years')}*{HOURS_PER_YEAR})")
    block = layout.run_allocation.get(index)
    if not block:
        return "=0"
    column = c.letter(ALLOCATION_COLUMNS, "charged")
    return f"=SUM({_range(d.ASSETS, column, *block)})"


# -- Site energy -------------------------------------------------------------------------------------

def write_site_energy(workbook: Workbook, disclosure: Disclosure, layout: Layout) -> None:
    sheet = _sheet(workbook, d.SITE_ENERGY, SITE_COLUMNS, disclosure,
                   f"Inventory electricity per site and UTC hour of {disclosure.header.period_label}: facility meter, "
                   "IT meter x PUE, or the runs' facility energy")
    L = _letters(SITE_COLUMNS)
    E = _letters(ENERGY_COLUMNS)
    last = layout.energy_last

    def runs_sum(column: str, r: int) -> str:
        return (f"SUMIFS({_range(d.ENERGY, E[column], FIRST, last)},{_range(d.ENERGY, E['site_no'], FIRST, last)},"
                f"{L['site_no']}{r},{_range(d.ENERGY, E['hour_key'], FIRST, last)},{L['hour_key']}{r})")

    for offset, row in enumerate(disclosure.site_rows.itertuples(index=False)):
        r = FIRST + offset
        runs = None
        if row.source == "runs":
            runs = c.formula(sheet, f"={runs_sum('it', r)}*{name('pue')}+{runs_sum('facility_scaled', r)}", c.KWH)
        electricity = {"facility_meter": f"={L['facility_meter']}{r}",
                       "it_meter_x_pue": f"={L['it_meter']}{r}*{name('pue')}",
                       "runs": f"={L['runs_facility']}{r}"}[row.source]
        factor = f"{L['factor']}{r}"
        sheet.append([
            c.number(sheet, int(row.site_no), c.COUNT), c.text(sheet, row.site), c.text(sheet, row.boundary),
            c.number(sheet, int(row.market_no), c.COUNT), c.text(sheet, row.market), c.hour_cell(sheet, row.hour_utc),
            c.number(sheet, int(row.hour_utc), c.COUNT), c.text(sheet, row.source),
            c.number(sheet, None if _missing(row.facility_meter_kwh) else float(row.facility_meter_kwh), c.KWH),
            c.number(sheet, None if _missing(row.it_meter_kwh) else float(row.it_meter_kwh), c.KWH), runs,
            c.formula(sheet, electricity, c.KWH),
            c.number(sheet, None if _missing(row.location_g_per_kwh) else float(row.location_g_per_kwh), c.G_PER_KWH),
            c.formula(sheet, f"=IF(ISNUMBER({factor}),{L['electricity']}{r}*{factor}/1000,0)", c.KG),
            c.formula(sheet, f"=IF(ISNUMBER({factor}),0,{L['electricity']}{r})", c.KWH),
            c.number(sheet, None if _missing(row.residual_g_per_kwh) else float(row.residual_g_per_kwh), c.G_PER_KWH),
            c.number(sheet, int(row.in_scope2), c.COUNT)])


# -- Scope 1 -----------------------------------------------------------------------------------------

def write_scope1(workbook: Workbook, disclosure: Disclosure) -> None:
    scope1 = disclosure.inventory["scope1"]
    sheet = _sheet(workbook, d.SCOPE1, SCOPE1_COLUMNS, disclosure,
                   f"Scope 1 of {disclosure.header.period_label} by record and gas ({scope1['gwp_set']} 100-year "
                   "GWPs); fuel gases are formulas over the Assumptions sheet")
    L = _letters(SCOPE1_COLUMNS)
    gwp_set = scope1["gwp_set"]
    for offset, record in enumerate(scope1["records"]):
        r = FIRST + offset
        sheet.append(_scope1_cells(sheet, record, r, L, gwp_set))


def _scope1_cells(sheet: Any, record: dict, r: int, L: dict[str, str], gwp_set: str) -> list:
    gases = record["gas_kg"]
    refrigerant_kg = sum(mass for gas, mass in gases.items() if gas not in ("CO2", "CH4", "N2O", "CO2e"))
    values = dict(record, co2_kg=gases.get("CO2"), ch4_kg=gases.get("CH4"), n2o_kg=gases.get("N2O"),
                  refrigerant_kg=refrigerant_kg or None, gwp_ch4=gas_gwp("CH4", gwp_set),
                  gwp_n2o=gas_gwp("N2O", gwp_set),
                  gwp_refrigerant=record["co2e_kg"] / refrigerant_kg if refrigerant_kg else None)
    cells = c.record_row(sheet, SCOPE1_COLUMNS, values)
    position = {column.key: index for index, column in enumerate(SCOPE1_COLUMNS)}
    keys = FUEL_FACTOR_KEYS.get(record["substance"])
    if record["kind"] == "fuel" and keys and record.get("fuel_gj"):
        gj = f"{L['fuel_gj']}{r}"
        cells[position["co2_kg"]] = c.formula(sheet, f"={gj}*{name(keys[0])}")
        cells[position["ch4_kg"]] = c.formula(sheet, f"={gj}*{name(keys[1])}/1000")
        cells[position["n2o_kg"]] = c.formula(sheet, f"={gj}*{name(keys[2])}/1000")
        cells[position["upstream"]] = c.formula(sheet, _fuel_upstream(record["substance"], gj), c.KG)
    if "CO2e" not in gases:
        cells[position["co2e"]] = c.formula(
            sheet, f"=N({L['co2_kg']}{r})+N({L['ch4_kg']}{r})*{L['gwp_ch4']}{r}+N({L['n2o_kg']}{r})*{L['gwp_n2o']}{r}"
                   f"+N({L['refrigerant_kg']}{r})*N({L['gwp_refrigerant']}{r})", c.KG, bold=True)
    else:
        cells[position["co2e"]] = c.number(sheet, record["co2e_kg"], c.KG)
    return cells


def _fuel_upstream(substance: str, gj: str) -> str:
    if substance == "diesel":
        wtt = name("diesel_wtt_kg_per_l")
        return (f"=IF(ISNUMBER({wtt}),{gj}/{name('diesel_ncv_gj_per_t')}*1000/{name('diesel_density_kg_per_l')}"
                f"*{wtt},0)")
    wtt = name("natural_gas_wtt_kg_per_gj")
    return f"=IF(ISNUMBER({wtt}),{gj}*{wtt},0)"


# -- Markets and instruments -------------------------------------------------------------------------

def write_markets(workbook: Workbook, disclosure: Disclosure, layout: Layout) -> None:
    scope2 = disclosure.inventory["scope2"]
    sheet = _sheet(workbook, d.MARKETS, MARKET_COLUMNS, disclosure,
                   "Market-based Scope 2 per market: consumption from the Site energy sheet covered by contractual "
                   "instruments in hierarchy order (certificates, direct contracts, supplier rates), the rest at "
                   "the residual mix")
    M, U, S = _letters(MARKET_COLUMNS), _letters(USE_COLUMNS), _letters(SITE_COLUMNS)
    residual = _constant_residual(disclosure)
    for market in scope2["markets"]:
        r = layout.market_row[market["market"]]
        number = layout.market_numbers[market["market"]]
        uses = _range(d.MARKETS, U["covered_mwh"], layout.uses_first, layout.uses_last)
        use_market = _range(d.MARKETS, U["market_no"], layout.uses_first, layout.uses_last)
        use_type = _range(d.MARKETS, U["type"], layout.uses_first, layout.uses_last)
        consumption = (f"=SUMIFS({_range(d.SITE_ENERGY, S['electricity'], FIRST, layout.site_last)},"
                       f"{_range(d.SITE_ENERGY, S['market_no'], FIRST, layout.site_last)},{M['market_no']}{r},"
                       f"{_range(d.SITE_ENERGY, S['in_scope2'], FIRST, layout.site_last)},1)/1000")
        factor = residual.get(market["market"])
        residual_kg = (c.formula(sheet, f"={M['residual_mwh']}{r}*{M['residual_factor']}{r}", c.KG) if factor
                       is not None else c.number(sheet, market["residual_mix_co2e_kg"], c.KG))
        sheet.append([
            c.number(sheet, number, c.COUNT), c.text(sheet, market["market"]), c.formula(sheet, consumption, c.MWH),
            *[c.formula(sheet, f'=SUMPRODUCT(({use_market}={M["market_no"]}{r})*({use_type}="{kind}")*{uses})', c.MWH)
              for kind in ("eac", "ppa", "supplier")],
            c.number(sheet, market["location_fallback_mwh"], c.MWH),
            c.formula(sheet, f"={M['consumption']}{r}-{M['eac']}{r}-{M['ppa']}{r}-{M['supplier']}{r}"
                             f"-{M['fallback_mwh']}{r}", c.MWH),
            c.number(sheet, factor, c.G_PER_KWH),
            c.formula(sheet, f"=SUMPRODUCT(({use_market}={M['market_no']}{r})*"
                             f"{_range(d.MARKETS, U['co2e_kg'], layout.uses_first, layout.uses_last)})", c.KG),
            residual_kg, c.number(sheet, market["location_fallback_co2e_kg"], c.KG),
            c.formula(sheet, f"={M['instruments_kg']}{r}+{M['residual_kg']}{r}+{M['fallback_kg']}{r}", c.KG,
                      bold=True)])
    _write_uses(sheet, disclosure, layout)
    _write_excluded(sheet, disclosure)


def _constant_residual(disclosure: Disclosure) -> dict[str, float]:
    """Return the residual-mix factor of each market whose Scope 2 hours all have the same one."""
    frame = disclosure.site_rows
    result = {}
    for market, rows in frame[frame["in_scope2"] == 1].groupby("market"):
        values = rows["residual_g_per_kwh"].dropna().unique()
        if len(values) == 1 and rows["residual_g_per_kwh"].notna().all():
            result[str(market)] = float(values[0])
    return result


def _write_uses(sheet: Any, disclosure: Disclosure, layout: Layout) -> None:
    c.section(sheet, "Contractual instruments used, in hierarchy order (covered MWh as allocated by the engine)")
    c.header_row(sheet, USE_COLUMNS)
    register = {item["instrument_id"]: item for item in disclosure.instruments}
    U = _letters(USE_COLUMNS)
    for offset, use in enumerate(disclosure.inventory["scope2"]["instruments_used"]):
        r = layout.uses_first + offset
        stored = register.get(use["instrument_id"], {})
        record = dict(stored, **use, market_no=layout.market_numbers.get(use["market"]),
                      criteria=_criteria(stored, use.get("unassessed_criteria", ())))
        record["retired"] = {1: "yes", 0: "no"}.get(stored.get("retired"), "not stated")
        cells = c.record_row(sheet, USE_COLUMNS, record)
        cells[USE_COLUMNS.index(next(col for col in USE_COLUMNS if col.key == "co2e_kg"))] = c.formula(
            sheet, f"={U['covered_mwh']}{r}*{U['ef_kg_per_mwh']}{r}", c.KG)
        sheet.append(cells)


def _criteria(stored: dict, unassessed: Any) -> str:
    parts = []
    for number in CRITERIA:
        value = stored.get(f"qc_{number}")
        if _missing(value):
            state = "not assessed"
        elif value:
            state = "pass"
        else:
            state = "fail"
        parts.append(f"{number}: {state}")
    return "; ".join(parts)


def _write_excluded(sheet: Any, disclosure: Disclosure) -> None:
    scope2 = disclosure.inventory["scope2"]
    c.section(sheet, "Instruments excluded from the market-based figure, with the quality criteria they fail")
    sheet.append([c.text(sheet, label, c.BOLD, fill=c.HEADER_FILL) for label in
                  ("Instrument", "Type", "Market", "MWh", "Failed criteria", "Reasons")])
    for item in scope2["instruments_excluded"]:
        sheet.append([c.text(sheet, item["instrument_id"]), c.text(sheet, item["type"]), c.text(sheet, item["market"]),
                      c.number(sheet, item["mwh"], c.MWH), c.text(sheet, c.join(item["failed_criteria"])),
                      c.text(sheet, c.join(item["reasons"]))])
    c.section(sheet, "Offsets and carbon credits: reported separately, never deducted from any scope")
    sheet.append([c.text(sheet, label, c.BOLD, fill=c.HEADER_FILL) for label in
                  ("Instrument", "Label", "Market", "Credits (kgCO2e)")])
    for item in disclosure.inventory["offsets_reported_separately"]:
        sheet.append([c.text(sheet, item["instrument_id"]), c.text(sheet, item["label"] or ""),
                      c.text(sheet, item["market"]), c.number(sheet, item["credit_co2e_kg"], c.KG)])


# -- Assets and embodied -----------------------------------------------------------------------------

def write_assets(workbook: Workbook, disclosure: Disclosure, layout: Layout) -> None:
    sheet = _sheet(workbook, d.ASSETS, ASSET_COLUMNS, disclosure,
                   "Asset register (inventory: in full in the year acquired) and the amortization of each asset line "
                   "to each run (footprint)")
    A = _letters(ASSET_COLUMNS)
    categories = {good["asset_id"]: good["category"] for good in disclosure.inventory["capital_goods"]}
    for asset in disclosure.assets:
        r = layout.asset_row[asset["id"]]
        cells = c.record_row(sheet, ASSET_COLUMNS, dict(asset, inventory_category=categories.get(asset["id"])))
        cells[ASSET_COLUMNS.index(next(col for col in ASSET_COLUMNS if col.key == "embodied_total"))] = c.formula(
            sheet, f"={A['quantity']}{r}*{A['embodied_kg_per_unit']}{r}", c.KG)
        sheet.append(cells)
    if not disclosure.assets:
        sheet.append([])
    method = disclosure.footprint["assumptions"]["embodied_method"]
    origin_s = allocation_origin_s(disclosure)
    c.section(sheet, f"Embodied emissions charged to each run ({method} method); times in hours after "
                     f"{epoch_to_text(origin_s)}", _allocation_note(method))
    c.header_row(sheet, ALLOCATION_COLUMNS)
    for offset, row in enumerate(disclosure.embodied_rows.itertuples(index=False)):
        sheet.append(_allocation_cells(sheet, row, layout.allocation_first + offset, layout, method, origin_s))


def allocation_origin_s(disclosure: Disclosure) -> float:
    """Return the UTC hour the allocation table counts hours from: the earliest time in it.

    Hours since 1970 would be about 500,000, and the overlap of a short run is the difference of
    two such numbers. Counting from a near origin keeps that difference exact to 15 digits.
    """
    rows = disclosure.embodied_rows
    rows = rows[rows["run_end_s"] > rows["run_start_s"]]
    if rows.empty:
        return 0.0
    earliest = min(float(rows["service_start_s"].min()), float(rows["run_start_s"].min()))
    return math.floor(earliest / 3600.0) * 3600.0


def _allocation_note(method: str) -> str:
    if method == "bloom":
        return "charged = embodied x overlap / (lifetime x 8760 h x usage rate) x reserved fraction x resource share"
    if method == "llmcarbon":
        return "chip-only method: see the embodied formula on the Runs sheet; no asset lines are used"
    return "charged = embodied x overlap / (lifetime x 8760 h) x reserved fraction x resource share (SCI)"


def _allocation_cells(sheet: Any, row: Any, r: int, layout: Layout, method: str, origin_s: float) -> list:
    A, L = _letters(ASSET_COLUMNS), _letters(ALLOCATION_COLUMNS)
    asset_row = layout.asset_row[int(row.asset_id)]
    lifetime = (f"=IF(ISNUMBER({name('lifetime_years')}),{name('lifetime_years')},"
                f"{A['lifetime_years']}{asset_row})")
    usage = f"=IF(ISNUMBER({A['usage_rate']}{asset_row}),{A['usage_rate']}{asset_row},{name('usage_rate')})"
    share = (f"=IF(ISNUMBER({name('resource_share')}),{name('resource_share')},{float(row.resource_share)!r})")
    overlap = (f"=MAX(0,MIN({L['run_end_h']}{r},{L['service_start_h']}{r}+{L['lifetime']}{r}*{HOURS_PER_YEAR})"
               f"-MAX({L['run_start_h']}{r},{L['service_start_h']}{r}))")
    usage_term = f"*{L['usage']}{r}" if method == "bloom" else ""
    charged = (f"={L['embodied_total']}{r}*{L['overlap_h']}{r}/({L['lifetime']}{r}*{HOURS_PER_YEAR}{usage_term})"
               f"*{L['reserved']}{r}*{L['share']}{r}")
    return [
        c.text(sheet, row.run), c.number(sheet, int(row.asset_id), c.COUNT), c.text(sheet, row.item),
        c.formula(sheet, f"={A['embodied_total']}{asset_row}", c.KG),
        c.number(sheet, (float(row.service_start_s) - origin_s) / 3600.0, c.NUMBER),
        c.formula(sheet, lifetime, c.NUMBER), c.formula(sheet, usage, c.SHARE),
        c.number(sheet, (float(row.run_start_s) - origin_s) / 3600.0, c.NUMBER),
        c.number(sheet, (float(row.run_end_s) - origin_s) / 3600.0, c.NUMBER), c.formula(sheet, overlap, c.HOURS),
        c.number(sheet, float(row.reserved_fraction), c.SHARE), c.formula(sheet, share, c.SHARE),
        c.formula(sheet, charged, c.KG, bold=True)]
