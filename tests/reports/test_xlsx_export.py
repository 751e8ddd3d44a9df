"""The workbook export, read back with openpyxl and as raw sheet XML."""

from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import load_workbook

from workbench.engine.assumptions import SPECS
from workbench.engine.footprint import NUMERIC_KEYS
from workbench.reports import disclosure as d
from workbench.reports import xlsx
from workbench.reports.manifest import parse_manifest
from workbench.reports.xlsx_summary import INVENTORY_CHECKS
from workbench.services.compute import compute_footprint
from workbench.services.exports import build_content, export_report
from workbench.services.inventory import compute_inventory

FORMULA = re.compile(r"<f>(.*?)</f>")


@pytest.fixture(scope="module")
def workbook_export(shared_project, tmp_path_factory, signing_key, facts):
    out = tmp_path_factory.mktemp("xlsx") / "disclosure.xlsx"
    result = export_report(shared_project, "xlsx", out, sign_key=signing_key, password=facts.password)
    return result, load_workbook(out)


def sheet_formulas(path) -> dict[str, list[str]]:
    with zipfile.ZipFile(path) as archive:
        names = {f"xl/worksheets/sheet{index}.xml": title for index, title in enumerate(xlsx.SHEET_NAMES, 1)}
        return {names[name]: FORMULA.findall(archive.read(name).decode("utf-8")) for name in names}


def test_workbook_has_all_sheets(workbook_export):
    _, workbook = workbook_export
    assert workbook.sheetnames == list(xlsx.SHEET_NAMES)
    assert workbook[d.MANIFEST].sheet_state == "hidden"
    for sheet in workbook.worksheets:
        expected = None if sheet.title == d.COVER else "A3"
        assert sheet.freeze_panes == expected, sheet.title


def test_engine_check_equals_engine(workbook_export, shared_project, facts):
    _, workbook = workbook_export
    engine_runs = {run.run: run for run in compute_footprint(shared_project).result.runs}
    sheet_runs = {run["run"]: run for run in xlsx.read_engine_figures(workbook)}

    assert set(sheet_runs) == {facts.sample_run, facts.formula_run}
    for name, run in engine_runs.items():
        for key in NUMERIC_KEYS:
            # openpyxl writes 16 significant digits, more than the 15 Excel keeps.
            assert sheet_runs[name][key] == pytest.approx(getattr(run, key), rel=1e-15), (name, key)
    assert sheet_runs[facts.formula_run]["gpu_energy_kwh"] == pytest.approx(facts.gpu_energy_kwh, rel=1e-12)


def test_headers_and_formats_carry_units(workbook_export):
    _, workbook = workbook_export
    headers = [cell.value for cell in workbook[d.RUNS][2]]
    energy_headers = [cell.value for cell in workbook[d.ENERGY][2]]

    assert "Facility energy (kWh)" in headers
    assert "Total emissions (kgCO2e)" in headers
    assert "Facility energy = IT x PUE + facility-level (kWh)" in energy_headers
    assert workbook[d.RUNS]["R3"].number_format == '#,##0.000" kWh"'
    assert workbook[d.RUNS]["V3"].number_format == '#,##0.000" kgCO2e"'


def test_totals_are_formulas_over_activity_sheets(workbook_export):
    result, _ = workbook_export
    formulas = sheet_formulas(result.path)
    summary = formulas[d.SUMMARY]

    assert "SUM('Scope 1'!$O$3:$O$3)" in summary
    assert any(text.startswith("SUMIFS('Site energy'!$N$3:") for text in summary)
    assert any(text.startswith("SUM('Markets and instruments'!$M$3:") for text in summary)
    assert "inventory_scope1_co2e_kg+inventory_scope2_location_co2e_kg+inventory_scope3_co2e_kg" in summary
    assert "SUM('Runs'!$V$3:$V$4)" in summary
    assert "SUM('Energy'!$P$3:$P$3)" in formulas[d.RUNS]
    assert "SUM('Energy'!$P$4:$P$7)" in formulas[d.RUNS]
    assert "S3+U3" in formulas[d.RUNS]
    assert "(E3*assumption_node_uplift+F3)*J3" in formulas[d.ENERGY]
    assert "N3*L3+O3" in formulas[d.ENERGY]
    assert "IF(ISNUMBER(R3),P3*R3/1000,0)" in formulas[d.ENERGY]
    assert formulas[d.ENERGY].count("assumption_pue") == 5


