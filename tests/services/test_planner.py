"""The reduction planner on a real project file: one hand-checkable case per lever, intervals and storage.

The project has one site in zone FR without a PUE category, so node energy goes straight into
PUE 1.5. It has hourly location-based and marginal FR factors for 2025-03-01 00:00 to 08:00 UTC,
an annual DE factor, an FR residual mix and three declared runs at system (node) level:

* train (final): 20 kWh over 00:00-02:00, so 10 kWh node and 15 kWh facility per hour;
* ablation (experiment): 20 kWh over 04:00-06:00;
* crash (failed): 20 kWh over 06:00-08:00.

Location-based footprint: train 15 x (0.5 + 0.5) = 15 kg, ablation 15 x (0.3 + 0.3) = 9 kg,
crash 15 x (0.2 + 0.2) = 6 kg.
"""

from __future__ import annotations

import pytest

from workbench.engine.planner.levers import make_lever
from workbench.engine.views import ViewAmount
from workbench.errors import MissingFactorError, NettingError, UsageError
from workbench.project import assumption_sets
from workbench.services import (assumptions, compute, distributions, entities, imports, inventory, inventory_inputs,
                                planner, planner_store)

LOCATION_G = (500, 500, 100, 100, 300, 300, 200, 200)
MARGINAL_G = (700, 700, 450, 450, 600, 600, 500, 500)
TRIALS = 4000


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def hourly_csv(values, zone="FR"):
    rows = ["zone,period_start,period_end,co2e_g_per_kwh,source"]
    for hour, value in enumerate(values):
        rows.append(f"{zone},2025-03-01T{hour:02d}:00:00Z,2025-03-01T{hour + 1:02d}:00:00Z,{value},test hourly")
    return "\n".join(rows) + "\n"


@pytest.fixture
def plan_project(project, tmp_path):
    entities.configure_site(project, "hall", grid_zone="FR")
    inventory_inputs.configure_site_inventory(project, "hall", market="FR")
    imports.import_file(project, write(tmp_path, "loc.csv", hourly_csv(LOCATION_G)), imports.ImportOptions(
        kind="factors"))
    imports.import_file(project, write(tmp_path, "de.csv", "zone,period_start,period_end,co2e_g_per_kwh,source\n"
                                                           "DE,2025-01-01,2025-12-31,200,test annual\n"),
                        imports.ImportOptions(kind="factors"))
    imports.import_file(project, write(tmp_path, "marg.csv", hourly_csv(MARGINAL_G)), imports.ImportOptions(
        kind="factors", factor_basis="marginal"))
    imports.import_file(project, write(tmp_path, "res.csv", "zone,period_start,period_end,co2e_g_per_kwh,source\n"
                                                            "FR,2025-01-01,2025-12-31,500,test residual\n"),
                        imports.ImportOptions(kind="factors", factor_basis="residual_mix"))
    runs = ("run,start,end,site,accelerators,energy_kwh,power_basis,kind\n"
            "train,2025-03-01T00:00:00Z,2025-03-01T02:00:00Z,hall,2,20,system,final\n"
            "ablation,2025-03-01T04:00:00Z,2025-03-01T06:00:00Z,hall,2,20,system,experiment\n"
            "crash,2025-03-01T06:00:00Z,2025-03-01T08:00:00Z,hall,2,20,system,failed\n")
    imports.import_file(project, write(tmp_path, "runs.csv", runs), imports.ImportOptions(kind="runs"))
    assumptions.change(project, "baseline", {"pue": 1.5}, rationale="test PUE")
    return project


def avoided(project, lever, **options):
    outcome = planner.plan(project, levers=[lever], trials=TRIALS, **options)
    return outcome.levers[0]


def test_current_footprint_is_the_napkin_figure(plan_project):
    totals = compute.compute_footprint(plan_project).result.totals
    assert totals["facility_energy_kwh"] == pytest.approx(90.0)
    assert totals["total_co2e_kg"] == pytest.approx(15.0 + 9.0 + 6.0)


