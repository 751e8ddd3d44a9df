"""The workbook's Uncertainty, Comparison and Data quality sheets.

The figures on these sheets are values, not formulas: they are statistics of the Monte Carlo
trials, which a spreadsheet cannot recompute. ``verify --project`` recomputes them from the
seed the sheets and the manifest record.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from workbench.reports import disclosure as d
from workbench.reports import xlsx_cells as c
from workbench.reports.disclosure import Disclosure, quality_ranking
from workbench.reports.xlsx_cells import Column
from workbench.reports.xlsx_tables import completeness, sheet_with_header

C = Column
UNCERTAINTY_COLUMNS = (
    C("Figure", "label", 40), C("View", "view", 10), C("Value", "value", 16, c.NUMBER), C("Unit", "unit", 8),
    C("Mean", "mean", 16, c.NUMBER), C("Median", "median", 16, c.NUMBER), C("Standard deviation", "sd", 14, c.NUMBER),
    C("95 % low", "low", 16, c.NUMBER), C("95 % high", "high", 16, c.NUMBER),
    C("Shortest 95 % low", "shortest_low", 16, c.NUMBER), C("Shortest 95 % high", "shortest_high", 16, c.NUMBER),
    C("U95 (%)", "u95", 9, c.NUMBER), C("Approach 1 U95 (%)", "approach1", 11, c.NUMBER),
    C("Ranking", "ranking", 9),
)
SIMULATION_COLUMNS = (
    ("View", "view"), ("Period", "period"), ("Seed", "seed"), ("Trials", "trials"), ("Batches", "batches"),
    ("Batch size", "batch_size"), ("Convergence", "convergence"), ("Significant digits", "ndig"),
    ("Explicit inputs", "explicit_inputs"), ("Pooled families", "pooled_families"),
    ("Distributions SHA-256", "distributions_sha256"), ("Inputs SHA-256", "inputs_sha256"),
)
INPUT_HEADERS = ("View", "Input", "Key", "Distribution", "U95 (%)", "Ranking", "Origin", "Members", "Basis")
SET_COLUMNS = (
    C("Set", "set", 18), C("Assumption set SHA-256", "sha", 20), C("Distributions SHA-256", "dist", 20),
    C("Footprint total (kgCO2e)", "f_total", 16, c.KG), C("Facility energy (kWh)", "f_energy", 16, c.KWH),
    C("Inventory total, location-based (kgCO2e)", "i_loc", 18, c.KG),
    C("Inventory total, market-based (kgCO2e)", "i_mkt", 18, c.KG),
    C("", "x", 16), C("", "y", 16), C("", "z", 16), C("", "w", 16),
)
DELTA_HEADERS = ("Set A", "Set B", "View", "Figure", "A", "B", "B - A", "95 % low of B - A", "95 % high of B - A",
                 "P(B < A)", "Independent draws: 95 % low", "Independent draws: 95 % high")


def write_uncertainty(workbook: Workbook, disclosure: Disclosure) -> None:
    summary = disclosure.uncertainty
    sheet = sheet_with_header(workbook, d.UNCERTAINTY, UNCERTAINTY_COLUMNS, disclosure,
                              f"Parameter uncertainty: {summary.method}; coverage {summary.coverage:.0%}")
    for figure in summary.figures:
        sheet.append(c.record_row(sheet, UNCERTAINTY_COLUMNS, dict(
            label=figure.label, view=figure.view, value=figure.value, unit=figure.unit, mean=figure.mean,
            median=figure.median, sd=figure.sd, low=figure.low, high=figure.high, shortest_low=figure.shortest_low,
            shortest_high=figure.shortest_high, u95=figure.u95_pct, approach1=figure.approach1_u95_pct,
            ranking=quality_ranking(figure.u95_pct))))
    if not summary.computed:
        sheet.append([c.text(sheet, "Uncertainty not computed", c.DRAFT_FONT)])
    c.section(sheet, "Method")
    for label, value in (("Method", summary.method), ("Seed", summary.seed), ("Coverage", summary.coverage),
                         ("Trials over both views", summary.trials)):
        sheet.append([c.text(sheet, label, c.BOLD), c.text(sheet, "not applicable" if value is None else value,
                                                           alignment=c.WRAP)])
    _header(sheet, [label for label, _ in SIMULATION_COLUMNS])
    for run in summary.simulations:
        values = dict(d.as_plain(run), convergence=run.convergence)
        sheet.append([_cell(sheet, values[key]) for _, key in SIMULATION_COLUMNS])
    c.section(sheet, "Main contributors (first-order share of the variance)")
    _header(sheet, ["Input", "View", "Share of variance", "Figure"])
    for item in summary.contributors:
        sheet.append([c.text(sheet, item.input, alignment=c.WRAP), c.text(sheet, item.view),
                      c.number(sheet, item.variance_share, c.PERCENT), c.text(sheet, item.figure)])
    _write_inputs(sheet, summary)
    c.section(sheet, "Notes")
    for note in summary.notes:
        sheet.append([c.text(sheet, note, alignment=c.WRAP)])


def _write_inputs(sheet: Any, summary: d.UncertaintySummary) -> None:
    c.section(sheet, "Uncertain inputs and their distributions (a pooled family sums many small independent inputs)")
    _header(sheet, INPUT_HEADERS)
    for item in summary.inputs:
        sheet.append([c.text(sheet, item.view), c.text(sheet, item.label, alignment=c.WRAP), c.text(sheet, item.key),
                      c.text(sheet, item.distribution), c.number(sheet, item.u95_pct),
                      c.text(sheet, quality_ranking(item.u95_pct) or "not ranked"), c.text(sheet, item.origin),
                      c.number(sheet, item.members, c.COUNT), c.text(sheet, item.basis, alignment=c.WRAP)])


def write_comparison(workbook: Workbook, disclosure: Disclosure) -> None:
    summary = disclosure.comparison
    sheet = sheet_with_header(workbook, d.COMPARISON, SET_COLUMNS, disclosure,
                              f"Assumption sets compared with '{summary.reference_set}': {summary.method}")
    for item in summary.sets:
        sheet.append(c.record_row(sheet, SET_COLUMNS, dict(
            set=item.name, sha=item.assumption_set_sha256, dist=item.distributions_sha256,
            f_total=item.footprint.get("total_co2e_kg"), f_energy=item.footprint.get("facility_energy_kwh"),
            i_loc=item.inventory.get("total_location_based_co2e_kg"),
            i_mkt=item.inventory.get("total_market_based_co2e_kg"))))

    c.section(sheet, "Differences B - A (95 % intervals with common random numbers)")
    _header(sheet, DELTA_HEADERS)
    for delta in summary.deltas:
        sheet.append([c.text(sheet, delta.set_a), c.text(sheet, delta.set_b), c.text(sheet, delta.view),
                      c.text(sheet, delta.figure), c.number(sheet, delta.a), c.number(sheet, delta.b),
                      c.number(sheet, delta.delta), c.number(sheet, delta.low), c.number(sheet, delta.high),
                      c.number(sheet, delta.probability_b_below_a), c.number(sheet, delta.independent_low),
                      c.number(sheet, delta.independent_high)])

    c.section(sheet, "Decomposition of each difference into the assumptions that differ (Shapley values)")
    _header(sheet, ["Set B", "Assumption", "View", "Figure", "Shapley value", "Changed alone"])
    for part in summary.decomposition:
        sheet.append([c.text(sheet, part.set_b), c.text(sheet, part.assumption), c.text(sheet, part.view),
                      c.text(sheet, part.figure), c.number(sheet, part.contribution),
                      c.number(sheet, part.switched_alone)])

    c.section(sheet, "Assumption values that differ from the reported set")
    _header(sheet, ["Set", "Assumption", f"Value in {summary.reference_set}", "Value in the set"])
    for set_name, changes in summary.differing_values.items():
        for key, (reported, other) in changes.items():
            sheet.append([c.text(sheet, set_name), c.text(sheet, key), _cell(sheet, reported), _cell(sheet, other)])

    c.section(sheet, "Notes")
    for note in summary.notes:
        sheet.append([c.text(sheet, note, alignment=c.WRAP)])


def write_quality(workbook: Workbook, disclosure: Disclosure) -> None:
    columns = (C("Item", "item", 48), C("Value", "value", 18), C("Detail", "detail", 90))
    sheet = sheet_with_header(workbook, d.QUALITY, columns, disclosure,
                              "Data quality: what rests on measurements, estimates and defaults; rankings; "
                              "completeness checks")
    for view in ("footprint", "inventory"):
        totals = getattr(disclosure, view)["totals"]
        for part in ("measured", "estimated", "defaulted"):
            sheet.append([c.text(sheet, f"{view}: {part}"), c.number(sheet, totals[f"{part}_share"], c.PERCENT),
                          c.text(sheet, f"{totals[f'{part}_co2e_kg']:,.6g} kgCO2e")])
    c.section(sheet, "Ranking by the 95 % interval of the Uncertainty sheet (High up to 5 %, Good up to 15 %, "
                     "Fair up to 30 %, Poor beyond)")
    for figure in disclosure.uncertainty.figures:
        u95 = figure.u95_pct
        rank = quality_ranking(u95)
        sheet.append([c.text(sheet, figure.label), c.text(sheet, rank or "not ranked"),
                      c.text(sheet, "" if rank is None else f"U95 {u95:.1f} %")])
    c.section(sheet, "Completeness checks")
    for item, value, detail in completeness(disclosure):
        sheet.append([c.text(sheet, item), c.text(sheet, value), c.text(sheet, detail, alignment=c.WRAP)])
    c.section(sheet, "Disclosures, warnings and reconciliation of the engine")
    for view in ("footprint", "inventory"):
        for note in getattr(disclosure, view)["disclosures"] + getattr(disclosure, view)["warnings"]:
            sheet.append([c.text(sheet, view), None, c.text(sheet, note, alignment=c.WRAP)])
        for finding in getattr(disclosure, view)["reconciliation"]:
            sheet.append([c.text(sheet, f"{view}: {finding['subject']}"), c.text(sheet, finding["severity"]),
                          c.text(sheet, finding["message"], alignment=c.WRAP)])


def _header(sheet: Any, labels: tuple[str, ...] | list[str]) -> None:
    sheet.append([c.text(sheet, label, c.BOLD, fill=c.HEADER_FILL, alignment=c.WRAP) for label in labels])


def _cell(sheet: Any, value: Any) -> Any:
    """Make a number cell for a number and a text cell for anything else (hashes, names); None stays empty."""
    if value is None:
        return None
    if c.is_number(value) and not isinstance(value, bool):
        return c.number(sheet, value, c.COUNT if isinstance(value, int) else c.NUMBER)
    return c.text(sheet, value)