def test_defined_names_point_at_cells(workbook_export):
    _, workbook = workbook_export
    names = workbook.defined_names

    for key in SPECS:
        target = names[f"assumption_{key}"].attr_text
        assert target.startswith("'Assumptions'!$C$"), key
    assert names["assumption_pue"].attr_text == f"'Assumptions'!$C${3 + list(SPECS).index('pue')}"
    assert workbook[d.ASSUMPTIONS][f"C{3 + list(SPECS).index('pue')}"].value == 1.55
    for _, defined in INVENTORY_CHECKS:
        assert names[defined].attr_text.startswith("'Summary'!$B$"), defined
    assert names["footprint_total_co2e_kg"].attr_text.startswith("'Summary'!$B$")


def test_imported_text_is_never_a_formula(workbook_export, facts):
    result, workbook = workbook_export
    run_cells = [row[0] for row in workbook[d.RUNS].iter_rows(min_row=3) if row[0].value == facts.formula_run]
    energy_cells = [row[0] for row in workbook[d.ENERGY].iter_rows(min_row=3) if row[0].value == facts.formula_run]
    raw_cells = [row[4] for row in workbook[d.REJECTED].iter_rows(min_row=3)]

    assert len(run_cells) == 1
    assert run_cells[0].data_type == "s"
    assert run_cells[0].quotePrefix is True
    assert len(energy_cells) == facts.log_hours + 1
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in energy_cells)
    assert [cell.value for cell in raw_cells] == [facts.formula_raw_value]
    assert raw_cells[0].data_type == "s"
    assert raw_cells[0].quotePrefix is True
    every_formula = [text for texts in sheet_formulas(result.path).values() for text in texts]
    assert every_formula != []
    assert not any("cmd" in text or "1+1" in text for text in every_formula)


def test_draft_workbook_marks_every_sheet(shared_project, tmp_path):
    result = export_report(shared_project, "xlsx", tmp_path / "draft.xlsx", draft=True)
    workbook = load_workbook(result.path)

    for sheet in workbook.worksheets:
        assert str(sheet["A1"].value).startswith("DRAFT"), sheet.title
        assert sheet.oddHeader.center.text == "DRAFT", sheet.title
    assert result.manifest["draft"] is True


def test_draft_lists_open_items(audit_project, tmp_path):
    from workbench.services import report_info

    report_info.set_fields(audit_project, {"base_year": ""})
    result = export_report(audit_project, "xlsx", tmp_path / "draft.xlsx", draft=True)
    cover = load_workbook(result.path)[d.COVER]
    texts = [str(cell.value) for row in cover.iter_rows() for cell in row if cell.value is not None]

    assert [item["id"] for item in result.open_items] == [19, 24]
    assert "Open items: 2 required disclosure(s) missing" in texts
    assert any(text.startswith("19. Base year") for text in texts)
    assert any("changed since approval" in text for text in texts)


def test_final_workbook_has_no_draft_mark(workbook_export):
    result, workbook = workbook_export
    assert result.manifest["draft"] is False
    for sheet in workbook.worksheets:
        assert "DRAFT" not in str(sheet["A1"].value), sheet.title


def test_workbook_bytes_repeat_for_same_content(shared_project):
    content = build_content(shared_project, "xlsx", "baseline", draft=False)
    assert xlsx.render_workbook(content) == xlsx.render_workbook(content)


def test_manifest_sheet_holds_manifest(workbook_export, shared_project):
    result, workbook = workbook_export
    manifest = parse_manifest(xlsx.read_manifest_text(workbook))
    inventory = compute_inventory(shared_project).result.totals

    assert manifest == result.manifest
    assert manifest["manifest_version"] == 3
    assert manifest["inventory"]["totals"]["total_market_based_co2e_kg"] == pytest.approx(
        inventory["total_market_based_co2e_kg"], rel=1e-12)
    assert [item["status"] for item in manifest["checklist"]].count("missing") == 0
