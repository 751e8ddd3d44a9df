"""The reports view's use cases without Qt: sign-off stages in order, export requests, verify hints.

The sign-off service lets a reviewer or approver sign once a preparer has signed the current
state. The reports view requires the stages in order: each stage opens once the stage before it
has a sign-off that matches the current project state. :func:`stage_rows` computes which stage
is open and why the others are not.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from workbench.project.store import Project
from workbench.services import exports, signoffs
from workbench.services.signoffs import STAGES, SignoffStatus
from workbench.services.state import project_state_sha256

FORMAT_LABELS = {
    "xlsx": "Excel workbook with live formulas (.xlsx)",
    "pdf": "PDF report with the workbook and manifest attached (.pdf)",
    "json": "Whole disclosure model as JSON (.json)",
    "esrs-json": "ESRS E1-5 and E1-6 tables as JSON (.json)",
    "ai-act-json": "AI Act training-energy record of each model as JSON (.json)",
}


@dataclass(frozen=True)
class StageRow:
    """One sign-off stage: its latest sign-off (or None), whether it can be signed now, and why not."""

    stage: str
    latest: SignoffStatus | None
    enabled: bool
    blocked_by: str

    def describe(self) -> str:
        """Describe the latest sign-off: who, when, which state digest and whether it still applies."""
        if self.latest is None:
            return "not signed"
        item = self.latest
        key = f", signed with the key of {item.signer}" if item.signed else ""
        return (f"{item.name} on {short_time(item.signed_at)}, state {item.state_sha256[:12]}, set "
                f"{item.assumption_set}{key}: {item.status}")


def short_time(stamp: str) -> str:
    """Return an ISO 8601 UTC time stamp to the second, as '2025-09-01 12:00:05 UTC'."""
    return stamp[:19].replace("T", " ") + " UTC"


def stage_rows(project: Project) -> list[StageRow]:
    """Return the three stages in order; a stage is enabled once the previous one matches the current state."""
    state = project_state_sha256(project)
    latest = signoffs.latest_by_stage(signoffs.signoff_status(project, state))
    rows = []
    previous_ok, previous = True, None
    for stage in STAGES:
        item = latest.get(stage)
        blocked = "" if previous_ok else f"needs a {previous} sign-off of the current project state first"
        rows.append(StageRow(stage, item, previous_ok, blocked))
        previous_ok, previous = item is not None and item.current, stage
    return rows


def all_signoffs(project: Project) -> list[SignoffStatus]:
    return signoffs.signoff_status(project)


def suggested_output(project_path: Path, set_name: str, fmt: str) -> Path:
    """Return the default report path: beside the project, named after it, the set and the format."""
    suffix = exports.SUFFIXES[fmt]
    tag = "" if fmt in ("xlsx", "pdf", "json") else f"-{fmt.removesuffix('-json')}"
    return project_path.with_name(f"{project_path.stem}-{set_name}{tag}{suffix}")


def verify_command(report: Path, project_path: Path | None) -> str:
    """Return the command line that verifies ``report`` (and its figures against the project)."""
    parts = ["carbon-workbench", "verify", str(report)]
    if project_path is not None:
        parts += ["--project", str(project_path)]
    return shlex.join(parts)


def written_files(result: exports.ExportResult) -> list[Path]:
    """Return the files an export wrote: the report and its detached signature, if any."""
    return [result.path] + ([result.signature_path] if result.signature_path is not None else [])
