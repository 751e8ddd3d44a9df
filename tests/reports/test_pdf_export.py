"""The PDF export, read back with poppler's command-line tools and pyHanko's reader."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pandas as pd
import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import String

from workbench.reports import pdf
from workbench.reports.charts import energy_chart
from workbench.services.compute import compute_footprint
from workbench.services.exports import export_report
from workbench.services.inventory import compute_inventory

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils (pdftotext, pdfinfo, pdffonts) is not installed")


def poppler(*args: str) -> str:
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout


def page_count(path) -> int:
    info = dict(line.split(":", 1) for line in poppler("pdfinfo", str(path)).splitlines() if ":" in line)
    return int(info["Pages"])


@pytest.fixture(scope="module")
def pdf_export(shared_project, tmp_path_factory, signing_key, facts):
    return export_report(shared_project, "pdf", tmp_path_factory.mktemp("pdf") / "disclosure.pdf",
                         sign_key=signing_key, password=facts.password)


def page_text(path, page: int) -> str:
    return poppler("pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-")


@needs_poppler
def test_pdf_text_shows_figures(pdf_export, shared_project, facts):
    text = poppler("pdftotext", "-layout", str(pdf_export.path), "-")
    facility_kwh = facts.gpu_energy_kwh * 1.35 * 1.55
    operational_kg = facility_kwh * facts.factor_g_per_kwh / 1000

    assert "Carbon disclosure of AI training" in text
    assert "Glasses training audit" in text
    assert "FINAL REPORT" in text
    assert "kgCO₂e" in text
    assert f"{facility_kwh:,.3f}" in text
    assert f"{operational_kg:,.3f}" in text
    totals = compute_footprint(shared_project).result.totals
    inventory = compute_inventory(shared_project).result.totals
    assert pdf.format_number(totals["total_co2e_kg"]) in text
    assert pdf.format_number(inventory["total_location_based_co2e_kg"]) in text
    assert pdf.format_number(inventory["total_market_based_co2e_kg"]) in text
    assert f"Page 1 of {page_count(pdf_export.path)}" in text


@needs_poppler
def test_pdf_has_contents_and_sections(pdf_export):
    contents = page_text(pdf_export.path, 2) + page_text(pdf_export.path, 3)
    pages = page_count(pdf_export.path)

    for heading in ("Executive summary", "Inventory 2025", "Footprint of the runs", "Energy and regulatory disclosures",
                    "Uncertainty", "Comparison of assumption sets", "Data quality", "Methodology and disclosures",
                    "Required disclosures", "Sources and evidence", "Sign-off"):
        assert heading in contents, heading
    last = page_text(pdf_export.path, pages)
    assert "Sign-off" in last
    assert "Pat Preparer" in last
    assert last.count(" current ") == 2
    assert "CHANGED" not in last
    assert "this PDF is signed (PAdES baseline B-B)" in last


@needs_poppler
def test_pdf_lists_sources_with_hashes(pdf_export, shared_project):
    text = poppler("pdftotext", "-raw", str(pdf_export.path), "-")
    compact = "".join(text.split())
    for item in pdf_export.manifest["inputs"]:
        assert item["sha256"] in compact, item["file"]
    assert pdf_export.manifest["attachments"][0]["sha256"] in compact


@needs_poppler
def test_pdf_embeds_font_and_draws_chart_as_vectors(pdf_export):
    fonts = poppler("pdffonts", str(pdf_export.path)).splitlines()[2:]
    images = poppler("pdfimages", "-list", str(pdf_export.path)).splitlines()[2:]

    assert any("DejaVuSans" in line for line in fonts)
    assert all(line.split()[-5] == "yes" for line in fonts), fonts
    assert images == []


def test_pdf_attaches_manifest_and_workbook(pdf_export):
    with open(pdf_export.path, "rb") as handle:
        reader = PdfFileReader(handle)
        manifest = pdf.read_manifest(reader)
        attachments = pdf.read_attachments(reader)
        root = reader.root
        associated = [str(item.get_object()["/F"]) for item in root["/AF"]]
        output_intent = root["/OutputIntents"][0].get_object()
        metadata = root["/Metadata"].get_object().data.decode("utf-8")

    assert manifest == pdf_export.manifest
    assert manifest["format"] == "pdf"
    assert [run["run"] for run in manifest["figures"]["runs"]] == ["glasses-8gpu", "=cmd|' /C calc'!A0"]
    assert sorted(attachments) == ["disclosure.xlsx", "manifest.json"]
    assert associated == ["manifest.json", "disclosure.xlsx"]
    assert hashlib.sha256(attachments["disclosure.xlsx"]).hexdigest() == manifest["attachments"][0]["sha256"]
    assert str(output_intent["/S"]) == "/GTS_PDFA1"
    assert 'pdfaid:part="3"' in metadata
    assert 'pdfaid:conformance="B"' in metadata
    assert str(root["/Version"]) == "/1.7"


@needs_poppler
def test_pdf_pages_render(pdf_export, tmp_path):
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf_export.path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))

    assert len(images) == page_count(pdf_export.path)
    for image in images:
        with Image.open(image) as page:
            assert page.size == (331, 468), image.name
            # A rendered page is not blank: some pixels are dark (text, lines, charts).
            assert page.convert("L").getextrema()[0] < 100, image.name


@needs_poppler
def test_draft_pdf_marks_every_page(shared_project, tmp_path):
    result = export_report(shared_project, "pdf", tmp_path / "draft.pdf", draft=True)
    pages = page_count(result.path)

    assert pages >= 2
    for page in range(1, pages + 1):
        text = poppler("pdftotext", "-f", str(page), "-l", str(page), str(result.path), "-")
        assert "DRAFT: not for disclosure" in text, page


@pytest.mark.parametrize("value, text", [(None, "–"), (0.0, "0"), (1234.56789, "1,234.568"),
                                         (0.00094016, "0.0009402"), (-2.5, "-2.500")])
def test_format_number(value, text):
    assert pdf.format_number(value) == text


def chart_strings(drawing) -> list[str]:
    return [item.text for item in drawing.contents if isinstance(item, String)]


def chart_lines(drawing):
    return next(item for item in drawing.contents if isinstance(item, LinePlot)).data


def test_chart_keeps_close_runs_on_one_axis():
    hour = 1_740_823_200  # 2025-03-01 10:00 UTC
    hourly = pd.DataFrame({"run": ["a", "a", "b"], "hour_utc": [hour, hour + 3600, hour + 7200],
                           "facility_energy_kwh": [1.0, 2.0, 3.0]})
    drawing = energy_chart(hourly, width=400, height=200)

    assert "Hours since 2025-03-01 10:00 UTC" in chart_strings(drawing)
    assert chart_lines(drawing) == [[(0.5, 1.0), (1.5, 2.0)], [(2.5, 3.0)]]


def test_chart_aligns_runs_far_apart():
    hour = 1_740_823_200
    half_year = 183 * 24 * 3600
    hourly = pd.DataFrame({"run": ["a", "b"], "hour_utc": [hour, hour + half_year],
                           "facility_energy_kwh": [1.0, 3.0]})
    drawing = energy_chart(hourly, width=400, height=200)

    assert any(text.startswith("Hours since each run's first hour") for text in chart_strings(drawing))
    assert chart_lines(drawing) == [[(0.5, 1.0)], [(0.5, 3.0)]]


def test_chart_without_energy_says_so():
    empty = pd.DataFrame(columns=["run", "hour_utc", "facility_energy_kwh"])
    assert chart_strings(energy_chart(empty, width=400, height=200)) == ["No hourly energy in this project"]
