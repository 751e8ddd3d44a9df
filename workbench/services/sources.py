"""Summaries of imported sources (counts, UTC time span, totals) for the ``sources`` command and the GUI."""

from __future__ import annotations

import json
from typing import Any

from workbench.project import repo, repo_library
from workbench.project.store import Project

# The total that describes each kind of source; other totals are listed too when present.
MAIN_TOTAL = {"gpu-log": "energy_kwh", "codecarbon": "energy_kwh", "meter": "energy_kwh",
              "green-button": "energy_kwh", "procurement": "embodied_co2e_kg", "factors": "values",
              "hardware-library": "values", "instruments": "mwh", "scope1": "activities", "runs": "runs"}


def list_sources(project: Project) -> list[dict[str, Any]]:
    """Return every imported source with its counts, UTC time span and totals."""
    totals = repo_library.source_totals(project.conn)
    summaries = []
    for source in repo.list_sources(project.conn).itertuples(index=False):
        found = totals.get(int(source.id), {})
        entry = {
            "source_id": int(source.id), "file": source.original_name, "kind": source.kind, "sha256": source.sha256,
            "rows_read": int(source.rows_read), "rows_accepted": int(source.rows_accepted),
            "rows_rejected": int(source.rows_rejected), "start": source.start_utc, "end": source.end_utc,
            "imported_at": source.imported_at, "importer": f"{source.importer} {source.importer_version}",
            "notes": json.loads(source.notes_json),
        }
        main = MAIN_TOTAL.get(source.kind)
        if main:
            entry[main] = found.get(main, 0.0)
        for key, value in found.items():
            entry.setdefault(key, value)
        summaries.append(entry)
    return summaries
