"""The workbook export, read back with openpyxl and as raw sheet XML."""

from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import load_workbook

from workbench.engine.footprint import NUMERIC_KEYS
from workbench.reports import xlsx
from workbench.reports.manifest import parse_manifest
from workbench.services.compute import compute_footprint
from workbench.services.exports import build_content, export_report

SUM_FORMULA = re.compile(r"^=SUM\(Runs!([A-Z]+)(\d+):([A-Z]+)(\d+)\)$")


@pytest.fixture(scope="module")
def workbook_export(shared_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "footprint.xlsx"
    result = export_report(shared_project, "xlsx", out)
    return result, load_workbook(out)


def test_workbook_has_all_sheets(workbook_export):
    _, workbook = workbook_export
    assert workbook.sheetnames == ["Summary", "Runs", "Assumptions", "Sources", "Rejected rows", "Audit log",
                                   "Manifest"]
    assert workbook["Manifest"].sheet_state == "hidden"
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A3", sheet.title


def test_runs_sheet_equals_engine(workbook_export, shared_project, facts):
    _, workbook = workbook_export
    engine_runs = {run.run: run for run in compute_footprint(shared_project).result.runs}
    sheet_runs = {run["run"]: run for run in xlsx.read_run_figures(workbook)}

    assert set(sheet_runs) == {facts.sample_run, facts.formula_run}
    for name, run in engine_runs.items():
        for key in NUMERIC_KEYS:
            # openpyxl writes 16 significant digits, more than the 15 Excel keeps.
            assert sheet_runs[name][key] == pytest.approx(getattr(run, key), rel=1e-15), (name, key)
    assert sheet_runs[facts.formula_run]["gpu_energy_kwh"] == pytest.approx(facts.gpu_energy_kwh, rel=1e-12)


def test_runs_headers_carry_units(workbook_export):
    _, workbook = workbook_export
    headers = [cell.value for cell in workbook["Runs"][2]]
    assert "Facility energy (kWh)" in headers
    assert "Total emissions (kgCO2e)" in headers
    assert workbook["Runs"]["J3"].number_format == xlsx.QUANTITY_FORMAT


def test_summary_totals_are_sum_formulas(workbook_export, shared_project):
    _, workbook = workbook_export
    summary, runs = workbook["Summary"], workbook["Runs"]
    totals = compute_footprint(shared_project).result.totals
    formulas = {row[0].value: row[1] for row in summary.iter_rows(min_row=3) if row[1].data_type == "f"}

    assert set(formulas) == {label for label, _, _ in xlsx.SUMMARY_TOTALS}
    for label, key, _ in xlsx.SUMMARY_TOTALS:
        match = SUM_FORMULA.match(formulas[label].value)
        assert match is not None, formulas[label].value
        first_col, first_row, last_col, last_row = match.groups()
        assert first_col == last_col == xlsx.run_column_letter(key)
        assert (int(first_row), int(last_row)) == (3, 4)
        summed = sum(runs[f"{first_col}{row}"].value for row in range(3, 5))
        assert summed == pytest.approx(totals[key], rel=1e-12), key


def test_imported_text_is_never_a_formula(workbook_export, facts):
    result, workbook = workbook_export
    run_cells = [row[0] for row in workbook["Runs"].iter_rows(min_row=3) if row[0].value == facts.formula_run]
    raw_cells = [row[4] for row in workbook["Rejected rows"].iter_rows(min_row=3)]

    assert len(run_cells) == 1
    assert run_cells[0].data_type == "s"
    assert run_cells[0].quotePrefix is True
    assert [cell.value for cell in raw_cells] == [facts.formula_raw_value]
    assert raw_cells[0].data_type == "s"
    assert raw_cells[0].quotePrefix is True

    with zipfile.ZipFile(result.path) as archive:
        sheet_xml = [archive.read(name).decode("utf-8") for name in archive.namelist()
                     if name.startswith("xl/worksheets/")]
    formulas = [formula for text in sheet_xml for formula in re.findall(r"<f>(.*?)</f>", text)]
    assert len(formulas) == len(xlsx.SUMMARY_TOTALS)
    assert all(formula.startswith("SUM(Runs!") for formula in formulas), formulas


def test_draft_workbook_marks_every_sheet(shared_project, tmp_path):
    result = export_report(shared_project, "xlsx", tmp_path / "draft.xlsx", draft=True)
    workbook = load_workbook(result.path)

    for sheet in workbook.worksheets:
        assert str(sheet["A1"].value).startswith("DRAFT"), sheet.title
        assert sheet.oddHeader.center.text == "DRAFT", sheet.title
    assert result.manifest["draft"] is True


def test_final_workbook_has_no_draft_mark(workbook_export):
    result, workbook = workbook_export
    assert result.manifest["draft"] is False
    for sheet in workbook.worksheets:
        assert "DRAFT" not in str(sheet["A1"].value), sheet.title


def test_workbook_bytes_repeat_for_same_content(shared_project):
    content = build_content(shared_project, "xlsx", "baseline", draft=False)
    assert xlsx.render_workbook(content) == xlsx.render_workbook(content)


def test_manifest_sheet_holds_manifest(workbook_export):
    result, workbook = workbook_export
    assert parse_manifest(xlsx.read_manifest_text(workbook)) == result.manifest
