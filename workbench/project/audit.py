"""The append-only, hash-chained audit log.

Entry ``n`` stores ``sha256(canonical JSON of its fields + hash of entry n-1)``. Editing,
inserting or deleting an entry in the middle breaks every later hash. Deleting entries at the
end is caught by comparing with the head hash and count kept in ``project_meta`` and copied
into every signed export's manifest.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from workbench.clock import utc_now_text

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Serialize ``value`` deterministically (sorted keys, no spaces, UTF-8 text)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _entry_hash(seq: int, at: str, actor: str, action: str, entity: str, details_json: str,
                prev_hash: str) -> str:
    payload = canonical_json([seq, at, actor, action, entity, details_json, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(conn: sqlite3.Connection, actor: str, action: str, entity: str,
           details: dict[str, Any]) -> str:
    """Append one entry inside the caller's transaction and return its hash."""
    last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    at = utc_now_text()
    details_json = canonical_json(details)
    entry_hash = _entry_hash(seq, at, actor, action, entity, details_json, prev_hash)
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor, action, entity, details_json, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, entity, details_json, prev_hash, entry_hash),
    )
    conn.execute(
        "INSERT INTO project_meta (key, value) VALUES ('audit_head', ?), ('audit_count', ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (entry_hash, str(seq)),
    )
    return entry_hash


@dataclass(frozen=True)
class ChainStatus:
    """Result of checking the audit log's hash chain."""

    ok: bool
    entries: int
    head_hash: str
    problem: str = ""
    first_bad_seq: int | None = None


def verify_chain(conn: sqlite3.Connection) -> ChainStatus:
    """Recompute every hash of the audit log and compare with the recorded head."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    rows = conn.execute(
        "SELECT seq, at, actor, action, entity, details_json, prev_hash, hash FROM audit_log ORDER BY seq"
    )
    for seq, at, actor, action, entity, details_json, stored_prev, stored_hash in rows:
        if seq != expected_seq:
            return ChainStatus(False, expected_seq - 1, prev_hash,
                               f"entry {expected_seq} is missing (next entry is {seq})", expected_seq)
        if stored_prev != prev_hash:
            return ChainStatus(False, seq - 1, prev_hash,
                               f"entry {seq} does not point to the hash of entry {seq - 1}", seq)
        if _entry_hash(seq, at, actor, action, entity, details_json, stored_prev) != stored_hash:
            return ChainStatus(False, seq - 1, prev_hash, f"entry {seq} was changed after it was written", seq)
        prev_hash = stored_hash
        expected_seq += 1

    entries = expected_seq - 1
    meta = dict(conn.execute("SELECT key, value FROM project_meta WHERE key IN ('audit_head', 'audit_count')"))
    if meta.get("audit_count") and int(meta["audit_count"]) != entries:
        return ChainStatus(False, entries, prev_hash,
                           f"the log has {entries} entries but {meta['audit_count']} were recorded; "
                           "entries were deleted from its end", entries + 1)
    if meta.get("audit_head") and meta["audit_head"] != prev_hash:
        return ChainStatus(False, entries, prev_hash, "the last entry does not match the recorded head hash",
                           entries)
    return ChainStatus(True, entries, prev_hash)


def read_entries(conn: sqlite3.Connection, limit: int | None = None) -> list[dict[str, Any]]:
    """Return audit entries, newest last, as plain dicts with decoded details."""
    sql = "SELECT seq, at, actor, action, entity, details_json, hash FROM audit_log ORDER BY seq"
    if limit is not None:
        sql = f"SELECT * FROM ({sql} DESC LIMIT {int(limit)}) ORDER BY seq"
    entries = []
    for seq, at, actor, action, entity, details_json, entry_hash in conn.execute(sql):
        entries.append({"seq": seq, "at": at, "actor": actor, "action": action, "entity": entity,
                        "details": json.loads(details_json), "hash": entry_hash})
    return entries
