"""The import wizard's use cases without Qt: detect a file's kind, preview a mapping, dry-run, commit.

The wizard walks one plan through its pages. :func:`detect_kind` returns the import kind a file
looks like and the reason. :func:`mapping_proposal` and :func:`parsed_preview` show how a mapping reads
a table file. :func:`prepare_all` reads and checks every file without writing to the project,
so the rejected rows can be shown before anything is stored, and :func:`commit_all` stores the
prepared files in one transaction: either every file is stored or none is.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from workbench.errors import InputRejectedError, OperationCancelled, RowProblem, WorkbenchError
from workbench.ingest import detect, instruments, procurement, scope1
from workbench.ingest.common import normalize_column
from workbench.ingest.mapping import METER_ROLES, Mapping, Proposal
from workbench.progress import Progress, no_progress, sub_progress
from workbench.project.store import Project
from workbench.services import imports, mappings
from workbench.services.imports import ImportOptions, ImportReport, PreparedImport

log = logging.getLogger(__name__)

# Kinds whose reader takes a column mapping, with the roles a column can have.
MAPPING_ROLES: dict[str, tuple[str, ...]] = {
    "meter": METER_ROLES,
    "procurement": procurement.REQUIRED + procurement.OPTIONAL + ("ignore",),
    "instruments": tuple(item.name for item in instruments.FIELDS) + ("ignore",),
    "scope1": tuple(item.name for item in scope1.FIELDS) + ("ignore",),
}
TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods"}
PREVIEW_ROWS = 50
_FACTOR_WORDS = ("co2e_g_per_kwh", "co2e_kg_per_mwh", "co2e_t_per_mwh", "co2e_lb_per_mwh", "carbon_intensity",
                 "emission_factor", "residual_mix", "gco2", "co2_intensity")


@dataclass(frozen=True)
class Detection:
    """The import kind a file looks like (None when it looks like none) and the reason."""

    kind: str | None
    reason: str


def detect_kind(path: str | Path) -> Detection:
    """Return the kind ``path`` looks like from its first bytes, then from its table header."""
    path = Path(path)
    try:
        kind, reason = detect.detect_kind(path)
    except OSError as error:
        return Detection(None, f"the file cannot be read: {error.strerror}")
    if kind is not None:
        return Detection(kind, f"the content is {reason}")
    if not reason.startswith("the file is not a format") or path.suffix.lower() not in TABLE_SUFFIXES:
        return Detection(None, reason)
    return _detect_from_header(path)


def _detect_from_header(path: Path) -> Detection:
    try:
        proposal = mappings.propose_mapping(path, "meter")
    except WorkbenchError as error:
        return Detection(None, f"the table cannot be read: {error}")
    names = [normalize_column(name) for name in proposal.header]
    shown = ", ".join(proposal.header[:8])
    if "instrument_id" in names:
        return Detection("instruments", f"the header has an instrument_id column ({shown})")
    if {"activity", "kind", "type"} & set(names) and {"fuel", "gas", "substance", "refrigerant"} & set(names):
        return Detection("scope1", f"the header has activity and fuel or gas columns ({shown})")
    if {"item", "category", "quantity"} <= set(names):
        return Detection("procurement", f"the header has item, category and quantity columns ({shown})")
    if any(word in name for name in names for word in ("gwp_total", "gwp_manufacturing_ratio")):
        return Detection("hardware-library", f"the header has Boavizta gwp_ columns ({shown})")
    if any(word in name for name in names for word in _FACTOR_WORDS):
        return Detection("factors", f"the header has an emission factor column ({shown})")
    roles = {spec.role for spec in proposal.mapping.columns}
    if roles & {"energy", "power", "register"} and roles & {"timestamp", "date", "start_time", "end_time"}:
        value = next(spec.column for spec in proposal.mapping.columns if spec.role in ("energy", "power", "register"))
        return Detection("meter", f"the table has time stamps and an energy or power column ('{value}')")
    return Detection(None, f"no import kind matches the header ({shown}); choose the kind")


def mapping_proposal(path: str | Path, kind: str) -> Proposal:
    """Propose a column mapping of ``kind`` for ``path`` (see :func:`workbench.ingest.mapping.propose`)."""
    return mappings.propose_mapping(path, kind)


def parsed_preview(path: str | Path, options: ImportOptions, progress: Progress | None = None,
                   rows: int = PREVIEW_ROWS) -> tuple[pd.DataFrame, list[RowProblem]]:
    """Read ``path`` as ``options`` say, without a project; return the first parsed rows and the rejected rows.

    Raises the reader's InputRejectedError when the file cannot be read at all.
    """
    result = imports.read_file(Path(path), options, None, progress or no_progress("Preview"))
    table = next((frame for frame in result.tables.values() if isinstance(frame, pd.DataFrame) and not frame.empty),
                 pd.DataFrame())
    return table.head(rows).reset_index(drop=True), list(result.rejected)


def readable_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with UTC seconds (columns ``hour_utc``, ``*_utc``, ``start_s``, ``end_s``) as ISO text."""
    shown = frame.copy()
    for column in shown.columns:
        name = str(column)
        if (name.endswith("_utc") or name in ("start_s", "end_s")) and pd.api.types.is_numeric_dtype(shown[column]):
            stamps = pd.to_datetime(shown[column], unit="s", utc=True, errors="coerce")
            shown[column] = stamps.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    return shown


