"""Import kinds beyond the first readers: Green Button XML, libraries, instruments, Scope 1, runs tables.

:mod:`workbench.services.imports` dispatches to :func:`read` and :data:`WRITERS` for these
kinds, uses :func:`read_factor_file`, :func:`store_assets` and :func:`store_factors` for factor
and procurement files, and calls :func:`check_rows` on every read before it stores anything.
Each writer runs inside the import's transaction and returns the totals of what it stored.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import InputRejectedError, RowProblem, UsageError
from workbench.ingest import factor_datasets, factors, green_button, hardware, instruments, runs_file, scope1
from workbench.ingest.common import ReadResult
from workbench.progress import Progress
from workbench.project import repo, repo_library
from workbench.project.store import Project
from workbench.services import gpu_imports, inventory_inputs

log = logging.getLogger(__name__)

EXTRA_KINDS = ("green-button", "instruments", "scope1", "hardware-library", "runs")
FACTOR_BASES = factors.BASES


def default_library_files() -> dict[str, list[Path]]:
    """Return the shipped library files by import kind (factors, hardware-library)."""
    root = resources.files("workbench") / "resources"
    return {"factors": [Path(str(root / "factors" / "location_annual.csv")),
                        Path(str(root / "factors" / "egrid_subregion_annual.csv"))],
            "hardware-library": [Path(str(root / "hardware" / "embodied_defaults.csv"))]}


def read(path: Path, options, timezone: str | None, progress: Progress) -> ReadResult:
    if options.kind == "green-button":
        return green_button.read_green_button(path, meter=options.meter, measurement_point=options.measurement_point,
                                              unit=options.unit, progress=progress)
    if options.kind == "hardware-library":
        return hardware.read_hardware_library(path, progress=progress)
    if options.kind == "instruments":
        return instruments.read_instruments(path, site=options.site, mapping=options.mapping, progress=progress)
    if options.kind == "runs":
        return runs_file.read_runs(path, timezone=timezone, progress=progress)
    return scope1.read_scope1(path, site=options.site, mapping=options.mapping, progress=progress)


def read_factor_file(path: Path, options, progress: Progress) -> ReadResult:
    """Read a factor dataset file; ``options.factor_basis`` sets the basis of datasets that state none."""
    if options.factor_basis is not None and options.factor_basis not in FACTOR_BASES:
        raise UsageError(f"unknown factor basis '{options.factor_basis}'",
                         hint=f"Use one of: {', '.join(FACTOR_BASES)}.")
    result = factor_datasets.read_factor_file(path, progress=progress)
    _apply_basis(path, result, options.factor_basis)
    return result


def _apply_basis(path: Path, result: ReadResult, basis: str | None) -> None:
    """Give datasets without a stated basis ``basis``; reject a file that states another one."""
    for name, info in (result.options.get("datasets") or {}).items():
        if info.get("basis") is None:
            info["basis"] = basis or "location"
        elif basis is not None and info["basis"] != basis:
            raise InputRejectedError(path, f"dataset '{name}' contains {info['basis']} factors, but the import "
                                           f"states the factor basis {basis}",
                                     hint="Leave out the factor basis, because the file states its own.")


# -- checks before storing ----------------------------------------------------------------------------

def check_rows(project: Project, path: Path, result: ReadResult, options) -> None:
    """Fill references and reject rows the calculation cannot use, before anything is stored."""
    resolve_references(project, path, result, options)
    if options.kind == "scope1":
        inventory_inputs.reject_uncomputable_scope1(path, result)


# -- references to the hardware library ---------------------------------------------------------------

def resolve_references(project: Project, path: Path, result: ReadResult, options) -> None:
    """Fill asset rows that name a library entry instead of a value; reject those not found.

    The project's hardware library is searched first, then the shipped defaults.
    """
    assets = result.tables.get("assets")
    if assets is None or assets.empty or "library_ref" not in assets:
        return
    if not assets["library_ref"].notna().any():
        return
    shipped = _shipped_hardware()
    filled = ("embodied_co2e_kg_per_unit", "embodied_low_kg", "embodied_high_kg", "embodied_basis", "library_entry_id",
              "embodied_source")
    assets = assets.astype({column: object for column in filled})
    keep = []
    for index, asset in assets.iterrows():
        if pd.notna(asset["embodied_co2e_kg_per_unit"]) or not asset["library_ref"]:
            keep.append(True)
            continue
        entry = repo_library.find_hardware(project.conn, asset["library_ref"]) or _find_shipped(shipped,
                                                                                                asset["library_ref"])
        if entry is None:
            result.rejected.append(RowProblem(path.name, int(asset["source_row"]), "library_ref",
                                              asset["library_ref"], "no hardware library entry has this key or name; "
                                              "import the library first or give embodied_co2e_kg_per_unit"))
            keep.append(False)
            continue
        assets.at[index, "embodied_co2e_kg_per_unit"] = entry["embodied_co2e_kg"]
        assets.at[index, "embodied_low_kg"] = entry.get("embodied_low_kg")
        assets.at[index, "embodied_high_kg"] = entry.get("embodied_high_kg")
        assets.at[index, "embodied_basis"] = entry.get("embodied_basis")
        assets.at[index, "library_entry_id"] = entry.get("id")
        assets.at[index, "embodied_source"] = asset["embodied_source"] or (
            f"{entry.get('dataset')}: {entry.get('name')} ({entry.get('source_url') or 'no URL'})")
        keep.append(True)
    result.tables["assets"] = assets[keep].reset_index(drop=True)


def find_hardware_entry(project: Project, key: str) -> dict[str, Any] | None:
    """Return the hardware library entry named ``key``: the project's library first, then the shipped defaults."""
    return repo_library.find_hardware(project.conn, key) or _find_shipped(_shipped_hardware(), key)


