"""The activity tables of a disclosure: the engine's inputs laid out row by row.

The workbook turns these rows into live formulas (facility energy = energy x uplift x PUE,
emissions = energy x factor), so every total can be traced to them and recalculated:

* :func:`energy_rows`: one row per run and UTC hour with the energy measured at each level of
  the chain, the declared-energy multiplier, f_dist, a metered PUE where one applies and the
  location-based factor matched to the hour;
* :func:`site_rows`: one row per site and UTC hour of the reporting period, with the source the
  inventory takes the hour's electricity from (facility meter, IT meter x PUE, or the runs);
* :func:`embodied_rows`: one row per run and asset line it draws on, with the run's window, the
  asset's service start and lifetime and the shares the amortization uses.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from workbench.clock import epoch_to_text
from workbench.engine.footprint_result import FootprintResult
from workbench.engine.inventory_layout import SOURCE_NAMES
from workbench.engine.periods import Period
from workbench.project import disclosure_repo, repo, repo_library
from workbench.project.store import Project
from workbench.services.compute import FootprintModel
from workbench.services.inventory import InventoryModel
from workbench.services.report_info import ReportInfo

log = logging.getLogger(__name__)

ENERGY_COLUMNS = ("run_index", "run", "site_no", "hour_utc", "gpu_board_kwh", "node_kwh", "it_kwh", "facility_kwh",
                  "gpu_part_kwh", "scale", "f_dist", "metered_pue", "factor_g_per_kwh", "factor_resolution")
SITE_COLUMNS = ("site_no", "site", "boundary", "market_no", "market", "hour_utc", "source", "facility_meter_kwh",
                "it_meter_kwh", "location_g_per_kwh", "residual_g_per_kwh", "in_scope2")
EMBODIED_COLUMNS = ("run_index", "run", "asset_id", "item", "embodied_kg", "service_start_s", "lifetime_years",
                    "usage_rate", "run_start_s", "run_end_s", "reserved_fraction", "resource_share")


def site_numbers(inventory_model: InventoryModel, period: Period) -> dict[str, int]:
    """Number the inventory's sites 1, 2, ... in layout order; formulas match rows by these numbers."""
    layout = inventory_model.prepared.layout(period)
    return {site.site: number for number, site in enumerate(layout.sites, 1)}


def energy_rows(model: FootprintModel, result: FootprintResult, numbers: dict[str, int]) -> pd.DataFrame:
    """Return the run-hour rows of every run in ``result``, grouped by run in the result's order."""
    a = result.assumptions
    prepared = model.prepared
    scale, _, f_dist, _ = prepared.run_scales(a)
    frames = []
    for index, run in enumerate(result.inputs):
        if not len(run.hours):
            continue
        matched = prepared.matched_factors(run, a.factor_zone or run.zone)
        metered = np.full(len(run.hours), np.nan)
        if a.pue_source == "metered" and run.site in prepared.metered_pue:
            metered = prepared.metered_pue[run.site].at(run.hours)
        frames.append(pd.DataFrame({
            "run_index": index, "run": run.name, "site_no": numbers.get(run.site, 0), "hour_utc": run.hours,
            "gpu_board_kwh": run.energy_kwh["gpu_board"], "node_kwh": run.energy_kwh["node"],
            "it_kwh": run.energy_kwh["it"], "facility_kwh": run.energy_kwh["facility"],
            "gpu_part_kwh": run.gpu_part_kwh, "scale": float(scale[index]), "f_dist": float(f_dist[index]),
            "metered_pue": metered, "factor_g_per_kwh": matched.g_per_kwh,
            "factor_resolution": matched.resolution}))
    if not frames:
        return pd.DataFrame(columns=ENERGY_COLUMNS)
    return pd.concat(frames, ignore_index=True)[list(ENERGY_COLUMNS)]


def site_rows(inventory_model: InventoryModel, period: Period) -> pd.DataFrame:
    """Return the inventory's site-hour rows of ``period``, grouped by site."""
    layout = inventory_model.prepared.layout(period)
    markets = {name: number for number, name in enumerate(dict.fromkeys(
        site.market_name for site in layout.sites), 1)}
    residual = np.full(len(layout.hours), np.nan)
    for market, rows in layout.market_rows.items():
        residual[rows] = layout.residual_g[market]
    sites = layout.sites
    frame = pd.DataFrame({
        "site_no": layout.site_index + 1,
        "site": [sites[i].site for i in layout.site_index],
        "boundary": [sites[i].boundary for i in layout.site_index],
        "market_no": [markets[sites[i].market_name] for i in layout.site_index],
        "market": [sites[i].market_name for i in layout.site_index],
        "hour_utc": layout.hours,
        "source": [SOURCE_NAMES[code] for code in layout.source],
        "facility_meter_kwh": layout.facility_kwh, "it_meter_kwh": layout.it_kwh,
        "location_g_per_kwh": layout.location_g, "residual_g_per_kwh": residual,
        "in_scope2": layout.in_scope2.astype(int)})
    return frame[list(SITE_COLUMNS)] if len(frame) else pd.DataFrame(columns=SITE_COLUMNS)


