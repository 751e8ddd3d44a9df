"""Turning stored lever parameters into what the engine computes with.

A lever may name things the engine cannot read itself: accelerators of the shipped
specifications, a hardware library entry, a procurement record, or other levers of the plan.
This module looks them up and returns a lever with plain numbers, plus a line per lookup for
the lever's "depends on" column.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping

import pandas as pd

from workbench.engine.planner.levers import KINDS, LeverSpec, make_lever, parse_lever
from workbench.engine.planner.scenario import SiteInfo
from workbench.errors import UsageError
from workbench.project import repo
from workbench.project.store import Project
from workbench.services import import_kinds

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def accelerator_specs() -> pd.DataFrame:
    """Return the shipped accelerator specifications (TDP and peak dense BF16 FLOP/s), one row per key."""
    path = resources.files("workbench") / "resources" / "hardware" / "accelerator_specs.csv"
    with resources.as_file(path) as file:
        return pd.read_csv(file)


def accelerator(key: str) -> dict[str, Any]:
    """Return the specifications of accelerator ``key`` (its key or name, case-insensitive)."""
    specs = accelerator_specs()
    text = key.strip().lower()
    found = specs[(specs["key"].str.lower() == text) | (specs["name"].str.lower() == text)]
    if found.empty:
        raise UsageError(f"no shipped specifications for accelerator '{key}'",
                         hint=f"Known: {', '.join(specs['key'])}; or give energy_ratio= or current_j_per_unit= and "
                              "new_j_per_unit= from measurements.")
    return found.iloc[0].to_dict()


def site_infos(project: Project) -> dict[str, SiteInfo]:
    """Return every site's grid zone and PUE category."""
    sites = repo.list_sites(project.conn)
    return {str(row["name"]): SiteInfo(str(row["name"]), _text(row["grid_zone"]), _text(row["pue_category"]))
            for row in sites.to_dict("records")}


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) or value == "" else str(value)


def resolve(project: Project, spec: LeverSpec) -> tuple[LeverSpec, list[str]]:
    """Return ``spec`` with accelerator specifications and embodied emissions looked up, and what was used."""
    if spec.kind == "combination":
        members, depends = [], []
        for member in spec.members():
            resolved, used = resolve(project, member)
            members.append(resolved.as_dict())
            depends += used
        return make_lever("combination", {"levers": members}), depends
    if spec.kind != "accelerator":
        return spec, []
    parameters = dict(spec.parameters)
    depends = _resolve_efficiency(spec, parameters) + _resolve_embodied(project, spec, parameters)
    return make_lever("accelerator", parameters), depends


def _resolve_efficiency(spec: LeverSpec, parameters: dict[str, Any]) -> list[str]:
    named = spec.value("current") and spec.value("new")
    measured = spec.value("energy_ratio") is not None or spec.value("new_j_per_unit") is not None
    if not named or measured:
        return []
    current, new = accelerator(spec.value("current")), accelerator(spec.value("new"))
    parameters["current_j_per_unit"] = current["tdp_w"] / current["peak_dense_bf16_flops_per_s"]
    parameters["new_j_per_unit"] = new["tdp_w"] / new["peak_dense_bf16_flops_per_s"]
    parameters["unit"] = "flop"
    if spec.value("time_ratio") is None:
        parameters["time_ratio"] = current["peak_dense_bf16_flops_per_s"] / new["peak_dense_bf16_flops_per_s"]
    return [f"energy per FLOP at TDP and peak dense BF16 throughput, a proxy at full load: {row['name']} "
            f"{row['tdp_w']:g} W / {row['peak_dense_bf16_flops_per_s']:.4g} FLOP/s ({row['source']}; "
            f"{row['confidence']})" for row in (current, new)]


def _resolve_embodied(project: Project, spec: LeverSpec, parameters: dict[str, Any]) -> list[str]:
    if spec.value("embodied_kg_per_accelerator") is not None:
        return []
    if spec.value("library_entry"):
        entry = import_kinds.find_hardware_entry(project, spec.value("library_entry"))
        if entry is None:
            raise UsageError(f"no hardware library entry '{spec.value('library_entry')}'",
                             hint="Load the library (carbon-workbench library) or name an entry by its key.")
        parameters["embodied_kg_per_accelerator"] = float(entry["embodied_co2e_kg"])
        parameters["embodied_source"] = f"hardware library: {entry.get('dataset')}: {entry.get('name')}"
        if spec.value("lifetime_years") is None and entry.get("lifetime_years"):
            parameters["lifetime_years"] = float(entry["lifetime_years"])
        return [f"embodied emissions from the hardware library entry {entry.get('entry_key')} "
                f"({entry.get('value_basis')})"]
    if spec.value("asset"):
        return _asset_embodied(project, spec.value("asset"), spec, parameters)
    return []


def _asset_embodied(project: Project, item: str, spec: LeverSpec, parameters: dict[str, Any]) -> list[str]:
    assets = repo.list_assets(project.conn)
    found = assets[assets["item"].str.lower() == item.strip().lower()]
    if found.empty:
        raise UsageError(f"no procurement record for item '{item}'",
                         hint=f"Items: {', '.join(sorted(set(assets['item']))) or 'none'}.")
    row = found.iloc[-1]
    parameters["embodied_kg_per_accelerator"] = float(row["embodied_co2e_kg_per_unit"])
    parameters["embodied_source"] = f"procurement record: {row['item']} ({row['embodied_source'] or 'no source'})"
    if spec.value("lifetime_years") is None:
        parameters["lifetime_years"] = float(row["lifetime_years"])
    return [f"embodied emissions from the procurement record '{row['item']}'"]


def lever_from_text(text: str, known: Mapping[str, LeverSpec]) -> LeverSpec:
    """Parse ``KIND[:KEY=VALUE,...]`` (see :func:`~workbench.engine.planner.levers.parse_lever`).

    ``combination:of=A+B`` names other levers: a stored lever set, a lever given earlier on the
    same command line (by its kind), or a lever kind with its default parameters.
    """
    kind, parameters = parse_lever(text)
    if kind in known and not parameters:
        return known[kind]
    if kind == "combination" and "of" in parameters:
        references = [item.strip() for item in parameters.pop("of").replace(";", "+").split("+") if item.strip()]
        parameters_any: dict[str, Any] = dict(parameters)
        parameters_any["levers"] = [_reference(item, known).as_dict() for item in references]
        return make_lever(kind, parameters_any)
    return make_lever(kind, parameters)


def _reference(name: str, known: Mapping[str, LeverSpec]) -> LeverSpec:
    if name in known:
        return known[name]
    if name in KINDS:
        return make_lever(name)
    raise UsageError(f"a combination names '{name}', which is neither a lever of the plan nor a lever kind",
                     hint=f"Levers: {', '.join(known) or 'none'}; kinds: {', '.join(KINDS)}.")
