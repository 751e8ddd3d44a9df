"""The demo project's inventory inputs: instruments, Scope 1 records, residual mix, a cloud run.

They make ``compute --view inventory`` on the demo show every scope. Scope 1 gets a generator
test burn and a chiller refrigerant top-up. Market-based Scope 2 gets a PPA with its guarantees
of origin, unbundled guarantees of origin, guarantees of origin from another market (which must
be excluded), carbon credits (which must not be netted) and a French residual mix. Scope 3 gets
an evaluation run declared on a cloud site (category 1) and a storage expansion bought in 2025
(category 2).

Every value is synthetic and says so.
"""

from __future__ import annotations

from pathlib import Path

SYNTHETIC = "synthetic demo data written by Carbon Workbench; not a published value"
CLOUD_SITE = "cloud-eu"
CLOUD_ZONE = "DE"
MODEL = "llm-7b"
PRETRAIN_TOKENS = 1.3e10

INSTRUMENTS = [
    "instrument_id,type,label,market,mwh,ef_kg_per_mwh,vintage_start,vintage_end,retired,certificate_ids,"
    "tracking_registry,technology,qc_1,qc_2,qc_3,qc_4,qc_5,qc_6,qc_7,qc_8,qc_7_note,credit_co2e_kg",
    "ppa-wind-2025,ppa,Sleeved wind PPA with its guarantees of origin retired,FR,5,0,2025-01-01,2025-12-31,yes,"
    "GO-FR-2025-000101;GO-FR-2025-000102,EECS (synthetic),wind,yes,yes,yes,yes,yes,,yes,yes,"
    "certificates retired with the contract,",
    "go-hydro-2025,eac,Guarantees of origin (hydro),FR,3,0,2025-01-01,2025-12-31,yes,GO-FR-2025-000301,"
    "EECS (synthetic),hydro,yes,yes,yes,yes,yes,,,yes,,",
    "go-spain-2025,eac,Guarantees of origin bought in another market,ES,2,0,2025-01-01,2025-12-31,yes,"
    "GO-ES-2025-000001,EECS (synthetic),solar,yes,yes,yes,yes,,,,yes,,",
    "credits-forestry-2025,offset,Forestry carbon credits,FR,,0,2025-01-01,2025-12-31,yes,,Registry (synthetic),"
    "forestry,,,,,,,,,,2000",
]
SCOPE1 = [
    "record_id,kind,substance,amount,unit,date,site",
    "generator-test-2025-03,fuel,diesel,400,L,2025-03-15,dc-paris",
    "chiller-top-up-2025-06,refrigerant,R-410A,3.5,kg,2025-06-10,dc-paris",
]
RESIDUAL_MIX = [
    "zone,period_start,period_end,co2e_g_per_kwh,source",
    f"FR,2025-01-01,2025-12-31,95,\"{SYNTHETIC} (residual mix)\"",
]
PROCUREMENT_2025 = [
    "item,category,quantity,acquired,in_service,embodied_co2e_kg_per_unit,lifetime_years,embodied_source,site",
    f"NVMe storage expansion shelf,storage,1,2025-02-10,2025-02-20,800,5,\"{SYNTHETIC}\",dc-paris",
]
DECLARED_RUNS = [
    "run,start,end,site,accelerators,accelerator_model,accelerator_hours,avg_power_w,tdp_w,power_basis,energy_kwh,"
    "flops,tokens,kind,model",
    f"llm-7b-eval,2025-04-02T08:00:00Z,2025-04-02T14:00:00Z,{CLOUD_SITE},8,H100,,450,,board,,,,evaluation,{MODEL}",
]

FILES = {
    "instruments": ("instruments-2025.csv", INSTRUMENTS),
    "scope1": ("scope1-2025.csv", SCOPE1),
    "residual-mix": ("residual-mix-2025.csv", RESIDUAL_MIX),
    "procurement": ("procurement-2025.csv", PROCUREMENT_2025),
    "runs": ("declared-runs.csv", DECLARED_RUNS),
}


def write_inventory_inputs(folder: Path) -> dict[str, list[Path]]:
    """Write the inventory input files into ``folder`` and return them by import kind."""
    files = {}
    for kind, (name, lines) in FILES.items():
        path = folder / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files[kind] = [path]
    return files


def existing_inventory_inputs(folder: Path) -> dict[str, list[Path]] | None:
    paths = {kind: folder / name for kind, (name, _) in FILES.items()}
    if not all(path.exists() for path in paths.values()):
        return None
    return {kind: [path] for kind, path in paths.items()}


def configure(project, site: str) -> None:
    """Set the sites' inventory roles, the model of the runs and the pre-training's functional unit."""
    from workbench.services import entities, inventory_inputs

    inventory_inputs.configure_site_inventory(project, site, market="FR", boundary="operational_control")
    entities.configure_site(project, CLOUD_SITE, grid_zone=CLOUD_ZONE, timezone="UTC")
    inventory_inputs.configure_site_inventory(project, CLOUD_SITE, boundary="cloud")


def finish(project, run_names: list[str]) -> None:
    """Put the telemetry runs into the model and give the pre-training its token count."""
    from workbench.services import entities, inventory_inputs

    for name in run_names:
        inventory_inputs.assign_model(project, name, MODEL)
    entities.update_run(project, "llm-7b-pretrain", functional_unit="tokens", functional_unit_amount=PRETRAIN_TOKENS)
