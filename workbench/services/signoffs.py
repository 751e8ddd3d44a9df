"""Sign-off stages of a report: preparer, reviewer and approver, each bound to a project state.

A sign-off records who approved, when, and the SHA-256 of the project state and assumption set
they approved. When the state changes afterwards, :func:`signoff_status` marks the sign-off
"changed since approval", and the disclosure checklist stops counting it. A sign-off can carry a
detached CMS signature over its statement (the canonical JSON of the record), made with the
signer's PKCS#12 key. Sign-offs are append-only; a new approval is a new row.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.clock import utc_now_text
from workbench.errors import UsageError
from workbench.project import disclosure_repo
from workbench.project.audit import canonical_json
from workbench.project.store import Project
from workbench.reports import signing
from workbench.services import assumptions as assumption_service
from workbench.services.state import project_state_sha256

log = logging.getLogger(__name__)

STAGES = ("preparer", "reviewer", "approver")
CHANGED = "changed since approval"
CURRENT = "matches the current state"


@dataclass(frozen=True)
class SignoffStatus:
    """A recorded sign-off and whether it still applies to the project as it is now."""

    id: int
    stage: str
    name: str
    role: str | None
    signed_at: str
    state_sha256: str
    assumption_set: str
    assumption_set_sha256: str
    current: bool
    signed: bool
    signer: str | None
    signer_sha256: str | None
    signature_ok: bool | None
    signature_problem: str | None = None

    @property
    def status(self) -> str:
        return CURRENT if self.current else CHANGED

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["status"] = self.status
        return data


def record_signoff(project: Project, stage: str, name: str, *, role: str | None = None,
                   set_name: str = assumption_service.DEFAULT_SET, statement: str | None = None,
                   sign_key: str | Path | None = None, password: bytes | None = None) -> SignoffStatus:
    """Record that ``name`` signs off the current project state as ``stage``.

    A reviewer or approver needs a preparer sign-off of the same state first, so an approval
    never covers data nobody prepared. With ``sign_key`` the statement is signed (detached CMS).
    Raises UsageError for an unknown stage, an empty name or a missing preparer sign-off.
    """
    if stage not in STAGES:
        raise UsageError(f"unknown sign-off stage '{stage}'", hint=f"Use one of: {', '.join(STAGES)}.")
    if not name.strip():
        raise UsageError("a sign-off needs the signer's name")
    key = signing.load_signing_key(sign_key, password) if sign_key is not None else None
    state = project_state_sha256(project)
    if stage != "preparer" and not any(item.stage == "preparer" and item.current
                                       for item in signoff_status(project, state)):
        raise UsageError(f"the {stage} sign-off needs a preparer sign-off of the current project state first",
                         hint="Record the preparer's sign-off (again, if the project changed since) and retry.")

    record = {
        "stage": stage, "name": name.strip(), "role": role, "signed_at": utc_now_text(),
        "project_name": project.name, "state_sha256": state, "assumption_set": set_name,
        "assumption_set_sha256": assumption_service.set_hash(project, set_name),
        "statement": statement or f"I sign off this report as {stage}.",
    }
    statement_json = canonical_json(record)
    signature = signing.sign_detached(statement_json.encode("utf-8"), key) if key else None
    row = dict(record, statement_json=statement_json, signature_der=signature,
               signer=key.common_name if key else None, signer_sha256=key.fingerprint_sha256 if key else None,
               actor=project.actor)
    with project.transaction():
        signoff_id = disclosure_repo.insert_signoff(project.conn, row)
        project.log("signoff", f"signoff:{signoff_id}", {
            "stage": stage, "name": record["name"], "state_sha256": state, "assumption_set": set_name,
            "signed": key is not None, "signer_sha256": row["signer_sha256"],
            "statement_sha256": hashlib.sha256(statement_json.encode("utf-8")).hexdigest()})
    log.info("sign-off %d: %s by %s of state %s", signoff_id, stage, record["name"], state[:12])
    return next(item for item in signoff_status(project, state) if item.id == signoff_id)


def signoff_status(project: Project, state_sha256: str | None = None) -> list[SignoffStatus]:
    """Return every sign-off with whether it matches ``state_sha256`` (default: the state now)."""
    state = state_sha256 or project_state_sha256(project)
    return [_status(row, state) for row in disclosure_repo.list_signoffs(project.conn)]


def latest_by_stage(statuses: list[SignoffStatus]) -> dict[str, SignoffStatus]:
    """Return the most recent sign-off of each stage."""
    latest: dict[str, SignoffStatus] = {}
    for item in statuses:
        latest[item.stage] = item
    return latest


def _status(row: disclosure_repo.SignoffRow, state: str) -> SignoffStatus:
    signature_ok, problem = None, None
    if row.signature_der is not None:
        signature_ok, problem = _check_signature(row)
    return SignoffStatus(
        id=row.id, stage=row.stage, name=row.name, role=row.role, signed_at=row.signed_at,
        state_sha256=row.state_sha256, assumption_set=row.assumption_set,
        assumption_set_sha256=row.assumption_set_sha256, current=row.state_sha256 == state,
        signed=row.signature_der is not None, signer=row.signer, signer_sha256=row.signer_sha256,
        signature_ok=signature_ok, signature_problem=problem)


def _check_signature(row: disclosure_repo.SignoffRow) -> tuple[bool, str | None]:
    """Check the stored signature over the stored statement, and that the statement matches the row."""
    try:
        check = signing.check_detached_signature(row.statement_json.encode("utf-8"), bytes(row.signature_der), None)
    except ValueError as exc:
        return False, f"the signature cannot be read: {exc}"
    if not check.integrity_ok:
        return False, "; ".join(check.problems) or "the signature does not verify"
    if check.fingerprint_sha256 != row.signer_sha256:
        return False, "the signature was made with another certificate than the one recorded"
    statement = _parse(row.statement_json)
    if statement.get("state_sha256") != row.state_sha256 or statement.get("stage") != row.stage:
        return False, "the signed statement names another stage or state than the sign-off row"
    return True, None


def _parse(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
