"""The planner appendix in the workbook and the PDF, from plain data, read back from the real files."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from workbench.reports import pdf, planner_appendix, xlsx
from workbench.services.exports import build_content

ROW = {"rank": 1, "lever": "baseline what-if: facility efficiency (pue 1.2)", "kind": "facility_efficiency",
       "label": "facility efficiency (pue 1.2)", "view": "footprint", "output": "total_co2e_kg",
       "avoided_tco2e": 0.0123, "mean_tco2e": 0.0124, "low_tco2e": 0.0101, "high_tco2e": 0.0149,
       "probability_saves": 1.0, "share_of_reference": 0.05, "share_low": 0.04, "share_high": 0.06,
       "reference_output": "total_co2e_kg", "reference_tco2e": 0.246, "marginal_tco2e": None,
       "marginal_low_tco2e": None, "marginal_high_tco2e": None, "depends_on": "PUE 1.2 at hall"}
APPENDIX = {"title": "Avoided emissions: reduction levers (not deducted from any total)", "assumption_set": "baseline",
            "trials": 1000, "seed": 5, "reference": {"footprint_total_co2e_kg": 246.0}, "rows": [ROW],
            "narratives": [{"topic": "hardware_end_of_life", "heading": "Hardware end of life",
                            "text": "=Servers resold for inference"}],
            "offsets": [{"instrument_id": "credits-1", "label": "Forestry credits", "market": "FR",
                         "credit_co2e_kg": 2000.0}],
            "notes": ["avoided emissions, reported beside the totals and never deducted from them"]}


@pytest.fixture(scope="module")
def content(shared_project):
    return replace(build_content(shared_project, "xlsx", "baseline", draft=True), planner=APPENDIX)


def test_workbook_appendix_sheet(content):
    workbook = load_workbook(io.BytesIO(xlsx.render_workbook(content)))
    sheet = workbook[planner_appendix.SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    cells = [cell for row in sheet.iter_rows() for cell in row]

    assert workbook.sheetnames[-2:] == [planner_appendix.SHEET, "Manifest"]
    assert rows[0][0].startswith("DRAFT: not for disclosure. Avoided emissions by reduction lever")
    assert rows[1][3] == "Avoided emissions (tCO2e)"
    assert rows[2][:4] == (1, ROW["lever"], "footprint", pytest.approx(0.0123))
    assert rows[2][5:7] == (pytest.approx(0.0101), pytest.approx(0.0149))
    assert rows[2][-1] == "PUE 1.2 at hall"
    # Values only: no formula, and text that looks like one stays text.
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert ("Hardware end of life", "=Servers resold for inference") == rows[5][:2]
    assert ("credits-1", "Forestry credits 2,000 kgCO2e") == rows[8][:2]
    assert rows[11][1].startswith("1,000 trials per lever, seed 5, common random numbers")


def test_workbook_without_appendix_unchanged(content):
    workbook = load_workbook(io.BytesIO(xlsx.render_workbook(replace(content, planner=None))))
    assert planner_appendix.SHEET not in workbook.sheetnames


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_pdf_appendix_section(content, tmp_path):
    path = tmp_path / "appendix.pdf"
    path.write_bytes(pdf.render_pdf(content))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Appendix: avoided emissions by reduction lever" in text
    assert "never deducted" in text
    assert pdf.format_number(0.0123) in text
    assert "Hardware end of life. =Servers resold for inference" in text
    assert "credits-1: 2,000 kgCO₂e" in text
