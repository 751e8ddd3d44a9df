"""Building the disclosure model of a project: both views, the activity tables, evidence and checklist.

:func:`build_disclosure` computes the footprint (every run, whole windows) and the inventory (the
reporting period of the report header, else the year of the latest data) under one assumption
set, lays out the tables the workbook's formulas run over, takes uncertainty and the comparison
of assumption sets from their providers (by default the seeded Monte Carlo analysis of both
views and of every assumption set that is not a lever of the reduction planner), adds the
avoided emissions of the planner's levers when an export asks for them, and evaluates the
required-disclosures checklist.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib import resources
from typing import Any

from workbench import __version__
from workbench.clock import utc_now_text
from workbench.errors import DamagedProjectError
from workbench.progress import Progress, sub_progress
from workbench.project import audit, energy_totals, repo
from workbench.project.audit import canonical_json
from workbench.project.store import Project
from workbench.reports import checklist
from workbench.reports.disclosure import Disclosure, Evidence, Header, SignoffLine
from workbench.services import assumptions as assumption_service
from workbench.services import disclosure_tables as tables
from workbench.services import report_info, signoffs
from workbench.services.compute import FootprintModel, compute_footprint, reporting_period
from workbench.services.disclosure_comparison import ComparisonProvider, monte_carlo_comparison
from workbench.services.disclosure_plan import AvoidedProvider, lever_set_names
from workbench.services.disclosure_uncertainty import (DEFAULT_SEED, DisclosureContext, UncertaintyProvider,
                                                       monte_carlo_uncertainty)
from workbench.services.inventory import InventoryModel, compute_inventory
from workbench.services.state import project_state_sha256
from workbench.services.uncertainty import UncertaintyContext

log = logging.getLogger(__name__)

# Excel shows about a million rows per sheet; the project file keeps every rejected row anyway.
MAX_REJECTED_ROWS = 100_000


def build_disclosure(project: Project, set_name: str = assumption_service.DEFAULT_SET, *, draft: bool,
                     signed: bool = False, uncertainty: UncertaintyProvider = monte_carlo_uncertainty,
                     comparison: ComparisonProvider = monte_carlo_comparison, seed: int = DEFAULT_SEED,
                     avoided: AvoidedProvider | None = None, progress: Progress | None = None) -> Disclosure:
    """Gather everything a report shows, and evaluate the checklist for a report signed or not.

    ``seed`` seeds the Monte Carlo runs of the uncertainty analysis, of the comparison and of the
    reduction plan; the report and its manifest record it. ``avoided`` provides the avoided
    emissions of the planner's levers (None leaves them out of the report). ``progress`` moves
    from 0 to 1 over the analyses. Raises DamagedProjectError when the project's audit log does
    not verify, or when its stored run energy totals differ from a recount of its energy rows,
    because a report would then certify data that may have been altered.
    """
    chain = audit.verify_chain(project.conn)
    if not chain.ok:
        raise DamagedProjectError(project.path, f"its audit log does not verify ({chain.problem})",
                                  hint="An export would certify altered data; restore the project from a backup.")
    stored_differences = energy_totals.differences(project.conn, limit=3)
    if stored_differences:
        raise DamagedProjectError(project.path, "its stored run energy totals do not match its energy rows ("
                                  + "; ".join(stored_differences) + ")",
                                  hint="The file was changed outside Carbon Workbench; an export would certify "
                                       "figures its rows do not give. Restore the project from a backup.")
    info = report_info.read(project)
    footprint_model = FootprintModel(project)
    footprint = compute_footprint(project, set_name, model=footprint_model)
    inventory_model = InventoryModel(project, footprint_model)
    period = reporting_period(info.get("reporting_period")) or inventory_model.default_period()
    inventory = compute_inventory(project, set_name, inventory_model, period=period)
    numbers = tables.site_numbers(inventory_model, period)
    energy = tables.energy_rows(footprint_model, footprint.result, numbers)
    analysis = UncertaintyContext(project, footprint_model, inventory_model)
    # The analyses' shares of the progress: uncertainty, comparison and, when requested, the plan.
    steps = (0.0, 0.5, 0.8, 1.0) if avoided is not None else (0.0, 0.6, 1.0, 1.0)
    uncertain = uncertainty(DisclosureContext(project, set_name, period, analysis, seed,
                                              sub_progress(progress, steps[0], steps[1])))
    compared = comparison(DisclosureContext(project, set_name, period, analysis, seed,
                                            sub_progress(progress, steps[1], steps[2])))
    planned = None if avoided is None else avoided(DisclosureContext(project, set_name, period, analysis, seed,
                                                                     sub_progress(progress, steps[2], steps[3])))

    state = project_state_sha256(project)
    sources = source_records(project)
    rejected, rejected_total = rejected_records(project)
    disclosure = Disclosure(
        header=_header(project, set_name, draft, info, period),
        footprint=footprint.as_json(), inventory=inventory.as_json(),
        assumptions=[item.as_dict() for item in assumption_service.resolve(project, set_name).values()],
        assumption_sets=assumption_service.list_sets(project),
        set_values=_set_values(project, set_name),
        energy_rows=energy, site_rows=tables.site_rows(inventory_model, period),
        embodied_rows=tables.embodied_rows(footprint_model, footprint.result),
        assets=tables.asset_records(project), factors=tables.factor_records(project),
        instruments=tables.instrument_records(project),
        runs_info=tables.run_records(project, footprint.result, info), sampling=tables.sampling_records(project),
        uncertainty=uncertain, comparison=compared,
        sources=sources, rejected=rejected, rejected_total=rejected_total, audit=audit_records(project),
        signoffs=tuple(_signoff_lines(project, state)),
        evidence=Evidence(state, footprint.assumption_set_sha256, input_bundle_sha256(sources), engine_sha256(),
                          chain.head_hash, chain.entries),
        hourly=footprint_model.hourly(footprint.result.assumptions)[["run", "hour_utc", "facility_energy_kwh"]],
        signed=signed, avoided=planned)
    log.info("built the disclosure of %s under set %s (%s)", project.name, set_name, "draft" if draft else "final")
    return disclosure.with_checklist(checklist.evaluate(disclosure))


def _set_values(project: Project, set_name: str) -> dict[str, dict[str, Any]]:
    """Return each assumption set's values by key, leaving out the planner's lever sets (not the reported one)."""
    levers = lever_set_names(project) - {set_name}
    return {item["name"]: {key: value.value for key, value in assumption_service.resolve(project, item["name"]).items()}
            for item in assumption_service.list_sets(project) if item["name"] not in levers}


def _header(project: Project, set_name: str, draft: bool, info: report_info.ReportInfo, period: Any) -> Header:
    window = period.as_dict()
    return Header(project_name=project.name, assumption_set=set_name, exported_at=utc_now_text(), draft=draft,
                  software_version=__version__, period_label=str(window["label"]),
                  period_start_utc=str(window["start_utc"]), period_end_utc=str(window["end_utc"]),
                  info=dict(info.values))


def _signoff_lines(project: Project, state: str) -> list[SignoffLine]:
    return [SignoffLine(item.stage, item.name, item.role, item.signed_at, item.state_sha256, item.current,
                        item.signed, item.signer, item.signature_ok)
            for item in signoffs.signoff_status(project, state)]


# -- evidence --------------------------------------------------------------------------------------

def engine_sha256() -> str:
    """SHA-256 of the calculation engine's source files, as installed.

    The files are workbench/engine/**/*.py (the uncertainty engine included), taken in the order
    of their relative paths, each entering as its path and the SHA-256 of its bytes.
    """
    digest = hashlib.sha256()
    engine = resources.files("workbench").joinpath("engine")
    for path, entry in sorted(_python_files(engine, "")):
        digest.update(path.encode("utf-8") + b"\n" + hashlib.sha256(entry.read_bytes()).digest())
    return digest.hexdigest()


def _python_files(folder: Any, prefix: str) -> list[tuple[str, Any]]:
    found = []
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name != "__pycache__":
            found += _python_files(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".py"):
            found.append((f"{prefix}{entry.name}", entry))
    return found


def input_bundle_sha256(sources: list[dict[str, Any]]) -> str:
    """SHA-256 over the sorted (SHA-256, size) pairs of every input file: one hash for the whole bundle."""
    pairs = sorted([source["sha256"], int(source["size_bytes"])] for source in sources)
    return hashlib.sha256(canonical_json(pairs).encode("utf-8")).hexdigest()


# -- records ---------------------------------------------------------------------------------------

def source_records(project: Project) -> list[dict[str, Any]]:
    """Return every imported file with its hash, size, row counts, span, importer and import time."""
    frame = repo.list_sources(project.conn)
    records = []
    for source in frame.to_dict("records"):
        records.append({
            "id": int(source["id"]), "file": source["original_name"], "kind": source["kind"],
            "sha256": source["sha256"], "size_bytes": int(source["size_bytes"]), "rows_read": int(source["rows_read"]),
            "rows_accepted": int(source["rows_accepted"]), "rows_rejected": int(source["rows_rejected"]),
            "start_utc": source["start_utc"], "end_utc": source["end_utc"],
            "importer": f"{source['importer']} {source['importer_version']}", "imported_at": source["imported_at"],
            "actor": source["actor"]})
    return records


def rejected_records(project: Project) -> tuple[list[dict[str, Any]], int]:
    """Return up to MAX_REJECTED_ROWS rejected input rows and the total count."""
    total = int(project.conn.execute("SELECT count(*) FROM rejected_rows").fetchone()[0])
    rows = project.conn.execute(
        "SELECT r.source_id, s.original_name, r.row_number, r.column_name, r.raw_value, r.reason"
        " FROM rejected_rows r JOIN sources s ON s.id = r.source_id ORDER BY r.source_id, r.row_number LIMIT ?",
        (MAX_REJECTED_ROWS,))
    keys = ("source_id", "file", "row_number", "column_name", "raw_value", "reason")
    return [dict(zip(keys, row)) for row in rows], total


def audit_records(project: Project) -> list[dict[str, Any]]:
    """Return the audit log with each entry's details as JSON text."""
    entries = audit.read_entries(project.conn)
    for entry in entries:
        entry["details"] = json.dumps(entry["details"], sort_keys=True, ensure_ascii=False)
    return entries
