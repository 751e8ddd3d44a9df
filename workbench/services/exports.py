"""Exporting a project's footprint as an Excel workbook or a PDF, optionally signed.

One export computes the footprint under one assumption set, builds the manifest (inputs,
project state, audit log head, figures), writes the file atomically, signs it when a key is
given, and records the export in the ``reports`` table and the audit log in one transaction.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.clock import utc_now_text
from workbench.errors import DamagedProjectError, ProjectFileError, UsageError
from workbench.progress import Progress, no_progress
from workbench.project import audit, repo
from workbench.project.store import Project
from workbench.reports import pdf, signing, xlsx
from workbench.reports.content import ReportContent
from workbench.reports.manifest import build_manifest
from workbench.services import assumptions as assumption_service
from workbench.services.compute import FootprintModel, compute_footprint
from workbench.services.state import project_state_sha256

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "pdf")
# Excel shows about a million rows per sheet; the project file keeps every rejected row anyway.
MAX_REJECTED_ROWS = 100_000


@dataclass
class ExportResult:
    """What an export wrote: the file, its hash, the signature and the manifest it carries."""

    path: Path
    format: str
    sha256: str
    signature_path: Path | None
    manifest: dict
    signer: str | None
    draft: bool
    signer_sha256_fingerprint: str | None = None
    report_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.format, "sha256": self.sha256,
                "signature_path": str(self.signature_path) if self.signature_path else None,
                "signer": self.signer, "signer_sha256_fingerprint": self.signer_sha256_fingerprint,
                "draft": self.draft, "report_id": self.report_id}


def export_report(project: Project, fmt: str, out: str | Path, *, set_name: str = assumption_service.DEFAULT_SET,
                  sign_key: str | Path | None = None, password: bytes | None = None, draft: bool = False,
                  progress: Progress | None = None, with_plan: bool = False,
                  plan_trials: int | None = None) -> ExportResult:
    """Export the footprint under ``set_name`` as ``fmt`` ("xlsx" or "pdf") to ``out``.

    With ``sign_key`` (a PKCS#12 file) the PDF gets a PAdES signature and the workbook a detached
    CMS signature in ``out + ".p7s"``. Raises UsageError for an unknown format, a missing
    folder or an unusable key, ProjectFileError when the project is read-only, and
    DamagedProjectError when its audit log does not verify. ``with_plan`` adds the appendix of
    avoided emissions of the lever sets derived from ``set_name`` (see
    :mod:`workbench.services.planner`), with ``plan_trials`` Monte Carlo trials per lever.
    """
    out = Path(out)
    progress = progress or no_progress(f"Export of {out.name}")
    _check_request(project, fmt, out)
    key = signing.load_signing_key(sign_key, password) if sign_key is not None else None

    progress.update(0.05, "computing the footprint")
    content = build_content(project, fmt, set_name, draft=draft)
    if with_plan:
        progress.update(0.25, "computing the avoided emissions of the levers")
        content = replace(content, planner=plan_appendix(project, set_name, plan_trials))
    progress.update(0.4, f"writing {out.name}")
    data, signature = _render_and_sign(content, fmt, key, draft)
    progress.check()

    signature_path = signing.signature_path_for(out) if signature is not None else None
    result = ExportResult(path=out, format=fmt, sha256=hashlib.sha256(data).hexdigest(),
                          signature_path=signature_path, manifest=content.manifest,
                          signer=key.common_name if key else None,
                          signer_sha256_fingerprint=key.fingerprint_sha256 if key else None, draft=draft)
    # The files are written inside the transaction: if writing fails, the export is not recorded.
    with project.transaction():
        result.report_id = _record(project, result, signature)
        _write_atomically(out, data)
        if fmt == "xlsx":
            _write_signature(out, signature)
    progress.update(1.0, f"{out.name} written", force=True)
    log.info("exported %s (%s, set %s, %s) sha256 %s", out, fmt, set_name,
             f"signed by {result.signer}" if key else "unsigned", result.sha256)
    return result


def build_content(project: Project, fmt: str, set_name: str, *, draft: bool) -> ReportContent:
    """Gather everything the report shows and its manifest from the project."""
    chain = audit.verify_chain(project.conn)
    if not chain.ok:
        raise DamagedProjectError(project.path, f"its audit log does not verify ({chain.problem})",
                                  hint="An export would certify altered data; restore the project from a backup.")
    model = FootprintModel(project)
    outcome = compute_footprint(project, set_name, model=model)
    figures = outcome.as_json()
    resolved = assumption_service.resolve(project, set_name)
    hourly = model.hourly(outcome.result.assumptions)
    sources = _source_records(project)
    exported_at = utc_now_text()

    manifest = build_manifest(
        software_version=__version__, report_format=fmt, project_name=project.name,
        project_state_sha256=project_state_sha256(project), assumption_set=set_name,
        assumption_set_sha256=outcome.assumption_set_sha256,
        assumptions={key: _assumption_entry(item) for key, item in resolved.items()},
        inputs=[{key: source[key] for key in ("id", "file", "kind", "sha256", "size_bytes")} for source in sources],
        audit_log_head=chain.head_hash, audit_log_entries=chain.entries,
        figures={key: figures[key] for key in ("view", "runs", "totals", "warnings")},
        exported_at=exported_at, draft=draft)

    rejected, rejected_total = _rejected_records(project)
    return ReportContent(
        manifest=manifest, project_name=project.name, assumption_set=set_name, exported_at=exported_at,
        draft=draft, runs=manifest["figures"]["runs"], totals=manifest["figures"]["totals"],
        warnings=manifest["figures"]["warnings"], assumptions=[item.as_dict() for item in resolved.values()],
        sources=sources, rejected=rejected, rejected_total=rejected_total, audit=_audit_records(project),
        hourly=hourly[["run", "hour_utc", "facility_energy_kwh"]])


def plan_appendix(project: Project, set_name: str, trials: int | None = None) -> dict[str, Any]:
    """Return the planner appendix (avoided emissions of the stored levers of ``set_name``) as plain data."""
    from workbench.services import planner

    outcome = planner.plan(project, set_name, trials=trials or planner.DEFAULT_TRIALS, save=False)
    return outcome.appendix()


def _check_request(project: Project, fmt: str, out: Path) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format '{fmt}'", hint=f"Use one of: {', '.join(FORMATS)}.")
    if out.suffix.lower() != f".{fmt}":
        raise UsageError(f"{out}: a {fmt} export must end in .{fmt}", hint=f"Name the output file *.{fmt}.")
    if not out.parent.is_dir():
        raise UsageError(f"{out}: the folder {out.parent} does not exist", hint="Create it or choose another path.")
    if project.read_only:
        raise ProjectFileError(project.path, "is open read-only, so the export cannot be recorded",
                               hint="Open the project for writing to export.")


def _render_and_sign(content: ReportContent, fmt: str, key: signing.SigningKey | None,
                     draft: bool) -> tuple[bytes, bytes | None]:
    """Return the file's bytes and, for a signed workbook, the detached signature's bytes."""
    if fmt == "xlsx":
        data = xlsx.render_workbook(content)
        return data, signing.sign_detached(data, key) if key else None

    writer = pdf.attach_manifest(pdf.render_pdf(content), content.manifest)
    if key is None:
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue(), None
    reason = "Draft carbon footprint report" if draft else "Carbon footprint report for disclosure"
    return signing.sign_pdf(writer, key, reason=reason), None


def _write_signature(out: Path, signature: bytes | None) -> None:
    """Write the workbook's detached signature beside it, or remove a stale one from an earlier export."""
    path = signing.signature_path_for(out)
    if signature is not None:
        _write_atomically(path, signature)
    elif path.exists():
        path.unlink()
        log.info("removed %s: it signed an earlier version of %s", path, out.name)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot be written ({exc.strerror})",
                         hint="Check the folder's permissions and free space.") from None