def test_time_shift_to_cleaner_hours(plan_project):
    result = avoided(plan_project, "time_shift:runs=train,window_start=2025-03-01T00:00Z,"
                                   "window_end=2025-03-01T06:00Z")
    average = next(row for row in result.details if row["basis"] == "average")
    marginal = next(row for row in result.details if row["basis"] == "marginal")

    # Starts 00:00 to 04:00 cost 15, 9, 3, 6 and 9 kg: 02:00 is best, the median is 9 kg.
    assert result.avoided.point_kg == pytest.approx(12.0)
    assert average["candidates"] == 5
    assert average["best_offset_hours"] == 2
    assert average["best_co2e_kg"] == pytest.approx(3.0)
    assert average["median_avoided_co2e_kg"] == pytest.approx(6.0)
    assert average["chosen_avoided_co2e_kg"] == pytest.approx(12.0)
    # The same move valued with marginal intensities: 15 x (0.7 + 0.7 - 0.45 - 0.45).
    assert marginal["chosen_avoided_co2e_kg"] == pytest.approx(7.5)
    assert result.marginal.point_kg == pytest.approx(7.5)
    assert result.by_output_point["facility_energy_kwh"] == pytest.approx(0.0)
    assert result.share == pytest.approx(12.0 / 30.0)


def test_time_shift_flexible_share(plan_project):
    result = avoided(plan_project, "time_shift:runs=train,window_start=2025-03-01T00:00Z,"
                                   "window_end=2025-03-01T06:00Z,flexible_share=0.5")
    assert result.avoided.point_kg == pytest.approx(6.0)


def test_time_shift_chosen_offset(plan_project):
    result = avoided(plan_project, "time_shift:runs=train,window_hours=4,offset_hours=1")
    assert result.avoided.point_kg == pytest.approx(15.0 - 9.0)
    assert result.details[0]["best_offset_hours"] == 2
    assert result.details[0]["chosen_offset_hours"] == 1


def test_facility_efficiency_from_a_date(plan_project):
    result = avoided(plan_project, "facility_efficiency:pue=1.2,from=2025-03-01T01:00Z,site=hall")
    # Every hour from 01:00: 10 kWh x (1.5 - 1.2) at that hour's factor.
    expected = 10 * 0.3 * (0.5 + 0.3 + 0.3 + 0.2 + 0.2)
    assert result.avoided.point_kg == pytest.approx(expected)
    assert result.by_output_point["facility_energy_kwh"] == pytest.approx(5 * 10 * 0.3)
    assert result.details[0]["run_hours"] == 5


def test_relocation_to_another_zone(plan_project):
    result = avoided(plan_project, "relocation:runs=train,zone=DE")
    assert result.avoided.point_kg == pytest.approx(15.0 - 30 * 0.2)
    assert result.marginal is None


def test_relocation_with_target_pue(plan_project):
    result = avoided(plan_project, "relocation:runs=train,zone=DE,pue=1.2")
    assert result.avoided.point_kg == pytest.approx(15.0 - 24 * 0.2)


def test_relocation_to_zone_without_factors_rejected(plan_project):
    with pytest.raises(MissingFactorError, match="30 kWh of facility energy has no location-based emission factor"):
        avoided(plan_project, "relocation:runs=train,zone=XX")


def test_time_shift_totals_and_window_outside(plan_project):
    result = avoided(plan_project, "time_shift:window_start=2025-03-01T00:00Z,window_end=2025-03-01T06:00Z")
    statuses = {row["run"]: row["status"] for row in result.details if "status" in row}
    totals = [row for row in result.details if row["run"] == "(all moved runs)"]

    assert statuses["crash"] == "not moved: the window does not contain the run's hours"
    assert [row["basis"] for row in totals] == ["average", "marginal"]
    # train saves 12 kg; ablation cannot move later than 06:00, and earlier starts at 02:00 save 6 kg.
    assert totals[0]["runs"] == 2
    assert totals[0]["chosen_avoided_co2e_kg"] == pytest.approx(18.0)
    assert result.avoided.point_kg == pytest.approx(18.0)


