"""The PDF's avoided-emissions section: the reduction planner's ranked levers, narratives and offsets held.

The section exists only in a report with the reduction plan. It shows avoided emissions beside
the inventory and the footprint; no total of the report includes them.
"""

from __future__ import annotations

from reportlab.platypus import KeepTogether, PageBreak, Spacer

from workbench.reports import disclosure as d
from workbench.reports.charts import avoided_chart
from workbench.reports.disclosure import Disclosure
from workbench.reports.pdf_style import FONT, format_number, heading, number_cell, p, subheading, table

T = "tCO₂e"
KG_PER_T = 1000.0
CHART_ROW_HEIGHT = 16.0
STATEMENT = ("Avoided emissions are what each reduction lever would save if the operation changed. They are shown "
             "beside the inventory and the footprint and are never deducted from any total of this report.")


def avoided_section(disclosure: Disclosure, width: float) -> list:
    """Return the section's flowables, or none when the report has no reduction plan."""
    section = disclosure.avoided
    if section is None:
        return []
    flow = [PageBreak()] + heading(d.AVOIDED)
    flow.append(p(f"{STATEMENT} The levers derive from assumption set '{section.assumption_set}'. {section.method}."))
    rows = []
    for lever in section.levers:
        share = "–" if lever.share_of_reference is None else f"{lever.share_of_reference:.1%}"
        rows.append([str(lever.rank), lever.set_name, lever.view, number_cell(lever.avoided_co2e_kg / KG_PER_T),
                     f"{format_number(lever.low_co2e_kg / KG_PER_T)} to {format_number(lever.high_co2e_kg / KG_PER_T)}",
                     share, "; ".join(lever.depends_on)])
    flow.append(table(["#", "Lever", "View", f"Avoided ({T})", f"95 % interval ({T})", "Share", "Depends on"], rows,
                      [16, 104, 52, 52, 72, 40, width - 336]))
    charted = [(lever.label, lever.avoided_co2e_kg / KG_PER_T, lever.low_co2e_kg / KG_PER_T,
                lever.high_co2e_kg / KG_PER_T) for lever in section.levers]
    flow.append(Spacer(1, 6))
    flow.append(KeepTogether([p("Avoided emissions by lever", "label"),
                              avoided_chart(charted, width=width, height=40 + CHART_ROW_HEIGHT * max(len(charted), 1),
                                            unit=T, font_name=FONT)]))
    return flow + _narratives(disclosure, width) + _notes(disclosure)


def _narratives(disclosure: Disclosure, width: float) -> list:
    flow = subheading("Narratives")
    narratives = disclosure.avoided.narratives
    flow += [p(f"{item.heading}: {item.text}") for item in narratives] or [p("None recorded.")]
    flow += subheading("Offsets and carbon credits held (reported separately, never netted)")
    offsets = disclosure.inventory["offsets_reported_separately"]
    if not offsets:
        return flow + [p("None recorded.")]
    flow.append(table(["Instrument", "Label", "Market", "kgCO₂e"],
                      [[item["instrument_id"], item.get("label") or "", item.get("market") or "",
                        number_cell(item.get("credit_co2e_kg"))] for item in offsets],
                      [110, width - 280, 70, 100]))
    return flow


def _notes(disclosure: Disclosure) -> list:
    section = disclosure.avoided
    flow = subheading("Notes")
    references = "; ".join(f"{d.REFERENCE_LABELS.get(key, key)} {format_number(value)} kgCO₂e"
                           for key, value in section.reference.items())
    flow.append(p(f"• Reference totals: {references}.", "small"))
    flow += [p(f"• {note}", "small") for note in section.notes]
    flow += [p(f"• {lever.set_name}: {note}", "small") for lever in section.levers for note in lever.notes]
    return flow
