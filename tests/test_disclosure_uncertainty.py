"""The disclosure's uncertainty and comparison sections come from the seeded Monte Carlo engines, on the demo.

The exports use a seed other than the default, so every check also shows that the seed recorded
in the manifest is the one the figures were drawn with and the one verify repeats them with.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbench.cli import main
from workbench.reports.disclosure import as_plain, quality_ranking
from workbench.services import compute, demo, projects
from workbench.services.comparison import compare_sets
from workbench.services.disclosure_uncertainty import DisclosureContext, monte_carlo_uncertainty
from workbench.services.uncertainty import UncertaintyContext, analyze

SEED = 424242
REPORT_PERIOD = "2025"
FOOTPRINT_KEYS = {"gpu_energy_kwh": "footprint_gpu_energy_kwh", "facility_energy_kwh": "footprint_facility_energy_kwh",
                  "operational_co2e_kg": "footprint_operational_co2e_kg",
                  "embodied_co2e_kg": "footprint_embodied_co2e_kg", "total_co2e_kg": "footprint_total_co2e_kg"}
INVENTORY_KEYS = ("scope1_co2e_kg", "scope2_location_co2e_kg", "scope2_market_co2e_kg", "scope3_co2e_kg",
                  "total_location_based_co2e_kg", "total_market_based_co2e_kg")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def run_cli(capsys, *args) -> tuple[int, str]:
    code = main([str(arg) for arg in args])
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The demo project, a key, and the JSON, workbook and PDF exports signed with seed SEED."""
    folder = tmp_path_factory.mktemp("uncertainty")
    project = folder / "demo.cwb"
    demo.build_demo_project(project, folder / "inputs").close()
    (folder / "password.txt").write_text("demo signing password\n", encoding="utf-8")
    assert main(["keys", "new", "--out", str(folder / "signer.p12"), "--password-file", str(folder / "password.txt"),
                 "--name", "Demo Auditor"]) == 0
    outputs = {}
    for fmt, name in (("json", "disclosure.json"), ("xlsx", "report.xlsx"), ("pdf", "report.pdf")):
        outputs[fmt] = folder / name
        assert main(["export", str(project), "--format", fmt, "--out", str(outputs[fmt]), "--seed", str(SEED),
                     "--sign", str(folder / "signer.p12"), "--password-file", str(folder / "password.txt")]) == 0
    document = json.loads(outputs["json"].read_text(encoding="utf-8"))
    return folder, project, outputs, document


def figures_by_key(document: dict) -> dict[str, dict]:
    return {figure["key"]: figure for figure in document["uncertainty"]["figures"]}


def test_figures_are_the_engine_analysis(exported):
    _, project, _, document = exported
    figures = figures_by_key(document)
    with projects.open_existing(project, read_only=True) as opened:
        footprint = analyze(opened, view="footprint", seed=SEED)
        inventory = analyze(opened, view="inventory", period=compute.reporting_period(REPORT_PERIOD), seed=SEED)

    for outcome, keys in ((footprint, FOOTPRINT_KEYS), (inventory, {key: key for key in INVENTORY_KEYS})):
        for output, key in keys.items():
            summary = outcome.monte_carlo.summaries[output]
            assert figures[key]["mean"] == summary.mean, key
            assert (figures[key]["low"], figures[key]["high"]) == (summary.low, summary.high), key
            assert (figures[key]["shortest_low"], figures[key]["shortest_high"]) == (
                summary.shortest_low, summary.shortest_high), key
    runs = {run["view"]: run for run in document["uncertainty"]["simulations"]}
    assert runs["footprint"]["trials"] == footprint.monte_carlo.trials
    assert runs["inventory"]["trials"] == inventory.monte_carlo.trials
    assert runs["footprint"]["inputs_sha256"] == footprint.inputs_sha256()


def test_figure_values_are_reported_totals(exported):
    _, _, _, document = exported
    figures = figures_by_key(document)

    for output, key in FOOTPRINT_KEYS.items():
        assert figures[key]["value"] == pytest.approx(document["footprint"]["totals"][output], rel=1e-9), key
    for key in INVENTORY_KEYS:
        assert figures[key]["value"] == pytest.approx(document["inventory"]["totals"][key], rel=1e-9), key


def test_manifest_records_seed_and_runs(exported):
    _, _, _, document = exported
    recorded = document["manifest"]["uncertainty"]

    assert recorded["seed"] == SEED
    assert recorded["method"].startswith("Monte Carlo propagation (GUM Supplement 1, IPCC Approach 2)")
    assert [run["view"] for run in recorded["simulations"]] == ["footprint", "inventory"]
    for run in recorded["simulations"]:
        assert run["seed"] == SEED
        assert run["adaptive"] is True
        assert run["converged"] is True
        assert run["trials"] % 10_000 == 0
        assert run["trials"] >= 20_000
    assert recorded["trials"] == sum(run["trials"] for run in recorded["simulations"])
    assert recorded["figures"] == document["uncertainty"]["figures"]
    assert document["manifest"]["comparison"]["seed"] == SEED