@dataclass
class PreparedFile:
    """One file of a dry run: prepared for storing, or the error that stopped it."""

    path: Path
    prepared: PreparedImport | None = None
    error: WorkbenchError | None = None

    @property
    def problems(self) -> list[RowProblem]:
        if self.prepared is not None:
            return list(self.prepared.rejected)
        return list(getattr(self.error, "problems", None) or [])


@dataclass
class DryRun:
    """The dry run of every file: what would be stored and every rejected row, before anything is."""

    files: list[PreparedFile] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when every file can be stored."""
        return bool(self.files) and all(item.prepared is not None for item in self.files)

    def problems(self) -> list[RowProblem]:
        return [problem for item in self.files for problem in item.problems]

    def failures(self) -> list[str]:
        return [f"{item.path.name}: {item.error}" for item in self.files if item.error is not None]

    def summary_lines(self) -> list[str]:
        lines = []
        for item in self.files:
            if item.prepared is None:
                lines.append(f"{item.path.name}: cannot be imported: {item.error}")
                continue
            result = item.prepared.result
            lines.append(f"{item.path.name} ({item.prepared.options.kind}): {result.rows_accepted:,} rows to "
                         f"import, {result.rows_rejected:,} rejected")
        return lines


def problems_frame(problems: list[RowProblem]) -> pd.DataFrame:
    """Return the rejected rows as a table: file, row, column, value, reason."""
    return pd.DataFrame([{"file": p.file, "row": p.row, "column": p.column, "value": p.value, "reason": p.reason}
                         for p in problems], columns=["file", "row", "column", "value", "reason"])


def options_for(path: Path, options: ImportOptions) -> ImportOptions:
    """Return ``options`` with the kind ``auto`` resolved for ``path``; raise InputRejectedError if none fits."""
    if options.kind != "auto":
        return options
    detection = detect_kind(path)
    if detection.kind is None:
        raise InputRejectedError(path, detection.reason, hint="Choose the import kind.")
    return replace(options, kind=detection.kind)


def prepare_all(project: Project, paths: list[Path], options: ImportOptions,
                progress: Progress | None = None) -> DryRun:
    """Read and check every file without writing to ``project``; cancelling raises OperationCancelled."""
    progress = progress or no_progress("Checking the files")
    dry_run = DryRun()
    for number, path in enumerate(paths):
        part = sub_progress(progress, number / len(paths), (number + 1) / len(paths))
        try:
            prepared = imports.prepare_import(project, path, options_for(path, options), part)
        except OperationCancelled:
            raise
        except WorkbenchError as error:
            log.info("dry run of %s: %s", path.name, error)
            dry_run.files.append(PreparedFile(path, error=error))
        else:
            dry_run.files.append(PreparedFile(path, prepared=prepared))
    return dry_run


def commit_all(project: Project, dry_run: DryRun, progress: Progress | None = None) -> list[ImportReport]:
    """Store every prepared file in one transaction; any error or cancel stores none of them."""
    if not dry_run.ready:
        raise InputRejectedError(dry_run.files[0].path if dry_run.files else Path("."),
                                 "some files cannot be imported: " + "; ".join(dry_run.failures()),
                                 hint="Remove those files or fix them, then check again.")
    progress = progress or no_progress("Importing files")
    reports = []
    count = len(dry_run.files)
    with project.transaction():
        for number, item in enumerate(dry_run.files):
            part = sub_progress(progress, number / count, (number + 1) / count)
            reports.append(imports.store_prepared(project, item.prepared, part))
    log.info("imported %d files", count)
    return reports


TOTAL_UNITS = {"energy_kwh": "kWh", "gpu_energy_kwh": "kWh", "co2e_kg": "kgCO2e", "mwh": "MWh"}


def describe_totals(totals: dict[str, float]) -> str:
    """Describe an import's totals: quantities with their unit, counts as integers, zero cost left out."""
    parts = []
    for key, value in totals.items():
        if key == "cost" and value == 0:
            continue
        unit = TOTAL_UNITS.get(key)
        if unit is not None:
            parts.append(f"{value:,.3f} {unit}")
        elif float(value).is_integer():
            parts.append(f"{key.replace('_', ' ')}: {int(value):,}")
        else:
            parts.append(f"{key.replace('_', ' ')}: {value:,.3f}")
    return ", ".join(parts)


def report_line(report: ImportReport) -> str:
    """Describe one stored import in a line: file, kind, source id, rows and totals."""
    line = f"{report.file} ({report.kind}, source {report.source_id}): {report.rows_accepted:,} rows imported"
    if report.rows_rejected:
        line += f", {report.rows_rejected:,} rejected and kept with their reasons"
    totals = describe_totals(report.totals)
    return line + (f"; {totals}" if totals else "")


def template_names(project: Project, kind: str) -> list[str]:
    """Return the names of the project's mapping templates made for ``kind``."""
    return [row["name"] for row in mappings.list_templates(project) if row.get("kind") == kind]


def mapping_summary(mapping: Mapping) -> str:
    """Describe a mapping in one line: each mapped column with its role and unit."""
    parts = [f"{spec.column} → {spec.role}" + (f" [{spec.unit}]" if spec.unit else "")
             for spec in mapping.columns if spec.role != "ignore"]
    return "; ".join(parts) or "no column is mapped"


def strip_unit(header: str) -> str:
    """Return a header without a trailing unit in brackets, such as 'Energy (kWh)' -> 'Energy'."""
    return re.sub(r"\s*[\[(][^\])]*[\])]\s*$", "", header)
