"""The avoided-emissions section in the workbook, the PDF and the JSON formats, read back from the real files.

The section is built by hand here, so every figure is known; the demo tests in
tests/services/test_planner_demo.py run the planner itself through an export.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from workbench.reports import disclosure as d
from workbench.reports import disclosure_json, pdf, xlsx
from workbench.reports.disclosure import AvoidedEmissionsSection, AvoidedLever, Narrative
from workbench.reports.manifest import check_manifest
from workbench.services.disclosure_uncertainty import no_uncertainty
from workbench.services.exports import build_content, disclosure_manifest

LEVER = AvoidedLever(
    rank=1, set_name="baseline what-if: facility efficiency (pue 1.2)", kind="facility_efficiency",
    label="facility efficiency (pue 1.2)", view="footprint", parent_set="baseline", parameters={"pue": 1.2},
    reference_output="total_co2e_kg", reference_co2e_kg=246.0, avoided_co2e_kg=12.3, mean_co2e_kg=12.4,
    low_co2e_kg=10.1, high_co2e_kg=14.9, probability_saves=1.0, share_of_reference=0.05,
    depends_on=("PUE 1.2 at hall",), notes=("=SUM(A1:A9) is text, not a formula",),
    assumption_set_sha256="a" * 64, distributions_sha256="b" * 64)
LOSING = replace(LEVER, rank=2, set_name="baseline what-if: relocation (zone XX)", kind="relocation",
                 label="relocation (zone XX)", avoided_co2e_kg=-3.0, mean_co2e_kg=-2.9, low_co2e_kg=-4.0,
                 high_co2e_kg=-2.0, probability_saves=0.0, share_of_reference=-3.0 / 246.0, depends_on=(), notes=())
SECTION = AvoidedEmissionsSection(
    assumption_set="baseline", method="For each lever, two worlds on common random numbers", seed=5, trials=1000,
    period=None, inventory_period=None, reference={"footprint_total_co2e_kg": 246.0}, levers=(LEVER, LOSING),
    narratives=(Narrative("hardware_end_of_life", "Hardware end of life", "=Servers resold for inference"),
                Narrative("relocation_effects", "Territorial effects of relocation", "Demand on the local grid")),
    notes=("avoided emissions, reported beside the totals and never deducted from them",))


@pytest.fixture(scope="module")
def plain(shared_project):
    """The disclosure of the shared project, a draft without Monte Carlo (the writers only lay it out)."""
    return build_content(shared_project, "xlsx", "baseline", draft=True, uncertainty=no_uncertainty)


@pytest.fixture(scope="module")
def with_section(plain):
    disclosure = replace(plain, avoided=SECTION)
    return disclosure.with_manifest(disclosure_manifest(disclosure, "xlsx"))


def test_workbook_sheet_after_data_quality(with_section, plain):
    workbook = load_workbook(io.BytesIO(xlsx.render_workbook(with_section)))
    without = load_workbook(io.BytesIO(xlsx.render_workbook(plain)))

    assert workbook.sheetnames == list(xlsx.sheet_names(with_section))
    assert workbook.sheetnames.index(d.AVOIDED) == workbook.sheetnames.index(d.QUALITY) + 1
    assert without.sheetnames == list(xlsx.SHEET_NAMES)
    assert d.AVOIDED not in without.sheetnames


def test_workbook_sheet_rows(with_section):
    workbook = load_workbook(io.BytesIO(xlsx.render_workbook(with_section)))
    rows = list(workbook[d.AVOIDED].iter_rows(values_only=True))
    texts = [tuple(value for value in row if value is not None) for row in rows]

    assert rows[0][0].startswith("DRAFT: not for disclosure. Avoided emissions by reduction lever")
    assert rows[1][:5] == ("Rank", "Lever (assumption set)", "Kind", "View", "Avoided emissions (tCO2e)")
    assert rows[2][:5] == (1, LEVER.set_name, "facility_efficiency", "footprint", pytest.approx(0.0123))
    assert rows[2][6:10] == (pytest.approx(0.0101), pytest.approx(0.0149), 1.0, pytest.approx(0.05))
    assert rows[3][:5] == (2, LOSING.set_name, "relocation", "footprint", pytest.approx(-0.003))
    assert rows[2][-3:] == ('{"pue":1.2}', "PUE 1.2 at hall", "=SUM(A1:A9) is text, not a formula")
    assert ("Hardware end of life", "=Servers resold for inference") in texts
    assert ("Territorial effects of relocation", "Demand on the local grid") in texts
    assert ("Seed", 5) in texts
    assert ("Trials per lever", 1000) in texts
    assert ("Reference: Footprint total of the runs", 246.0) in texts


def test_workbook_sheet_has_values_only(with_section):
    workbook = load_workbook(io.BytesIO(xlsx.render_workbook(with_section)))
    cells = [cell for row in workbook[d.AVOIDED].iter_rows() for cell in row if cell.value is not None]
    text_like_formulas = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith("=")]

    assert [cell for cell in cells if cell.data_type == "f"] == []
    assert [cell.data_type for cell in text_like_formulas] == ["s", "s"]
    assert all(cell.quotePrefix for cell in text_like_formulas)


def test_workbook_formulas_never_read_the_sheet(with_section):
    workbook = load_workbook(io.BytesIO(xlsx.render_workbook(with_section)))
    formulas = [cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]

    assert len(formulas) > 20
    assert [formula for formula in formulas if "Avoided" in formula] == []
    assert [name for name, item in workbook.defined_names.items() if "Avoided" in item.attr_text] == []


def test_summary_points_to_the_sheet(with_section):
    workbook = load_workbook(io.BytesIO(xlsx.render_workbook(with_section)))
    lines = [row for row in workbook[d.SUMMARY].iter_rows(values_only=True) if row[0] and "Avoided" in row[0]]

    assert lines == [("Avoided emissions of reduction levers (reported separately, not deducted)", "2 lever(s)",
                      None, "Avoided emissions sheet; no total includes them")]


def test_checklist_item_9_names_the_section(with_section, plain):
    from workbench.reports import checklist

    item = checklist.evaluate(with_section)[8]
    plain_item = checklist.evaluate(plain)[8]

    assert item.id == 9
    assert item.shown_in == (d.SUMMARY, d.AVOIDED)
    assert "avoided emissions of 2 reduction lever(s) shown separately in 'Avoided emissions'" in item.detail
    assert plain_item.shown_in == (d.SUMMARY,)


def test_manifest_records_the_plan(with_section):
    entry = with_section.manifest["avoided_emissions"]

    assert (entry["seed"], entry["trials"], entry["assumption_set"]) == (5, 1000, "baseline")
    assert [lever["set_name"] for lever in entry["levers"]] == [LEVER.set_name, LOSING.set_name]
    assert entry["levers"][0]["parameters"] == {"pue": 1.2}
    assert entry["levers"][0]["assumption_set_sha256"] == "a" * 64
    assert entry["not_in_any_total"] is True
    assert check_manifest(with_section.manifest, "xlsx") == []


def test_manifest_check_rejects_reversed_interval(with_section):
    manifest = json.loads(json.dumps(with_section.manifest))
    manifest["avoided_emissions"]["levers"][0]["low_co2e_kg"] = 20.0

    assert check_manifest(manifest, "xlsx") == [
        f"the manifest's 95 % interval of the avoided emissions of lever '{LEVER.set_name}' runs from 20.0 to 14.9"]


@pytest.mark.parametrize("fmt", ["json", "esrs-json", "ai-act-json"])
def test_json_formats_carry_the_section(with_section, plain, fmt):
    document = json.loads(disclosure_json.render(with_section, fmt))
    without = json.loads(disclosure_json.render(plain, fmt))
    section = document["avoided_emissions"]

    assert "avoided_emissions" not in without
    assert [lever["avoided_co2e_kg"] for lever in section["levers"]] == [12.3, -3.0]
    assert section["narratives"][0] == {"topic": "hardware_end_of_life", "heading": "Hardware end of life",
                                        "text": "=Servers resold for inference"}
    assert section["note"].endswith("never deducted from any total")
    assert section["offsets_reported_separately"] == plain.inventory["offsets_reported_separately"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_pdf_section(with_section, tmp_path):
    path = tmp_path / "avoided.pdf"
    path.write_bytes(pdf.render_pdf(with_section))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout

    assert "Avoided emissions are what each reduction lever would save" in raw
    assert "never deducted from any total of this report" in raw
    assert "Avoided emissions of 2 reduction lever(s) are reported separately" in raw
    assert pdf.format_number(0.0123) in text
    assert f"{pdf.format_number(0.0101)} to" in text
    assert "Hardware end of life: =Servers resold for inference" in raw
    assert "Territorial effects of relocation: Demand on the local grid" in raw
    assert "Reference totals: Footprint total of the runs 246.000 kgCO₂e" in raw
    contents = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
    assert "Contents" in contents
    assert "Avoided emissions" in contents


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_pdf_without_section(plain, tmp_path):
    path = tmp_path / "plain.pdf"
    path.write_bytes(pdf.render_pdf(plain.with_manifest(disclosure_manifest(plain, "pdf"))))
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout

    assert "reduction lever" not in raw
