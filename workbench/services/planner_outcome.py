"""The result of a reduction plan: ranked levers, chart data and JSON.

It has no totals: every figure in it is avoided emissions, reported beside the footprint and the
inventory and never deducted from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench import __version__
from workbench.engine.periods import Period
from workbench.engine.planner import results as planner_results
from workbench.engine.planner.results import LeverResult


@dataclass
class PlanOutcome:
    """Every lever's avoided emissions, the narratives and the offsets listed beside them."""

    project: str
    assumption_set: str
    assumption_set_sha256: str
    period: Period | None
    inventory_period: Period | None
    trials: int
    seed: int
    reference: dict[str, float]
    levers: list[LeverResult]
    narratives: list[dict[str, str]] = field(default_factory=list)
    offsets: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def ranked(self) -> list[LeverResult]:
        return planner_results.ranked(self.levers)

    def table(self) -> list[dict[str, Any]]:
        """Return the ranked table: lever, avoided tCO2e with its 95 % interval, share of the reference, depends on."""
        return [item.row(rank) for rank, item in enumerate(self.ranked(), 1)]

    def chart_data(self) -> dict[str, Any]:
        return planner_results.chart_data(self.levers)

    def as_json(self) -> dict[str, Any]:
        """Return the CLI's JSON object for ``carbon-workbench plan`` (keys are only ever added)."""
        return {
            "project": self.project, "assumption_set": self.assumption_set,
            "assumption_set_sha256": self.assumption_set_sha256,
            "kind": "avoided_emissions", "note": planner_results.NOT_NETTED,
            "period": self.period.as_dict() if self.period else None,
            "inventory_period": self.inventory_period.as_dict() if self.inventory_period else None,
            "monte_carlo": {"generator": "numpy PCG64, quantile transforms of shared uniform numbers",
                            "seed": self.seed, "trials": self.trials, "common_random_numbers": True},
            "reference": self.reference,
            "ranked": self.table(), "chart": self.chart_data(),
            "levers": [item.as_dict() for item in self.ranked()],
            "narratives": self.narratives, "offsets_reported_separately": self.offsets, "notes": self.notes,
            "software": {"name": "carbon-workbench", "version": __version__},
        }
