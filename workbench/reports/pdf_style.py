"""Fonts, page geometry, paragraph styles, number formatting and table helpers of the PDF report."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, Table, TableStyle

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
GRID = TableStyle([
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E1F2")),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9CA3AF")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F3F4F6")]),
])


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    """Return the report's paragraph styles by name."""
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=FONT, fontSize=9, leading=12)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=FONT_BOLD, fontSize=20, leading=25,
                                spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=base["Heading1"], fontName=FONT_BOLD, fontSize=14, leading=18,
                                  spaceBefore=6, spaceAfter=6, textColor=colors.HexColor("#1F3864")),
        "subheading": ParagraphStyle("subheading", parent=base["Heading2"], fontName=FONT_BOLD, fontSize=11,
                                     leading=14, spaceBefore=8, spaceAfter=4),
        "body": body,
        "cover": ParagraphStyle("cover", parent=body, fontName=FONT_BOLD, fontSize=13, leading=17, spaceAfter=6),
        "label": ParagraphStyle("label", parent=body, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=8,
                                spaceAfter=4),
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5),
        "status": ParagraphStyle("status", parent=body, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=8),
        "draft": ParagraphStyle("draft", parent=body, fontName=FONT_BOLD, fontSize=12, textColor=colors.HexColor(
            "#C00000")),
        "warning": ParagraphStyle("warning", parent=body, fontName=FONT_BOLD, textColor=colors.HexColor("#C00000")),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9.5),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=FONT_BOLD, fontSize=7.5, leading=9.5),
        "hash": ParagraphStyle("hash", parent=body, fontSize=6.5, leading=8, wordWrap="CJK"),
        "toc0": ParagraphStyle("toc0", parent=body, fontSize=10, leading=13, spaceBefore=3, leftIndent=0),
        "toc1": ParagraphStyle("toc1", parent=body, fontSize=8, leading=10, leftIndent=14),
    }


def format_number(value: Any) -> str:
    """Format a figure for the report: 3 decimals from 1 up, 4 significant digits below 1."""
    if value is None:
        return "–"
    number = float(value)
    if number != number:
        return "–"
    if number == 0:
        return "0"
    if abs(number) >= 1:
        return f"{number:,.3f}"
    return f"{number:.4g}"


def p(text: Any, style: str = "body") -> Paragraph:
    """Make a paragraph of plain text, escaping the markup characters in ``text``."""
    return Paragraph(escape(str(text)), styles()[style])


def table(header: list[str], rows: list[list], widths: list[float], *, numeric_from: int | None = None,
          bold_last: bool = False) -> Table:
    """Make a grid table with a repeated header row; cells that are not flowables become paragraphs."""
    body = [[p(text, "cell_bold") for text in header]]
    for row in rows:
        body.append([cell if hasattr(cell, "wrapOn") else p("" if cell is None else cell, "cell") for cell in row])
    result = Table(body, colWidths=widths, repeatRows=1)
    commands = []
    if numeric_from is not None:
        commands.append(("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"))
    if bold_last:
        commands.append(("FONTNAME", (0, -1), (-1, -1), FONT_BOLD))
    result.setStyle(GRID)
    result.setStyle(TableStyle(commands))
    return result


def number_cell(value: Any) -> Paragraph:
    """Make a right-aligned paragraph of a formatted figure."""
    return Paragraph(format_number(value), ParagraphStyle("number", parent=styles()["cell"], alignment=2))


def heading(text: str) -> list:
    """Return a section heading (an entry of the table of contents), on a new page when little room is left."""
    return [CondPageBreak(90), p(text, "heading")]


def subheading(text: str) -> list:
    """Return a subsection heading, on a new page when little room is left."""
    return [CondPageBreak(110), p(text, "subheading")]
