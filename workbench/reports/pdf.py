"""The PDF report (reportlab platypus) with the manifest attached as ``manifest.json``.

The text uses the bundled DejaVu Sans, embedded as a subset, because the standard PDF fonts lack
the subscript in kgCO₂e. :func:`render_pdf` lays out the report. :func:`attach_manifest` adds
the manifest as an embedded file in an incremental update, so a signature made afterwards in the
same update covers the manifest too.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timezone
from importlib import resources
from typing import Any, Callable
from xml.sax.saxutils import escape

from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from workbench.reports import planner_appendix
from workbench.reports.charts import energy_chart
from workbench.reports.content import DRAFT_NOTICE, VIEW_DESCRIPTION, ReportContent
from workbench.reports.manifest import MANIFEST_FILE_NAME, manifest_json, parse_manifest

log = logging.getLogger(__name__)

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
DRAFT_RED = colors.HexColor("#C00000")
_GRID = TableStyle([
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E1F2")),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9CA3AF")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F3F4F6")]),
])


def register_fonts() -> None:
    """Register the bundled DejaVu fonts with reportlab once per process."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    fonts = resources.files("workbench").joinpath("resources", "fonts")
    for name, file_name in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        with resources.as_file(fonts.joinpath(file_name)) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def format_number(value: Any) -> str:
    """Format a figure for the report: 3 decimals from 1 up, 4 significant digits below 1."""
    if value is None:
        return "–"
    number = float(value)
    if number == 0:
        return "0"
    if abs(number) >= 1:
        return f"{number:,.3f}"
    return f"{number:.4g}"


def render_pdf(content: ReportContent) -> bytes:
    """Lay out ``content`` as a PDF and return its bytes (without the manifest attachment)."""
    register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN + 4 * mm, title=content.title, author="Carbon Workbench",
        subject=f"Assumption set {content.assumption_set}", creator="Carbon Workbench", invariant=1,
        initialFontName=FONT)
    document.build(_story(content, styles), canvasmaker=_page_canvas(content))
    return buffer.getvalue()