def _shipped_hardware() -> pd.DataFrame:
    path = default_library_files()["hardware-library"][0]
    return hardware.read_hardware_library(path).tables["hardware"]


def _find_shipped(frame: pd.DataFrame, key: str) -> dict[str, Any] | None:
    key_text = key.strip().lower()
    names = (frame["manufacturer"].fillna("") + " " + frame["name"]).str.strip().str.lower()
    match = frame[(frame["entry_key"].str.lower() == key_text) | (names == key_text)
                  | (frame["name"].str.lower() == key_text)]
    if match.empty:
        return None
    entry = match.iloc[-1].to_dict()
    entry["id"] = None
    return {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in entry.items()}


# -- writers ------------------------------------------------------------------------------------------

def store_assets(project, source_id, path, result, options, site_id) -> dict[str, float]:
    assets = result.tables["assets"]
    site_ids = {name: repo.ensure_site(project.conn, name) for name in assets["site"].dropna().unique()}
    repo.insert_assets(project.conn, source_id, assets, site_ids)
    _record_asset_details(project, source_id, assets)
    embodied = float((assets["quantity"] * assets["embodied_co2e_kg_per_unit"]).sum()) if len(assets) else 0.0
    return {"embodied_co2e_kg": embodied, "assets": float(len(assets))}


def _record_asset_details(project, source_id: int, assets: pd.DataFrame) -> None:
    columns = [c for c in ("library_entry_id", "embodied_low_kg", "embodied_high_kg", "embodied_basis")
               if c in assets]
    if not columns:
        return
    for asset in assets.to_dict("records"):
        values = [None if pd.isna(asset.get(c)) else asset.get(c) for c in columns]
        if all(value is None for value in values):
            continue
        project.conn.execute(f"UPDATE assets SET {', '.join(f'{c} = ?' for c in columns)}"
                             " WHERE source_id = ? AND source_row = ?",
                             (*values, source_id, int(asset["source_row"])))


def store_factors(project, source_id, path, result, options, site_id) -> dict[str, float]:
    frame = result.tables["factors"]
    datasets = result.options.get("datasets") or {}
    for name, rows in frame.groupby("dataset", sort=False):
        info = datasets.get(name, {})
        dataset_id = repo_library.insert_factor_dataset_record(project.conn, source_id, str(name), info)
        repo_library.insert_factor_rows(project.conn, dataset_id, rows)
    zones = frame["zone"].nunique() if len(frame) else 0
    return {"values": float(len(frame)), "zones": float(zones), "datasets": float(frame["dataset"].nunique()),
            "mean_co2e_g_per_kwh": float(frame["co2e_g_per_kwh"].mean()) if len(frame) else 0.0}


def _store_hardware(project, source_id, path, result, options, site_id) -> dict[str, float]:
    frame = result.tables["hardware"]
    count = repo_library.insert_hardware(project.conn, source_id, frame)
    return {"values": float(count), "embodied_co2e_kg": float(frame["embodied_co2e_kg"].sum()) if count else 0.0}


def _store_instruments(project, source_id, path, result, options, site_id) -> dict[str, float]:
    frame = result.tables["instruments"]
    site_ids = {name: repo.ensure_site(project.conn, name) for name in frame["site"].dropna().unique()} \
        if "site" in frame else {}
    count = repo_library.insert_instruments(project.conn, source_id, frame, site_ids)
    offsets = frame["type"] == "offset"
    return {"instruments": float(count), "mwh": float(frame["mwh"].sum()) if count else 0.0,
            "offsets": float(offsets.sum()),
            "credit_co2e_kg": float(frame.loc[offsets, "credit_co2e_kg"].sum()) if count else 0.0}


def _store_scope1(project, source_id, path, result, options, site_id) -> dict[str, float]:
    frame = result.tables["scope1"]
    site_ids = {name: repo.ensure_site(project.conn, name) for name in frame["site"].dropna().unique()} \
        if "site" in frame else {}
    count = repo_library.insert_scope1(project.conn, source_id, frame, site_ids)
    return {"activities": float(count), "fuel_activities": float((frame["activity"] == "fuel").sum()),
            "refrigerant_activities": float((frame["activity"] == "refrigerant").sum())}


def _store_runs(project, source_id, path, result, options, site_id) -> dict[str, float]:
    """Store a runs table's declarations first, then its GPU allocations (which widen the run windows)."""
    totals: dict[str, float] = {}
    names: set[str] = set()
    declared = result.tables.get("runs")
    if declared is not None and len(declared):
        totals.update(inventory_inputs.store_declared_runs(project, source_id, path, result, options, site_id))
        names |= set(declared["run"])
    allocations = result.tables.get("allocations")
    if allocations is not None and len(allocations):
        totals.update(gpu_imports.store_allocations(project, source_id, path, result, options, site_id))
        names |= set(allocations["run"])
    totals["runs"] = float(len(names))
    return totals


WRITERS = {"hardware-library": _store_hardware, "instruments": _store_instruments, "scope1": _store_scope1,
           "runs": _store_runs}
