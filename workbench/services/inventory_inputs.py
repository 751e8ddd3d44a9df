"""Project-side inputs of the inventory: storing and loading declared runs, instruments and Scope 1.

Every function that turns stored rows into engine inputs is here, so the storage can change
without touching the engine:

* :func:`load_instruments` -> ``InstrumentInput`` (market-based Scope 2);
* :func:`load_scope1_activities` -> ``Scope1Activity`` (Scope 1);
* :func:`load_site_inputs` -> ``SiteInput`` (meters, market and boundary of each site);
* :func:`load_metered_pue` -> ``MeteredPue`` (hourly PUE from a site's own meters);
* :func:`load_declared` -> ``DeclaredEnergy`` per run.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.clock import epoch_to_text, text_to_epoch
from workbench.engine.chain import POINT_CATEGORY
from workbench.engine.declared import DECLARED_LEVELS, DeclaredEnergy
from workbench.engine.inventory_layout import BOUNDARIES, SiteInput
from workbench.engine.run_sums import MeteredPue
from workbench.engine.assumptions import Assumptions
from workbench.engine.scope1 import Scope1Activity, scope1
from workbench.engine.scope2 import InstrumentInput
from workbench.errors import InputRejectedError, NotFoundError, UsageError
from workbench.ingest.common import ReadResult
from workbench.project import inventory_repo, repo
from workbench.project.store import Project

log = logging.getLogger(__name__)

IT_POINTS = tuple(POINT_CATEGORY)


# -- storing imported rows (called by the import service inside its transaction) ----------------

def store_declared_runs(project: Project, source_id: int, path: Path, result: ReadResult, options: Any,
                        site_id: int | None) -> dict[str, float]:
    """Store declared runs: the run with its window, kind, site and model, and its declaration."""
    conn = project.conn
    frame = result.tables["runs"]
    for row in frame.to_dict("records"):
        site = repo.ensure_site(conn, row["site"])
        run_id = repo.ensure_run(conn, row["run"], site_id=site, kind=row["kind"])
        telemetry = conn.execute("SELECT count(*) FROM energy_hourly WHERE run_id = ?", (run_id,)).fetchone()[0]
        if telemetry:
            result.notes.append(f"run {row['run']} also has telemetry, which takes precedence; the declaration is "
                                "kept for reconciliation")
        conn.execute("UPDATE runs SET kind = ?, site_id = ?, start_utc = ?, end_utc = ? WHERE id = ?",
                     (row["kind"], site, epoch_to_text(row["start_s"]), epoch_to_text(row["end_s"]), run_id))
        if row.get("tokens") and not pd.isna(row["tokens"]):
            conn.execute("UPDATE runs SET functional_unit = 'tokens', functional_unit_amount = ? WHERE id = ?",
                         (float(row["tokens"]), run_id))
        if row.get("model"):
            inventory_repo.set_run_model(conn, run_id, row["model"])
        inventory_repo.upsert_declared_run(conn, run_id, source_id, int(row["source_row"]), row)
    return {"runs": float(len(frame)), "stated_energy_kwh": float(frame["energy_kwh"].fillna(0.0).sum())}


def store_instruments(project: Project, source_id: int, path: Path, result: ReadResult, options: Any,
                      site_id: int | None) -> dict[str, float]:
    frame = result.tables["instruments"]
    inventory_repo.insert_instruments(project.conn, source_id, frame)
    offsets = frame["type"] == "offset"
    return {"instruments": float(len(frame)), "mwh": float(frame.loc[~offsets, "mwh"].fillna(0.0).sum()),
            "offsets": float(offsets.sum())}


def store_scope1(project: Project, source_id: int, path: Path, result: ReadResult, options: Any,
                 site_id: int | None) -> dict[str, float]:
    """Store Scope 1 records; raise InputRejectedError for a record the engine has no factor or GWP for."""
    frame = result.tables["scope1"]
    _check_scope1(path, frame)
    site_ids = {name: repo.ensure_site(project.conn, name) for name in frame["site"].dropna().unique()}
    inventory_repo.insert_scope1(project.conn, source_id, frame, site_ids)
    return {"records": float(len(frame)), "fuel_records": float((frame["kind"] == "fuel").sum()),
            "refrigerant_records": float((frame["kind"] == "refrigerant").sum())}


def _check_scope1(path: Path, frame: pd.DataFrame) -> None:
    defaults = Assumptions()
    for row in frame.to_dict("records"):
        record = Scope1Activity(row["record_id"], row["kind"], row["substance"], float(row["amount"]), row["unit"],
                                0.0, co2e_kg_per_unit=_optional(row["co2e_kg_per_unit"]), gwp=_optional(row["gwp"]),
                                composition=json.loads(row["composition_json"]) if row["composition_json"] else None)
        try:
            scope1([record], defaults)
        except UsageError as exc:
            raise InputRejectedError(path, exc.message, row=int(row["source_row"]), column="substance",
                                     value=row["substance"], hint=exc.hint) from None


def _optional(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# -- editing -------------------------------------------------------------------------------------

def configure_site_inventory(project: Project, site: str, *, market: str | None = None,
                             boundary: str | None = None) -> dict:
    """Set the market and organisational boundary of ``site`` (created if new); return them."""
    if boundary is not None and boundary not in BOUNDARIES:
        raise UsageError(f"unknown boundary '{boundary}'", hint=f"Use one of: {', '.join(BOUNDARIES)}.")
    with project.transaction():
        site_id = repo.ensure_site(project.conn, site)
        current = inventory_repo.list_site_inventory(project.conn)
        row = current[current["id"] == site_id].iloc[0]
        new_market = market if market is not None else row["market"]
        new_boundary = boundary or row["boundary"]
        inventory_repo.set_site_inventory(project.conn, site_id, market=new_market or None, boundary=new_boundary)
        project.log("configure_site_inventory", f"site:{site}",
                    {"before": {"market": row["market"], "boundary": row["boundary"]},
                     "after": {"market": new_market, "boundary": new_boundary}})
    log.info("site %s: market %s, boundary %s", site, new_market, new_boundary)
    return {"site": site, "market": new_market, "boundary": new_boundary}


def assign_model(project: Project, run: str, model: str | None) -> None:
    """Put run ``run`` into ``model`` (a set of runs); an empty model takes it out."""
    with project.transaction():
        found = project.conn.execute("SELECT id FROM runs WHERE name = ?", (run,)).fetchone()
        if found is None:
            raise NotFoundError(f"no run named '{run}'")
        before = inventory_repo.run_models(project.conn).get(found[0])
        inventory_repo.set_run_model(project.conn, found[0], model or None)
        project.log("assign_model", f"run:{run}", {"before": before, "after": model or None})


def set_published_total(project: Project, model: str, *, co2e_kg: float | None = None,
                        accelerator_hours: float | None = None, source: str) -> None:
    """Record the total a model card or paper publishes for ``model``, for reconciliation."""
    if co2e_kg is None and accelerator_hours is None:
        raise UsageError("give the published emissions, the published accelerator-hours, or both")
    if not source.strip():
        raise UsageError("a published total needs its source", hint="Name the model card or paper and its table.")
    with project.transaction():
        inventory_repo.set_published_total(project.conn, model, co2e_kg=co2e_kg, accelerator_hours=accelerator_hours,
                                           source_text=source)
        project.log("set_published_total", f"model:{model}", {"co2e_kg": co2e_kg,
                                                              "accelerator_hours": accelerator_hours,
                                                              "source": source})


# -- loading engine inputs -----------------------------------------------------------------------

def load_declared(project: Project) -> dict[int, DeclaredEnergy]:
    """Return the declaration of every declared run, by run id."""
    declared = {}
    for row in inventory_repo.list_declared_runs(project.conn).to_dict("records"):
        def value(name: str) -> Any:
            item = row[name]
            return None if item is None or (isinstance(item, float) and np.isnan(item)) else item

        accelerators = value("accelerators")
        declared[int(row["run_id"])] = DeclaredEnergy(
            level=DECLARED_LEVELS[row["power_basis"]],
            accelerators=None if accelerators is None else int(accelerators),
            accelerator_model=value("accelerator_model"), accelerator_hours=value("accelerator_hours"),
            avg_power_w=value("avg_power_w"), tdp_w=value("tdp_w"), energy_kwh=value("energy_kwh"),
            flops=value("flops"), tokens=value("tokens"))
    return declared


def load_instruments(project: Project) -> list[InstrumentInput]:
    """Return the contractual instruments of the project as engine inputs."""
    result = []
    for row in inventory_repo.list_instruments(project.conn).to_dict("records"):
        criteria = {int(key): bool(value) for key, value in json.loads(row["criteria_json"] or "{}").items()}
        notes = {int(key): str(value) for key, value in json.loads(row["criteria_notes_json"] or "{}").items()}
        mwh = row["mwh"]
        result.append(InstrumentInput(
            instrument_id=row["instrument_id"], type=row["type"], market=row["market"],
            mwh=None if mwh is None or pd.isna(mwh) else float(mwh), ef_kg_per_mwh=float(row["ef_kg_per_mwh"]),
            vintage_start_s=text_to_epoch(row["vintage_start"]), vintage_end_s=text_to_epoch(row["vintage_end"]),
            retired=bool(row["retired"]), criteria=criteria, criteria_notes=notes,
            certificate_ids=tuple(json.loads(row["certificate_ids_json"] or "[]")), label=row["label"],
            technology=row["technology"],
            credit_co2e_kg=None if pd.isna(row["credit_co2e_kg"]) else float(row["credit_co2e_kg"])))
    return result


def load_scope1_activities(project: Project) -> list[Scope1Activity]:
    """Return the Scope 1 records of the project as engine inputs."""
    result = []
    for row in inventory_repo.list_scope1(project.conn).to_dict("records"):
        def optional(name: str) -> float | None:
            return None if row[name] is None or pd.isna(row[name]) else float(row[name])

        result.append(Scope1Activity(
            activity_id=row["record_id"], kind=row["kind"], substance=row["substance"], amount=float(row["amount"]),
            unit=row["unit"], date_s=text_to_epoch(row["occurred"]), site=row["site"],
            co2e_kg_per_unit=optional("co2e_kg_per_unit"), gwp=optional("gwp"),
            composition=json.loads(row["composition_json"]) if row["composition_json"] else None))
    return result


def load_site_inputs(project: Project, meters: pd.DataFrame | None = None) -> list[SiteInput]:
    """Return every site with its zone, market, boundary and hourly facility and IT meter energy.

    Several meters at one point of a site are added hour by hour.
    """
    meters = inventory_repo.meter_hours(project.conn) if meters is None else meters
    sites = []
    for row in inventory_repo.list_site_inventory(project.conn).to_dict("records"):
        own = meters[meters["site"] == row["name"]]
        facility = own[own["measurement_point"] == "facility"].groupby("hour_utc")["energy_kwh"].sum()
        it_rows = own[own["measurement_point"].isin(IT_POINTS)]
        it = it_rows.groupby("hour_utc")["energy_kwh"].sum()
        point = it_rows["measurement_point"].iloc[0] if len(it_rows) else None
        sites.append(SiteInput(
            site=row["name"], zone=row["grid_zone"], market=row["market"], boundary=row["boundary"],
            facility_hours=facility.index.to_numpy(np.int64), facility_kwh=facility.to_numpy(float),
            it_hours=it.index.to_numpy(np.int64), it_kwh=it.to_numpy(float), it_point=point))
    return sites


def load_metered_pue(sites: list[SiteInput]) -> dict[str, MeteredPue]:
    """Return hourly PUE (facility / IT meter energy) for sites that have both meters in the same hours."""
    result = {}
    for site in sites:
        if not len(site.facility_hours) or not len(site.it_hours):
            continue
        hours, facility_index, it_index = np.intersect1d(site.facility_hours, site.it_hours, return_indices=True)
        facility, it = site.facility_kwh[facility_index], site.it_kwh[it_index]
        usable = (it > 0) & (facility >= it)
        if usable.any():
            result[site.site] = MeteredPue(hours[usable], facility[usable] / it[usable],
                                           POINT_CATEGORY.get(site.it_point or ""))
    return result