def test_checklist_items_20_to_22_present(exported):
    _, _, _, document = exported
    items = {item["id"]: item for item in document["checklist"]}

    assert items[20]["status"] == "present"
    assert items[20]["detail"].startswith("footprint: ")
    assert f"seed {SEED}" in items[20]["detail"]
    assert items[21]["status"] == "present"
    assert "conservative" in items[21]["detail"]
    assert items[22]["status"] == "present"


def test_ranking_follows_intervals(exported):
    folder, _, outputs, document = exported
    sheet = load_workbook(outputs["xlsx"], read_only=True)["Data quality"]
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if len(row) > 1 and row[0]}

    for figure in document["uncertainty"]["figures"]:
        half_width_pct = (figure["high"] - figure["low"]) / 2 / abs(figure["mean"]) * 100
        expected = ("High" if round(half_width_pct, 1) <= 5 else "Good" if round(half_width_pct, 1) <= 15
                    else "Fair" if round(half_width_pct, 1) <= 30 else "Poor")
        assert rows[figure["label"]] == expected, figure["label"]
    # The demo's PCF of capital goods is lognormal (/2 to x2), so category 2 is Poor; metered electricity is High.
    assert rows["Scope 3 category 2 (capital goods)"] == "Poor"
    assert rows["Scope 2: purchased electricity"] == "High"


def test_contributors_rank_variance_shares(exported):
    _, _, _, document = exported
    contributors = document["uncertainty"]["contributors"]
    by_figure: dict[str, list[float]] = {}
    for item in contributors:
        by_figure.setdefault(item["figure"], []).append(item["variance_share"])

    assert set(by_figure) == {"Footprint: total emissions", "Inventory total (location-based Scope 2)",
                              "Inventory total (market-based Scope 2)"}
    for shares in by_figure.values():
        assert shares == sorted(shares, reverse=True)
        assert 0 < sum(shares) <= 1 + 1e-9
    assert contributors[0]["input"] == "Node uplift (GPU board to whole node)"


def test_comparison_is_compare_sets(exported):
    _, project, _, document = exported
    deltas = {(delta["view"], delta["figure"]): delta for delta in document["comparison"]["deltas"]}
    with projects.open_existing(project, read_only=True) as opened:
        footprint = compare_sets(opened, ["baseline", "conservative"], seed=SEED)
        inventory = compare_sets(opened, ["baseline", "conservative"], view="inventory",
                                 period=compute.reporting_period(REPORT_PERIOD), seed=SEED)

    checked = 0
    for view, outcome in (("footprint", footprint), ("inventory", inventory)):
        for difference in outcome.monte_carlo.differences:
            delta = deltas.get((view, difference.output))
            if delta is None:
                continue
            assert (delta["low"], delta["high"]) == (difference.common.low, difference.common.high)
            assert delta["probability_b_below_a"] == difference.probability_below
            assert (delta["independent_low"], delta["independent_high"]) == (difference.independent.low,
                                                                              difference.independent.high)
            checked += 1
    assert checked == 4
    # The conservative set raises PUE and node uplift, so it is higher in every trial.
    assert deltas[("footprint", "total_co2e_kg")]["probability_b_below_a"] == 0.0
    assert deltas[("footprint", "total_co2e_kg")]["low"] > 0


def test_shapley_shares_add_up_to_differences(exported):
    _, _, _, document = exported
    parts = document["comparison"]["decomposition"]

    assert {part["assumption"] for part in parts} == {"pue", "node_uplift"}
    for delta in document["comparison"]["deltas"]:
        shares = [part["contribution"] for part in parts
                  if (part["set_b"], part["view"], part["figure"]) == (delta["set_b"], delta["view"], delta["figure"])]
        assert math.fsum(shares) == pytest.approx(delta["b"] - delta["a"], rel=1e-9, abs=1e-12)


def test_workbook_sheets_show_intervals(exported):
    _, _, outputs, document = exported
    workbook = load_workbook(outputs["xlsx"], read_only=True)
    uncertainty = {row[0]: row for row in workbook["Uncertainty"].iter_rows(values_only=True) if row and row[0]}
    comparison = [row for row in workbook["Comparison"].iter_rows(values_only=True) if row and row[0] == "baseline"
                  and row[1] == "conservative"]
    total = figures_by_key(document)["footprint_total_co2e_kg"]

    # openpyxl writes numbers with 16 significant digits, so the last bit of a float may differ.
    assert uncertainty["Footprint: total emissions"][7:9] == pytest.approx((total["low"], total["high"]), rel=1e-15)
    assert uncertainty["Seed"][1] == str(SEED)
    deltas = {(delta["view"], delta["figure"]): delta for delta in document["comparison"]["deltas"]}
    assert len(comparison) == 4
    for row in comparison:
        delta = deltas[(row[2], row[3])]
        assert row[6] == pytest.approx(delta["b"] - delta["a"], rel=1e-12)
        assert (row[7], row[8], row[9]) == pytest.approx((delta["low"], delta["high"], delta["probability_b_below_a"]),
                                                         rel=1e-15)