def test_relocation_to_unknown_site_rejected(plan_project):
    with pytest.raises(UsageError, match="no site named 'nowhere'"):
        avoided(plan_project, "relocation:to_site=nowhere")


def test_hardware_swap_with_new_embodied(plan_project, tmp_path):
    procurement = ("item,category,quantity,acquired,in_service,embodied_co2e_kg_per_unit,lifetime_years\n"
                   "H100 GPU,gpu,2,2025-01-01,2025-01-01,150,1\n")
    imports.import_file(plan_project, write(tmp_path, "proc.csv", procurement),
                        imports.ImportOptions(kind="procurement", site="hall"))
    result = avoided(plan_project, "accelerator:runs=train,energy_ratio=0.5,time_ratio=0.5,"
                                   "embodied_kg_per_accelerator=200,embodied_source=test,lifetime_years=1")
    # Half the energy in half the time (00:00-01:00): 10 kWh x 1.5 x 0.5 kg/kWh.
    operational = 15.0 - 7.5
    # SCI embodied: 300 kg over 2 h of a one-year life before; 400 kg over 1 h after.
    embodied = 300 * 2 / 8760 - 400 * 1 / 8760
    assert result.by_output_point["operational_co2e_kg"] == pytest.approx(operational)
    assert result.by_output_point["embodied_co2e_kg"] == pytest.approx(embodied)
    assert result.avoided.point_kg == pytest.approx(operational + embodied)


def test_hardware_swap_from_library_entry(plan_project, tmp_path):
    procurement = ("item,category,quantity,acquired,in_service,embodied_co2e_kg_per_unit,lifetime_years\n"
                   "H100 GPU,gpu,2,2025-01-01,2025-01-01,150,1\n")
    imports.import_file(plan_project, write(tmp_path, "proc.csv", procurement),
                        imports.ImportOptions(kind="procurement", site="hall"))
    result = avoided(plan_project, "accelerator:runs=train,energy_ratio=1,library_entry=bloom-nvidia-a100")
    # The shipped A100 entry: 150 kg over 6 years, against 150 kg over 1 year now, same 2 h.
    assert result.by_output_point["embodied_co2e_kg"] == pytest.approx(300 * 2 / 8760 - 300 * 2 / (6 * 8760))
    assert "bloom-nvidia-a100" in result.depends_on[0]


def test_hardware_swap_named_accelerators(plan_project):
    result = avoided(plan_project, "accelerator:runs=train,current=h100,new=b200,embodied_kg_per_accelerator=0")
    ratio = (1000 / 2.25e15) / (700 / 9.89e14)
    # No procurement records at the site, so no embodied emissions either way.
    assert result.by_output_point["embodied_co2e_kg"] == pytest.approx(0.0)
    assert result.by_output_point["facility_energy_kwh"] == pytest.approx(30 * (1 - ratio))


def test_procurement_changes_market_based_only(plan_project):
    result = avoided(plan_project, "procurement:mwh=0.01,type=ppa,market=FR")
    totals = inventory.compute_inventory(plan_project).totals

    # 90 kWh of Scope 2 at a 500 g/kWh residual mix; 10 kWh are now covered at 0.
    assert totals["scope2_market_co2e_kg"] == pytest.approx(90 * 0.5)
    assert result.view == "inventory"
    assert result.avoided.point_kg == pytest.approx(5.0)
    assert result.by_output_point["total_location_based_co2e_kg"] == 0.0
    assert result.by_output_point["scope2_location_co2e_kg"] == 0.0
    assert result.by_output_point["footprint_total_co2e_kg"] == 0.0
    assert result.reference_co2e_kg == pytest.approx(totals["total_market_based_co2e_kg"])
    assert any("location-based Scope 2 does not change" in note for note in result.notes)


