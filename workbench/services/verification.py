"""Verifying an exported PDF or workbook: signature, manifest and, given the project, the figures.

``verify_file`` does not raise for a file that fails a check. Each failed check adds one
sentence to ``VerifyReport.problems`` naming what changed, and ``ok`` is true only when there
are none. It raises UsageError for a request it cannot start (a missing file, an unknown suffix
or an unreadable trusted certificate) and ProjectFileError for a project that cannot be opened.
"""

from __future__ import annotations

import io
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pyhanko.pdf_utils.reader import PdfFileReader

from workbench.engine.footprint import NUMERIC_KEYS
from workbench.errors import NotFoundError, UsageError
from workbench.project import audit, repo
from workbench.project.store import Project
from workbench.reports import pdf, signing, xlsx
from workbench.reports.manifest import check_manifest, figures_close, parse_manifest
from workbench.services import assumptions as assumption_service
from workbench.services.compute import compute_footprint
from workbench.services.projects import open_existing
from workbench.services.state import project_state_sha256

log = logging.getLogger(__name__)

KINDS = {".pdf": "pdf", ".xlsx": "xlsx"}
# Beyond this many differing figures, the rest are counted in one sentence.
MAX_FIGURE_PROBLEMS = 10


@dataclass
class VerifyReport:
    """The outcome of verifying one exported file."""

    ok: bool
    file: str
    kind: str
    signed: bool
    signer: str | None
    signer_sha256_fingerprint: str | None
    signing_time: str | None
    integrity_ok: bool
    manifest_ok: bool
    numbers_ok: bool | None
    problems: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_file(path: str | Path, *, project_path: str | Path | None = None,
                trust: str | Path | None = None) -> VerifyReport:
    """Verify an exported file's signature and manifest, and with ``project_path`` its figures.

    Without ``trust`` the signer is not authenticated: a self-signed signer is reported as
    "not trusted (self-signed)" while integrity can still pass. With ``trust`` (a PEM or DER
    certificate) the signer must chain to it.
    """
    path = Path(path)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise UsageError(f"{path}: cannot tell what kind of export this is from its suffix",
                         hint="Verify a .pdf or .xlsx file written by Carbon Workbench.")
    if not path.is_file():
        raise UsageError(f"{path}: no such file", hint="Check the path.")
    trusted = signing.load_trusted_certificates(trust) if trust is not None else None

    data = path.read_bytes()
    if kind == "pdf":
        check, manifest, manifest_problems = _inspect_pdf(data, trusted)
    else:
        check, manifest, manifest_problems = _inspect_xlsx(path, data, trusted)

    report = VerifyReport(
        ok=False, file=str(path), kind=kind, signed=check.signed, signer=check.signer,
        signer_sha256_fingerprint=check.fingerprint_sha256, signing_time=check.signing_time,
        integrity_ok=check.integrity_ok, manifest_ok=manifest is not None and not manifest_problems,
        numbers_ok=None, problems=check.problems + manifest_problems,
        details={"trust": check.trust_note or None, "signatures": check.details})
    if manifest is not None:
        report.details["manifest"] = _manifest_summary(manifest)
    if project_path is not None:
        _check_project(report, manifest, Path(project_path))

    report.ok = (report.signed and report.integrity_ok and report.manifest_ok
                 and report.numbers_ok is not False and not report.problems)
    log.info("verified %s: %s (%d problems)", path, "ok" if report.ok else "FAILED", len(report.problems))
    return report


# -- the file ------------------------------------------------------------------------------------

def _inspect_pdf(data: bytes, trusted: list | None) -> tuple[signing.SignatureCheck, dict | None, list[str]]:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # noqa: BLE001 (pyHanko raises many types on damaged input)
        log.info("PDF cannot be parsed", exc_info=True)
        check = signing.SignatureCheck(signed=False, problems=[f"the PDF cannot be parsed: {exc}"])
        return check, None, ["the manifest cannot be read because the PDF cannot be parsed"]
    try:
        check = signing.check_pdf_signatures(reader, trusted)
    except Exception as exc:  # noqa: BLE001 (damaged input)
        log.info("PDF signature check failed", exc_info=True)
        check = signing.SignatureCheck(signed=True, problems=[f"the PDF's signature cannot be checked: {exc}"])
    try:
        manifest = pdf.read_manifest(reader)
    except Exception as exc:  # noqa: BLE001 (damaged input)
        log.info("PDF manifest cannot be read", exc_info=True)
        return check, None, [f"the attached manifest cannot be read: {exc}"]
    if manifest is None:
        return check, None, ["the PDF has no attached manifest.json"]
    return check, manifest, check_manifest(manifest, "pdf")


def _inspect_xlsx(path: Path, data: bytes,
                  trusted: list | None) -> tuple[signing.SignatureCheck, dict | None, list[str]]:
    signature_path = signing.signature_path_for(path)
    if not signature_path.is_file():
        check = signing.SignatureCheck(signed=False, problems=[
            f"not signed: no signature file {signature_path.name} beside the workbook"])
    else:
        try:
            check = signing.check_detached_signature(data, signature_path.read_bytes(), trusted)
        except Exception as exc:  # noqa: BLE001 (asn1crypto and pyHanko raise many types on damaged input)
            log.info("detached signature check failed", exc_info=True)
            check = signing.SignatureCheck(signed=True, problems=[
                f"the signature file {signature_path.name} cannot be checked: {exc}"])

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        try:
            manifest = parse_manifest(xlsx.read_manifest_text(workbook))
            run_figures = xlsx.read_run_figures(workbook)
        finally:
            workbook.close()
    except Exception as exc:  # noqa: BLE001 (openpyxl and zipfile raise many types on damaged input)
        log.info("workbook manifest cannot be read", exc_info=True)
        return check, None, [f"the workbook or its Manifest sheet cannot be read: {exc}"]
    problems = check_manifest(manifest, "xlsx")
    if not problems:
        problems = _compare_sheet_with_manifest(run_figures, manifest["figures"]["runs"])
    return check, manifest, problems


