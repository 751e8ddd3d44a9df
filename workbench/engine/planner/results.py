"""Avoided emissions of levers: figures that refuse to be netted, ranked rows and chart data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from workbench.engine.uncertainty.comparison import Difference
from workbench.errors import NettingError

KG_PER_T = 1000.0
NOT_NETTED = "avoided emissions, reported beside the totals and never deducted from them"


@dataclass(frozen=True)
class AvoidedEmissions:
    """Emissions a lever avoids (without the lever minus with it), in kgCO2e, with a 95 % interval.

    The interval and mean come from Monte Carlo with common random numbers; ``point`` is the
    engine's exact difference. The interval from independent draws of the two worlds is kept for
    comparison: it counts the uncertainty they share twice, so it is wider. Adding it to or subtracting it from any figure raises
    NettingError, so it cannot end up inside a total by accident.
    """

    view: str
    output: str
    point_kg: float
    mean_kg: float
    sd_kg: float
    low_kg: float
    high_kg: float
    probability_saves: float
    trials: int
    independent_low_kg: float | None = None
    independent_high_kg: float | None = None

    @classmethod
    def from_difference(cls, view: str, difference: Difference, trials: int) -> "AvoidedEmissions":
        """Turn a comparison's difference (with the lever minus without it) into avoided emissions."""
        common, independent = difference.common, difference.independent
        return cls(view, difference.output, -difference.point, -common.mean, common.sd, -common.high, -common.low,
                   difference.probability_below, trials, -independent.high, -independent.low)

    def _refuse(self, other: object) -> "AvoidedEmissions":
        raise NettingError(f"{self.point_kg:,.6g} kgCO2e of {self.output}")

    __add__ = __radd__ = __sub__ = __rsub__ = _refuse

    def share_of(self, reference_kg: float) -> float | None:
        return None if reference_kg == 0 else self.point_kg / reference_kg

    def as_dict(self) -> dict[str, Any]:
        return {"view": self.view, "output": self.output, "avoided_co2e_kg": self.point_kg,
                "mean_co2e_kg": self.mean_kg, "sd_co2e_kg": self.sd_kg,
                "interval_95_co2e_kg": [self.low_kg, self.high_kg],
                "probability_lever_saves": self.probability_saves, "trials": self.trials,
                "common_random_numbers": True,
                "independent_draws_interval_95_co2e_kg": [self.independent_low_kg, self.independent_high_kg],
                "note": NOT_NETTED}


@dataclass
class LeverResult:
    """One lever's avoided emissions, variants, details and what they depend on."""

    name: str
    kind: str
    label: str
    view: str
    reference_output: str
    reference_co2e_kg: float
    avoided: AvoidedEmissions
    marginal: AvoidedEmissions | None = None
    by_output_point: dict[str, float] = field(default_factory=dict)
    details: list[dict[str, Any]] = field(default_factory=list)
    per_run: list[dict[str, Any]] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parent: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    interaction: dict[str, float] | None = None

    @property
    def share(self) -> float | None:
        return self.avoided.share_of(self.reference_co2e_kg)

    def row(self, rank: int) -> dict[str, Any]:
        """Return the ranked-table row: lever, avoided tCO2e with its interval, share, dependencies."""
        a = self.avoided
        share = self.share
        return {"rank": rank, "lever": self.name, "kind": self.kind, "label": self.label, "view": self.view,
                "output": a.output, "avoided_tco2e": a.point_kg / KG_PER_T, "mean_tco2e": a.mean_kg / KG_PER_T,
                "low_tco2e": a.low_kg / KG_PER_T, "high_tco2e": a.high_kg / KG_PER_T,
                "probability_saves": a.probability_saves,
                "share_of_reference": share,
                "share_low": None if share is None else a.low_kg / self.reference_co2e_kg,
                "share_high": None if share is None else a.high_kg / self.reference_co2e_kg,
                "reference_output": self.reference_output, "reference_tco2e": self.reference_co2e_kg / KG_PER_T,
                "marginal_tco2e": None if self.marginal is None else self.marginal.point_kg / KG_PER_T,
                "marginal_low_tco2e": None if self.marginal is None else self.marginal.low_kg / KG_PER_T,
                "marginal_high_tco2e": None if self.marginal is None else self.marginal.high_kg / KG_PER_T,
                "depends_on": "; ".join(self.depends_on)}

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "label": self.label, "view": self.view,
                "parent_set": self.parent, "parameters": self.parameters,
                "reference": {"output": self.reference_output, "co2e_kg": self.reference_co2e_kg},
                "avoided": self.avoided.as_dict(), "share_of_reference": self.share,
                "marginal": None if self.marginal is None else self.marginal.as_dict(),
                "avoided_by_output": self.by_output_point, "members": self.members,
                "interaction": self.interaction, "details": self.details, "per_run": self.per_run,
                "depends_on": self.depends_on,
                "notes": self.notes, "warnings": self.warnings}


def ranked(results: Sequence[LeverResult]) -> list[LeverResult]:
    """Return the levers ordered by avoided emissions (the engine's point difference), largest first."""
    return sorted(results, key=lambda item: (-item.avoided.point_kg, item.name))


def chart_data(results: Sequence[LeverResult]) -> dict[str, Any]:
    """Return bars for a ranked chart: one per lever with its 95 % interval, in tCO2e, largest first."""
    ordered = ranked(results)
    return {"unit": "tCO2e", "title": "Avoided emissions by lever (not deducted from any total)",
            "labels": [item.name for item in ordered], "views": [item.view for item in ordered],
            "avoided": [item.avoided.point_kg / KG_PER_T for item in ordered],
            "mean": [item.avoided.mean_kg / KG_PER_T for item in ordered],
            "low": [item.avoided.low_kg / KG_PER_T for item in ordered],
            "high": [item.avoided.high_kg / KG_PER_T for item in ordered],
            "share": [item.share for item in ordered]}