def test_procurement_outside_period_excluded(plan_project):
    result = avoided(plan_project, "procurement:mwh=0.01,market=FR,vintage_start=2024-01-01,"
                                   "vintage_end=2024-12-31")
    assert result.avoided.point_kg == 0.0
    assert "vintage lies outside the reporting period" in result.details[0]["excluded"][0]


def test_experiment_cap(plan_project):
    result = avoided(plan_project, "experiments:cap_share=0.25")
    shares = {row["kind"]: row["share_of_footprint"] for row in result.details if "kind" in row and "run" not in row}
    # The cap allows 0.25 x 30 kWh of the final run: the ablation stops after 7.5 of its 30 kWh, at 04:30.
    assert shares["experiment"] == pytest.approx(9.0 / 30.0)
    assert shares["failed"] == pytest.approx(6.0 / 30.0)
    assert result.avoided.point_kg == pytest.approx(9.0 - 7.5 * 0.3)


def test_experiment_early_stopping(plan_project):
    result = avoided(plan_project, "experiments:stop_failed_after=0.25")
    assert result.avoided.point_kg == pytest.approx(6.0 - 7.5 * 0.2)


def test_experiment_lever_needs_a_policy(plan_project):
    with pytest.raises(UsageError, match="cap_share, stop_failed_after or both"):
        avoided(plan_project, "experiments")


def test_reuse_realised_against_scratch(plan_project):
    planner_store.mark_reuse(plan_project, "train", relation="fine_tuned", base_model="base-7b",
                             alternative={"energy_kwh": 1000, "power_basis": "facility"},
                             source="model card of base-7b, table 2")
    result = avoided(plan_project, "reuse")
    # Training from scratch: 1,000 kWh facility over the same two hours at 500 g/kWh.
    assert result.avoided.point_kg == pytest.approx(500.0 - 15.0)
    assert result.details[0]["realised"] is True
    assert result.reference_co2e_kg == pytest.approx(30.0)


def test_reuse_potential_for_retrained_run(plan_project):
    planner_store.mark_reuse(plan_project, "ablation", relation="retrained", base_model="train",
                             alternative={"energy_kwh": 4, "power_basis": "facility"},
                             source="internal estimate of a fine-tune from the train checkpoint")
    result = avoided(plan_project, "reuse")
    assert result.avoided.point_kg == pytest.approx(9.0 - 4 * 0.3)
    assert result.details[0]["realised"] is False


def test_reuse_without_records_rejected(plan_project):
    with pytest.raises(UsageError, match="no run has a reuse record"):
        avoided(plan_project, "reuse")


def test_combination_interaction_not_additive(plan_project):
    outcome = planner.plan(plan_project, levers=[
        "time_shift:runs=train,window_start=2025-03-01T00:00Z,window_end=2025-03-01T06:00Z",
        "facility_efficiency:pue=1.2,from=2025-03-01T02:00Z",
        "combination:of=time_shift+facility_efficiency"], trials=TRIALS)
    shift, efficiency, combined = outcome.levers
    # Apart: 12 kg, and 10 x 0.3 x (0.3 + 0.3 + 0.2 + 0.2) = 3 kg. Together the shifted train run
    # also gets PUE 1.2: it emits 2 x 10 x 1.2 x 0.1 = 2.4 kg, so 0.6 kg more is avoided.
    assert shift.avoided.point_kg == pytest.approx(12.0)
    assert efficiency.avoided.point_kg == pytest.approx(3.0)
    assert combined.avoided.point_kg == pytest.approx(15.6)
    assert combined.interaction["sum_of_members_co2e_kg"] == pytest.approx(15.0)
    assert combined.interaction["interaction_co2e_kg"] == pytest.approx(0.6)


def test_combination_with_procurement_rejected(plan_project):
    with pytest.raises(UsageError, match="cannot combine figures of the footprint and inventory views"):
        planner.plan(plan_project, levers=["procurement:mwh=1", "combination:of=time_shift+procurement"],
                     trials=TRIALS)


