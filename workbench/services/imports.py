"""Importing a file into a project: hash, duplicate check, read, and one all-or-nothing write.

The reader runs first and touches nothing. Then a single transaction stores the source record,
its rows, its rejected rows and an audit entry; any failure (or a cancel) rolls all of it back,
so the project is exactly as it was.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from workbench.errors import DuplicateSourceError, InputRejectedError, RowProblem, UsageError
from workbench.ingest import codecarbon, meter, nvidia_smi, procurement, text_guard
from workbench.ingest.common import ReadResult
from workbench.progress import Progress, no_progress
from workbench.project import repo
from workbench.project.store import Project
from workbench.services import gpu_imports, import_kinds, mappings

log = logging.getLogger(__name__)

KINDS = (("gpu-log", "codecarbon", "meter", "procurement", "factors") + import_kinds.EXTRA_KINDS + gpu_imports.KINDS
         + ("auto",))
EVIDENCE_LIMIT_BYTES = 64 << 20


@dataclass
class ImportOptions:
    """Facts the user states about a file: its kind, time zone, and where its data belongs."""

    kind: str
    timezone: str | None = None
    site: str | None = None
    run: str | None = None
    meter: str | None = None
    measurement_point: str = "facility"
    accuracy_class: str | None = None
    timestamps_mark: str = "start"
    host: str | None = None
    max_gap_s: float | None = nvidia_smi.DEFAULT_MAX_GAP_S
    allow_duplicate: bool = False
    strict: bool = False
    store_evidence: bool = True
    # A mapping template name or JSON file; import_file replaces it with the Mapping it names.
    mapping: Any = None
    unit: str | None = None
    max_power_kw: float | None = None
    # Basis of factor datasets whose file states none; None reads them as location-based.
    factor_basis: str | None = None
    # GPU telemetry, Slurm and runs tables: "file" gives the whole file to one run (--run, else
    # the file name); "allocations" leaves GPU-hours to the runs that Slurm jobs or runs tables
    # list as holding those GPUs. max_gap_s None derives the gap limit from the sampling interval.
    attribution: str = "file"
    observed_at: str | None = None
    scrape_time: str | None = None
    start: str | None = None
    interval_s: float | None = None
    max_gpu_power_w: float | None = None
    gpus_per_node: int | None = None
    cpus_per_node: int | None = None
    max_node_power_w: float = gpu_imports.slurm.DEFAULT_MAX_NODE_POWER_W
    use_job_energy: bool = False


@dataclass
class ImportReport:
    """Summary of one stored import, for the CLI, the GUI's rejected-rows list and tests."""

    source_id: int
    file: str
    kind: str
    sha256: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejected: list[RowProblem]
    notes: list[str]
    start_utc: float | None
    end_utc: float | None
    totals: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "file": self.file, "kind": self.kind, "sha256": self.sha256,
                "rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
                "rows_rejected": self.rows_rejected, "notes": self.notes, "totals": self.totals,
                "rejected": [p.__dict__ for p in self.rejected]}