def _compare_sheet_with_manifest(sheet_runs: list[dict], manifest_runs: list[dict]) -> list[str]:
    if len(sheet_runs) != len(manifest_runs):
        return [f"the Runs sheet lists {len(sheet_runs)} runs but the manifest {len(manifest_runs)}"]
    problems = []
    for sheet_run, recorded in zip(sheet_runs, manifest_runs):
        for key in NUMERIC_KEYS:
            if not figures_close(sheet_run.get(key), recorded.get(key)):
                problems.append(f"the Runs sheet shows {key} = {sheet_run.get(key)} for run '{recorded.get('run')}', "
                                f"but the manifest records {recorded.get(key)}")
    return problems


def _manifest_summary(manifest: dict) -> dict[str, Any]:
    keys = ("project_name", "assumption_set", "assumption_set_sha256", "project_state_sha256", "exported_at",
            "draft", "audit_log_entries", "audit_log_head")
    summary = {key: manifest.get(key) for key in keys}
    summary["inputs"] = len(manifest.get("inputs") or [])
    return summary


# -- the project ---------------------------------------------------------------------------------

def _check_project(report: VerifyReport, manifest: dict | None, project_path: Path) -> None:
    if manifest is None or not report.manifest_ok:
        report.numbers_ok = False
        report.problems.append("the figures cannot be checked against the project without a valid manifest")
        return
    project = open_existing(project_path, read_only=True)
    try:
        problems = _audit_problems(project, manifest)
        problems += _input_problems(project, manifest)
        set_problems, set_exists = _assumption_problems(project, manifest)
        problems += set_problems
        if set_exists:
            problems += _figure_problems(project, manifest)
        state_now = project_state_sha256(project)
    finally:
        project.close()
    report.details["project"] = {"path": str(project_path), "project_state_sha256": state_now,
                                 "state_unchanged": state_now == manifest["project_state_sha256"]}
    report.numbers_ok = not problems
    report.problems.extend(problems)


def _audit_problems(project: Project, manifest: dict) -> list[str]:
    chain = audit.verify_chain(project.conn)
    if not chain.ok:
        return [f"the project's audit log does not verify: {chain.problem}"]
    entries = int(manifest["audit_log_entries"])
    row = project.conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (entries,)).fetchone()
    if row is None or row[0] != manifest["audit_log_head"]:
        return [f"the project's audit log entry {entries} is not the one recorded at export: the log was "
                "rewritten, or this is another project"]
    return []


def _input_problems(project: Project, manifest: dict) -> list[str]:
    present = set(repo.list_sources(project.conn)["sha256"])
    return [f"input file '{item.get('file')}' (SHA-256 {item['sha256']}) is no longer a source in the project"
            for item in manifest["inputs"] if item["sha256"] not in present]


def _assumption_problems(project: Project, manifest: dict) -> tuple[list[str], bool]:
    """Return the problems with the manifest's assumption set, and whether the set still exists."""
    set_name = manifest["assumption_set"]
    try:
        resolved = assumption_service.resolve(project, set_name)
    except NotFoundError:
        return [f"assumption set '{set_name}' no longer exists in the project"], False
    if assumption_service.set_hash(project, set_name) == manifest["assumption_set_sha256"]:
        return [], True
    recorded = {key: item["value"] for key, item in manifest["assumptions"].items()}
    changes = [f"{key} {recorded.get(key)!r} -> {item.value!r}" for key, item in resolved.items()
               if key not in recorded or recorded[key] != item.value]
    changes += [f"{key} removed" for key in recorded if key not in resolved]
    return [f"assumption set '{set_name}' changed since export ({', '.join(changes) or 'values differ'})"], True


def _figure_problems(project: Project, manifest: dict) -> list[str]:
    outcome = compute_footprint(project, manifest["assumption_set"])
    now = {run.run: run.as_dict() for run in outcome.result.runs}
    recorded = {run["run"]: run for run in manifest["figures"]["runs"]}
    problems = [f"run '{name}' is in the report but no longer in the project" for name in recorded if name not in now]
    problems += [f"run '{name}' is in the project but not in the report" for name in now if name not in recorded]
    differences = []
    for name, run in recorded.items():
        if name in now:
            differences += _differences(f"run '{name}'", run, now[name])
    differences += _differences("the totals", manifest["figures"]["totals"], outcome.result.totals)
    if len(differences) > MAX_FIGURE_PROBLEMS:
        extra = len(differences) - MAX_FIGURE_PROBLEMS
        differences = differences[:MAX_FIGURE_PROBLEMS] + [f"{extra} more figures differ"]
    return problems + differences


def _differences(label: str, recorded: dict, now: dict) -> list[str]:
    return [f"{label}: {key} is {now.get(key)} when recomputed, but {recorded.get(key)} in the report"
            for key in NUMERIC_KEYS if not figures_close(recorded.get(key), now.get(key))]
