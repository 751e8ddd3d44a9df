"""The Excel workbook export: every sheet of a disclosure, with totals as live formulas.

The sheets, in order: cover and sign-off, summary, checklist, runs, energy, site energy, Scope 1,
markets and instruments, assets and embodied, factors, assumptions, uncertainty, comparison,
data quality, ESRS E1-5, ESRS E1-6, AI Act training energy, sources and evidence, rejected rows,
audit log, methodology, engine check and the hidden manifest. A report with the reduction plan
has an Avoided emissions sheet after Data quality, with values that no formula refers to. The
totals on the Summary sheet are formulas over the activity sheets (energy, site energy, Scope 1,
markets, assets), which are formulas over the measured values and the named assumption cells,
so an auditor can trace every figure and see it move when an assumption cell changes.

The workbook is written in openpyxl's write-only mode, row by row, so large energy sheets stay
within memory. The same content gives the same bytes, because ZIP entry times and document
properties are fixed to the export time.
"""

from __future__ import annotations

import io
import logging
from openpyxl import Workbook
from openpyxl.xml.constants import ARC_CORE
from openpyxl.xml.functions import tostring

from workbench.progress import Progress
from workbench.reports import disclosure as d
from workbench.reports import methodology
from workbench.reports import xlsx_activity as activity
from workbench.reports import xlsx_avoided as avoided
from workbench.reports import xlsx_cells as c
from workbench.reports import xlsx_summary as summary
from workbench.reports import xlsx_tables as tables
from workbench.reports import xlsx_uncertainty as uncertainty
from workbench.reports.disclosure import Disclosure
from workbench.reports.xlsx_layout import plan
from workbench.reports.xlsx_summary import read_engine_figures
from workbench.reports.xlsx_tables import read_manifest_text

log = logging.getLogger(__name__)

__all__ = ["SHEET_NAMES", "read_engine_figures", "read_manifest_text", "render_workbook", "sheet_names"]

SHEET_NAMES = (d.COVER, d.SUMMARY, d.CHECKLIST, d.RUNS, d.ENERGY, d.SITE_ENERGY, d.SCOPE1, d.MARKETS, d.ASSETS,
               d.FACTORS, d.ASSUMPTIONS, d.UNCERTAINTY, d.COMPARISON, d.QUALITY, d.ESRS_E15, d.ESRS_E16, d.AI_ACT,
               d.SOURCES, d.REJECTED, d.AUDIT, d.METHODOLOGY, d.ENGINE_CHECK, d.MANIFEST)


def sheet_names(disclosure: Disclosure) -> tuple[str, ...]:
    """Return the sheets of the workbook of ``disclosure``, in order."""
    if disclosure.avoided is None:
        return SHEET_NAMES
    after = SHEET_NAMES.index(d.QUALITY) + 1
    return SHEET_NAMES[:after] + (d.AVOIDED,) + SHEET_NAMES[after:]


def render_workbook(disclosure: Disclosure, *, signature_note: str = "not signed",
                    progress: Progress | None = None) -> bytes:
    """Lay out ``disclosure`` (with its manifest set) as an .xlsx workbook and return its bytes."""
    workbook = Workbook(write_only=True)
    stamp = c.parse_time(disclosure.header.exported_at)
    workbook.properties.creator = f"Carbon Workbench {disclosure.header.software_version}"
    workbook.properties.title = disclosure.title
    workbook.properties.created = workbook.properties.modified = stamp
    layout = plan(disclosure)

    steps = [
        lambda: summary.write_cover(workbook, disclosure, signature_note),
        lambda: summary.write_summary(workbook, disclosure, layout),
        lambda: tables.write_checklist(workbook, disclosure),
        lambda: activity.write_runs(workbook, disclosure, layout),
        lambda: activity.write_energy(workbook, disclosure),
        lambda: activity.write_site_energy(workbook, disclosure, layout),
        lambda: activity.write_scope1(workbook, disclosure),
        lambda: activity.write_markets(workbook, disclosure, layout),
        lambda: activity.write_assets(workbook, disclosure, layout),
        lambda: tables.write_table(workbook, d.FACTORS, tables.FACTOR_COLUMNS, disclosure.factors, disclosure,
                                   "Emission factors of the project (every basis), with source, version and vintage"),
        lambda: tables.write_assumptions(workbook, disclosure, layout),
        lambda: uncertainty.write_uncertainty(workbook, disclosure),
        lambda: uncertainty.write_comparison(workbook, disclosure),
        lambda: uncertainty.write_quality(workbook, disclosure),
        lambda: summary.write_esrs(workbook, disclosure),
        lambda: summary.write_ai_act(workbook, disclosure),
        lambda: tables.write_sources(workbook, disclosure),
        lambda: tables.write_table(workbook, d.REJECTED, tables.REJECTED_COLUMNS, disclosure.rejected, disclosure,
                                   f"Rejected input rows ({len(disclosure.rejected):,} of {disclosure.rejected_total:,}; "
                                   "all are kept in the project file)"),
        lambda: tables.write_table(workbook, d.AUDIT, tables.AUDIT_COLUMNS, disclosure.audit, disclosure,
                                   "Audit log of the project at export"),
        lambda: tables.write_methodology(workbook, disclosure, methodology.statements(disclosure)),
        lambda: summary.write_engine_check(workbook, disclosure, layout),
        lambda: tables.write_manifest(workbook, disclosure),
    ]
    if disclosure.avoided is not None:
        steps.insert(SHEET_NAMES.index(d.QUALITY) + 1, lambda: avoided.write_avoided(workbook, disclosure))
    for number, step in enumerate(steps, 1):
        step()
        if progress is not None:
            progress.update(number / len(steps), f"sheet {number} of {len(steps)}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    log.info("rendered workbook: %d energy rows, %d site rows", len(disclosure.energy_rows),
             len(disclosure.site_rows))
    # openpyxl's save sets the modified time to the current time; the export time keeps equal content equal.
    workbook.properties.modified = stamp
    core = tostring(workbook.properties.to_tree())
    return c.fix_zip_times(buffer.getvalue(), {ARC_CORE: core})