def attach_manifest(pdf_bytes: bytes, manifest: dict[str, Any]) -> IncrementalPdfFileWriter:
    """Return a writer for an incremental update of ``pdf_bytes`` that embeds the manifest."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    stamp = datetime.fromisoformat(manifest["exported_at"].replace("Z", "+00:00")).astimezone(timezone.utc)
    data = manifest_json(manifest).encode("utf-8")
    params = embed.EmbeddedFileParams(creation_date=stamp, modification_date=stamp)
    stream = embed.EmbeddedFileObject.from_file_data(writer, data=data, params=params, mime_type="application/json")
    embed.embed_file(writer, embed.FileSpec(
        file_spec_string=MANIFEST_FILE_NAME, file_name=MANIFEST_FILE_NAME, embedded_data=stream,
        description="Carbon Workbench export manifest: inputs, project state and figures",
        af_relationship=generic.pdf_name("/Data")))
    return writer


def read_manifest(reader: PdfFileReader) -> dict[str, Any] | None:
    """Return the attached manifest of an opened PDF, or None if it has none.

    Raises ValueError if the attachment exists but is not a JSON object.
    """
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except KeyError:
        return None
    for index in range(0, len(names) - 1, 2):
        if str(names[index]) != MANIFEST_FILE_NAME:
            continue
        file_spec = names[index + 1].get_object()
        data = file_spec["/EF"]["/F"].get_object().data
        return parse_manifest(data.decode("utf-8"))
    return None


# -- layout --------------------------------------------------------------------------------------

def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=FONT, fontSize=9, leading=12)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=FONT_BOLD, fontSize=17, leading=21),
        "heading": ParagraphStyle("heading", parent=base["Heading2"], fontName=FONT_BOLD, fontSize=12,
                                  spaceBefore=10, spaceAfter=4),
        "body": body,
        "draft": ParagraphStyle("draft", parent=body, fontName=FONT_BOLD, fontSize=12, textColor=DRAFT_RED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=FONT_BOLD, fontSize=8, leading=10),
        "hash": ParagraphStyle("hash", parent=body, fontSize=6.5, leading=8, wordWrap="CJK"),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    """Make a paragraph of plain text, escaping the markup characters in ``text``."""
    return Paragraph(escape(str(text)), style)


def _story(content: ReportContent, styles: dict[str, ParagraphStyle]) -> list:
    manifest = content.manifest
    story: list = [_p("Carbon footprint of AI training", styles["title"])]
    if content.draft:
        story.append(_p(DRAFT_NOTICE, styles["draft"]))
    for line in (f"Project: {content.project_name}",
                 f"Assumption set: {content.assumption_set} (SHA-256 {manifest['assumption_set_sha256']})",
                 f"Exported at: {content.exported_at}",
                 f"View: {VIEW_DESCRIPTION}."):
        story.append(_p(line, styles["body"]))

    story += [_p("Summary", styles["heading"]), _summary_table(content, styles)]
    story += [_p("Facility energy over time", styles["heading"]),
              energy_chart(content.hourly, width=CONTENT_WIDTH, height=210, font_name=FONT),
              _p("Facility energy = (GPU energy × node uplift + metered node energy + metered IT energy) × PUE "
                 "+ metered facility energy. Operational emissions multiply each UTC hour's facility energy by "
                 "the location-based emission factor matched to that hour.", styles["body"])]
    if content.warnings:
        story.append(_p("Warnings", styles["heading"]))
        story += [_p(f"• {warning}", styles["body"]) for warning in content.warnings]
    story += [_p("Assumptions", styles["heading"]), _assumptions_table(content, styles)]
    story += [_p("Input files", styles["heading"]), _sources_table(content, styles)]
    story += [_p("Evidence", styles["heading"]), _evidence_table(content, styles), Spacer(1, 6),
              _p(f"The manifest of this export is attached to this PDF as {MANIFEST_FILE_NAME}. When the PDF "
                 "is signed, the signature covers the manifest too.", styles["body"])]
    if content.planner is not None:
        story += planner_appendix.pdf_section(content.planner, styles, _GRID, CONTENT_WIDTH, format_number)
    return story


def _table(rows: list[list], widths: list[float], *, numeric_from: int | None = None,
           bold_last: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    commands = []
    if numeric_from is not None:
        commands.append(("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"))
    if bold_last:
        commands.append(("FONTNAME", (0, -1), (-1, -1), FONT_BOLD))
    table.setStyle(_GRID)
    table.setStyle(TableStyle(commands))
    return table


def _summary_table(content: ReportContent, styles: dict[str, ParagraphStyle]) -> Table:
    header = ["Run", "GPUs", "GPU energy (kWh)", "Facility energy (kWh)", "Operational (kgCO₂e)",
              "Embodied (kgCO₂e)", "Total (kgCO₂e)"]
    keys = ("gpu_energy_kwh", "facility_energy_kwh", "operational_co2e_kg", "embodied_co2e_kg", "total_co2e_kg")
    rows: list[list] = [[_p(text, styles["cell_bold"]) for text in header]]
    for run in content.runs:
        rows.append([_p(run["run"], styles["cell"]), str(run["gpu_count"])]
                    + [format_number(run[key]) for key in keys])
    # The GPU column has no total, because consecutive runs may use the same GPUs.
    rows.append(["All runs", ""] + [format_number(content.totals[key]) for key in keys])
    return _table(rows, [118, 36, 64, 68, 70, 66, 68], numeric_from=1, bold_last=True)


def _assumptions_table(content: ReportContent, styles: dict[str, ParagraphStyle]) -> Table:
    rows: list[list] = [[_p(text, styles["cell_bold"]) for text in ("Assumption", "Value", "Unit", "Basis")]]
    for item in content.assumptions:
        value = "(not set)" if item["value"] in (None, "") else item["value"]
        basis = item["rationale"] if item["origin"] == "default" else f"set in '{item['origin']}': {item['rationale']}"
        rows.append([_p(item["label"], styles["cell"]), _p(value, styles["cell"]), _p(item["unit"], styles["cell"]),
                     _p(basis, styles["cell"])])
    return _table(rows, [120, 62, 88, CONTENT_WIDTH - 270])


def _sources_table(content: ReportContent, styles: dict[str, ParagraphStyle]) -> Table:
    header = ("ID", "File", "Kind", "Rows accepted / rejected", "SHA-256")
    rows: list[list] = [[_p(text, styles["cell_bold"]) for text in header]]
    for source in content.sources:
        rows.append([str(source["id"]), _p(source["file"], styles["cell"]), _p(source["kind"], styles["cell"]),
                     f"{source['rows_accepted']:,} / {source['rows_rejected']:,}",
                     _p(source["sha256"], styles["hash"])])
    return _table(rows, [24, 130, 66, 66, CONTENT_WIDTH - 286])


def _evidence_table(content: ReportContent, styles: dict[str, ParagraphStyle]) -> Table:
    manifest = content.manifest
    facts = (
        ("Project state SHA-256", manifest["project_state_sha256"]),
        ("Assumption set SHA-256", manifest["assumption_set_sha256"]),
        ("Audit log head (SHA-256)", f"{manifest['audit_log_head']} (entry {manifest['audit_log_entries']})"),
        ("Rejected input rows", f"{content.rejected_total:,}"),
        ("Software", f"{manifest['software']['name']} {manifest['software']['version']}"),
    )
    rows: list[list] = [[_p("Item", styles["cell_bold"]), _p("Value", styles["cell_bold"])]]
    rows += [[_p(label, styles["cell"]), _p(value, styles["hash"])] for label, value in facts]
    return _table(rows, [130, CONTENT_WIDTH - 130])


# -- page furniture ------------------------------------------------------------------------------

def _page_canvas(content: ReportContent) -> Callable[..., canvas.Canvas]:
    """Return a canvas class that adds header, 'Page n of m' and the DRAFT mark to every page."""
    header_left = f"{content.project_name}: carbon footprint report"
    header_right = f"Assumption set {content.assumption_set}"

    class PageCanvas(canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._page_states: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._page_states)
            for state in self._page_states:
                self.__dict__.update(state)
                _decorate(self, self._pageNumber, total, header_left, header_right, content.draft)
                super().showPage()
            super().save()

    return PageCanvas


def _decorate(page: canvas.Canvas, number: int, total: int, left: str, right: str, draft: bool) -> None:
    page.saveState()
    page.setFont(FONT, 7.5)
    page.setFillColor(colors.HexColor("#4B5563"))
    page.drawString(MARGIN, PAGE_HEIGHT - MARGIN + 2, left[:90])
    page.drawRightString(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN + 2, right[:60])
    page.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 4, f"Page {number} of {total}")
    if draft:
        page.setFillColor(DRAFT_RED)
        page.setFont(FONT_BOLD, 9)
        page.drawString(MARGIN, MARGIN - 4, DRAFT_NOTICE)
        page.setFillAlpha(0.12)
        page.setFont(FONT_BOLD, 110)
        page.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        page.rotate(45)
        page.drawCentredString(0, -35, "DRAFT")
    page.restoreState()