def embodied_rows(model: FootprintModel, result: FootprintResult) -> pd.DataFrame:
    """Return one row per run and asset line its site's amortization draws on (SCI and BLOOM methods).

    The chip-only method (llmcarbon) uses no asset lines, so it returns no rows.
    """
    a = result.assumptions
    if a.embodied_method == "llmcarbon":
        return pd.DataFrame(columns=EMBODIED_COLUMNS)
    assets = model.prepared.assets
    shares = result.columns["resource_share"]
    records = []
    for index, run in enumerate(result.inputs):
        if np.isnan(shares[index]):
            continue
        valid = run.start_s is not None and run.end_s is not None and run.end_s > run.start_s
        for asset in assets:
            if asset.site is not None and asset.site != run.site:
                continue
            records.append({
                "run_index": index, "run": run.name, "asset_id": asset.asset_id, "item": asset.item,
                "embodied_kg": asset.embodied_kg, "service_start_s": asset.service_start_s,
                "lifetime_years": asset.lifetime_years, "usage_rate": asset.usage_rate,
                "run_start_s": run.start_s if valid else 0.0, "run_end_s": run.end_s if valid else 0.0,
                "reserved_fraction": run.reserved_fraction, "resource_share": float(shares[index])})
    return pd.DataFrame(records, columns=EMBODIED_COLUMNS)


# -- registers -------------------------------------------------------------------------------------

def asset_records(project: Project) -> list[dict[str, Any]]:
    """Return the procurement register with each line's total embodied emissions."""
    records = []
    for asset in repo.list_assets(project.conn).to_dict("records"):
        records.append({
            "id": int(asset["id"]), "item": asset["item"], "category": asset["category"],
            "quantity": float(asset["quantity"]), "embodied_kg_per_unit": float(asset["embodied_co2e_kg_per_unit"]),
            "acquired": asset["acquired"], "in_service": _text(asset["in_service"]),
            "lifetime_years": float(asset["lifetime_years"]), "usage_rate": _number(asset["usage_rate"]),
            "site": _text(asset["site"]), "embodied_source": _text(asset["embodied_source"]),
            "source_id": _number(asset["source_id"]), "source_row": _number(asset["source_row"])})
    return records


def factor_records(project: Project) -> list[dict[str, Any]]:
    """Return every emission factor with its dataset's basis, vintage, gas basis and GWP set."""
    records = disclosure_repo.factor_rows(project.conn)
    for record in records:
        record["period_start_utc"] = epoch_to_text(record.pop("period_start"))
        record["period_end_utc"] = epoch_to_text(record.pop("period_end"))
        record["method"] = "marginal" if record["basis"] == "marginal" else "average"
    return records


def instrument_records(project: Project) -> list[dict[str, Any]]:
    """Return the contractual instruments register as stored, one record per instrument."""
    frame = repo_library.list_instruments(project.conn)
    return [{key: _plain(value) for key, value in row.items()} for row in frame.to_dict("records")]


def run_records(project: Project, result: FootprintResult, info: ReportInfo) -> list[dict[str, Any]]:
    """Return per run what the run disclosures need beyond its figures: window, hardware, work done."""
    hardware = disclosure_repo.run_hardware(project.conn)
    flop_stated = info.run_flop()
    hardware_stated = info.run_hardware()
    by_name = {row["name"]: int(row["id"]) for row in repo.list_runs(project.conn).to_dict("records")}
    records = []
    for index, run in enumerate(result.inputs):
        devices = hardware.get(by_name.get(run.name, -1), {})
        declared = run.declared
        if declared is not None and declared.accelerator_model:
            devices = {declared.accelerator_model: int(declared.accelerators or 0)}
        flop = run.flops if run.flops is not None else flop_stated.get(run.name)
        flop_source = None
        if run.flops is not None:
            flop_source = "declared"
        elif flop:
            flop_source = "report header"
        described = "; ".join(f"{count} x {name}" if count else name for name, count in devices.items())
        records.append({
            "run": run.name, "kind": run.kind, "model": run.model, "site": run.site, "zone": run.zone,
            "start_utc": epoch_to_text(run.start_s), "end_utc": epoch_to_text(run.end_s),
            "wall_clock_hours": run.window_hours, "accelerators": run.gpu_count,
            "hardware": described or hardware_stated.get(run.name, ""),
            "accelerator_hours": float(result.columns["accelerator_hours"][index]),
            "tokens": run.tokens, "flop": flop,
            "flop_source": flop_source,
            "energy_basis": "declared" if declared else "telemetry",
            "energy_method": declared.method if declared else "measured (GPU telemetry)"})
    return records


def sampling_records(project: Project) -> list[dict[str, Any]]:
    """Return per telemetry source its mean interval between readings, in seconds."""
    records = []
    for row in disclosure_repo.telemetry_sampling(project.conn):
        samples = row["samples"] or 0
        row["mean_interval_s"] = row["covered_seconds"] / samples if samples else None
        records.append(row)
    return records


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
