"""The workbook recalculated by LibreOffice in headless mode: every formula must give the engine's figure.

LibreOffice recalculates a workbook without cached values when it loads it, so converting the
export to .xlsx with ``soffice --headless --convert-to`` writes every formula's result; openpyxl
reads them back with ``data_only=True``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbench.engine.assumptions import SPECS, Assumptions
from workbench.reports import disclosure as d
from workbench.services import assumptions as assumption_service
from workbench.services import demo
from workbench.services.compute import FootprintModel
from workbench.services.exports import export_report
from workbench.services.inventory import InventoryModel

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
RELATIVE = 1e-9


def recalculated(path: Path, folder: Path):
    """Return the workbook as LibreOffice recalculates it, values only."""
    out = folder / "recalculated"
    profile = folder / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=180)
    return load_workbook(out / path.name, data_only=True)


def check_rows(workbook) -> list[tuple]:
    rows = [row for row in workbook[d.ENGINE_CHECK].iter_rows(min_row=3, max_col=5, values_only=True) if row[0]]
    assert rows != []
    return rows


def assert_close(workbook_value, engine_value, label) -> None:
    assert isinstance(workbook_value, (int, float)), (label, workbook_value)
    assert workbook_value == pytest.approx(engine_value, rel=RELATIVE, abs=1e-12), label


@needs_libreoffice
@pytest.mark.slow
def test_recalculated_figures_equal_engine(shared_project, tmp_path, signing_key, facts):
    result = export_report(shared_project, "xlsx", tmp_path / "audit.xlsx", sign_key=signing_key,
                           password=facts.password)
    workbook = recalculated(result.path, tmp_path)

    for view, subject, key, workbook_value, engine_value in check_rows(workbook):
        assert_close(workbook_value, engine_value, (view, subject, key))


@needs_libreoffice
@pytest.mark.slow
def test_demo_recalculates_both_views(tmp_path, signing_key, facts):
    project = demo.build_demo_project(tmp_path / "demo.cwb")
    try:
        result = export_report(project, "xlsx", tmp_path / "demo.xlsx", sign_key=signing_key,
                               password=facts.password)
    finally:
        project.close()
    workbook = recalculated(result.path, tmp_path)
    rows = check_rows(workbook)
    summary = {row[0]: row[1] for row in workbook[d.SUMMARY].iter_rows(min_row=3, max_col=2, values_only=True)}

    assert result.manifest["draft"] is False
    assert {row[0] for row in rows} == {"inventory", "footprint", "run"}
    for view, subject, key, workbook_value, engine_value in rows:
        assert_close(workbook_value, engine_value, (view, subject, key))
    totals = result.manifest["inventory"]["totals"]
    assert_close(summary["Scope 2, market-based"], totals["scope2_market_co2e_kg"], "market-based")
    assert_close(summary["Total, with market-based Scope 2"], totals["total_market_based_co2e_kg"], "total")


@needs_libreoffice
@pytest.mark.slow
def test_changed_assumption_cell_moves_totals(shared_project, tmp_path):
    result = export_report(shared_project, "xlsx", tmp_path / "audit.xlsx", draft=True)
    editable = load_workbook(result.path)
    pue_row = 3 + list(SPECS).index("pue")
    editable[d.ASSUMPTIONS][f"C{pue_row}"] = 2.0
    edited = tmp_path / "edited.xlsx"
    editable.save(edited)
    workbook = recalculated(edited, tmp_path)

    values = {key: item.value for key, item in assumption_service.resolve(shared_project, "baseline").items()}
    changed = Assumptions.from_values(dict(values, pue=2.0))
    footprint = FootprintModel(shared_project)
    engine = footprint.compute(changed).totals
    inventory = InventoryModel(shared_project, footprint).compute(changed, InventoryModel(
        shared_project, footprint).default_period()).totals
    figures = {(row[0], row[1], row[2]): row[3] for row in check_rows(workbook)}

    assert engine["facility_energy_kwh"] != pytest.approx(result.manifest["figures"]["totals"]["facility_energy_kwh"])
    assert_close(figures[("footprint", "all runs", "facility_energy_kwh")], engine["facility_energy_kwh"], "facility")
    assert_close(figures[("footprint", "all runs", "total_co2e_kg")], engine["total_co2e_kg"], "total")
    assert_close(figures[("inventory", "totals", "scope2_location_co2e_kg")], inventory["scope2_location_co2e_kg"],
                 "scope 2")


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo-variants") / "demo.cwb"
    demo.build_demo_project(path).close()
    return path


@needs_libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("values", [
    {"embodied_method": "bloom", "lifetime_years": 4.0, "usage_rate": 0.7},
    {"embodied_method": "llmcarbon", "chip_area_mm2": 600.0},
    {"resource_share": 0.5, "factor_zone": "DE", "pue_category": "PUE1", "td_loss_rate": 0.1},
], ids=["bloom", "llmcarbon", "shares-and-zone"])
def test_assumption_variants_recalculate(demo_project, tmp_path, values):
    from workbench.services.projects import open_existing

    copy = tmp_path / "variant.cwb"
    shutil.copy(demo_project, copy)
    with open_existing(copy) as project:
        assumption_service.change(project, "variant", values, base="baseline", rationale="recalculation test")
        result = export_report(project, "xlsx", tmp_path / "variant.xlsx", set_name="variant", draft=True)
    workbook = recalculated(result.path, tmp_path)

    for view, subject, key, workbook_value, engine_value in check_rows(workbook):
        assert_close(workbook_value, engine_value, (view, subject, key))
