"""The report content: everything an export shows, gathered once and laid out by each writer.

The export service fills a :class:`ReportContent` from the project and the engine. The workbook
and PDF writers only lay it out, so both formats show the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

DRAFT_NOTICE = "DRAFT: not for disclosure"
VIEW_DESCRIPTION = ("footprint: location-based operational emissions plus embodied hardware emissions "
                    "amortized SCI-style (not an inventory)")


@dataclass(frozen=True)
class ReportContent:
    """What a report shows, as plain records.

    ``runs`` and ``totals`` come from the footprint engine (one dict per run with the engine's
    keys, such as ``facility_energy_kwh``); ``hourly`` has the columns ``run``, ``hour_utc``
    (Unix seconds) and ``facility_energy_kwh`` for the energy chart.
    """

    manifest: dict[str, Any]
    project_name: str
    assumption_set: str
    exported_at: str
    draft: bool
    runs: list[dict[str, Any]]
    totals: dict[str, float]
    warnings: list[str]
    assumptions: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    rejected_total: int
    audit: list[dict[str, Any]]
    hourly: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["run", "hour_utc", "facility_energy_kwh"]))
    # The reduction planner's appendix (see workbench.reports.planner_appendix), or None.
    planner: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        return f"Carbon footprint of AI training: {self.project_name}"
