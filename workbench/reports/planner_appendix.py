"""The reduction planner's appendix: avoided emissions by lever, as a workbook sheet and a PDF section.

The appendix takes plain data (:meth:`workbench.services.planner.PlanOutcome.appendix`): a title,
the ranked rows, the narratives, the offsets held and the notes. Both layouts label every figure
as avoided emissions and write values only, never a formula or a sum, so no total of the report
can include them. The workbook and PDF writers call :func:`write_sheet` and :func:`pdf_section`
when the report content has an appendix; nothing else in the report depends on this module.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

SHEET = "Avoided emissions"
BANNER = ("Avoided emissions by reduction lever: reported beside the footprint and the inventory, never deducted "
          "from them")
# (header, key, width, number format or None for text)
COLUMNS: tuple[tuple[str, str, float, str | None], ...] = (
    ("Rank", "rank", 6, "#,##0"),
    ("Lever (assumption set)", "lever", 46, None),
    ("View", "view", 10, None),
    ("Avoided emissions (tCO2e)", "avoided_tco2e", 14, "#,##0.000###"),
    ("Mean, Monte Carlo (tCO2e)", "mean_tco2e", 14, "#,##0.000###"),
    ("95 % interval, low (tCO2e)", "low_tco2e", 14, "#,##0.000###"),
    ("95 % interval, high (tCO2e)", "high_tco2e", 14, "#,##0.000###"),
    ("Probability the lever saves", "probability_saves", 12, "0.000"),
    ("Share of the reference (fraction)", "share_of_reference", 12, "0.0000"),
    ("Reference total", "reference_output", 26, None),
    ("Reference (tCO2e)", "reference_tco2e", 14, "#,##0.000###"),
    ("Marginal-intensity variant (tCO2e)", "marginal_tco2e", 14, "#,##0.000###"),
    ("Depends on", "depends_on", 80, None),
)


def sheet_rows(appendix: dict[str, Any]) -> list[tuple[str, list[tuple[Any, str | None]]]]:
    """Return the sheet below its header row as (kind, cells): kind is ``row``, ``heading``, ``text`` or ``blank``.

    Each cell is (value, number format or None for text), so the workbook writer only lays it out.
    """
    lines: list[tuple[str, list[tuple[Any, str | None]]]] = []
    for row in appendix["rows"]:
        lines.append(("row", [(row.get(key), number_format) for _, key, _, number_format in COLUMNS]))
    lines.append(("blank", []))
    lines.append(("heading", [("Narratives", None)]))
    for item in appendix["narratives"] or [{"heading": "(none recorded)", "text": ""}]:
        lines.append(("text", [(item["heading"], None), (item["text"], None)]))
    lines.append(("blank", []))
    lines.append(("heading", [("Offsets or credits held (reported separately, never netted)", None)]))
    for item in appendix["offsets"] or [{"instrument_id": "(none recorded)", "credit_co2e_kg": None}]:
        size = "" if item.get("credit_co2e_kg") is None else f"{item['credit_co2e_kg']:,.6g} kgCO2e"
        lines.append(("text", [(item["instrument_id"], None), (f"{item.get('label') or ''} {size}".strip(), None)]))
    lines.append(("blank", []))
    lines.append(("heading", [("Notes", None)]))
    lines.append(("text", [("Monte Carlo", None), (_monte_carlo(appendix), None)]))
    for note in appendix["notes"]:
        lines.append(("text", [("", None), (note, None)]))
    return lines


def _monte_carlo(appendix: dict[str, Any]) -> str:
    return (f"{appendix['trials']:,} trials per lever, seed {appendix['seed']}, common random numbers: the world "
            f"without and the world with each lever take the same draws for the inputs they share")


def write_sheet(workbook: Any, content: Any, appendix: dict[str, Any]) -> None:
    """Add the appendix sheet to a write-only openpyxl workbook, laid out like the report's other sheets."""
    from workbench.reports import xlsx

    columns = tuple(xlsx.Column(header, key, width, number_format)
                    for header, key, width, number_format in COLUMNS)
    sheet = xlsx._new_sheet(workbook, SHEET, content, columns)
    xlsx._banner(sheet, content, f"{BANNER}. {appendix['title']}")
    sheet.append([xlsx._text(sheet, column.header, xlsx._BOLD, fill=xlsx._HEADER_FILL) for column in columns])
    for kind, cells in sheet_rows(appendix):
        if kind == "blank":
            sheet.append([])
        elif kind == "heading":
            sheet.append([xlsx._text(sheet, cells[0][0], xlsx._BOLD)])
        else:
            sheet.append([_cell(xlsx, sheet, value, number_format) for value, number_format in cells])


def _cell(xlsx: Any, sheet: Any, value: Any, number_format: str | None) -> Any:
    if value is None:
        return None
    if number_format is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return xlsx._number(sheet, value, number_format)
    return xlsx._text(sheet, value)


def pdf_section(appendix: dict[str, Any], styles: dict[str, ParagraphStyle], grid: TableStyle,
                width: float, number: Any) -> list:
    """Return the PDF flowables of the appendix: heading, ranked table, narratives, offsets and notes.

    ``grid`` is the report's table style, ``width`` its text width and ``number`` its number formatter.
    """
    story: list = [Paragraph(escape("Appendix: avoided emissions by reduction lever"), styles["heading"]),
                   Paragraph(escape(f"{BANNER}. {_monte_carlo(appendix)}."), styles["body"]), Spacer(1, 4)]
    header = ["#", "Lever", "View", "Avoided (tCO₂e)", "95 % interval (tCO₂e)", "Share", "Depends on"]
    rows: list[list] = [[Paragraph(escape(text), styles["cell_bold"]) for text in header]]
    for row in appendix["rows"]:
        share = "–" if row["share_of_reference"] is None else f"{row['share_of_reference']:.1%}"
        interval = f"{escape(number(row['low_tco2e']))} to<br/>{escape(number(row['high_tco2e']))}"
        rows.append([str(row["rank"]), Paragraph(escape(row["lever"]), styles["cell"]), row["view"],
                     Paragraph(escape(number(row["avoided_tco2e"])), styles["cell"]),
                     Paragraph(interval, styles["cell"]), share,
                     Paragraph(escape(row["depends_on"]), styles["cell"])])
    table = Table(rows, colWidths=[16, 108, 46, 58, 64, 42, width - 334], repeatRows=1)
    table.setStyle(grid)
    table.setStyle(TableStyle([("ALIGN", (5, 1), (5, -1), "RIGHT")]))
    story.append(table)
    story.append(Paragraph(escape("Narratives"), styles["heading"]))
    for item in appendix["narratives"] or [{"heading": "None recorded", "text": ""}]:
        story.append(Paragraph(f"<b>{escape(item['heading'])}.</b> {escape(item['text'])}", styles["body"]))
    story.append(Paragraph(escape("Offsets or credits held (reported separately, never netted)"), styles["heading"]))
    for item in appendix["offsets"] or [{"instrument_id": "None recorded", "credit_co2e_kg": None}]:
        size = "" if item.get("credit_co2e_kg") is None else f": {item['credit_co2e_kg']:,.6g} kgCO₂e"
        story.append(Paragraph(escape(f"• {item['instrument_id']}{size}"), styles["body"]))
    story.append(Paragraph(escape("Notes"), styles["heading"]))
    story += [Paragraph(escape(f"• {note}"), styles["body"]) for note in appendix["notes"]]
    return story
