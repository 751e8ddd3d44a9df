"""Results of the footprint engine: per-run figures as arrays, rows built on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.factors import RESOLUTION_ORDER
from workbench.engine.periods import Period
from workbench.engine.runs import HOUR_S, RunInput

RUN_KINDS = ("final", "experiment", "failed", "evaluation")
TOKENS_UNIT = 1e9
FLOP_UNIT = 1e21


@dataclass(frozen=True)
class RunFootprint:
    """The footprint of one run under one assumption set."""

    run: str
    kind: str
    site: str | None
    zone: str | None
    gpu_count: int
    hours: int
    gpu_energy_kwh: float
    node_energy_kwh: float
    it_energy_kwh: float
    facility_energy_kwh: float
    operational_co2e_kg: float
    embodied_co2e_kg: float
    total_co2e_kg: float
    unmatched_energy_kwh: float
    resource_share: float | None
    factor_resolution_kwh: dict[str, float]
    warnings: tuple[str, ...]
    model: str | None = None
    energy_basis: str = "telemetry"
    energy_method: str | None = None
    estimated: bool = False
    f_dist: float = 1.0
    pue_category: str | None = None
    accelerator_hours: float | None = None
    embodied_method: str = "sci"
    measured_co2e_kg: float = 0.0
    estimated_co2e_kg: float = 0.0
    defaulted_co2e_kg: float = 0.0
    annual_factor_co2e_kg: float = 0.0
    annual_factor_delta_co2e_kg: float = 0.0
    covariance_term_co2e_kg: float = 0.0
    mean_offset_term_co2e_kg: float = 0.0
    tokens: float | None = None
    flops: float | None = None
    sci_co2e_kg_per_1e9_tokens: float | None = None
    sci_co2e_kg_per_1e21_flop: float | None = None
    telemetry_gap_gpu_hours: float = 0.0
    min_coverage: float | None = None

    def as_dict(self) -> dict:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


NUMERIC_KEYS = ("gpu_energy_kwh", "node_energy_kwh", "it_energy_kwh", "facility_energy_kwh",
                "operational_co2e_kg", "embodied_co2e_kg", "total_co2e_kg", "unmatched_energy_kwh")
EXTRA_KEYS = ("measured_co2e_kg", "estimated_co2e_kg", "defaulted_co2e_kg", "annual_factor_co2e_kg",
              "annual_factor_delta_co2e_kg", "covariance_term_co2e_kg", "mean_offset_term_co2e_kg")


@dataclass(frozen=True)
class FootprintResult:
    """Footprints of the selected runs; its ``view`` keeps it from being added to an inventory.

    ``columns`` contains one array per figure, aligned with ``inputs``. :attr:`runs` builds the
    per-run rows on first use.
    """

    view: str
    assumptions: Assumptions
    inputs: tuple[RunInput, ...]
    columns: dict[str, np.ndarray]
    totals: dict[str, float]
    warnings: tuple[str, ...]
    period: Period | None = None
    factor_resolution_kwh: dict[str, float] = field(default_factory=dict)
    run_warnings: tuple[tuple[str, ...], ...] = ()

    @cached_property
    def runs(self) -> tuple[RunFootprint, ...]:
        return tuple(_row(self, index) for index in range(len(self.inputs)))

    def by_kind(self) -> dict[str, dict[str, float]]:
        """Totals per run kind (final, experiment, failed, evaluation), only kinds present."""
        kinds = np.array([run.kind for run in self.inputs], dtype=object)
        return {kind: _column_totals(self.columns, kinds == kind) for kind in RUN_KINDS if (kinds == kind).any()}

    def by_model(self) -> dict[str, dict]:
        """Per model (a set of runs): totals per kind, all-kind totals and SCI per 10^9 tokens of its final runs."""
        models = np.array([run.model or "" for run in self.inputs], dtype=object)
        kinds = np.array([run.kind for run in self.inputs], dtype=object)
        result = {}
        for model in sorted(set(models) - {""}):
            chosen = models == model
            totals = _column_totals(self.columns, chosen)
            final_tokens = float(np.nansum(self.columns["tokens"][chosen & (kinds == "final")]))
            result[model] = {
                "runs": int(chosen.sum()),
                "by_kind": {kind: _column_totals(self.columns, chosen & (kinds == kind))
                            for kind in RUN_KINDS if (chosen & (kinds == kind)).any()},
                "totals": totals,
                "final_run_tokens": final_tokens,
                "sci_co2e_kg_per_1e9_tokens": (totals["total_co2e_kg"] / (final_tokens / TOKENS_UNIT)
                                               if final_tokens > 0 else None),
            }
        return result


def _column_totals(columns: dict[str, np.ndarray], chosen: np.ndarray) -> dict[str, float]:
    return {key: float(columns[key][chosen].sum()) for key in NUMERIC_KEYS + EXTRA_KEYS}


def _optional(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _row(result: FootprintResult, index: int) -> RunFootprint:
    run = result.inputs[index]
    c = result.columns
    resolution = {name: float(c["resolution_kwh"][index, code]) for code, name in enumerate(RESOLUTION_ORDER)
                  if c["resolution_kwh"][index, code] > 0}
    declared = run.declared
    return RunFootprint(
        run=run.name, kind=run.kind, site=run.site, zone=result.assumptions.factor_zone or run.zone,
        gpu_count=run.gpu_count, hours=int(c["hours"][index]),
        **{key: float(c[key][index]) for key in NUMERIC_KEYS + EXTRA_KEYS},
        resource_share=_optional(c["resource_share"][index]), factor_resolution_kwh=resolution,
        warnings=result.run_warnings[index] if result.run_warnings else (),
        model=run.model, energy_basis="declared" if declared else "telemetry",
        energy_method=declared.method if declared else None, estimated=declared is not None,
        f_dist=float(c["f_dist"][index]), pue_category=c["pue_category"][index] or None,
        accelerator_hours=_optional(c["accelerator_hours"][index]),
        embodied_method=result.assumptions.embodied_method, tokens=run.tokens, flops=run.flops,
        sci_co2e_kg_per_1e9_tokens=_optional(c["sci_per_1e9_tokens"][index]),
        sci_co2e_kg_per_1e21_flop=_optional(c["sci_per_1e21_flop"][index]),
        telemetry_gap_gpu_hours=run.gap_seconds / HOUR_S, min_coverage=run.min_coverage)
