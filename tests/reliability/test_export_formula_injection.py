"""Text from imported files that starts like a formula is never a formula in the exported workbook.

Run names, a site name, source file names, asset descriptions and embodied sources, and an
assumption rationale carry formula-like text (``=``, ``+``, ``-``, ``@``, and the same after a tab
or carriage return, DDE and HYPERLINK payloads). After a real XLSX export, read back with
openpyxl, every such text is a string cell (data type ``s``, never ``f``) with its exact text,
and the quote prefix is set wherever the text starts like a formula. Numbers that are really
negative (differences between assumption sets) stay numeric cells. The workbench writes no CSV
export (its formats are xlsx, pdf and three JSON formats), so there is no CSV to check.
"""

from __future__ import annotations

import openpyxl
import pytest

from reliability.hostile_projects import ASSETS_CSV, FACTORS_CSV
from workbench.services import assumptions, disclosure_comparison, entities, exports, imports, projects
from workbench.services.disclosure_uncertainty import no_uncertainty

FAULT_CLASS = "formula injection through exported text"

PAYLOADS = (
    "=1+1", "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://127.0.0.1:9/x","open")', "-2", "+33 1 23 45 67 89", "＝1+1",
)
SITE = "=HYPERLINK(\"http://127.0.0.1:9/site\",\"site\")"
RATIONALE = "=cmd|' /C notepad'!A0 grid losses"
SOURCE_NAME = "=SUM(1+1) factors.csv"
FORMULA_PREFIXES = ("=", "+", "-", "@", "＝")


def write_gpu_log(path):
    """Write one hour of an nvidia-smi query log of two GPUs, one sample a minute."""
    lines = ["timestamp, index, name, power.draw [W]"]
    for minute in range(61):
        for index, power_w in enumerate((300.0, 250.0)):
            lines.append(f"2025/03/01 10:{minute % 60:02d}:00.000, {index}, NVIDIA H100, {power_w:.2f} W"
                         if minute < 60 else f"2025/03/01 11:00:00.000, {index}, NVIDIA H100, {power_w:.2f} W")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formula-export")
    (folder / SOURCE_NAME).write_text(FACTORS_CSV)
    items = "".join(f'"{payload}",gpu,1,2025-01-10,150,5,"{payload}"\n' for payload in PAYLOADS)
    (folder / "assets.csv").write_text(ASSETS_CSV + items)
    log = write_gpu_log(folder / "two_gpus.csv")
    with projects.new_project(folder / "formula.cwb", "formula export") as project:
        entities.configure_site(project, SITE, grid_zone="CN", timezone="UTC", pue_category="PUE3")
        imports.import_file(project, folder / SOURCE_NAME, imports.ImportOptions(kind="factors"))
        imports.import_file(project, folder / "assets.csv", imports.ImportOptions(kind="procurement", site=SITE))
        for payload in PAYLOADS:
            imports.import_file(project, log, imports.ImportOptions(kind="gpu-log", site=SITE, run=payload,
                                                                    allow_duplicate=True))
        assumptions.change(project, "baseline", {"td_loss_rate": 0.05}, rationale=RATIONALE)
        assumptions.change(project, "efficient hall", {"pue": 1.1}, rationale="a lower PUE, for the comparison",
                           base="baseline")
        with pytest.MonkeyPatch.context() as patch:
            # The comparison only has to give negative differences here, not converged intervals.
            patch.setattr(disclosure_comparison, "COMPARISON_TRIALS", 2_000)
            result = exports.export_report(project, "xlsx", folder / "report.xlsx", draft=True,
                                           uncertainty=no_uncertainty)
    workbook = openpyxl.load_workbook(result.path)
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
             if cell.value is not None]
    yield cells
    workbook.close()


def cells_with_text(cells, text: str):
    return [cell for cell in cells if isinstance(cell.value, str) and cell.value == text]


def test_no_formula_contains_imported_text(exported):
    formulas = [cell.value for cell in exported if cell.data_type == "f"]
    assert formulas, "the export has formulas of its own"
    for formula in formulas:
        for marker in ("cmd|", "127.0.0.1", "SUM(1,1)", "SUM(1+1)", "1+1"):
            assert marker not in formula, f"formula {formula!r} contains imported text"


@pytest.mark.parametrize("payload", PAYLOADS, ids=[repr(payload) for payload in PAYLOADS])
def test_run_name_and_asset_text_stay_text(payload, exported):
    found = cells_with_text(exported, payload)
    assert len(found) >= 2, f"{payload!r} appears in {len(found)} cells"
    for cell in found:
        assert cell.data_type == "s"
        if payload.lstrip("\t\r").startswith(FORMULA_PREFIXES):
            assert cell.quotePrefix is True, f"{cell.parent.title}!{cell.coordinate} has no quote prefix"


@pytest.mark.parametrize("text", [SITE, RATIONALE, SOURCE_NAME], ids=["site name", "rationale", "source name"])
def test_entity_text_stays_text(text, exported):
    found = cells_with_text(exported, text)
    assert found, f"{text!r} is not in the workbook"
    for cell in found:
        assert cell.data_type == "s"
        assert cell.quotePrefix is True


def test_negative_numbers_stay_numbers(exported):
    negative = [cell for cell in exported if isinstance(cell.value, (int, float)) and cell.value < 0]
    assert negative, "the comparison of a lower PUE gives negative differences"
    assert {cell.data_type for cell in negative} == {"n"}