@needs_poppler
def test_pdf_states_seed_and_intervals(exported):
    _, _, outputs, document = exported
    text = subprocess.run(["pdftotext", "-layout", str(outputs["pdf"]), "-"], check=True, capture_output=True,
                          text=True).stdout
    total = figures_by_key(document)["scope2_market_co2e_kg"]

    assert f"seed {SEED}" in text
    assert f"{total['low']:,.3f}" in text
    assert f"{total['high']:,.3f}" in text
    assert "Decomposition into the assumptions that differ (Shapley values)" in text
    assert "interim" not in text.lower()
    assert "first-order estimate" not in text


def test_same_seed_repeats_every_digit(exported):
    _, project, _, document = exported
    with projects.open_existing(project, read_only=True) as opened:
        period = compute.reporting_period(REPORT_PERIOD)
        analysis = UncertaintyContext(opened)
        again = monte_carlo_uncertainty(DisclosureContext(opened, "baseline", period, analysis, SEED))
        other = monte_carlo_uncertainty(DisclosureContext(opened, "baseline", period, analysis, SEED + 1))

    assert [as_plain(figure) for figure in again.figures] == document["uncertainty"]["figures"]
    assert [as_plain(run) for run in again.simulations] == document["uncertainty"]["simulations"]
    assert other.figure("footprint_total_co2e_kg").low != again.figure("footprint_total_co2e_kg").low


def verify(capsys, path: Path, project: Path) -> dict:
    code, out = run_cli(capsys, "verify", path, "--project", project, "--json")
    report = json.loads(out)
    assert (code == 0) == report["ok"]
    return report


def test_verify_repeats_with_recorded_seed(exported, capsys):
    _, project, outputs, _ = exported
    for fmt in ("json", "pdf"):
        report = verify(capsys, outputs[fmt], project)

        assert report["ok"] is True, report["problems"]
        assert report["numbers_ok"] is True


def test_changed_distribution_fails_verify(exported, capsys):
    folder, project, outputs, _ = exported
    changed = folder / "distribution.cwb"
    shutil.copy(project, changed)
    code, _ = run_cli(capsys, "assumptions", changed, "--distribution", "pue=triangular:1.2,1.28,1.6",
                      "--rationale", "wider PUE range")
    assert code == 0

    report = verify(capsys, outputs["json"], changed)

    assert report["ok"] is False
    assert report["numbers_ok"] is False
    assert ("the distribution of pue in assumption set 'baseline' changed since export (the default -> "
            "triangular 1.2 / 1.28 / 1.6)") in report["problems"]
    assert any(problem.startswith("uncertainty of Footprint: total emissions: the 95 % interval is ")
               for problem in report["problems"])
    # The point figures still follow: only the uncertainty changed.
    assert not any(problem.startswith("the footprint totals") for problem in report["problems"])


def test_changed_compared_set_fails_verify(exported, capsys):
    folder, project, outputs, _ = exported
    changed = folder / "other-set.cwb"
    shutil.copy(project, changed)
    code, _ = run_cli(capsys, "assumptions", changed, "--set", "conservative", "pue=1.6", "--rationale",
                      "an even more conservative PUE")
    assert code == 0

    report = verify(capsys, outputs["pdf"], changed)

    assert report["ok"] is False
    assert report["problems"] == ["the values of assumption set 'conservative' of the comparison changed since export"]


def test_cancel_during_monte_carlo(exported, tmp_path):
    from workbench.errors import OperationCancelled
    from workbench.progress import Progress
    from workbench.services.exports import export_report

    _, project, _, _ = exported
    messages: list[str] = []

    def on_update(fraction: float, message: str) -> None:
        messages.append(message)
        if message.startswith("Monte Carlo"):
            progress.cancel()

    progress = Progress(on_update, operation="Export", min_interval_s=0.0)
    with projects.open_existing(project) as opened:
        reports_before = opened.conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        with pytest.raises(OperationCancelled):
            export_report(opened, "json", tmp_path / "cancelled.json", draft=True, progress=progress)
        reports_after = opened.conn.execute("SELECT count(*) FROM reports").fetchone()[0]

    assert messages[0] == "computing both views and their uncertainty"
    assert messages[-1].startswith("Monte Carlo: ")
    assert reports_after == reports_before
    assert not (tmp_path / "cancelled.json").exists()
