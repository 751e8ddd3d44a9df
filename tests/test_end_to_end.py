"""From real files written by other tools to a signed, verified report.

The expected energy is computed here from the raw files with the csv module, independently of the
product's readers, and compared with what the project stores and the report states.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from workbench.reports.keys import create_self_signed_p12
from workbench.services import assumptions, compute, entities, exports, imports, projects, report_info, signoffs
from workbench.services import verification

PASSWORD = b"end-to-end secret"


def gpu_log_energy_wh(path: Path, max_gap_s: float = 120.0) -> float:
    """Trapezoid per GPU over consecutive samples at most max_gap_s apart (time stamps in UTC)."""
    series = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = [cell.strip().split(" [")[0] for cell in next(rows)]
        identity = "uuid" if "uuid" in header and "xypp3" not in path.name else "gpu"
        for row in rows:
            values = dict(zip(header, (cell.strip() for cell in row)))
            stamp = values["timestamp"].replace("/", "-")
            moment = datetime.fromisoformat(stamp if "+" in stamp else stamp + "+00:00").timestamp()
            series[values[identity]].append((moment, float(values["power.draw"].removesuffix(" W"))))
    total = 0.0
    for points in series.values():
        for (t0, p0), (t1, p1) in zip(points, points[1:]):
            if t1 - t0 <= max_gap_s:
                total += (p0 + p1) / 2 * (t1 - t0) / 3600
    return total


def codecarbon_energy_wh(path: Path) -> float:
    """energy_consumed in kWh, once per (run_id, timestamp), rows with a value only."""
    seen, total = set(), 0.0
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row.get("run_id", ""), row["timestamp"])
            if not row["energy_consumed"] or (key[0] and key in seen):
                continue
            seen.add(key)
            total += float(row["energy_consumed"]) * 1000 / float(row.get("pue") or 1.0)
    return total


@pytest.fixture(scope="module")
def real_project(tmp_path_factory, samples):
    folder = tmp_path_factory.mktemp("e2e")
    factors = folder / "factors.csv"
    factors.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\n"
                       "CN,2025-01-01,2025-12-31,581,test value for the end-to-end test\n"
                       "CN,2026-01-01,2026-12-31,560,test value for the end-to-end test\n"
                       "CN,2021-01-01,2024-12-31,600,test value for the end-to-end test\n")
    procurement = folder / "assets.csv"
    procurement.write_text("item,category,quantity,acquired,embodied_co2e_kg_per_unit,lifetime_years,embodied_source\n"
                           "GPU server,server,1,2025-01-10,2500,5,vendor PCF\nH100 GPU,gpu,8,2025-01-10,150,5,BLOOM\n")
    gpu_logs = [samples / "nvidia_smi" / "xypp3__gpu_glasses__nvidia_smi.csv"]
    gpu_logs += sorted((samples / "nvidia_smi" / "extracted").glob("*__query_gpu.csv"))
    codecarbon_files = sorted((samples / "codecarbon").rglob("*.csv"))

    project = projects.new_project(folder / "real.cwb", "Real samples")
    # PUE3: node energy is measured where the PUE measures IT energy, so no distribution losses are added.
    entities.configure_site(project, "lab", grid_zone="CN", timezone="UTC", pue_category="PUE3")
    imports.import_file(project, factors, imports.ImportOptions(kind="factors"))
    imports.import_file(project, procurement, imports.ImportOptions(kind="procurement", site="lab"))
    for path in gpu_logs:
        run = "glasses" if "xypp3" in path.name else "captures"
        imports.import_file(project, path, imports.ImportOptions(kind="gpu-log", site="lab", run=run))
    for path in codecarbon_files:
        imports.import_file(project, path, imports.ImportOptions(kind="codecarbon", site="lab", run="tracked"))
    expected = {
        "glasses": gpu_log_energy_wh(gpu_logs[0]) / 1000,
        "captures": sum(gpu_log_energy_wh(path) for path in gpu_logs[1:]) / 1000,
        "tracked": sum(codecarbon_energy_wh(path) for path in codecarbon_files) / 1000,
    }
    yield folder, project, expected
    project.close()


def test_energy_matches_independent_integration(real_project):
    _, project, expected = real_project
    runs = {run.run: run for run in compute.compute_footprint(project).result.runs}
    assert runs["glasses"].gpu_energy_kwh == pytest.approx(expected["glasses"], rel=1e-12)
    assert runs["captures"].gpu_energy_kwh == pytest.approx(expected["captures"], abs=1e-12)
    assert runs["tracked"].node_energy_kwh == pytest.approx(expected["tracked"], rel=1e-12)
    assert runs["glasses"].facility_energy_kwh == pytest.approx(expected["glasses"] * 1.35 * 1.55, rel=1e-12)
    assert runs["glasses"].operational_co2e_kg == pytest.approx(runs["glasses"].facility_energy_kwh * 0.581)


def complete_disclosure(project) -> None:
    """State the header fields, Scope 3 factors and sign-offs a final report of the lab needs."""
    report_info.set_fields(project, {
        "reporting_entity": "Sample Lab", "consolidation_approach": "operational_control", "reporting_period": "2025",
        "operational_boundary": "the lab's GPU servers", "exclusions": "none", "run_boundary": "every run",
        "scope3_exclusions": "categories 4 to 15 are not relevant to the lab", "base_year": "2025",
        "recalculation_policy": "recalculate for changes above 5 %", "restatements": "none",
        "grid_mix.CN": "0.65/0.05/0.30", "run_flop.glasses": "1e18", "run_flop.captures": "1e18",
        "run_flop.tracked": "1e17", "run_hardware.tracked": "1 x GPU named in the CodeCarbon log",
        "not_applicable.6": "no generators or refrigerant equipment at the lab"})
    assumptions.change(project, "baseline", {"electricity_wtt_g_per_kwh": 50.0, "td_loss_rate": 0.05},
                       rationale="end-to-end test values")
    signoffs.record_signoff(project, "preparer", "E2E Preparer")
    signoffs.record_signoff(project, "approver", "E2E Approver")


def test_signed_exports_verify_and_detect_tampering(real_project):
    folder, project, expected = real_project
    complete_disclosure(project)
    key = create_self_signed_p12(folder / "auditor.p12", PASSWORD, common_name="E2E Auditor")
    outcome = compute.compute_footprint(project)

    workbook = exports.export_report(project, "xlsx", folder / "report.xlsx", sign_key=key, password=PASSWORD)
    pdf = exports.export_report(project, "pdf", folder / "report.pdf", sign_key=key, password=PASSWORD)

    sheet = openpyxl.load_workbook(workbook.path)["Runs"]
    header = [cell.value for cell in sheet[2]]
    names = [row[0].value for row in sheet.iter_rows(min_row=3)]
    assert "glasses" in names
    assert len(header) >= 6
    for report in (workbook, pdf):
        result = verification.verify_file(report.path, project_path=project.path)
        assert result.ok, result.problems
        assert result.signer == "E2E Auditor"
        assert result.numbers_ok is True
        assert report.manifest["figures"]["totals"]["total_co2e_kg"] == pytest.approx(
            outcome.result.totals["total_co2e_kg"])

    for report in (workbook, pdf):
        data = bytearray(report.path.read_bytes())
        data[len(data) // 2] ^= 0x01
        tampered = folder / f"tampered-{report.path.name}"
        tampered.write_bytes(bytes(data))
        if report.signature_path:
            Path(str(tampered) + ".p7s").write_bytes(report.signature_path.read_bytes())
        assert not verification.verify_file(tampered).ok
