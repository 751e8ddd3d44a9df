"""The PDF report (reportlab platypus), with the workbook and the manifest attached.

The text uses the bundled DejaVu Sans, embedded as a subset, because the standard PDF fonts lack
the subscript in kgCO₂e. :func:`render_pdf` lays out the report with a table of contents and
"Page n of m" on every page (two layout passes). :func:`attach_files` adds the manifest and the
workbook as associated files (``/AF``) in an incremental update, together with XMP metadata that
identifies the file as PDF/A-3b and an sRGB output intent, so a signature made afterwards in the
same update covers everything.

NOTE: the PDF/A-3 markers are written, but the file has not been checked with a PDF/A
validator (none runs offline here); reportlab's output may break rules a validator enforces, so
the report states that conformance is not claimed.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timezone
from importlib import resources
from typing import Any, Callable

from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

from workbench.reports import pdf_sections
from workbench.reports.pdf_archive import identify_as_pdfa3b, output_intent
from workbench.reports.disclosure import DRAFT_NOTICE, Disclosure
from workbench.reports.manifest import MANIFEST_FILE_NAME, manifest_json, parse_manifest
from workbench.reports.pdf_style import FONT, FONT_BOLD, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, format_number

log = logging.getLogger(__name__)

__all__ = ["XLSX_MIME", "attach_files", "format_number", "read_attachments", "read_manifest", "register_fonts",
           "render_pdf"]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DRAFT_RED = colors.HexColor("#C00000")
HEADING_STYLES = {"heading": 0, "subheading": 1}


def register_fonts() -> None:
    """Register the bundled DejaVu fonts with reportlab once per process."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    fonts = resources.files("workbench").joinpath("resources", "fonts")
    for name, file_name in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        with resources.as_file(fonts.joinpath(file_name)) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


class _Document(BaseDocTemplate):
    """A4 document whose section headings feed the table of contents and the PDF outline."""

    def __init__(self, buffer: io.BytesIO, disclosure: Disclosure) -> None:
        super().__init__(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 6 * mm,
                         bottomMargin=MARGIN + 4 * mm, title=disclosure.title, author="Carbon Workbench",
                         subject=f"Assumption set {disclosure.header.assumption_set}", creator="Carbon Workbench",
                         invariant=1, initialFontName=FONT)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self._headings = 0

    def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 (reportlab's name)
        if not isinstance(flowable, Paragraph) or flowable.style.name not in HEADING_STYLES:
            return
        level = HEADING_STYLES[flowable.style.name]
        text = flowable.getPlainText()
        key = f"section-{self._headings}"
        self._headings += 1
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
        self.notify("TOCEntry", (level, text, self.page, key))

    def handle_documentBegin(self) -> None:  # noqa: N802 (reportlab's name)
        self._headings = 0
        super().handle_documentBegin()


def render_pdf(disclosure: Disclosure) -> bytes:
    """Lay out ``disclosure`` (with its manifest set) as a PDF and return its bytes, without attachments."""
    register_fonts()
    buffer = io.BytesIO()
    document = _Document(buffer, disclosure)
    document.multiBuild(pdf_sections.story(disclosure, document.width), canvasmaker=_page_canvas(disclosure))
    return buffer.getvalue()


# -- attachments and PDF/A-3 markers ------------------------------------------------------------------

def attach_files(pdf_bytes: bytes, manifest: dict[str, Any], files: dict[str, bytes] | None = None
                 ) -> IncrementalPdfFileWriter:
    """Return a writer for an incremental update of ``pdf_bytes`` that attaches the manifest and ``files``.

    Each attachment is an associated file of the document (``/AF``, relationship ``/Data``). The
    update also adds the XMP metadata and the sRGB output intent of PDF/A-3b.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    stamp = datetime.fromisoformat(manifest["exported_at"].replace("Z", "+00:00")).astimezone(timezone.utc)
    attachments = {MANIFEST_FILE_NAME: (manifest_json(manifest).encode("utf-8"), "application/json",
                                        "Carbon Workbench export manifest: inputs, project state and figures")}
    for name, data in (files or {}).items():
        mime = XLSX_MIME if name.endswith(".xlsx") else "application/octet-stream"
        attachments[name] = (data, mime, "Workbook of this report with every figure as a live formula")
    for name, (data, mime, description) in attachments.items():
        params = embed.EmbeddedFileParams(creation_date=stamp, modification_date=stamp)
        stream = embed.EmbeddedFileObject.from_file_data(writer, data=data, params=params, mime_type=mime)
        embed.embed_file(writer, embed.FileSpec(
            file_spec_string=name, file_name=name, embedded_data=stream, description=description,
            af_relationship=generic.pdf_name("/Data")))
    _add_pdfa_markers(writer)
    return writer


def _add_pdfa_markers(writer: IncrementalPdfFileWriter) -> None:
    root = writer.root
    identify_as_pdfa3b(writer)
    root["/OutputIntents"] = generic.ArrayObject([writer.add_object(output_intent(writer))])
    # pyHanko marks files with associated files as PDF 2.0; PDF/A-3 builds on PDF 1.7, which has /AF.
    root["/Version"] = generic.pdf_name("/1.7")
    writer.output_version = (1, 7)
    writer.update_root()


def read_manifest(reader: PdfFileReader) -> dict[str, Any] | None:
    """Return the attached manifest of an opened PDF, or None if it has none.

    Raises ValueError if the attachment exists but is not a JSON object.
    """
    data = read_attachments(reader).get(MANIFEST_FILE_NAME)
    return None if data is None else parse_manifest(data.decode("utf-8"))


def read_attachments(reader: PdfFileReader) -> dict[str, bytes]:
    """Return every embedded file of an opened PDF by name."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except KeyError:
        return {}
    files = {}
    for index in range(0, len(names) - 1, 2):
        file_spec = names[index + 1].get_object()
        files[str(names[index])] = file_spec["/EF"]["/F"].get_object().data
    return files


# -- page furniture ----------------------------------------------------------------------------------

def _page_canvas(disclosure: Disclosure) -> Callable[..., canvas.Canvas]:
    """Return a canvas class that adds header, 'Page n of m' and the DRAFT mark to every page."""
    header_left = f"{disclosure.header.project_name}: carbon disclosure"
    header_right = f"Assumption set {disclosure.header.assumption_set}"

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
                _decorate(self, self._pageNumber, total, header_left, header_right, disclosure.draft)
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
