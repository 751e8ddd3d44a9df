"""The disclosure workflow on the demo project, through the command line: key, final signed exports, verify,
and the tampered variants that verify must reject, each with its reason."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbench.cli import main
from workbench.services import demo

FORMATS = {"pdf": "report.pdf", "xlsx": "report.xlsx", "json": "disclosure.json", "esrs-json": "esrs.json",
           "ai-act-json": "ai-act.json"}
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def verify(capsys, path: Path, project: Path) -> dict:
    code, out, _ = run_cli(capsys, "verify", path, "--project", project, "--json")
    report = json.loads(out)
    assert (code == 0) == report["ok"]
    return report


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    """The demo project, a self-signed key and every format exported final and signed."""
    folder = tmp_path_factory.mktemp("workflow")
    project = folder / "demo.cwb"
    demo.build_demo_project(project, folder / "inputs").close()
    (folder / "password.txt").write_text("demo signing password\n", encoding="utf-8")
    outputs = {}
    assert main(["keys", "new", "--out", str(folder / "signer.p12"), "--password-file", str(folder / "password.txt"),
                 "--name", "Demo Auditor", "--organization", "Demo Labs"]) == 0
    for fmt, name in FORMATS.items():
        outputs[fmt] = folder / name
        assert main(["export", str(project), "--format", fmt, "--out", str(outputs[fmt]), "--sign",
                     str(folder / "signer.p12"), "--password-file", str(folder / "password.txt")]) == 0, fmt
    return folder, project, outputs


def copy_project(folder: Path, project: Path, name: str) -> Path:
    copy = folder / name
    shutil.copy(project, copy)
    return copy


def test_final_exports_verify(workflow, capsys):
    folder, project, outputs = workflow
    for fmt, path in outputs.items():
        report = verify(capsys, path, project)

        assert report["ok"] is True, (fmt, report["problems"])
        assert report["signer"] == "Demo Auditor"
        assert report["numbers_ok"] is True
        assert report["details"]["manifest"]["open_items"] == []
        assert report["details"]["project"]["state_unchanged"] is True


def test_every_format_carries_same_totals(workflow):
    _, _, outputs = workflow
    documents = {fmt: json.loads(outputs[fmt].read_text(encoding="utf-8")) for fmt in ("json", "esrs-json",
                                                                                       "ai-act-json")}
    totals = documents["json"]["manifest"]["inventory"]["totals"]
    e16 = {row["key"]: row["value"] for row in documents["esrs-json"]["e1_6"]}
    model = documents["ai-act-json"]["models"][0]

    assert documents["json"]["inventory"]["totals"] == totals
    assert e16["total_market_t"] == pytest.approx(totals["total_market_based_co2e_kg"] / 1000, rel=1e-12)
    assert e16["scope2_location_t"] == pytest.approx(totals["scope2_location_co2e_kg"] / 1000, rel=1e-12)
    assert model["model"] == "llm-7b"
    assert model["training_compute_flop"] == pytest.approx(6 * 7e9 * 1.3e10)
    assert model["energy_method"] == "measured"
    assert model["training_time_hours"] == 24.0
    assert documents["ai-act-json"]["spdx_ai_energy_consumption"]["llm-7b"]["trainingEnergyConsumption"][0][
        "energyUnit"] == "kilowattHour"
    assert all(item["status"] != "missing" for item in documents["json"]["checklist"])


@needs_poppler
def test_demo_pdf_shows_both_views(workflow):
    _, _, outputs = workflow
    text = subprocess.run(["pdftotext", "-layout", str(outputs["pdf"]), "-"], check=True, capture_output=True,
                          text=True).stdout
    totals = json.loads(outputs["json"].read_text(encoding="utf-8"))["inventory"]["totals"]

    assert "FINAL REPORT" in text
    assert "DRAFT" not in text
    assert f"{totals['total_market_based_co2e_kg']:,.3f}" in text
    assert f"{totals['scope2_location_co2e_kg']:,.3f}" in text
    assert "Footprint of all runs (SCI view, not additive)" in text
    assert "Alex Approver (demo)" in text


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "json"])
def test_changed_byte_fails(workflow, capsys, tmp_path, fmt):
    _, project, outputs = workflow
    data = bytearray(outputs[fmt].read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered = tmp_path / outputs[fmt].name
    tampered.write_bytes(bytes(data))
    signature = outputs[fmt].with_name(outputs[fmt].name + ".p7s")
    if signature.exists():
        shutil.copy(signature, tmp_path / signature.name)
    report = verify(capsys, tampered, project)

    assert report["ok"] is False
    assert report["integrity_ok"] is False
    assert report["problems"] != []


def test_swapped_input_file_fails(workflow, capsys, tmp_path):
    folder, _, outputs = workflow
    inputs = tmp_path / "inputs"
    shutil.copytree(folder / "inputs", inputs)
    meter = inputs / "dc-paris-main-meter.csv"
    lines = meter.read_text(encoding="utf-8").splitlines()
    stamp, value = lines[10].rsplit(",", 1)
    lines[10] = f"{stamp},{float(value) * 2:.3f}"
    meter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    swapped = tmp_path / "swapped.cwb"
    demo.build_demo_project(swapped, inputs).close()

    for fmt in ("pdf", "xlsx"):
        report = verify(capsys, outputs[fmt], swapped)

        assert report["ok"] is False
        assert report["integrity_ok"] is True
        assert report["numbers_ok"] is False
        assert any(problem.startswith("input file 'dc-paris-main-meter.csv'") for problem in report["problems"])
        assert any("the inventory: scope2_location_co2e_kg" in problem for problem in report["problems"])


def test_edited_assumption_fails(workflow, capsys):
    folder, project, outputs = workflow
    edited = copy_project(folder, project, "edited.cwb")
    code, _, _ = run_cli(capsys, "assumptions", edited, "pue=1.4", "--rationale", "operator correction")
    assert code == 0

    for fmt in ("pdf", "json"):
        report = verify(capsys, outputs[fmt], edited)

        assert report["ok"] is False
        assert "assumption set 'baseline' changed since export (pue 1.28 -> 1.4)" in report["problems"]
        assert any("facility_energy_kwh" in problem for problem in report["problems"])


def test_change_after_approval_blocks_final(workflow, capsys, tmp_path):
    folder, project, _ = workflow
    changed = copy_project(folder, project, "changed.cwb")
    assert run_cli(capsys, "report-info", changed, "--exclusions", "none")[0] == 0

    code, _, err = run_cli(capsys, "export", changed, "--format", "xlsx", "--out", tmp_path / "final.xlsx", "--sign",
                           folder / "signer.p12", "--password-file", folder / "password.txt")
    assert code == 5
    assert "24. Preparer and approver" in err
    assert "changed since approval" in err
    assert not (tmp_path / "final.xlsx").exists()

    code, out, _ = run_cli(capsys, "export", changed, "--format", "xlsx", "--out", tmp_path / "draft.xlsx", "--draft")
    cover = load_workbook(tmp_path / "draft.xlsx")["Cover and sign-off"]
    texts = [str(cell.value) for row in cover.iter_rows() for cell in row if cell.value is not None]
    assert code == 0
    assert "open item 24." in out
    assert texts.count("CHANGED SINCE APPROVAL") == 3

    code, out, _ = run_cli(capsys, "signoff", changed, "--list")
    assert code == 0
    assert out.count("changed since approval") == 3
