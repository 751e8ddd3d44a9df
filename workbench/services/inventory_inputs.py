"""Project-side inputs of the inventory: declared runs, instruments, Scope 1, sites and models.

Every function that turns stored rows into engine inputs is here, so the storage can change
without touching the engine:

* :func:`load_instruments` -> ``InstrumentInput`` (market-based Scope 2), from the
  contractual instruments register (table ``instruments``);
* :func:`load_scope1_activities` -> ``Scope1Activity`` (Scope 1), from the Scope 1 activities
  (table ``scope1_activities``);
* :func:`load_site_inputs` -> ``SiteInput`` (meters, market and boundary of each site);
* :func:`load_metered_pue` -> ``MeteredPue`` (hourly PUE from a site's own meters);
* :func:`load_declared` -> ``DeclaredEnergy`` per run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone
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
from workbench.engine.scope1 import Scope1Activity, fuel_energy_gj, fuel_factors, refrigerant_line
from workbench.engine.scope2 import InstrumentInput
from workbench.errors import NotFoundError, RowProblem, UsageError
from workbench.ingest.common import ReadResult
from workbench.project import inventory_repo, repo, repo_library
from workbench.project.store import Project

log = logging.getLogger(__name__)

IT_POINTS = tuple(POINT_CATEGORY)
# Register types of the instruments table by the engine's place in the market-based hierarchy.
ENGINE_INSTRUMENT_TYPES = {"rec": "eac", "go": "eac", "i_rec": "eac", "rego": "eac", "eac_other": "eac",
                           "ppa_physical": "ppa", "ppa_virtual": "ppa", "ppa_sleeved": "ppa",
                           "supplier_rate": "supplier", "green_tariff": "supplier", "offset": "offset"}
# Units as the Scope 1 reader stores them (lower case) -> the engine's spelling.
UNIT_SPELLING = {"l": "L", "litre": "L", "liter": "L", "litres": "L", "liters": "L", "gal": "gal", "gallon": "gal",
                 "gallons": "gal", "kg": "kg", "g": "g", "t": "t", "lb": "lb", "lbs": "lb", "gj": "GJ", "mj": "MJ",
                 "tj": "TJ", "kwh": "kWh", "mwh": "MWh", "therm": "therm", "therms": "therm", "mmbtu": "MMBtu"}


# -- importing (called by the import service; writers run inside its transaction) ----------------

def store_declared_runs(project: Project, source_id: int, path: Path, result: ReadResult, options: Any,
                        site_id: int | None) -> dict[str, float]:
    """Store declared runs: the run with its window, kind, site and model, and its declaration."""
    conn = project.conn
    frame = result.tables["runs"]
    for row in frame.to_dict("records"):
        site = repo.ensure_site(conn, row["site"])
        run_id = repo.ensure_run(conn, row["run"], site_id=site, kind=row["kind"])
        telemetry = conn.execute("SELECT EXISTS (SELECT 1 FROM energy_hourly WHERE run_id = ?)"
                                 " OR EXISTS (SELECT 1 FROM run_allocations WHERE run_id = ?)",
                                 (run_id, run_id)).fetchone()[0]
        if telemetry:
            result.notes.append(f"run {row['run']} also has telemetry or GPUs it held, whose energy takes "
                                "precedence; the declaration is kept for reconciliation")
        conn.execute("UPDATE runs SET kind = ?, site_id = ?, start_utc = ?, end_utc = ? WHERE id = ?",
                     (row["kind"], site, epoch_to_text(row["start_s"]), epoch_to_text(row["end_s"]), run_id))
        if row.get("tokens") and not pd.isna(row["tokens"]):
            conn.execute("UPDATE runs SET functional_unit = 'tokens', functional_unit_amount = ? WHERE id = ?",
                         (float(row["tokens"]), run_id))
        if row.get("model"):
            inventory_repo.set_run_model(conn, run_id, row["model"])
        inventory_repo.upsert_declared_run(conn, run_id, source_id, int(row["source_row"]), row)
    return {"runs": float(len(frame)), "stated_energy_kwh": float(frame["energy_kwh"].fillna(0.0).sum())}


def reject_uncomputable_scope1(path: Path, result: ReadResult) -> None:
    """Reject Scope 1 rows the calculation has no factor, energy conversion or GWP for.

    The default assumption set (AR6 GWPs, IPCC 2006 fuel factors) decides. A fuel row that
    states its own factor and a refrigerant row that states its own GWP always pass.
    """
    frame = result.tables["scope1"]
    keep = []
    for row in frame.to_dict("records"):
        problem = _scope1_problem(scope1_activity(row))
        if problem is not None:
            column, value, reason = problem
            result.rejected.append(RowProblem(path.name, int(row["source_row"]), column, value, reason))
        keep.append(problem is None)
    result.tables["scope1"] = frame[keep].reset_index(drop=True)


def _scope1_problem(activity: Scope1Activity) -> tuple[str, str, str] | None:
    """Return (column, value, reason) when the engine cannot compute ``activity``, else None."""
    defaults = Assumptions()
    if activity.kind == "fuel":
        if activity.co2e_kg_per_unit is not None:
            return None
        steps = (("fuel", activity.substance, lambda: fuel_factors(activity.substance, defaults)),
                 ("unit", activity.unit, lambda: fuel_energy_gj(activity.substance, 1.0, activity.unit, defaults)))
    else:
        steps = (("unit", activity.unit, lambda: refrigerant_line(replace(activity, gwp=1.0), defaults)),
                 ("gas", activity.substance, lambda: refrigerant_line(activity, defaults)))
    for column, value, step in steps:
        try:
            step()
        except UsageError as exc:
            return column, value, str(exc)
    return None


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
        old_market = _text(row["market"])
        new_market = market if market is not None else old_market
        new_boundary = boundary or row["boundary"]
        inventory_repo.set_site_inventory(project.conn, site_id, market=new_market or None, boundary=new_boundary)
        project.log("configure_site_inventory", f"site:{site}",
                    {"before": {"market": old_market, "boundary": row["boundary"]},
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
    """Return the contractual instruments of the project's register as engine inputs."""
    return [instrument_input(row) for row in repo_library.list_instruments(project.conn).to_dict("records")]