def test_interval_uses_common_random_numbers(plan_project):
    result = avoided(plan_project, "facility_efficiency:pue=1.2,site=hall")
    a = result.avoided

    assert a.trials == TRIALS
    assert a.low_kg < a.point_kg < a.high_kg
    assert a.mean_kg == pytest.approx(a.point_kg, rel=0.05)
    # The saving scales with the shared PUE and factor draws, so its relative spread is that of
    # one product, far below the spread of the difference of two independent footprints.
    assert (a.high_kg - a.low_kg) / a.point_kg < 0.6
    assert (a.high_kg - a.low_kg) < (a.independent_high_kg - a.independent_low_kg) / 3
    assert a.probability_saves == 1.0


def test_same_seed_reproduces_digits(plan_project):
    first = avoided(plan_project, "time_shift:window_hours=4", save=False)
    second = avoided(plan_project, "time_shift:window_hours=4", save=False)
    assert first.avoided.as_dict() == second.avoided.as_dict()


def test_lever_stored_as_child_set(plan_project):
    result = avoided(plan_project, "facility_efficiency:pue=1.2", rationale="retrofit quote 2025")
    sets = {item["name"]: item for item in assumption_sets.list_sets(plan_project.conn)}
    logged = plan_project.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'save_lever'").fetchone()[0]

    assert sets[result.name]["parent"] == "baseline"
    assert result.parent == "baseline"
    assert planner_store.list_levers(plan_project, "baseline")[0].rationale == "retrofit quote 2025"
    assert logged == 1
    # Planning the same lever again reuses its set.
    again = avoided(plan_project, "facility_efficiency:pue=1.2")
    assert again.name == result.name
    assert len(planner_store.list_levers(plan_project)) == 1


def test_lever_set_distribution_applies(plan_project):
    name = planner_store.save_lever(plan_project, make_lever("facility_efficiency", {"pue": 1.2}),
                                    rationale="retrofit quote")
    before = planner.plan(plan_project, levers=[name], trials=TRIALS).levers[0].avoided
    # The lever set's own PUE distribution (relative, so the new PUE carries it too) widens the interval.
    distributions.change(plan_project, name, distributions.parse_assignments(["pue=normal:40%"]),
                         rationale="wide test spread")
    after = planner.plan(plan_project, levers=[name], trials=TRIALS).levers[0].avoided

    assert after.point_kg == pytest.approx(before.point_kg)
    assert after.high_kg - after.low_kg > 2 * (before.high_kg - before.low_kg)


def test_invalid_lever_stores_nothing(plan_project):
    with pytest.raises(UsageError):
        planner.plan(plan_project, levers=["time_shift:window_hours=4", "relocation"], trials=TRIALS)
    assert planner_store.list_levers(plan_project) == []


def test_no_levers_rejected(plan_project):
    with pytest.raises(UsageError, match="no levers are derived from assumption set 'baseline'"):
        planner.plan(plan_project)


def test_avoided_emissions_never_netted(plan_project):
    result = avoided(plan_project, "facility_efficiency:pue=1.2")
    total = ViewAmount("footprint", 30.0)
    with pytest.raises(NettingError):
        total + result.avoided
    with pytest.raises(NettingError):
        total.co2e_kg - result.avoided
    with pytest.raises(NettingError):
        sum([result.avoided])


def test_narratives_stored_and_listed(plan_project):
    planner_store.set_narrative(plan_project, "hardware_end_of_life", "Servers resold")
    planner_store.set_narrative(plan_project, "method_limits", "Point figures")
    listed = planner_store.narratives(plan_project)
    assert [item["topic"] for item in listed] == ["method_limits", "hardware_end_of_life"]
    assert listed[1]["text"] == "Servers resold"
    planner_store.set_narrative(plan_project, "method_limits", "")
    assert [item["topic"] for item in planner_store.narratives(plan_project)] == ["hardware_end_of_life"]
    with pytest.raises(UsageError, match="unknown narrative topic"):
        planner_store.set_narrative(plan_project, "water", "text")
