"""Fixtures for the export tests: a real project built from real and generated input files."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from workbench.reports.keys import create_self_signed_p12
from workbench.services import assumptions, entities, report_info, signoffs
from workbench.services.imports import ImportOptions, import_file
from workbench.services.projects import new_project, open_existing

KEY_PASSWORD = b"correct horse battery staple"
SITE = "sg-1"
GRID_ZONE = "SG"
FACTOR_G_PER_KWH = 408.0
# A run name that Excel would run as a DDE command if it were written as a formula.
FORMULA_RUN = "=cmd|' /C calc'!A0"
FORMULA_RAW_VALUE = "=1+1"
# The generated log: two GPUs drawing constant power for three hours, one sample a minute.
GPU_POWER_W = (300.0, 250.0)
LOG_HOURS = 3
LOG_START = datetime(2025, 3, 1, 10, 0, tzinfo=timezone.utc)


def write_gpu_log(path: Path) -> Path:
    """Write an nvidia-smi query CSV whose energy is known exactly (trapezoids of constant power)."""
    lines = ["timestamp, index, name, power.draw [W]"]
    for minute in range(LOG_HOURS * 60 + 1):
        stamp = (LOG_START + timedelta(minutes=minute)).strftime("%Y/%m/%d %H:%M:%S.000")
        for index, power_w in enumerate(GPU_POWER_W):
            lines.append(f"{stamp}, {index}, NVIDIA H100 80GB HBM3, {power_w:.2f} W")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def expected_gpu_energy_kwh() -> float:
    """GPU energy of the generated log, from its definition rather than from the importer."""
    return sum(GPU_POWER_W) * LOG_HOURS / 1000.0


def build_project(folder: Path, samples: Path):
    """Create a project with the real 8-GPU nvidia-smi sample, the generated log, factors and procurement."""
    project = new_project(folder / "audit.cwb", name="Glasses training audit")
    sample = samples / "nvidia_smi" / "xypp3__gpu_glasses__nvidia_smi.csv"
    import_file(project, sample, ImportOptions(kind="gpu-log", timezone="Asia/Singapore", site=SITE,
                                               run="glasses-8gpu"))
    import_file(project, write_gpu_log(folder / "two_gpus.csv"),
                ImportOptions(kind="gpu-log", timezone="UTC", site=SITE, run=FORMULA_RUN))

    factors = folder / "factors.csv"
    factors.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\n"
                       f"{GRID_ZONE},2025-01-01,2026-01-01,{FACTOR_G_PER_KWH},EMA grid emission factor 2025\n",
                       encoding="utf-8")
    import_file(project, factors, ImportOptions(kind="factors"))

    procurement = folder / "procurement.csv"
    procurement.write_text("item,category,quantity,acquired,embodied_co2e_kg_per_unit,lifetime_years,embodied_source\n"
                           "HGX H100 server,server,2,2024-06-01,2500,5,vendor PCF 2024\n"
                           "H100 80GB GPU,gpu,16,2024-06-01,150,5,BLOOM paper estimate per GPU\n"
                           f"Network switch,network,{FORMULA_RAW_VALUE},2024-06-01,300,6,vendor PCF\n",
                           encoding="utf-8")
    import_file(project, procurement, ImportOptions(kind="procurement", site=SITE))

    with project.transaction():
        project.conn.execute("UPDATE sites SET grid_zone = ? WHERE name = ?", (GRID_ZONE, SITE))
    complete_disclosure(project)
    # Closing checkpoints the write-ahead log into the file, as when an auditor reopens a saved project.
    # NOTE: a project that was never closed cannot be opened a second time (by verify_file) yet,
    # because open_project reads the format version from the main file, which then has no schema.
    project.close()
    return open_existing(folder / "audit.cwb")


def complete_disclosure(project) -> None:
    """Give the project what a final export needs: header fields, Scope 3 factors and the sign-offs.

    The site's PUE category is PUE3 (node energy measured where the PUE measures IT energy), so
    facility energy stays GPU energy x uplift x PUE.
    """
    report_info.set_fields(project, {
        "reporting_entity": "Glasses Lab Pte Ltd", "consolidation_approach": "operational-control",
        "reporting_period": "2025", "timezone": "Asia/Singapore",
        "operational_boundary": "GPU cluster sg-1 in a leased data hall under operational control",
        "exclusions": "office electricity, below 1 % of the total", "run_boundary": "every run, final and experiments",
        "scope3_exclusions": "categories 4 to 15: not relevant to a training cluster (no transport, no sold products)",
        "base_year": "2025, the first reported year", "recalculation_policy": "recalculate when a change exceeds 5 %",
        "restatements": "none", "preparer": "Pat Preparer", "approver": "Alex Approver",
        f"grid_mix.{GRID_ZONE}": "0.95/0/0.05", "run_flop.glasses-8gpu": "1e18", f"run_flop.{FORMULA_RUN}": "2e17",
        "not_applicable.6": "no generators or refrigerant equipment under operational control"})
    assumptions.change(project, "baseline", {"electricity_wtt_g_per_kwh": 20.0, "td_loss_rate": 0.03},
                       rationale="test: upstream and grid-loss factors")
    entities.configure_site(project, SITE, pue_category="PUE3")
    signoffs.record_signoff(project, "preparer", "Pat Preparer")
    signoffs.record_signoff(project, "approver", "Alex Approver")


@pytest.fixture(scope="session")
def facts() -> SimpleNamespace:
    """The known inputs of the test project, for assertions."""
    return SimpleNamespace(site=SITE, grid_zone=GRID_ZONE, factor_g_per_kwh=FACTOR_G_PER_KWH,
                           formula_run=FORMULA_RUN, formula_raw_value=FORMULA_RAW_VALUE,
                           sample_run="glasses-8gpu", gpu_energy_kwh=expected_gpu_energy_kwh(), log_hours=LOG_HOURS,
                           password=KEY_PASSWORD)


@pytest.fixture
def audit_project(tmp_path, samples):
    """A fresh project per test, for tests that change it."""
    project = build_project(tmp_path, samples)
    yield project
    project.close()


@pytest.fixture(scope="module")
def shared_project(tmp_path_factory, samples):
    """One project for a module's tests that only export and read."""
    project = build_project(tmp_path_factory.mktemp("project"), samples)
    yield project
    project.close()


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory) -> Path:
    """A self-signed PKCS#12 key (password KEY_PASSWORD); its certificate is the same path with .pem."""
    return create_self_signed_p12(tmp_path_factory.mktemp("keys") / "auditor.p12", KEY_PASSWORD,
                                  common_name="Test Auditor", organization="Audit Partners")


@pytest.fixture(scope="session")
def other_key(tmp_path_factory) -> Path:
    """A second, unrelated self-signed key."""
    return create_self_signed_p12(tmp_path_factory.mktemp("other") / "stranger.p12", KEY_PASSWORD,
                                  common_name="Someone Else")