def instrument_input(row: dict[str, Any]) -> InstrumentInput:
    """Map one row of the instruments register to the engine's instrument.

    Certificates (REC, GO, I-REC, REGO) become ``eac``, every PPA ``ppa``, supplier rates and
    green tariffs ``supplier``. Quality criteria stated as 1 or 0 pass or fail; empty ones count
    as not assessed. Vintage dates are whole days, so a vintage ending on a date includes it.
    """
    criteria = {n: bool(row[f"qc_{n}"]) for n in range(1, 9) if _present(row[f"qc_{n}"])}
    notes = {n: str(row[f"qc_{n}_note"]) for n in range(1, 9) if _present(row[f"qc_{n}_note"])}
    return InstrumentInput(
        instrument_id=row["instrument_id"], type=ENGINE_INSTRUMENT_TYPES[row["type"]], market=row["market"],
        mwh=_optional(row["mwh"]), ef_kg_per_mwh=float(row["ef_kg_per_mwh"]),
        vintage_start_s=_bound_s(row["vintage_start"], is_end=False),
        vintage_end_s=_bound_s(row["vintage_end"], is_end=True), retired=_retired(row), criteria=criteria,
        criteria_notes=notes, certificate_ids=_serials(row["certificate_serials"]), label=_text(row["label"]),
        technology=_text(row["technology"]), credit_co2e_kg=_optional(row["credit_co2e_kg"]))


def _retired(row: dict[str, Any]) -> bool:
    # NOTE: a register without a 'retired' flag is read as retired. A failed criterion 3 (tracked and
    # retired for the reporting company) still excludes the instrument.
    return bool(row["retired"]) if _present(row["retired"]) else True


def _serials(text: Any) -> tuple[str, ...]:
    if not _present(text):
        return ()
    return tuple(item.strip() for item in str(text).replace(",", ";").split(";") if item.strip())


def load_scope1_activities(project: Project) -> list[Scope1Activity]:
    """Return the project's Scope 1 activities as engine inputs."""
    return [scope1_activity(row) for row in repo_library.list_scope1(project.conn).to_dict("records")]


def scope1_activity(row: dict[str, Any]) -> Scope1Activity:
    """Map one Scope 1 activity (a stored row, or a row of the reader's table) to the engine's record.

    The activity is dated by its period start.
    """
    # NOTE: an activity whose period spans two reporting periods counts wholly in the one where it starts.
    fuel = row["activity"] == "fuel"
    substance = str(row["fuel"]).replace(" ", "_").replace("-", "_") if fuel else str(row["gas"])
    unit = UNIT_SPELLING.get(str(row["unit"]).lower(), str(row["unit"]))
    composition = row.get("composition")
    return Scope1Activity(
        activity_id=_text(row.get("record_id")) or f"row {int(row['source_row'])}", kind=row["activity"],
        substance=substance, amount=float(row["quantity"]), unit=unit,
        date_s=_bound_s(row["period_start"], is_end=False), site=_text(row.get("site")),
        co2e_kg_per_unit=_optional(row["ef_kg_per_unit"]), gwp=_optional(row.get("gwp")),
        composition=json.loads(composition) if _present(composition) else None)


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def _optional(value: Any) -> float | None:
    return float(value) if _present(value) else None


def _text(value: Any) -> str | None:
    return str(value) if _present(value) and str(value) else None


def _bound_s(text: str, *, is_end: bool) -> float:
    """Return a stored date or UTC date-time in Unix seconds; a date as an end includes that whole day."""
    if len(text) == 10:
        day = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        return (day + timedelta(days=1 if is_end else 0)).timestamp()
    return text_to_epoch(text)


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
            site=row["name"], zone=_text(row["grid_zone"]), market=_text(row["market"]), boundary=row["boundary"],
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
