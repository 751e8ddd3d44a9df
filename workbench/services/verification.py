"""Verifying an exported report: signature, manifest and, given the project, every figure of both views.

``verify_file`` does not raise for a file that fails a check. Each failed check adds one
sentence to ``VerifyReport.problems`` naming what changed, and ``ok`` is true only when there
are none. It raises UsageError for a request it cannot start (a missing file, an unknown suffix
or an unreadable trusted certificate) and ProjectFileError for a project that cannot be opened.

With the project, the footprint is recomputed for every run and the inventory for the
manifest's reporting period, under the manifest's assumption set, and each figure is compared
with the report's; the audit log, the input files and the assumption values are checked too.
The Monte Carlo uncertainty analysis, the comparison of assumption sets and, for a report with
the reduction plan, the avoided emissions of every lever are repeated with the seed the manifest
records and must give the same figures and intervals.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.engine.footprint import NUMERIC_KEYS
from workbench.engine.periods import Period, parse_period
from workbench.errors import NotFoundError, UsageError
from workbench.project import audit, repo
from workbench.project.store import Project
from workbench.reports import signing
from workbench.reports.manifest import figures_close
from workbench.services import assumptions as assumption_service
from workbench.services.compute import FootprintModel, compute_footprint
from workbench.services.inventory import compute_inventory
from workbench.services.projects import open_existing
from workbench.services.state import project_state_sha256
from workbench.services.uncertainty import UncertaintyContext
from workbench.services.verification_plan import plan_problems
from workbench.services.verification_uncertainty import comparison_problems, uncertainty_problems
from workbench.services.verification_files import inspect_json, inspect_pdf, inspect_xlsx

log = logging.getLogger(__name__)

KINDS = {".pdf": "pdf", ".xlsx": "xlsx", ".json": "json"}
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
                         hint="Verify a .pdf, .xlsx or .json file written by Carbon Workbench.")
    if not path.is_file():
        raise UsageError(f"{path}: no such file", hint="Check the path.")
    trusted = signing.load_trusted_certificates(trust) if trust is not None else None

    data = path.read_bytes()
    if kind == "pdf":
        check, manifest, manifest_problems = inspect_pdf(data, trusted)
    elif kind == "xlsx":
        check, manifest, manifest_problems = inspect_xlsx(path, data, trusted)
    else:
        check, manifest, manifest_problems = inspect_json(path, data, trusted)

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


def _manifest_summary(manifest: dict) -> dict[str, Any]:
    keys = ("project_name", "format", "assumption_set", "assumption_set_sha256", "project_state_sha256",
            "exported_at", "draft", "audit_log_entries", "audit_log_head", "input_bundle_sha256", "engine_sha256")
    summary = {key: manifest.get(key) for key in keys}
    summary["inputs"] = len(manifest.get("inputs") or [])
    summary["manifest_version"] = manifest.get("manifest_version")
    summary["open_items"] = [item["id"] for item in manifest.get("checklist") or [] if item.get("status") == "missing"]
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
            analysis = UncertaintyContext(project, FootprintModel(project))
            problems += _figure_problems(project, manifest, analysis)
            if "inventory" in manifest:
                period = _recorded_period(manifest)
                problems += _capped(uncertainty_problems(project, manifest, analysis, period))
                problems += _capped(comparison_problems(project, manifest, analysis, period))
                problems += _capped(plan_problems(project, manifest, analysis, period))
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


def _figure_problems(project: Project, manifest: dict, analysis: UncertaintyContext) -> list[str]:
    outcome = compute_footprint(project, manifest["assumption_set"], analysis.footprint)
    now = {run.run: run.as_dict() for run in outcome.result.runs}
    recorded = {run["run"]: run for run in manifest["figures"]["runs"]}
    problems = [f"run '{name}' is in the report but no longer in the project" for name in recorded if name not in now]
    problems += [f"run '{name}' is in the project but not in the report" for name in now if name not in recorded]
    differences = []
    for name, run in recorded.items():
        if name in now:
            differences += _differences(f"run '{name}'", run, now[name], NUMERIC_KEYS)
    differences += _differences("the footprint totals", manifest["figures"]["totals"], outcome.result.totals,
                                NUMERIC_KEYS)
    if "inventory" in manifest:
        differences += _inventory_differences(project, manifest, analysis)
    return problems + _capped(differences)


def _capped(differences: list[str]) -> list[str]:
    """Keep the first MAX_FIGURE_PROBLEMS sentences and count the rest in one."""
    if len(differences) <= MAX_FIGURE_PROBLEMS:
        return differences
    extra = len(differences) - MAX_FIGURE_PROBLEMS
    return differences[:MAX_FIGURE_PROBLEMS] + [f"{extra} more figures differ"]


def _recorded_period(manifest: dict) -> Period:
    """Return the inventory's reporting period as the manifest records it."""
    period = manifest["inventory"]["period"]
    # Date-times on both sides are exact bounds, so this is the recorded period whatever its label.
    return parse_period(f"{period['start_utc']}/{period['end_utc']}")


def _inventory_differences(project: Project, manifest: dict, analysis: UncertaintyContext) -> list[str]:
    outcome = compute_inventory(project, manifest["assumption_set"], analysis.inventory,
                                period=_recorded_period(manifest))
    recorded = manifest["inventory"]["totals"]
    return _differences("the inventory", recorded, outcome.result.totals, tuple(recorded))


def _differences(label: str, recorded: dict, now: dict, keys: tuple[str, ...]) -> list[str]:
    return [f"{label}: {key} is {now.get(key)} when recomputed, but {recorded.get(key)} in the report"
            for key in keys if not figures_close(recorded.get(key), now.get(key))]
