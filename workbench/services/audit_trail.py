"""The audit trail as a table: who changed what, when and why, with filters and chain status.

:func:`audit_frame` flattens the hash-chained log of :mod:`workbench.project.audit` into a
DataFrame with a one-line summary and the rationale of each entry. :class:`AuditFilter`
selects entries by actor, action, time range and free text, and :func:`chain_state` verifies the
hash chain and names the first broken entry. The log is append-only, so nothing here writes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench.project import audit

COLUMNS = ("seq", "at", "actor", "action", "entity", "summary", "rationale", "details", "hash")


@dataclass(frozen=True)
class ChainState:
    """The audit log's hash-chain check: ``ok``, entry count and the first broken entry."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"Hash chain verified: {self.entries} entries"
        return f"Hash chain broken at entry {self.first_bad_seq}: {self.problem}"


def chain_state(conn: sqlite3.Connection) -> ChainState:
    """Verify the audit log of ``conn`` (every hash recomputed)."""
    status = audit.verify_chain(conn)
    return ChainState(status.ok, status.entries, status.first_bad_seq, status.problem)


def audit_frame(conn: sqlite3.Connection) -> pd.DataFrame:
    """Return every audit entry, oldest first, with the columns in :data:`COLUMNS`.

    ``rationale`` is the reason stored with the entry (assumption changes carry one), and
    ``details`` is the entry's JSON text.
    """
    rows = []
    for entry in audit.read_entries(conn):
        details = entry["details"]
        rows.append({"seq": entry["seq"], "at": entry["at"], "actor": entry["actor"], "action": entry["action"],
                     "entity": entry["entity"], "summary": summarize(entry["action"], details),
                     "rationale": str(details.get("rationale", "")) if isinstance(details, dict) else "",
                     "details": json.dumps(details, sort_keys=True, ensure_ascii=False, default=str),
                     "hash": entry["hash"]})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def summarize(action: str, details: Any) -> str:
    """Describe one entry in a line, such as "pue: 1.55 -> 1.2 (kWh facility / kWh IT)"."""
    if not isinstance(details, dict):
        return str(details)
    if action in ("set_assumption", "set_distribution") and "key" in details:
        unit = f" ({details['unit']})" if details.get("unit") else ""
        return f"{details['key']}: {details.get('old')} -> {details.get('new')}{unit}"
    if action == "import":
        return (f"{details.get('file')} ({details.get('kind')}): {details.get('rows_accepted')} rows accepted, "
                f"{details.get('rows_rejected')} rejected")
    if "before" in details and "after" in details:
        return f"{details['before']} -> {details['after']}"
    shown = [f"{key}={value}" for key, value in details.items() if not isinstance(value, (dict, list))]
    return ", ".join(shown)


@dataclass(frozen=True)
class AuditFilter:
    """A selection of audit entries; empty fields select everything.

    ``since`` and ``until`` are ISO 8601 UTC texts compared with the entry time (``until`` is
    inclusive up to the end of that text, so "2026-01-01" includes the whole day). ``text``
    is matched, case-insensitively, against entity, summary, rationale and details.
    """

    actor: str = ""
    action: str = ""
    since: str = ""
    until: str = ""
    text: str = ""

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return the rows of ``frame`` (from :func:`audit_frame`) that this filter selects."""
        keep = pd.Series(True, index=frame.index)
        if self.actor:
            keep &= frame["actor"] == self.actor
        if self.action:
            keep &= frame["action"] == self.action
        if self.since:
            keep &= frame["at"] >= self.since
        if self.until:
            keep &= frame["at"] <= self.until + "\uffff"
        if self.text:
            haystack = (frame["entity"] + "\n" + frame["summary"] + "\n" + frame["rationale"] + "\n" + frame["details"])
            keep &= haystack.str.contains(self.text, case=False, regex=False)
        return frame[keep]


def choices(frame: pd.DataFrame, column: str) -> list[str]:
    """Return the distinct values of ``column`` (actor or action), sorted, for a filter's list."""
    return sorted(str(value) for value in frame[column].dropna().unique())
