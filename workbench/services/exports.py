"""Exporting a project's disclosure as a workbook, a PDF or JSON, optionally signed.

One export builds the disclosure model under one assumption set (both views, checklist,
uncertainty, comparison) and its manifest (inputs, project state, audit log head, figures). A
final export with a missing required disclosure is rejected. Otherwise the file is written
atomically and signed when a key is given, and the export is recorded in the ``reports`` table
and the audit log in one transaction.

Formats: ``xlsx`` (workbook with live formulas), ``pdf`` (report with the workbook and manifest
attached), ``json`` (the whole disclosure model), ``esrs-json`` (ESRS E1-5 and E1-6 tables) and
``ai-act-json`` (the training-energy record of each model). The PDF gets a PAdES signature, every
other format a detached CAdES signature in ``FILE.p7s``. With ``with_plan`` every format also
shows the avoided emissions of the reduction planner's levers, apart from every total, and the
manifest records the plan's levers, seed and trials.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import DisclosureIncompleteError, ProjectFileError, ProjectReadOnlyError, UsageError
from workbench.progress import Progress, no_progress, sub_progress
from workbench.project.file_state import COPY_HINT
from workbench.project.store import Project
from workbench.reports import disclosure_json, pdf, signing, xlsx
from workbench.reports.disclosure import Disclosure, as_plain
from workbench.reports.manifest import build_manifest
from workbench.services import assumptions as assumption_service
from workbench.services.disclosure import build_disclosure
from workbench.services.disclosure_comparison import ComparisonProvider, monte_carlo_comparison
from workbench.services.disclosure_plan import plan_provider
from workbench.services.disclosure_uncertainty import DEFAULT_SEED, UncertaintyProvider, monte_carlo_uncertainty

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "pdf", "json", "esrs-json", "ai-act-json")
SUFFIXES = {"xlsx": ".xlsx", "pdf": ".pdf", "json": ".json", "esrs-json": ".json", "ai-act-json": ".json"}


@dataclass
class ExportResult:
    """Outcome of an export: the file, its hash, the signature and the manifest the file carries."""

    path: Path
    format: str
    sha256: str
    signature_path: Path | None
    manifest: dict
    signer: str | None
    draft: bool
    signer_sha256_fingerprint: str | None = None
    report_id: int | None = None
    open_items: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.format, "sha256": self.sha256,
                "signature_path": str(self.signature_path) if self.signature_path else None,
                "signer": self.signer, "signer_sha256_fingerprint": self.signer_sha256_fingerprint,
                "draft": self.draft, "report_id": self.report_id, "open_items": self.open_items}


def export_report(project: Project, fmt: str, out: str | Path, *, set_name: str = assumption_service.DEFAULT_SET,
                  sign_key: str | Path | None = None, password: bytes | None = None, draft: bool = False,
                  progress: Progress | None = None, seed: int = DEFAULT_SEED,
                  uncertainty: UncertaintyProvider = monte_carlo_uncertainty,
                  comparison: ComparisonProvider = monte_carlo_comparison, with_plan: bool = False,
                  plan_trials: int | None = None) -> ExportResult:
    """Export the disclosure under ``set_name`` as ``fmt`` (one of :data:`FORMATS`) to ``out``.

    With ``sign_key`` (a PKCS#12 file) the PDF gets a PAdES signature and the other formats a
    detached CMS signature in ``out + ".p7s"``. ``uncertainty`` and ``comparison`` provide the
    uncertainty analysis and the comparison of assumption sets, whose Monte Carlo runs use
    ``seed`` (recorded in the report and its manifest). ``with_plan`` adds the avoided emissions
    of the lever sets derived from ``set_name`` (see :mod:`workbench.services.planner`), with
    ``plan_trials`` Monte Carlo trials per lever (default 20,000) and the same seed; it raises
    UsageError when no lever set derives from ``set_name``. Raises DisclosureIncompleteError
    for a final export with a required disclosure missing (a draft lists them instead),
    UsageError for an unknown format, a missing folder or an unusable key, ProjectFileError when
    the project is read-only, and DamagedProjectError when its audit log does not verify.
    """
    out = Path(out)
    progress = progress or no_progress(f"Export of {out.name}")
    _check_request(project, fmt, out)
    key = signing.load_signing_key(sign_key, password) if sign_key is not None else None

    progress.update(0.05, "computing both views and their uncertainty")
    disclosure = build_content(project, fmt, set_name, draft=draft, signed=key is not None, uncertainty=uncertainty,
                               comparison=comparison, seed=seed, progress=sub_progress(progress, 0.05, 0.4),
                               with_plan=with_plan, plan_trials=plan_trials)
    if not draft and disclosure.open_items:
        raise DisclosureIncompleteError([(item.id, item.text, item.detail) for item in disclosure.open_items])
    progress.update(0.4, f"writing {out.name}")
    data, signature, manifest = _render_and_sign(disclosure, fmt, key, out, progress)
    progress.check()

    signature_path = signing.signature_path_for(out) if signature is not None else None
    result = ExportResult(path=out, format=fmt, sha256=hashlib.sha256(data).hexdigest(),
                          signature_path=signature_path, manifest=manifest,
                          signer=key.common_name if key else None,
                          signer_sha256_fingerprint=key.fingerprint_sha256 if key else None, draft=draft,
                          open_items=[{"id": item.id, "text": item.text, "detail": item.detail}
                                      for item in disclosure.open_items])
    # The files are written inside the transaction: if writing fails, the export is not recorded.
    with project.transaction():
        result.report_id = _record(project, result, signature)
        _write_atomically(out, data)
        if fmt != "pdf":
            _write_signature(out, signature)
    progress.update(1.0, f"{out.name} written", force=True)
    log.info("exported %s (%s, set %s, %s, %d open items) sha256 %s", out, fmt, set_name,
             f"signed by {result.signer}" if key else "unsigned", len(result.open_items), result.sha256)
    return result


def build_content(project: Project, fmt: str, set_name: str, *, draft: bool, signed: bool = False,
                  uncertainty: UncertaintyProvider = monte_carlo_uncertainty,
                  comparison: ComparisonProvider = monte_carlo_comparison, seed: int = DEFAULT_SEED,
                  progress: Progress | None = None, with_plan: bool = False,
                  plan_trials: int | None = None) -> Disclosure:
    """Return the disclosure model of ``project`` with the manifest of a ``fmt`` export set."""
    avoided = plan_provider(plan_trials) if with_plan else None
    disclosure = build_disclosure(project, set_name, draft=draft, signed=signed, uncertainty=uncertainty,
                                  comparison=comparison, seed=seed, avoided=avoided, progress=progress)
    return disclosure.with_manifest(disclosure_manifest(disclosure, fmt))


def disclosure_manifest(disclosure: Disclosure, fmt: str, attachments: list[dict] | None = None) -> dict[str, Any]:
    """Build the manifest of a ``fmt`` export of ``disclosure``."""
    header, evidence = disclosure.header, disclosure.evidence
    inventory = disclosure.inventory
    extra: dict[str, Any] = {"attachments": attachments} if attachments else {}
    if disclosure.avoided is not None:
        extra["avoided_emissions"] = avoided_manifest(disclosure)
    return build_manifest(
        software_version=header.software_version, report_format=fmt, project_name=header.project_name,
        project_state_sha256=evidence.project_state_sha256, assumption_set=header.assumption_set,
        assumption_set_sha256=evidence.assumption_set_sha256,
        assumptions={item["key"]: {"value": item["value"], "unit": item["unit"], "label": item["label"],
                                   "origin": item["origin"], "rationale": item["rationale"]}
                     for item in disclosure.assumptions},
        inputs=[{key: source[key] for key in ("id", "file", "kind", "sha256", "size_bytes")}
                for source in disclosure.sources],
        audit_log_head=evidence.audit_log_head, audit_log_entries=evidence.audit_log_entries,
        figures={key: disclosure.footprint[key] for key in ("view", "runs", "totals", "warnings")},
        exported_at=header.exported_at, draft=header.draft,
        inventory={"view": inventory["view"], "period": inventory["period"], "totals": inventory["totals"]},
        input_bundle_sha256=evidence.input_bundle_sha256, engine_sha256=evidence.engine_sha256,
        report_info=header.info,
        signoffs=[{"stage": line.stage, "name": line.name, "signed_at": line.signed_at,
                   "state_sha256": line.state_sha256, "current": line.current, "signed": line.signed}
                  for line in disclosure.signoffs],
        checklist=[{"id": item.id, "status": item.status} for item in disclosure.checklist],
        uncertainty=uncertainty_manifest(disclosure), comparison=comparison_manifest(disclosure), **extra)


def uncertainty_manifest(disclosure: Disclosure) -> dict[str, Any]:
    """Return the manifest's uncertainty entry: method, seed, each view's run and every figure's interval."""
    summary = disclosure.uncertainty
    return {"computed": summary.computed, "method": summary.method, "coverage": summary.coverage,
            "seed": summary.seed, "trials": summary.trials, "distributions": summary.distributions,
            "simulations": [as_plain(item) for item in summary.simulations],
            "figures": [as_plain(figure) for figure in summary.figures]}


def comparison_manifest(disclosure: Disclosure) -> dict[str, Any]:
    """Return the manifest's comparison entry: the sets with their hashes, the differences and their causes."""
    summary = disclosure.comparison
    return {"reference_set": summary.reference_set, "method": summary.method, "seed": summary.seed,
            "trials": summary.trials, "sets": [as_plain(item) for item in summary.sets],
            "deltas": [as_plain(item) for item in summary.deltas],
            "decomposition": [as_plain(item) for item in summary.decomposition]}


def avoided_manifest(disclosure: Disclosure) -> dict[str, Any]:
    """Return the manifest's avoided-emissions entry: the plan's set, seed, trials, periods and every lever."""
    section = disclosure.avoided
    return {"assumption_set": section.assumption_set, "method": section.method, "seed": section.seed,
            "trials": section.trials, "period": section.period, "inventory_period": section.inventory_period,
            "reference": section.reference, "levers": [as_plain(lever) for lever in section.levers],
            "not_in_any_total": True}


def _check_request(project: Project, fmt: str, out: Path) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format '{fmt}'", hint=f"Use one of: {', '.join(FORMATS)}.")
    if out.suffix.lower() != SUFFIXES[fmt]:
        raise UsageError(f"{out}: a {fmt} export must end in {SUFFIXES[fmt]}",
                         hint=f"Name the output file *{SUFFIXES[fmt]}.")
    if not out.parent.is_dir():
        raise UsageError(f"{out}: the folder {out.parent} does not exist", hint="Create it or choose another path.")
    if project.read_only and project.read_only_reason:
        raise ProjectReadOnlyError(project.path, f"cannot be changed because {project.read_only_reason}, so the "
                                                 "export cannot be recorded", hint=COPY_HINT)
    if project.read_only:
        raise ProjectFileError(project.path, "is open read-only, so the export cannot be recorded",
                               hint="Open the project for writing to export.")


def _render_and_sign(disclosure: Disclosure, fmt: str, key: signing.SigningKey | None, out: Path,
                     progress: Progress) -> tuple[bytes, bytes | None, dict[str, Any]]:
    """Return the file's bytes, the detached signature's bytes (None for a PDF) and the manifest the file carries."""
    if fmt == "pdf":
        return _render_pdf(disclosure, key, out, progress)
    if fmt == "xlsx":
        note = (f"detached CAdES signature in {signing.signature_path_for(out).name}" if key
                else "not signed")
        data = xlsx.render_workbook(disclosure, signature_note=note, progress=sub_progress(progress, 0.4, 0.9))
    else:
        data = disclosure_json.render(disclosure, fmt)
    return data, signing.sign_detached(data, key) if key else None, disclosure.manifest


def _render_pdf(disclosure: Disclosure, key: signing.SigningKey | None, out: Path,
                progress: Progress) -> tuple[bytes, None, dict[str, Any]]:
    """Render the PDF with the workbook and the manifest attached, then sign it if a key is given."""
    workbook_disclosure = disclosure.with_manifest(disclosure_manifest(disclosure, "xlsx"))
    workbook_name = out.with_suffix(".xlsx").name
    note = f"embedded in {out.name}, covered by its signature"
    workbook = xlsx.render_workbook(workbook_disclosure, signature_note=note, progress=sub_progress(progress, 0.4, 0.7))
    attachments = [{"name": workbook_name, "sha256": hashlib.sha256(workbook).hexdigest(), "size_bytes": len(workbook),
                    "mime_type": pdf.XLSX_MIME}]
    disclosure = disclosure.with_manifest(disclosure_manifest(disclosure, "pdf", attachments))
    writer = pdf.attach_files(pdf.render_pdf(disclosure), disclosure.manifest, {workbook_name: workbook})
    if key is None:
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue(), None, disclosure.manifest
    reason = "Draft carbon disclosure" if disclosure.draft else "Carbon disclosure report"
    return signing.sign_pdf(writer, key, reason=reason), None, disclosure.manifest


def _write_signature(out: Path, signature: bytes | None) -> None:
    """Write the detached signature beside the file, or remove a stale one from an earlier export."""
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
    """Insert the reports row and the audit entry inside the caller's transaction."""
    manifest = result.manifest
    signed_by = f"{result.signer} (SHA-256 {result.signer_sha256_fingerprint})" if result.signer else None
    report_id = int(project.conn.execute(
        "INSERT INTO reports (format, file_name, sha256, assumption_set, state_sha256, signed_by, draft,"
        " exported_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (result.format, result.path.name, result.sha256, manifest["assumption_set"],
         manifest["project_state_sha256"], signed_by, int(result.draft), manifest["exported_at"],
         project.actor)).lastrowid)
    details = {
        "format": result.format, "file": result.path.name, "sha256": result.sha256,
        "assumption_set": manifest["assumption_set"], "assumption_set_sha256": manifest["assumption_set_sha256"],
        "project_state_sha256": manifest["project_state_sha256"], "draft": result.draft,
        "signed": result.signer is not None, "signer": result.signer,
        "signer_sha256_fingerprint": result.signer_sha256_fingerprint,
        "signature_file": result.signature_path.name if result.signature_path else None,
        "signature_sha256": hashlib.sha256(signature).hexdigest() if signature else None,
        "open_items": [item["id"] for item in result.open_items]}
    if "avoided_emissions" in manifest:
        details["avoided_emissions_levers"] = [lever["set_name"] for lever in manifest["avoided_emissions"]["levers"]]
    project.log("export", f"report:{report_id}", details)
    return report_id