def _record(project: Project, result: ExportResult, signature: bytes | None) -> int:
    """Insert the reports row and the audit entry; the caller holds the transaction."""
    manifest = result.manifest
    signed_by = f"{result.signer} (SHA-256 {result.signer_sha256_fingerprint})" if result.signer else None
    report_id = int(project.conn.execute(
        "INSERT INTO reports (format, file_name, sha256, assumption_set, state_sha256, signed_by, draft,"
        " exported_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (result.format, result.path.name, result.sha256, manifest["assumption_set"],
         manifest["project_state_sha256"], signed_by, int(result.draft), manifest["exported_at"],
         project.actor)).lastrowid)
    project.log("export", f"report:{report_id}", {
        "format": result.format, "file": result.path.name, "sha256": result.sha256,
        "assumption_set": manifest["assumption_set"], "assumption_set_sha256": manifest["assumption_set_sha256"],
        "project_state_sha256": manifest["project_state_sha256"], "draft": result.draft,
        "signed": result.signer is not None, "signer": result.signer,
        "signer_sha256_fingerprint": result.signer_sha256_fingerprint,
        "signature_file": result.signature_path.name if result.signature_path else None,
        "signature_sha256": hashlib.sha256(signature).hexdigest() if signature else None})
    return report_id


# -- records for the report ----------------------------------------------------------------------

def _assumption_entry(item: assumption_service.ResolvedAssumption) -> dict[str, Any]:
    return {"value": item.value, "unit": item.unit, "label": item.label, "origin": item.origin,
            "rationale": item.rationale}


def _source_records(project: Project) -> list[dict[str, Any]]:
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


def _rejected_records(project: Project) -> tuple[list[dict[str, Any]], int]:
    total = int(project.conn.execute("SELECT count(*) FROM rejected_rows").fetchone()[0])
    rows = project.conn.execute(
        "SELECT r.source_id, s.original_name, r.row_number, r.column_name, r.raw_value, r.reason"
        " FROM rejected_rows r JOIN sources s ON s.id = r.source_id ORDER BY r.source_id, r.row_number LIMIT ?",
        (MAX_REJECTED_ROWS,))
    keys = ("source_id", "file", "row_number", "column_name", "raw_value", "reason")
    return [dict(zip(keys, row)) for row in rows], total


def _audit_records(project: Project) -> list[dict[str, Any]]:
    entries = audit.read_entries(project.conn)
    for entry in entries:
        entry["details"] = json.dumps(entry["details"], sort_keys=True, ensure_ascii=False)
    return entries
