"""The workbook's Avoided emissions sheet: the reduction planner's levers, apart from every total.

The sheet exists only in a report with the reduction plan. Its figures are values, not formulas,
and no formula or named cell of the workbook refers to it, so no total can include them. They
are Monte Carlo statistics that ``verify --project`` recomputes from the seed the sheet and the
manifest record.
"""

from __future__ import annotations

from openpyxl import Workbook

from workbench.reports import disclosure as d
from workbench.reports import xlsx_cells as c
from workbench.reports.disclosure import Disclosure
from workbench.reports.xlsx_cells import Column
from workbench.reports.xlsx_tables import sheet_with_header

C = Column
KG_PER_T = 1000.0
# Avoided emissions of a single lever are often a few kilograms, so tonnes get six decimals.
TONNES = '#,##0.000###" tCO2e"'
LEVER_COLUMNS = (
    C("Rank", "rank", 6, c.COUNT), C("Lever (assumption set)", "set_name", 40), C("Kind", "kind", 14),
    C("View", "view", 10), C("Avoided emissions (tCO2e)", "avoided", 15, TONNES),
    C("Mean, Monte Carlo (tCO2e)", "mean", 15, TONNES), C("95 % low (tCO2e)", "low", 15, TONNES),
    C("95 % high (tCO2e)", "high", 15, TONNES), C("P(the lever saves)", "probability_saves", 10, c.SHARE),
    C("Share of the reference total", "share", 10, c.PERCENT), C("Reference total", "reference_output", 24),
    C("Reference (tCO2e)", "reference", 15, TONNES), C("Marginal-intensity variant (tCO2e)", "marginal", 15, TONNES),
    C("Marginal 95 % low (tCO2e)", "marginal_low", 15, TONNES),
    C("Marginal 95 % high (tCO2e)", "marginal_high", 15, TONNES), C("Parameters", "parameters", 36),
    C("Depends on", "depends_on", 70), C("Notes", "notes", 60),
)
BANNER = "Avoided emissions by reduction lever: shown beside the inventory and the footprint, never deducted from them"


def write_avoided(workbook: Workbook, disclosure: Disclosure) -> None:
    """Add the Avoided emissions sheet: ranked levers, narratives, offsets held and the method."""
    section = disclosure.avoided
    sheet = sheet_with_header(workbook, d.AVOIDED, LEVER_COLUMNS, disclosure,
                              f"{BANNER} (derived from assumption set '{section.assumption_set}')")
    widths = [column.width for column in LEVER_COLUMNS]
    for offset, lever in enumerate(section.levers):
        cells = c.record_row(sheet, LEVER_COLUMNS, _record(lever))
        c.fit_row(sheet, c.FIRST_DATA_ROW + offset, cells, widths)
        sheet.append(cells)

    c.section(sheet, "Narratives")
    for item in section.narratives or (d.Narrative("", "None recorded", ""),):
        sheet.append([None, c.text(sheet, item.heading, c.BOLD), c.text(sheet, item.text)])
    c.section(sheet, "Offsets and carbon credits held (reported separately, never netted)")
    offsets = disclosure.inventory["offsets_reported_separately"]
    for item in offsets:
        sheet.append([None, c.text(sheet, item["instrument_id"]), c.text(sheet, item.get("label") or ""),
                      None, c.number(sheet, item.get("credit_co2e_kg"), c.KG)])
    if not offsets:
        sheet.append([None, c.text(sheet, "None recorded")])
    c.section(sheet, "Method")
    facts = [("Method", section.method), ("Seed", section.seed), ("Trials per lever", section.trials),
             ("Footprint period", _period(section.period, "whole run windows")),
             ("Inventory period", _period(section.inventory_period, "no lever is measured on the inventory"))]
    facts += [("Note", note) for note in section.notes]
    for label, value in facts:
        cell = c.number(sheet, value, c.COUNT) if c.is_number(value) else c.text(sheet, value)
        sheet.append([None, c.text(sheet, label, c.BOLD), cell])
    # The reference totals are values copied from the engine, for the shares; the Summary sheet has the formulas.
    for key, value in section.reference.items():
        sheet.append([None, c.text(sheet, f"Reference: {d.REFERENCE_LABELS.get(key, key)}", c.BOLD),
                      c.number(sheet, value, c.KG)])


def _record(lever: d.AvoidedLever) -> dict:
    def tonnes(value: float | None) -> float | None:
        return None if value is None else value / KG_PER_T

    return {"rank": lever.rank, "set_name": lever.set_name, "kind": lever.kind, "view": lever.view,
            "avoided": tonnes(lever.avoided_co2e_kg), "mean": tonnes(lever.mean_co2e_kg),
            "low": tonnes(lever.low_co2e_kg), "high": tonnes(lever.high_co2e_kg),
            "probability_saves": lever.probability_saves, "share": lever.share_of_reference,
            "reference_output": lever.reference_output, "reference": tonnes(lever.reference_co2e_kg),
            "marginal": tonnes(lever.marginal_co2e_kg), "marginal_low": tonnes(lever.marginal_low_co2e_kg),
            "marginal_high": tonnes(lever.marginal_high_co2e_kg), "parameters": lever.parameters or None,
            "depends_on": lever.depends_on or None, "notes": lever.notes or None}


def _period(period: dict | None, missing: str) -> str:
    if period is None:
        return missing
    return f"{period['label']}: {period['start_utc']} to {period['end_utc']}"
