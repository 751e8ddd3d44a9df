"""Embodied emissions of hardware, amortized over a run in the SCI way.

SCI (ISO/IEC 21031:2024) charges a run ``M = TE x (TiR / EL) x (RR / ToR)``: the asset's total
embodied emissions, times the share of its installed life the run took, times the share of the
hardware the run reserved. Here TiR is the overlap of the run's window with the asset's service
window, EL its lifetime, and RR/ToR the run's GPUs over the GPUs in the site's procurement records
unless the assumption set fixes the share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from workbench.engine.assumptions import Assumptions

if TYPE_CHECKING:
    from workbench.engine.footprint import RunInput

HOURS_PER_YEAR = 8760.0
GPU_CATEGORIES = frozenset({"gpu", "accelerator"})


@dataclass(frozen=True)
class AssetInput:
    """One procurement line: quantity x embodied kgCO2e per unit, in service from a date."""

    asset_id: int
    item: str
    category: str
    quantity: float
    embodied_kg_per_unit: float
    service_start_s: float
    lifetime_years: float
    site: str | None


def sci_embodied_kg(run: "RunInput", assets: Iterable[AssetInput], a: Assumptions
                    ) -> tuple[float, float | None, list[str]]:
    """Return (embodied kgCO2e charged to ``run``, resource share used, warnings)."""
    warnings: list[str] = []
    if run.start_s is None or run.end_s is None or run.end_s <= run.start_s:
        return 0.0, None, warnings
    site_assets = [asset for asset in assets if asset.site is None or asset.site == run.site]
    if not site_assets:
        return 0.0, None, warnings

    share = a.resource_share
    if share is None:
        site_gpus = sum(asset.quantity for asset in site_assets if asset.category in GPU_CATEGORIES)
        if site_gpus > 0 and run.gpu_count > 0:
            share = min(1.0, run.gpu_count / site_gpus)
        else:
            share = 1.0
            warnings.append(f"run {run.name}: resource share set to 1 because the GPUs it used or the site's GPU "
                            "count is unknown; set the resource_share assumption")

    total = 0.0
    for asset in site_assets:
        lifetime_years = a.lifetime_years or asset.lifetime_years
        lifetime_s = lifetime_years * HOURS_PER_YEAR * 3600.0
        service_end = asset.service_start_s + lifetime_s
        overlap_s = min(run.end_s, service_end) - max(run.start_s, asset.service_start_s)
        if overlap_s <= 0:
            continue
        total += asset.quantity * asset.embodied_kg_per_unit * (overlap_s / lifetime_s) * share
    return total, share, warnings
