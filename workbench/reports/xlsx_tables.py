"""The reference sheets of the workbook: assumptions, factors, checklist, sources and evidence, rejected
rows, audit log, methodology and the hidden manifest, and the completeness checks of the data quality.

The Assumptions sheet names each value's cell ``assumption_<key>``; the activity sheets' formulas
use these names, so changing a value there recalculates every figure that depends on it.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from workbench.engine.assumptions import SPECS
from workbench.reports import disclosure as d
from workbench.reports import xlsx_cells as c
from workbench.reports.disclosure import Disclosure
from workbench.reports.manifest import manifest_json
from workbench.reports.xlsx_activity import name
from workbench.reports.xlsx_cells import Column
from workbench.reports.xlsx_layout import Layout

C = Column
# An Excel cell takes at most 32,767 characters, so the manifest JSON is split over rows.
MANIFEST_CHUNK_CHARS = 30_000
FACTOR_COLUMNS = (
    C("Factor ID", "id", 8, c.COUNT), C("Basis", "basis", 12), C("Method", "method", 9), C("Zone", "zone", 9),
    C("Zone name", "zone_name", 14), C("From (UTC)", "period_start_utc", 20), C("To (UTC)", "period_end_utc", 20),
    C("Resolution", "resolution", 9), C("Value (gCO2e/kWh)", "co2e_g_per_kwh", 12, c.G_PER_KWH),
    C("Value as published", "original_value", 11, c.NUMBER), C("Unit as published", "original_unit", 11),
    C("Gas basis", "gas_basis", 8), C("GWP set", "gwp_set", 7), C("Dataset", "dataset", 22),
    C("Dataset version", "dataset_version", 10), C("Vintage", "vintage", 8), C("Publisher", "publisher", 16),
    C("Licence", "licence", 12), C("Source", "source_text", 50), C("URL", "source_url", 30),
    C("Source file ID", "source_id", 8, c.COUNT),
)
SOURCE_COLUMNS = (
    C("Source ID", "id", 9, c.COUNT), C("File", "file", 36), C("Kind", "kind", 12), C("SHA-256", "sha256", 68),
    C("Size (bytes)", "size_bytes", 12, c.COUNT), C("Rows read", "rows_read", 10, c.COUNT),
    C("Rows accepted", "rows_accepted", 10, c.COUNT), C("Rows rejected", "rows_rejected", 10, c.COUNT),
    C("First time (UTC)", "start_utc", 21), C("Last time (UTC)", "end_utc", 21), C("Importer", "importer", 24),
    C("Imported at (UTC)", "imported_at", 27), C("Imported by", "actor", 12),
)
REJECTED_COLUMNS = (
    C("Source ID", "source_id", 9, c.COUNT), C("File", "file", 36), C("Row", "row_number", 8, c.COUNT),
    C("Column", "column_name", 20), C("Raw value", "raw_value", 30), C("Reason", "reason", 70),
)
AUDIT_COLUMNS = (
    C("Entry", "seq", 7, c.COUNT), C("At (UTC)", "at", 27), C("Actor", "actor", 12), C("Action", "action", 18),
    C("Entity", "entity", 22), C("Details (JSON)", "details", 80), C("Entry hash (SHA-256)", "hash", 68),
)
CHECKLIST_COLUMNS = (
    C("Item", "id", 6, c.COUNT), C("Section", "section", 20), C("Required disclosure", "text", 60),
    C("Status", "status", 14), C("What is shown, or what is missing", "detail", 80), C("Shown in", "shown_in", 36),
)
TEXT_COLUMNS = (C("Topic", "topic", 34), C("Statement", "statement", 120))


def sheet_with_header(workbook: Workbook, title: str, columns: tuple, disclosure: Disclosure, description: str,
                      *, header: bool = True) -> Any:
    """Add sheet ``title`` with the DRAFT or title banner and, unless ``header`` is False, the column headers."""
    sheet = c.new_sheet(workbook, title, columns, draft=disclosure.draft, project_name=disclosure.header.project_name)
    c.banner(sheet, disclosure.draft, description)
    if header:
        c.header_row(sheet, columns)
    else:
        sheet.append([])
    return sheet


def write_table(workbook: Workbook, title: str, columns: tuple, records: list[dict[str, Any]], disclosure: Disclosure,
                description: str) -> Any:
    sheet = sheet_with_header(workbook, title, columns, disclosure, description)
    widths = [column.width for column in columns]
    for offset, record in enumerate(records):
        cells = c.record_row(sheet, columns, record)
        c.fit_row(sheet, c.FIRST_DATA_ROW + offset, cells, widths)
        sheet.append(cells)
    return sheet


# -- Assumptions -------------------------------------------------------------------------------------

def write_assumptions(workbook: Workbook, disclosure: Disclosure, layout: Layout) -> None:
    sets = list(disclosure.set_values)
    columns = (C("Key", "key", 22), C("Assumption", "label", 36), C("Value (reported set)", "value", 14),
               C("Unit", "unit", 18), C("Origin (set or default)", "origin", 14), C("Rationale", "rationale", 60),
               C("Set by", "set_by", 12), C("Set at (UTC)", "set_at", 22)) + tuple(
        C(f"Value in '{set_name}'", f"set:{set_name}", 14) for set_name in sets) + (
        C("Differs between sets", "differs", 10),)
    sheet = sheet_with_header(workbook, d.ASSUMPTIONS, columns, disclosure,
                   f"Assumption set '{disclosure.header.assumption_set}' (column C; each value cell is named "
                   "assumption_KEY and drives the formulas) compared with every set of the project")
    by_key = {item["key"]: item for item in disclosure.assumptions}
    for key in SPECS:
        item = by_key[key]
        row = layout.assumption_row[key]
        cells = c.record_row(sheet, columns[:8], dict(item, value=None))
        cells[2] = _value_cell(sheet, key, item["value"])
        values = [disclosure.set_values[set_name].get(key) for set_name in sets]
        cells += [_value_cell(sheet, key, value) for value in values]
        cells.append(c.text(sheet, "yes" if len({repr(value) for value in values}) > 1 else "no"))
        sheet.append(cells)
        c.define_name(workbook, name(key), d.ASSUMPTIONS, f"C{row}")


def _value_cell(sheet: Any, key: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if SPECS[key].kind == "number":
        return c.number(sheet, float(value), c.NUMBER)
    return c.text(sheet, value)


# -- Data quality ------------------------------------------------------------------------------------

def completeness(disclosure: Disclosure) -> list[tuple[str, str, str]]:
    """Return the completeness checks: (item, result, detail) for runs, sites, instruments and factors."""
    checks = []
    for run in disclosure.footprint["runs"]:
        if run["facility_energy_kwh"] <= 0:
            checks.append((f"run {run['run']}", "no energy", "the run has no energy in the project"))
        if run.get("telemetry_gap_gpu_hours"):
            checks.append((f"run {run['run']}", f"{run['telemetry_gap_gpu_hours']:,.2f} GPU-h without readings",
                           f"lowest hourly coverage {run.get('min_coverage') or 0:.0%}; that energy is missing"))
        if run["unmatched_energy_kwh"] > 0:
            checks.append((f"run {run['run']}", f"{run['unmatched_energy_kwh']:,.4g} kWh without factor",
                           "no location-based factor covers these hours"))
    for site in disclosure.inventory["scope2"]["sites"]:
        metered = site["facility_meter_hours"] + site["it_meter_hours"]
        checks.append((f"site {site['site']}", f"{metered:,} of {site['period_hours']:,.0f} hours metered",
                       f"{site['runs_only_hours']:,} hours from the runs' energy only"))
    for item in disclosure.instruments:
        if item.get("type") != "offset" and not item.get("retirement_evidence_sha256"):
            checks.append((f"instrument {item['instrument_id']}", "no retirement evidence",
                           "no hash of a retirement statement is recorded"))
    if not checks:
        checks.append(("all checks", "no gaps found", ""))
    return checks


# -- Checklist, sources, methodology ------------------------------------------------------------------

def write_checklist(workbook: Workbook, disclosure: Disclosure) -> None:
    records = [dict(id=item.id, section=item.section, text=item.text, status=item.status, detail=item.detail,
                    shown_in=", ".join(item.shown_in)) for item in disclosure.checklist]
    open_count = len(disclosure.open_items)
    write_table(workbook, d.CHECKLIST, CHECKLIST_COLUMNS, records, disclosure,
                f"Required disclosures: {len(records) - open_count} of {len(records)} present or not applicable"
                + (f"; {open_count} missing" if open_count else ""))


def write_sources(workbook: Workbook, disclosure: Disclosure) -> None:
    sheet = write_table(workbook, d.SOURCES, SOURCE_COLUMNS, disclosure.sources, disclosure,
                        "Imported input files with their SHA-256, and the evidence hashes of this report")
    evidence = disclosure.evidence
    c.section(sheet, "Evidence (SHA-256)")
    for label, value in (("Project state", evidence.project_state_sha256),
                         ("Assumption set " + disclosure.header.assumption_set, evidence.assumption_set_sha256),
                         ("Input files (bundle of every file's SHA-256 and size)", evidence.input_bundle_sha256),
                         ("Calculation engine (source files)", evidence.engine_sha256),
                         ("Audit log head", f"{evidence.audit_log_head} (entry {evidence.audit_log_entries})"),
                         ("Software", f"carbon-workbench {disclosure.header.software_version}")):
        sheet.append([None, c.text(sheet, label, c.BOLD), None, c.text(sheet, value)])
    c.section(sheet, "Telemetry sampling")
    for row in disclosure.sampling:
        interval = row.get("mean_interval_s")
        sheet.append([c.number(sheet, row["id"], c.COUNT), c.text(sheet, row["original_name"]),
                      c.text(sheet, row["kind"]),
                      c.text(sheet, f"mean interval {interval:.1f} s over {row['device_hours']:,} device-hours"
                             if interval else "no samples")])


def write_methodology(workbook: Workbook, disclosure: Disclosure, statements: list[tuple[str, str]]) -> None:
    sheet = sheet_with_header(workbook, d.METHODOLOGY, TEXT_COLUMNS, disclosure,
                              "Methodology, standards and boundaries")
    widths = [column.width for column in TEXT_COLUMNS]
    for offset, (topic, statement) in enumerate(statements):
        cells = [c.text(sheet, topic, c.BOLD, alignment=c.WRAP), c.text(sheet, statement, alignment=c.WRAP)]
        c.fit_row(sheet, c.FIRST_DATA_ROW + offset, cells, widths)
        sheet.append(cells)


def write_manifest(workbook: Workbook, disclosure: Disclosure) -> None:
    columns = (C("Manifest", "manifest", 120),)
    sheet = sheet_with_header(workbook, d.MANIFEST, columns, disclosure, "Export manifest", header=False)
    sheet.sheet_state = "hidden"
    text = manifest_json(disclosure.manifest)
    for start in range(0, len(text), MANIFEST_CHUNK_CHARS):
        sheet.append([c.text(sheet, text[start:start + MANIFEST_CHUNK_CHARS])])


def read_manifest_text(workbook: Any) -> str:
    """Join the manifest JSON parts stored on the hidden Manifest sheet of an open workbook."""
    sheet = workbook[d.MANIFEST]
    parts = [row[0] for row in sheet.iter_rows(min_row=c.FIRST_DATA_ROW, max_col=1, values_only=True)
             if row and row[0] is not None]
    return "".join(str(part) for part in parts)
