"""The PDF's uncertainty statement, comparison of assumption sets and data-quality section."""

from __future__ import annotations

from reportlab.platypus import PageBreak, Spacer

from workbench.reports.charts import interval_chart
from workbench.reports.disclosure import Disclosure, UncertaintySummary, quality_ranking
from workbench.reports.pdf_style import FONT, format_number, heading, number_cell, p, subheading, table
from workbench.reports.xlsx_tables import completeness

KG = "kgCO₂e"
# Contributors below this share of the variance are left out of the table (the workbook lists them).
MIN_SHOWN_SHARE = 0.001
# Height of one figure's bar in the interval chart, in points.
CHART_ROW_HEIGHT = 13.0
RANKING_TEXT = "High up to ±5 %, Good up to ±15 %, Fair up to ±30 %, Poor beyond"


def uncertainty_section(disclosure: Disclosure, width: float) -> list:
    summary = disclosure.uncertainty
    flow = [PageBreak()] + heading("Uncertainty")
    if not summary.computed:
        return flow + [p("Uncertainty was not computed: " + "; ".join(summary.notes), "warning")]

    flow.append(p(f"Method: {summary.method}. Runs: {summary.describe_runs()}. The same project, assumption set, "
                  "seed and software version reproduce every digit. Intervals cover "
                  f"{summary.coverage:.0%}: the 2.5th to 97.5th percentiles of the trials. U is the half-width over "
                  f"the mean (IPCC convention); the rank is {RANKING_TEXT}."))
    rows = [[figure.label, figure.unit, number_cell(figure.value), number_cell(figure.mean), number_cell(figure.low),
             number_cell(figure.high), "–" if figure.u95_pct is None else f"±{figure.u95_pct:.1f} %",
             quality_ranking(figure.u95_pct) or "–"] for figure in summary.figures]
    numbers = (width - 124 - 48 - 46 - 38) / 4
    flow.append(table(["Figure", "Unit", "Value", "Mean", "95 % low", "95 % high", "U", "Rank"], rows,
                      [124, 48] + [numbers] * 4 + [46, 38]))

    flow.append(Spacer(1, 6))
    charted = [(figure.label, figure.value, figure.low, figure.high) for figure in summary.figures
               if figure.low is not None]
    flow.append(interval_chart(charted, width=width, height=40 + CHART_ROW_HEIGHT * max(len(charted), 1),
                               font_name=FONT))
    return flow + _contributors_and_inputs(summary, width)


def _contributors_and_inputs(summary: UncertaintySummary, width: float) -> list:
    flow = subheading("Main contributors")
    rows = [[item.figure, item.input, f"{item.variance_share:.1%}"] for item in summary.contributors
            if item.variance_share >= MIN_SHOWN_SHARE]
    flow.append(table(["Figure", "Input", "Share of variance"], rows, [150, width - 220, 70]))

    flow += subheading("Uncertain inputs")
    rows = [[item.view, item.label if item.members == 1 else f"{item.label} (pooled)", item.distribution,
             "–" if item.u95_pct is None else f"±{item.u95_pct:.1f} %", quality_ranking(item.u95_pct) or "–",
             item.origin] for item in summary.inputs]
    flow.append(table(["View", "Input", "Distribution", "U", "Rank", "Origin"], rows,
                      [52, width - 306, 110, 46, 38, 60]))

    flow += subheading("Notes")
    flow += [p(f"• {note}", "small") for note in summary.notes]
    return flow


def comparison_section(disclosure: Disclosure, width: float) -> list:
    summary = disclosure.comparison
    flow = heading("Comparison of assumption sets")
    flow.append(p(f"Reported set: {summary.reference_set}. {summary.method}."))
    rows = [[item.name, number_cell(item.footprint.get("total_co2e_kg")),
             number_cell(item.footprint.get("facility_energy_kwh")),
             number_cell(item.inventory.get("total_location_based_co2e_kg")),
             number_cell(item.inventory.get("total_market_based_co2e_kg"))] for item in summary.sets]
    flow.append(table(["Set", f"Footprint ({KG})", "Facility energy (kWh)", f"Inventory, location ({KG})",
                       f"Inventory, market ({KG})"], rows, [90] + [(width - 90) / 4] * 4))
    if summary.deltas:
        flow += subheading("Differences from the reported set")
        rows = [[f"{delta.set_b} − {delta.set_a}", delta.view, delta.figure, number_cell(delta.delta),
                 "not computed" if delta.low is None else f"{format_number(delta.low)} to {format_number(delta.high)}",
                 "–" if delta.probability_b_below_a is None else f"{delta.probability_b_below_a:.3f}"]
                for delta in summary.deltas]
        flow.append(table(["Sets", "View", "Figure", "Difference", "95 % interval", "P(B < A)"], rows,
                          [90, 55, width - 365, 70, 100, 50]))
    if summary.decomposition:
        flow += subheading("Decomposition into the assumptions that differ (Shapley values)")
        rows = [[part.set_b, part.assumption, part.view, part.figure, number_cell(part.contribution),
                 number_cell(part.switched_alone)] for part in summary.decomposition]
        flow.append(table(["Set", "Assumption", "View", "Figure", "Shapley value", "Changed alone"], rows,
                          [70, 90, 55, width - 365, 75, 75]))
    flow += [p(f"• {note}", "small") for note in summary.notes]
    return flow


def quality_section(disclosure: Disclosure, width: float) -> list:
    flow = [PageBreak()] + heading("Data quality")
    rows = []
    for view in ("footprint", "inventory"):
        totals = getattr(disclosure, view)["totals"]
        rows.append([view] + [f"{totals[f'{part}_share']:.1%}" for part in ("measured", "estimated", "defaulted")])
    flow.append(table(["View", "Measured", "Estimated", "Defaulted"], rows, [120] + [(width - 120) / 3] * 3))
    flow += subheading("Ranking by uncertainty")
    flow.append(p(f"Each figure is ranked by the half-width of its 95 % interval in the uncertainty section: "
                  f"{RANKING_TEXT}."))
    rows = [[figure.label, "–" if figure.u95_pct is None else f"±{figure.u95_pct:.1f} %",
             quality_ranking(figure.u95_pct) or "not ranked"] for figure in disclosure.uncertainty.figures]
    flow.append(table(["Figure", "U", "Rank"], rows, [width - 150, 80, 70]))
    flow += subheading("Completeness checks")
    flow.append(table(["Item", "Result", "Detail"], [list(check) for check in completeness(disclosure)],
                      [130, 150, width - 280]))
    return flow