def file_sha256(path: Path, progress: Progress | None = None) -> tuple[str, int]:
    """Return the SHA-256 hex digest and size of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = path.stat().st_size
    done = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            done += len(block)
            if progress is not None:
                progress.update(0.1 * done / max(size, 1), f"{path.name}: hashing")
    return digest.hexdigest(), size


def read_file(path: Path, options: ImportOptions, site_timezone: str | None, progress: Progress) -> ReadResult:
    """Run the reader of ``options.kind`` on ``path``; touches no project (the import wizard previews with it)."""
    timezone = options.timezone or site_timezone
    if options.kind in gpu_imports.KINDS:
        return gpu_imports.read(path, options, timezone, progress)
    if options.kind == "gpu-log":
        return nvidia_smi.read_query_csv(path, timezone=timezone, host=options.host, max_gap_s=options.max_gap_s,
                                         progress=progress)
    if options.kind == "codecarbon":
        return codecarbon.read_emissions_csv(path, timezone=timezone, run=options.run, progress=progress)
    if options.kind == "meter":
        return meter.read_meter(path, timezone=timezone, meter=options.meter,
                                measurement_point=options.measurement_point,
                                timestamps_mark=options.timestamps_mark, mapping=options.mapping, unit=options.unit,
                                max_power_kw=options.max_power_kw, progress=progress)
    if options.kind == "procurement":
        return procurement.read_procurement(path, site=options.site, mapping=options.mapping, progress=progress)
    if options.kind == "factors":
        return import_kinds.read_factor_file(path, options, progress)
    if options.kind in import_kinds.EXTRA_KINDS:
        return import_kinds.read(path, options, timezone, progress)
    raise UsageError(f"unknown import kind '{options.kind}'", hint=f"Use one of: {', '.join(KINDS)}.")


@dataclass
class PreparedImport:
    """A file read and checked but not stored: what :func:`store_prepared` writes in one transaction.

    Preparing reads the project (duplicate check, sites, mapping templates, the hardware library)
    and never writes to it, so a prepared import can be shown, with its rejected rows, and then
    discarded or stored.
    """

    path: Path
    options: ImportOptions
    sha256: str
    size_bytes: int
    result: ReadResult
    evidence_zlib: bytes | None

    @property
    def rejected(self) -> list[RowProblem]:
        return self.result.rejected


def import_file(project: Project, path: str | Path, options: ImportOptions,
                progress: Progress | None = None) -> ImportReport:
    """Import one file into ``project``; raise InputRejectedError and change nothing if it cannot be used."""
    progress = progress or no_progress(f"Import of {Path(path).name}")
    return store_prepared(project, prepare_import(project, path, options, progress), progress)


def prepare_import(project: Project, path: str | Path, options: ImportOptions,
                   progress: Progress | None = None) -> PreparedImport:
    """Read and check one file without writing to ``project``.

    Raises InputRejectedError when the file cannot be used (no usable row, a rejected row under
    ``strict``), DuplicateSourceError for content imported before, OperationCancelled on cancel.
    """
    path = Path(path)
    progress = progress or no_progress(f"Import of {path.name}")
    if not path.is_file() and not path.is_dir():
        raise InputRejectedError(path, "no such file", hint="Check the path.")
    text = text_guard.check_text_input(path)
    with text_guard.readable_utf8(path, text) as readable:
        return _import(project, path, readable, options, progress)


def _import(project: Project, path: Path, readable: Path, options: ImportOptions, progress: Progress) -> PreparedImport:
    """Read and check ``path``, whose text the readers read from ``readable`` (``path`` itself unless it was UTF-16)."""
    if options.kind == "auto":
        options = replace(options, kind=gpu_imports.resolve_kind(readable, options.kind))
    folder = gpu_imports.folder_payload(path, options.kind)
    if folder is None and not path.is_file():
        raise InputRejectedError(path, "no such file", hint="Check the path.")
    sha256, size = gpu_imports.payload_sha256(folder) if folder is not None else file_sha256(path, progress)
    earlier = repo.find_source_by_sha(project.conn, sha256)
    if earlier and not options.allow_duplicate:
        raise DuplicateSourceError(path, sha256, earlier[1], earlier[0])

    site = repo.site_by_name(project.conn, options.site) if options.site else None
    if isinstance(options.mapping, str):
        options = replace(options, mapping=mappings.resolve(project, options.mapping, options.kind))
    result = read_file(readable, options, site["timezone"] if site else None, progress)
    import_kinds.check_rows(project, path, result, options)
    _check_usable(path, result, options)

    evidence = None
    if options.store_evidence and size <= EVIDENCE_LIMIT_BYTES:
        evidence = zlib.compress(folder if folder is not None else path.read_bytes(), 6)
    elif options.store_evidence:
        result.notes.append(f"the file is larger than {EVIDENCE_LIMIT_BYTES >> 20} MiB, so only its hash is kept "
                            "as evidence, not its bytes")
    return PreparedImport(path, options, sha256, size, result, evidence)


def store_prepared(project: Project, prepared: PreparedImport, progress: Progress | None = None) -> ImportReport:
    """Store a prepared import (source record, rows, rejected rows, audit entry) in one transaction.

    Raises DuplicateSourceError when the same content was stored since it was prepared.
    """
    path, options, result, sha256 = prepared.path, prepared.options, prepared.result, prepared.sha256
    progress = progress or no_progress(f"Import of {path.name}")
    progress.update(0.95, f"{path.name}: storing")
    with project.transaction():
        progress.check()
        earlier = repo.find_source_by_sha(project.conn, sha256)
        if earlier and not options.allow_duplicate:
            raise DuplicateSourceError(path, sha256, earlier[1], earlier[0])
        source_id = repo.insert_source(project.conn, repo.SourceRecord(
            kind=options.kind, original_name=path.name, original_path=str(path.resolve()), sha256=sha256,
            size_bytes=prepared.size_bytes, importer=result.importer, importer_version=result.importer_version,
            options={**result.options, **_stated_options(options)}, rows_read=result.rows_read,
            rows_accepted=result.rows_accepted, rows_rejected=result.rows_rejected, start_utc=result.start_utc,
            end_utc=result.end_utc, notes=result.notes, actor=project.actor, evidence_zlib=prepared.evidence_zlib))
        repo.insert_rejected(project.conn, source_id, result.rejected)
        totals = _store_rows(project, source_id, path, result, options)
        progress.check()
        project.log("import", f"source:{source_id}", {
            "file": path.name, "kind": options.kind, "sha256": sha256, "rows_accepted": result.rows_accepted,
            "rows_rejected": result.rows_rejected, "totals": totals})
    progress.update(1.0, f"{path.name}: imported", force=True)
    log.info("imported %s as source %d (%s): %d rows accepted, %d rejected", path.name, source_id, options.kind,
             result.rows_accepted, result.rows_rejected)
    return ImportReport(source_id, path.name, options.kind, sha256, result.rows_read, result.rows_accepted,
                        result.rows_rejected, result.rejected, result.notes, result.start_utc, result.end_utc,
                        totals)


def _stated_options(options: ImportOptions) -> dict[str, Any]:
    stated = {"site": options.site, "run": options.run, "strict": options.strict,
              "allow_duplicate": options.allow_duplicate}
    if options.kind == "factors":
        stated["factor_basis"] = options.factor_basis
    if options.kind in gpu_imports.KINDS or options.kind == "gpu-log":
        stated["attribution"] = options.attribution
    return stated


def _check_usable(path: Path, result: ReadResult, options: ImportOptions) -> None:
    if result.rejected and (options.strict or result.rows_accepted == 0):
        first = result.rejected[0]
        reason = ("no row could be used" if result.rows_accepted == 0
                  else f"{result.rows_rejected} rows were rejected and --strict is set")
        raise InputRejectedError(path, f"{reason}; first problem: {first.reason}", row=first.row,
                                 column=first.column, value=first.value, problems=result.rejected,
                                 hint="Fix the rows listed, or import without --strict to keep the good rows.")
    if result.rows_read == 0:
        raise InputRejectedError(path, "the file has a header but no data rows",
                                 hint="Check that the export finished writing.")


def _store_rows(project: Project, source_id: int, path: Path, result: ReadResult,
                options: ImportOptions) -> dict[str, float]:
    conn = project.conn
    site_id = repo.ensure_site(conn, options.site, timezone=options.timezone) if options.site else None
    writer: Callable[..., dict[str, float]] = {
        "gpu-log": _store_gpu_energy, "codecarbon": _store_run_energy, "meter": _store_meter_energy,
        "procurement": import_kinds.store_assets, "factors": import_kinds.store_factors,
        "green-button": _store_meter_energy, "carbontracker": _store_run_energy, **import_kinds.WRITERS,
        **gpu_imports.WRITERS}[options.kind]
    return writer(project, source_id, path, result, options, site_id)


def _energy_frame(source_id: int, energy: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    frame = energy.copy()
    frame["source_id"] = source_id
    for name, value in columns.items():
        frame[name] = value
    for name in repo.ENERGY_COLUMNS:
        if name not in frame:
            frame[name] = None
    return frame


def _store_gpu_energy(project, source_id, path, result, options, site_id) -> dict[str, float]:
    totals = gpu_imports.store_gpu_energy(project, source_id, path, result, options, site_id)
    totals.pop("unmeasured_gpu_hours", None)
    return totals


def _store_run_energy(project, source_id, path, result, options, site_id) -> dict[str, float]:
    energy = result.tables["energy"]
    run_ids = {name: repo.ensure_run(project.conn, name, site_id=site_id) for name in energy["run"].unique()}
    frame = _energy_frame(source_id, energy, run_id=energy["run"].map(run_ids))
    repo.insert_energy(project.conn, frame)
    for window in result.tables["run_windows"].itertuples(index=False):
        repo.widen_run_window(project.conn, run_ids[window.run], window.start_s, window.end_s)
    return {"energy_kwh": float(energy["energy_wh"].sum()) / 1000.0, "runs": float(len(run_ids))}


def _store_meter_energy(project, source_id, path, result, options, site_id) -> dict[str, float]:
    energy = result.tables.get("energy")
    if energy is None or energy.empty:
        return {"energy_kwh": 0.0}
    point = result.options.get("measurement_point") or options.measurement_point
    accuracy = options.accuracy_class or getattr(options.mapping, "accuracy_class", None)
    frames = []
    for name, rows in energy.groupby("meter", sort=False):
        meter_id = repo.ensure_meter(project.conn, name, site_id=site_id, measurement_point=point,
                                     accuracy_class=accuracy)
        frames.append(_energy_frame(source_id, rows, meter_id=meter_id))
    # One insert, so the source's stored totals are recomputed once, not once per meter.
    repo.insert_energy(project.conn, pd.concat(frames, ignore_index=True))
    totals = {"energy_kwh": float(energy["energy_wh"].sum()) / 1000.0, "meters": float(energy["meter"].nunique())}
    if "cost_total" in result.options:
        totals["cost"] = float(result.options["cost_total"])
    return totals
