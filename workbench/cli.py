"""The ``carbon-workbench`` command: the same services as the GUI, headless, with JSON output.

Exit statuses: 0 success, 2 usage error, 3 input rejected, 4 project file error, 5 verification
or validation failed. Commands and JSON keys are only ever added, never renamed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from workbench import __version__, cli_reports
from workbench.errors import DamagedProjectError, InputRejectedError, UsageError, WorkbenchError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_USAGE, EXIT_REJECTED, EXIT_PROJECT, EXIT_VERIFY = 0, 2, 3, 4, 5
# The same kinds, in the same order, as workbench.services.imports.KINDS (a test checks it); kept
# literal here so that building the parser does not import the readers.
IMPORT_KINDS = ("gpu-log", "codecarbon", "meter", "procurement", "factors", "green-button", "instruments", "scope1",
                "hardware-library", "runs", "nvidia-smi-xml", "nvidia-smi-q", "dmon", "dcgm", "gpu-hours-parquet",
                "carbontracker", "slurm", "auto")
FACTOR_BASES = ("location", "residual_mix", "supplier", "marginal")
EXPORT_FORMATS = ("xlsx", "pdf", "json", "esrs-json", "ai-act-json")


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=False, default=str, ensure_ascii=False))


def _progress_printer(enabled: bool) -> Callable[[float, str], None] | None:
    if not enabled or not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        sys.stderr.write(f"\r{fraction * 100:5.1f}% {message[:70]:<70}")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


# -- commands --------------------------------------------------------------------------------------

def cmd_new(args: argparse.Namespace) -> int:
    from workbench.services import projects

    with projects.new_project(args.project, args.name) as project:
        print(f"Created project '{project.name}' at {project.path}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from workbench.progress import Progress
    from workbench.services import imports, projects

    options = imports.ImportOptions(
        kind=args.kind, timezone=args.timezone, site=args.site, run=args.run, meter=args.meter,
        measurement_point=args.measurement_point, accuracy_class=args.accuracy_class,
        timestamps_mark=args.timestamps_mark, host=args.host, max_gap_s=_gap_limit(args),
        allow_duplicate=args.allow_duplicate, strict=args.strict, store_evidence=not args.no_evidence,
        mapping=args.mapping, unit=args.unit, max_power_kw=args.max_power_kw, factor_basis=args.factor_basis,
        **_gpu_import_options(args))
    reports = []
    with projects.open_existing(args.project) as project:
        for file in args.files:
            progress = Progress(_progress_printer(not args.json), operation=f"Import of {Path(file).name}")
            report = imports.import_file(project, file, options, progress)
            reports.append(report)
            if not args.json:
                _print_import(report)
    if args.json:
        _print_json([report.as_dict() for report in reports])
    return EXIT_OK


def _gpu_import_options(args: argparse.Namespace) -> dict[str, Any]:
    """Collect the import options of the GPU telemetry, Slurm and runs-table kinds."""
    options = {"attribution": args.attribution, "observed_at": args.observed_at, "scrape_time": args.scrape_time,
               "start": args.start, "interval_s": args.interval, "max_gpu_power_w": args.max_gpu_power,
               "gpus_per_node": args.gpus_per_node, "cpus_per_node": args.cpus_per_node,
               "use_job_energy": args.use_job_energy}
    if args.max_node_power is not None:
        options["max_node_power_w"] = args.max_node_power
    return options


def _gap_limit(args: argparse.Namespace) -> float | None:
    """Return the gap limit in seconds, None for automatic; query-gpu logs keep their 120 s default."""
    if args.max_gap is None:
        return 120.0 if args.kind in ("gpu-log", "auto") else None
    return None if args.max_gap == "auto" else args.max_gap


def _max_gap(text: str) -> float | str:
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds or 'auto'") from None


def cmd_gpu_hours(args: argparse.Namespace) -> int:
    from workbench.services import attribution, projects

    with projects.open_existing(args.project, read_only=True) as project:
        if args.out:
            count = attribution.export_gpu_hours(project, args.out)
            print(f"Wrote {count} GPU-hours to {args.out}")
            return EXIT_OK
        summary = attribution.run_gpu_summary(project)
    if args.json:
        _print_json(summary)
        return EXIT_OK
    print(f"{'run':<28}{'by':>11}{'GPUs':>6}{'GPU-hours':>11}{'GPU kWh':>12}{'idle kWh':>11}{'unmeasured':>12}")
    for row in summary["runs"]:
        idle = "-" if row["idle_energy_kwh"] is None else f"{row['idle_energy_kwh']:,.3f}"
        print(f"{row['run'][:27]:<28}{row['attributed_by']:>11}{row['gpus']:>6}{row['gpu_hours']:>11}"
              f"{row['gpu_energy_kwh']:>12,.3f}{idle:>11}{row['unmeasured_gpu_hours']:>12}")
    for row in summary["allocations_without_telemetry"]:
        print(f"warning: run {row['run']} held {row['gpu_uuid'] or row['host']} from {row['start_text']} to "
              f"{row['end_text']}, but no telemetry covers it")
    return EXIT_OK


def _print_import(report) -> None:
    totals = ", ".join(f"{key} {value:,.6g}" for key, value in report.totals.items())
    print(f"{report.file}: imported as source {report.source_id} ({report.kind}); "
          f"{report.rows_accepted} rows accepted, {report.rows_rejected} rejected; {totals}")
    for note in report.notes:
        print(f"  note: {note}")
    for problem in report.rejected[:20]:
        print(f"  rejected: {problem.describe()}")
    if len(report.rejected) > 20:
        print(f"  ... and {len(report.rejected) - 20} more rejected rows (see the project's rejected rows)")


def cmd_sources(args: argparse.Namespace) -> int:
    from workbench.services import projects, sources

    with projects.open_existing(args.project, read_only=True) as project:
        found = sources.list_sources(project)
    if args.json:
        _print_json(found)
        return EXIT_OK
    for source in found:
        main = sources.MAIN_TOTAL.get(source["kind"])
        total = f"; {main} {source[main]:,.6g}" if main else ""
        print(f"{source['source_id']:>4} {source['kind']:<17} {source['file']}: {source['rows_accepted']} accepted, "
              f"{source['rows_rejected']} rejected, {source['start'] or '-'} to {source['end'] or '-'}{total}")
    return EXIT_OK


def cmd_mapping(args: argparse.Namespace) -> int:
    from workbench.services import mappings, projects

    if args.from_file:
        mapping = mappings.load_file(args.from_file)
        data = {"mapping": mapping.to_dict()}
    elif not args.file:
        raise UsageError("give a FILE to propose a mapping for, or --from MAPPING.json")
    else:
        proposal = mappings.propose_mapping(args.file, args.kind, header_row=args.header_row,
                                            header_rows=args.header_rows, sheet=args.sheet)
        mapping, data = proposal.mapping, proposal.as_dict()
    if args.save:
        with projects.open_existing(args.project) as project:
            mappings.save_template(project, args.save, mapping)
        data["saved_as"] = args.save
    if args.json or not args.save:
        _print_json(data)
    else:
        print(f"Saved mapping template '{args.save}' ({mapping.kind}).")
    return EXIT_OK


def cmd_library(args: argparse.Namespace) -> int:
    from workbench.services import library, projects

    which = tuple(args.only) if args.only else ("factors", "hardware-library")
    with projects.open_existing(args.project) as project:
        reports = library.load_default_library(project, which=which)
    if args.json:
        _print_json([report.as_dict() for report in reports])
    elif not reports:
        print("The default libraries are already in the project.")
    for report in reports if not args.json else []:
        _print_import(report)
    return EXIT_OK


def cmd_assumptions(args: argparse.Namespace) -> int:
    from workbench.services import assumptions, projects
    from workbench.services import distributions as distribution_service

    values = {}
    for item in args.values:
        key, separator, value = item.partition("=")
        if not separator or not key.strip():
            raise UsageError(f"'{item}' is not KEY=VALUE", hint="Write for example pue=1.2.")
        values[key.strip()] = value.strip()
    specs = distribution_service.parse_assignments(args.distribution or [])
    if args.distribution_file:
        specs.update(distribution_service.read_file(args.distribution_file))
    with projects.open_existing(args.project) as project:
        with project.transaction():
            changes = []
            if values:
                changes += assumptions.change(project, args.set, values, rationale=args.rationale or "",
                                              base=args.base)
            if specs:
                changes += distribution_service.change(project, args.set, specs, rationale=args.rationale or "",
                                                       base=args.base)
            if not values and not specs and args.base:
                assumptions.create_set(project, args.set, args.base)
        if (values or specs) and not args.json:
            for item in changes:
                print(f"{item['set']}: {item['key']} {item['old']!r} -> {item['new']!r}")
            if not changes:
                print("No value changed.")
        resolved = assumptions.resolve(project, args.set)
        rows = distribution_service.resolved_rows(project, args.set)
        if args.export_distributions:
            exported = distribution_service.export(project, args.set)
            Path(args.export_distributions).write_text(json.dumps(exported, indent=2, default=str) + "\n", "utf-8")
    if args.json:
        _print_json({"assumption_set": args.set, "assumptions": [item.as_dict() for item in resolved.values()],
                     "distributions": rows})
    elif not values and not specs:
        print(f"Assumption set '{args.set}':")
        for item in resolved.values():
            value = "" if item.value is None else item.value
            unit = f" {item.unit}" if item.unit else ""
            print(f"  {item.key} = {value}{unit}   [{item.origin}] {item.rationale}")
        if args.distributions:
            print("Distributions:")
            for row in rows:
                print(f"  {row['key']}: {row['describe']}   [{row['origin']}] {row['basis']}")
    if args.export_distributions and not args.json:
        print(f"Wrote the distributions of '{args.set}' to {args.export_distributions}")
    return EXIT_OK


def cmd_compute(args: argparse.Namespace) -> int:
    from workbench.services import compute, projects

    period = compute.reporting_period(args.period)
    with projects.open_existing(args.project, read_only=True) as project:
        if args.view == "inventory":
            from workbench.services import inventory

            outcome = inventory.compute_inventory(project, args.set, period=period)
            data = outcome.as_json()
        else:
            model = compute.FootprintModel(project)
            outcome = compute.compute_footprint(project, args.set, model, period=period, run=args.run,
                                                model_name=args.model)
            data = outcome.as_json()
            if args.shift_window_hours or args.compare_zone:
                from workbench.services import counterfactuals

                data["avoided_emissions"] = counterfactuals.counterfactuals(
                    model, outcome.result, shift_hours=args.shift_window_hours or 0.0,
                    zones=tuple(args.compare_zone or ()))
    if args.json:
        _print_json(data)
    elif data["view"] == "inventory":
        _print_inventory(data)
    else:
        _print_footprint(data)
    return EXIT_OK


def _print_footprint(data: dict) -> None:
    period = f", period {data['period']['label']}" if data.get("period") else ""
    print(f"Project '{data['project']}', assumption set '{data['assumption_set']}', view {data['view']}{period}")
    header = f"{'run':<28}{'GPU kWh':>12}{'facility kWh':>14}{'operational kg':>16}{'embodied kg':>13}{'total kg':>12}"
    print(header)
    for run in data["runs"] + [dict(data["totals"], run="TOTAL")]:
        mark = " (estimated)" if run.get("estimated") else ""
        print(f"{run['run'][:27]:<28}{run['gpu_energy_kwh']:>12,.2f}{run['facility_energy_kwh']:>14,.2f}"
              f"{run['operational_co2e_kg']:>16,.3f}{run['embodied_co2e_kg']:>13,.3f}{run['total_co2e_kg']:>12,.3f}"
              f"{mark}")
    totals = data["totals"]
    print(f"rests on: measured {totals['measured_share']:.1%}, estimated {totals['estimated_share']:.1%}, "
          f"defaulted {totals['defaulted_share']:.1%}; with annual factors the operational total would change by "
          f"{totals['annual_factor_delta_co2e_kg']:+,.3f} kg")
    for outcome in data.get("avoided_emissions", []):
        target = outcome.get("other_zone") or f"start within +/-{outcome.get('window_hours', 0):g} h"
        print(f"avoided ({outcome['basis']}, {outcome['kind']}, {target}): run {outcome['run']} "
              f"{outcome['avoided_co2e_kg']:,.3f} kg, reported separately and not deducted")
    for finding in data["reconciliation"]:
        if finding["severity"] in ("warning", "error"):
            print(f"reconciliation ({finding['severity']}): {finding['subject']}: {finding['message']}")
    for warning in data["warnings"]:
        print(f"warning: {warning}")


def _print_inventory(data: dict) -> None:
    t = data["totals"]
    print(f"Project '{data['project']}', assumption set '{data['assumption_set']}', view inventory, period "
          f"{data['period']['label']} ({data['period']['start_utc']} to {data['period']['end_utc']})")
    rows = [
        ("Scope 1 (fuel and refrigerants, " + data["scope1"]["gwp_set"] + ")", t["scope1_co2e_kg"]),
        ("Scope 2 location-based", t["scope2_location_co2e_kg"]),
        ("Scope 2 market-based", t["scope2_market_co2e_kg"]),
        ("Scope 3 category 1 (expensed hardware, cloud)", t["scope3_category_1_co2e_kg"]),
        ("Scope 3 category 2 (capital goods)", t["scope3_category_2_co2e_kg"]),
        ("Scope 3 category 3 (fuel and energy upstream, T&D)", t["scope3_category_3_co2e_kg"]),
        ("Total with location-based Scope 2", t["total_location_based_co2e_kg"]),
        ("Total with market-based Scope 2", t["total_market_based_co2e_kg"]),
    ]
    for label, value in rows:
        print(f"  {label:<52}{value / 1000:>14,.4f} tCO2e")
    print(f"  {'Scope 2 electricity':<52}{t['scope2_energy_kwh'] / 1000:>14,.4f} MWh")
    if t["offsets_co2e_kg"]:
        print(f"  {'Offsets (reported separately, not deducted)':<52}{t['offsets_co2e_kg'] / 1000:>14,.4f} tCO2e")
    for note in data["disclosures"]:
        print(f"note: {note}")
    for finding in data["reconciliation"]:
        if finding["severity"] != "ok":
            print(f"reconciliation ({finding['severity']}): {finding['subject']}: {finding['message']}")
    for warning in data["warnings"]:
        print(f"warning: {warning}")


def cmd_uncertainty(args: argparse.Namespace) -> int:
    from workbench.progress import Progress
    from workbench.services import compute, projects, uncertainty

    period = compute.reporting_period(args.period)
    with projects.open_existing(args.project, read_only=True) as project:
        outcome = uncertainty.analyze(
            project, args.set, view=args.view, period=period, run=args.run, model_name=args.model,
            trials=args.trials, seed=args.seed, ndig=args.ndig, sobol=args.sobol,
            progress=Progress(_progress_printer(not args.json), operation="Monte Carlo"))
        data = outcome.as_json()
    if args.json:
        _print_json(data)
    else:
        _print_uncertainty(data)
    return EXIT_OK


def _print_uncertainty(data: dict) -> None:
    mc = data["monte_carlo"]
    period = f", period {data['period']['label']}" if data.get("period") else ""
    print(f"Project '{data['project']}', assumption set '{data['assumption_set']}', view {data['view']}{period}")
    print(f"Monte Carlo: {mc['trials']:,} trials, seed {mc['seed']} ({mc['generator']}), {mc['convergence']}")
    print(f"{'output':<34}{'point':>14}{'mean':>14}{'sd':>12}{'95 % interval':>30}{'U %':>8}")
    for name, item in mc["outputs"].items():
        low, high = item["interval_95"]
        print(f"{name:<34}{item['point']:>14,.6g}{item['mean']:>14,.6g}{item['sd']:>12,.4g}"
              f"{f'[{low:,.6g}, {high:,.6g}]':>30}{item['u95_percent']:>8.2f}")
    main = data["main_output"]
    analytic_item = data["analytic"]["outputs"][main]
    low, high = analytic_item["interval_95"]
    print(f"Approach 1 ({main}): [{low:,.6g}, {high:,.6g}], U {analytic_item['u95_percent']:.2f} %")
    print(f"Largest contributions to the variance of {main}:")
    for item in data["sensitivity"]["contribution_to_variance"][:8]:
        print(f"  {item['share_of_variance']:7.1%}  {item['label']}")
    for note in data["notes"]:
        print(f"note: {note}")


def cmd_compare(args: argparse.Namespace) -> int:
    from workbench.progress import Progress
    from workbench.services import comparison, compute, projects

    period = compute.reporting_period(args.period)
    with projects.open_existing(args.project, read_only=True) as project:
        outcome = comparison.compare_sets(
            project, args.set, view=args.view, period=period, run=args.run, model_name=args.model,
            trials=args.trials, seed=args.seed, decompose=not args.no_decomposition,
            progress=Progress(_progress_printer(not args.json), operation="Comparison"))
        data = outcome.as_json()
    if args.json:
        _print_json(data)
    else:
        _print_comparison(data)
    return EXIT_OK


def _print_comparison(data: dict) -> None:
    main = "total_co2e_kg" if data["view"] == "footprint" else "total_location_based_co2e_kg"
    print(f"Project '{data['project']}', view {data['view']}, reference set '{data['reference']}'")
    for name, values in data["point"].items():
        print(f"  {name:<24}{main} {values[main]:>16,.6g}")
    for item in data["monte_carlo"]["differences"]:
        if item["output"] != main:
            continue
        common, independent = item["common_random_numbers"], item["independent_draws"]
        print(f"{item['set']} - {item['reference']}: {item['point_delta']:,.6g}; 95 % interval with common random "
              f"numbers [{common['interval_95'][0]:,.6g}, {common['interval_95'][1]:,.6g}] (independent draws "
              f"[{independent['interval_95'][0]:,.6g}, {independent['interval_95'][1]:,.6g}]); "
              f"P({item['set']} < {item['reference']}) = {item['probability_set_below_reference']:.3f}")
    for item in data["decomposition"]:
        print(f"why {item['set']} differs from {item['reference']} ({main}, {item['method']}):")
        for share in item["shares"]:
            print(f"  {share['factor']:<32}{share['shapley'][main]:>16,.6g}")


def cmd_plan(args: argparse.Namespace) -> int:
    from workbench.progress import Progress
    from workbench.services import compute, planner, planner_store, projects

    period = compute.reporting_period(args.period)
    writes = not args.no_save or bool(args.narrative) or bool(args.mark_reuse)
    with projects.open_existing(args.project, read_only=not writes) as project:
        for item in args.narrative or ():
            topic, equals, text = item.partition("=")
            if not equals:
                raise UsageError(f"'{item}' is not TOPIC=TEXT", hint="Write for example hardware_end_of_life=Resold.")
            planner_store.set_narrative(project, topic.strip(), text.strip())
        for item in args.mark_reuse or ():
            run, arguments = planner_store.parse_reuse(item)
            planner_store.mark_reuse(project, run, **arguments)
        outcome = planner.plan(
            project, args.set, levers=args.lever, trials=args.trials, seed=args.seed, period=period,
            save=not args.no_save, rationale=args.rationale,
            progress=Progress(_progress_printer(not args.json), operation="Reduction plan"))
        data = outcome.as_json()
    if args.json:
        _print_json(data)
    else:
        _print_plan(data)
    return EXIT_OK


def _print_plan(data: dict) -> None:
    print(f"Project '{data['project']}', assumption set '{data['assumption_set']}': avoided emissions by lever, "
          f"{data['monte_carlo']['trials']:,} trials with common random numbers, seed {data['monte_carlo']['seed']}")
    print(f"{'#':>2}  {'avoided tCO2e':>14}{'95 % interval':>26}{'share':>9}  {'view':<10}lever")
    for row in data["ranked"]:
        share = "" if row["share_of_reference"] is None else f"{row['share_of_reference']:.1%}"
        interval = f"[{row['low_tco2e']:,.4g}, {row['high_tco2e']:,.4g}]"
        print(f"{row['rank']:>2}  {row['avoided_tco2e']:>14,.4g}{interval:>26}{share:>9}  {row['view']:<10}"
              f"{row['lever']}")
    for item in data["offsets_reported_separately"]:
        print(f"offset held (reported separately, never netted): {item['instrument_id']} "
              f"{item['credit_co2e_kg'] or 0:,.6g} kgCO2e")
    print(f"note: {data['note']}")


def cmd_validate(args: argparse.Namespace) -> int:
    from workbench.services import validation

    report = validation.run_validation(args.case or None)
    if args.json:
        _print_json(report.as_json())
    else:
        print(validation.format_table(report))
    return EXIT_OK if report.passed else EXIT_VERIFY


def cmd_model(args: argparse.Namespace) -> int:
    from workbench.services import inventory_inputs, projects

    co2e_kg = None if args.published_t is None else args.published_t * 1000.0
    with projects.open_existing(args.project) as project:
        inventory_inputs.set_published_total(project, args.name, co2e_kg=co2e_kg,
                                             accelerator_hours=args.published_accelerator_hours,
                                             source=args.source or "")
    print(f"Model {args.name}: published total recorded.")
    return EXIT_OK


def _read_password(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise UsageError(f"cannot read the password file {path}: {exc.strerror}") from None


def cmd_export(args: argparse.Namespace) -> int:
    from workbench.errors import DisclosureIncompleteError
    from workbench.progress import Progress
    from workbench.services import exports, projects

    if args.sign and not args.password_file:
        raise UsageError("--sign needs --password-file with the key's password")
    with projects.open_existing(args.project) as project:
        try:
            result = exports.export_report(
                project, args.format, args.out, set_name=args.set, sign_key=args.sign,
                password=_read_password(args.password_file), draft=args.draft, seed=args.seed,
                progress=Progress(_progress_printer(True), operation="Export"), with_plan=args.with_plan,
                plan_trials=args.plan_trials)
        except DisclosureIncompleteError as exc:
            print(f"error: a final report needs every required disclosure; {len(exc.items)} are missing:",
                  file=sys.stderr)
            for number, text, detail in exc.items:
                print(f"  {number}. {text}: {detail}", file=sys.stderr)
            print(f"  {exc.hint}", file=sys.stderr)
            return exc.exit_code
    signed = f", signed by {result.signer}, signature {result.signature_path or 'embedded'}" if result.signer else ""
    print(f"Wrote {result.path} (SHA-256 {result.sha256}){signed}{' [DRAFT]' if result.draft else ''}")
    for item in result.open_items:
        print(f"  open item {item['id']}. {item['text']}: {item['detail']}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from workbench.services import verification

    report = verification.verify_file(args.file, project_path=args.project, trust=args.trust)
    if args.json:
        _print_json(report.as_dict())
    else:
        print(f"{report.file}: {'VERIFIED' if report.ok else 'NOT VERIFIED'}")
        print(f"  signer: {report.signer or 'none'}"
              + (f" (certificate SHA-256 {report.signer_sha256_fingerprint})" if report.signer_sha256_fingerprint
                 else ""))
        if report.signing_time:
            print(f"  signing time (claimed by the signer): {report.signing_time}")
        if report.details.get("trust"):
            print(f"  signer certificate: {report.details['trust']}")
        project_state = report.details.get("project")
        if project_state is not None and not project_state["state_unchanged"]:
            print("  note: the project changed since export; the reported figures still follow from it"
                  if report.numbers_ok else "  note: the project changed since export")
        print(f"  integrity: {'ok' if report.integrity_ok else 'FAILED'}; manifest: "
              f"{'ok' if report.manifest_ok else 'FAILED'}; figures against project: "
              f"{'not checked' if report.numbers_ok is None else ('ok' if report.numbers_ok else 'FAILED')}")
        for problem in report.problems:
            print(f"  problem: {problem}")
    return EXIT_OK if report.ok else EXIT_VERIFY


def cmd_open(args: argparse.Namespace) -> int:
    from workbench.ui.app import main as gui_main

    return gui_main([args.project] if args.project else [])


def cmd_demo(args: argparse.Namespace) -> int:
    from workbench.services import demo

    with demo.build_demo_project(args.project, args.inputs) as project:
        print(f"Wrote the demo project '{project.name}' to {project.path}")
    return EXIT_OK


def cmd_site(args: argparse.Namespace) -> int:
    from workbench.services import entities, projects

    with projects.open_existing(args.project) as project:
        site = entities.configure_site(project, args.name, grid_zone=args.zone, timezone=args.timezone,
                                       pue_category=args.pue_category)
        if args.market is not None or args.boundary is not None:
            from workbench.services import inventory_inputs

            site.update(inventory_inputs.configure_site_inventory(project, args.name, market=args.market,
                                                                  boundary=args.boundary))
    print(f"Site {site['name']}: grid zone {site['grid_zone'] or '-'}, time zone {site['timezone'] or '-'}, "
          f"PUE category {site['pue_category'] or '-'}"
          + (f", market {site.get('market') or site['grid_zone'] or '-'}, boundary {site['boundary']}"
             if "boundary" in site else ""))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from workbench.services import entities, projects

    with projects.open_existing(args.project) as project:
        entities.update_run(project, args.name, kind=args.kind, site=args.site)
        if args.model is not None:
            from workbench.services import inventory_inputs

            inventory_inputs.assign_model(project, args.name, args.model)
    print(f"Run {args.name} updated.")
    return EXIT_OK


# -- parser ----------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carbon-workbench",
                                     description="Measure, check and disclose the carbon footprint of AI training.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = commands.add_parser("new", help="create an empty project file")
    new.add_argument("project", metavar="PROJECT.cwb")
    new.add_argument("--name", help="project name shown in reports (default: the file name)")
    new.set_defaults(handler=cmd_new)

    imp = commands.add_parser("import", help="import files into a project")
    imp.add_argument("project", metavar="PROJECT.cwb")
    imp.add_argument("--kind", required=True, choices=IMPORT_KINDS, help="what the files contain")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--timezone", help="IANA zone of time stamps without an offset, e.g. Europe/Paris "
                                        "(default: the site's time zone)")
    imp.add_argument("--site", help="site the data belongs to (created if new)")
    imp.add_argument("--run", help="run the energy belongs to (default: the file name for GPU logs, "
                                   "the project_name column for CodeCarbon)")
    imp.add_argument("--meter", help="meter name for --kind meter (default: the file name)")
    imp.add_argument("--measurement-point", default="facility",
                     choices=("facility", "ups_output", "pdu_output", "server_input"),
                     help="where the meter measures (default: facility)")
    imp.add_argument("--accuracy-class", help="meter accuracy class, e.g. 0.5S or 1")
    imp.add_argument("--timestamps-mark", default="start", choices=("start", "end"),
                     help="whether a meter time stamp marks the start or end of its interval (default: start)")
    imp.add_argument("--host", help="host name for GPU logs whose GPUs have no unique UUID")
    imp.add_argument("--max-gap", type=_max_gap, default=None, metavar="SECONDS",
                     help="maximum interval between power samples that is integrated, in seconds, or 'auto' for "
                          "three sampling intervals and at least 120 s (default: 120 s for gpu-log and auto, "
                          "'auto' for the other GPU kinds)")
    imp.add_argument("--attribution", default="file", choices=("file", "allocations"),
                     help="GPU telemetry: 'file' gives the whole file to one run (--run, else the file name); "
                          "'allocations' attributes GPU-hours to the runs that imported Slurm jobs or runs "
                          "tables list as holding the GPUs (default: file)")
    imp.add_argument("--observed-at", metavar="TIME",
                     help="time of an nvidia-smi -q -x dump that has no <timestamp> (ISO 8601)")
    imp.add_argument("--scrape-time", metavar="TIME",
                     help="time of a single Prometheus scrape without SCRAPE_TIME lines (ISO 8601)")
    imp.add_argument("--start", metavar="TIME",
                     help="dmon logs without a Date column: local time of the first line (ISO 8601)")
    imp.add_argument("--interval", type=float, metavar="SECONDS",
                     help="dmon logs without time columns: seconds between samples (default: 1)")
    imp.add_argument("--max-gpu-power", type=float, metavar="WATTS",
                     help="energy counters: largest power one GPU can draw; larger counter steps are not used")
    imp.add_argument("--gpus-per-node", type=int, metavar="N",
                     help="Slurm: GPUs in one node, to give jobs on shared nodes their share of node energy")
    imp.add_argument("--cpus-per-node", type=int, metavar="N",
                     help="Slurm: CPUs in one node, used for the share when jobs allocate no GPUs")
    imp.add_argument("--max-node-power", type=float, metavar="WATTS",
                     help="Slurm: largest power one node can draw; job energy above nodes x this x elapsed time "
                          "is not used (default: 15000 W)")
    imp.add_argument("--use-job-energy", action="store_true",
                     help="Slurm: store each job's ConsumedEnergyRaw as node energy of its run")
    imp.add_argument("--allow-duplicate", action="store_true", help="import a file even if it was imported before")
    imp.add_argument("--strict", action="store_true", help="reject the whole file if any row is rejected")
    imp.add_argument("--no-evidence", action="store_true", help="keep only the file's hash, not its bytes")
    imp.add_argument("--mapping", metavar="TEMPLATE|FILE",
                     help="column mapping: a template saved in the project or a mapping JSON file")
    imp.add_argument("--unit", help="unit of meter values when the file does not state it, e.g. kWh or Wh")
    imp.add_argument("--max-power-kw", type=float, metavar="KW",
                     help="physical power bound of a meter; intervals and register deltas above it are rejected")
    imp.add_argument("--factor-basis", choices=FACTOR_BASES,
                     help="basis of --kind factors datasets whose file states none (the workbench factor table "
                          "without a basis column): location-based grid averages (the default), residual mixes for "
                          "market-based Scope 2, supplier rates, or marginal intensities; a file whose layout or "
                          "basis column states another basis is rejected")
    imp.add_argument("--json", action="store_true", help="print the import reports as JSON")
    imp.set_defaults(handler=cmd_import)

    gph = commands.add_parser("gpu-hours", help="show GPU energy per run from telemetry, or export GPU-hours")
    gph.add_argument("project", metavar="PROJECT.cwb")
    gph.add_argument("--out", metavar="FILE.parquet", help="write every stored GPU-hour to this Parquet file")
    gph.add_argument("--json", action="store_true", help="print the per-run summary as JSON")
    gph.set_defaults(handler=cmd_gpu_hours)

    src = commands.add_parser("sources", help="list every imported source with its counts, time span and total")
    src.add_argument("project", metavar="PROJECT.cwb")
    src.add_argument("--json", action="store_true", help="print the sources as JSON")
    src.set_defaults(handler=cmd_sources)

    mpg = commands.add_parser("mapping", help="propose a column mapping for a file, or save one as a template")
    mpg.add_argument("project", metavar="PROJECT.cwb")
    mpg.add_argument("file", nargs="?", metavar="FILE", help="file to propose a mapping for")
    mpg.add_argument("--kind", default="meter", help="what the file contains (default: meter)")
    mpg.add_argument("--from", dest="from_file", metavar="MAPPING.json", help="save this mapping file instead")
    mpg.add_argument("--save", metavar="NAME", help="save the mapping as a template named NAME in the project")
    mpg.add_argument("--header-row", type=int, metavar="ROW", help="row number of the (first) header row")
    mpg.add_argument("--header-rows", type=int, default=1, metavar="N", help="number of header rows (default: 1)")
    mpg.add_argument("--sheet", help="spreadsheet sheet to read (default: the first)")
    mpg.add_argument("--json", action="store_true", help="print the mapping as JSON")
    mpg.set_defaults(handler=cmd_mapping)

    lib = commands.add_parser("library", help="load the shipped default factor and hardware libraries")
    lib.add_argument("project", metavar="PROJECT.cwb")
    lib.add_argument("--only", action="append", choices=("factors", "hardware-library"),
                     help="load only this library (repeatable)")
    lib.add_argument("--json", action="store_true", help="print the import reports as JSON")
    lib.set_defaults(handler=cmd_library)

    ass = commands.add_parser("assumptions", help="list or change an assumption set")
    ass.add_argument("project", metavar="PROJECT.cwb")
    ass.add_argument("--set", default="baseline", help="assumption set (default: baseline)")
    ass.add_argument("--from", dest="base", metavar="BASE", help="create the set from BASE if it does not exist")
    ass.add_argument("--rationale", help="why the values change (required when setting values)")
    ass.add_argument("--json", action="store_true", help="print the set as JSON")
    ass.add_argument("--distribution", action="append", metavar="KEY=SPEC",
                     help="set the distribution of an assumption or activity-data class (repeatable), e.g. "
                          "pue=triangular:1.2,1.28,1.4, ef.location.annual=normal:10%%, meter:site-main=class:0.5S, "
                          "telemetry.gpu_offset_w=uniform:-5,5@all; KEY=default removes the set's own distribution. "
                          "Specs: fixed, normal:MEAN,SD or normal:U%%, lognormal:MEDIAN,GSD or lognormal:GSD, "
                          "uniform:LOW,HIGH or uniform:A%%, triangular:LOW,MODE,HIGH or triangular:-L%%,+H%%, "
                          "beta:ALPHA,BETA[,LOW,HIGH], pert:LOW,MODE,HIGH[,LAMBDA], class:0.5S; U is a 95 %% "
                          "half-width")
    ass.add_argument("--distribution-file", metavar="FILE.json",
                     help="set distributions from a JSON file (the export format, with stats_arrays codes)")
    ass.add_argument("--export-distributions", metavar="FILE.json",
                     help="write the set's distributions, defaults included, with stats_arrays codes")
    ass.add_argument("--distributions", action="store_true", help="also list every distribution with its basis")
    ass.add_argument("values", nargs="*", metavar="KEY=VALUE")
    ass.set_defaults(handler=cmd_assumptions)

    com = commands.add_parser("compute", help="compute the footprint of runs or the inventory of a period")
    com.add_argument("project", metavar="PROJECT.cwb")
    com.add_argument("--set", default="baseline", help="assumption set (default: baseline)")
    com.add_argument("--view", default="footprint", choices=("footprint", "inventory"),
                     help="footprint of runs (SCI-style, amortized embodied) or inventory of a reporting period "
                          "(GHG Protocol scopes); the two are never added together (default: footprint)")
    com.add_argument("--period", help="reporting period in UTC: a year (2025), a month (2025-03), a day "
                                      "(2025-03-01) or START/END with an inclusive end date; the footprint "
                                      "counts only the runs' hours in it; the inventory defaults to the year of "
                                      "the latest data")
    com.add_argument("--run", help="footprint of this run only")
    com.add_argument("--model", help="footprint of the runs of this model only")
    com.add_argument("--shift-window-hours", type=float, metavar="HOURS",
                     help="also report avoided emissions had each run started up to HOURS earlier or later")
    com.add_argument("--compare-zone", action="append", metavar="ZONE",
                     help="also report avoided emissions had each run used grid zone ZONE (repeatable)")
    com.add_argument("--json", action="store_true", help="print one JSON object")
    com.set_defaults(handler=cmd_compute)

    unc = commands.add_parser("uncertainty", help="propagate uncertainty: Approach 1, seeded Monte Carlo and the "
                                                  "inputs that drive the spread")
    unc.add_argument("project", metavar="PROJECT.cwb")
    unc.add_argument("--set", default="baseline", help="assumption set (default: baseline)")
    unc.add_argument("--view", default="footprint", choices=("footprint", "inventory"),
                     help="footprint of runs or inventory of a reporting period (default: footprint)")
    unc.add_argument("--period", help="reporting period in UTC, as for compute")
    unc.add_argument("--run", help="footprint of this run only")
    unc.add_argument("--model", help="footprint of the runs of this model only")
    plan = unc.add_mutually_exclusive_group()
    plan.add_argument("--trials", type=int, metavar="N", help="run exactly N Monte Carlo trials")
    plan.add_argument("--adaptive", action="store_true",
                      help="stop adaptively in batches of 10,000 trials (GUM Supplement 1, 7.9; the default)")
    unc.add_argument("--ndig", type=int, default=2, choices=(1, 2),
                     help="significant digits the adaptive procedure stabilizes (default: 2)")
    unc.add_argument("--seed", type=int, default=20240601, metavar="S",
                     help="seed of the PCG64 generator; the same seed reproduces every digit (default: 20240601)")
    unc.add_argument("--sobol", action="store_true", help="also estimate Sobol indices of the main total")
    unc.add_argument("--json", action="store_true", help="print one JSON object")
    unc.set_defaults(handler=cmd_uncertainty)

    cmp = commands.add_parser("compare", help="compare assumption sets side by side: deltas, intervals of the "
                                              "difference and the assumptions causing it")
    cmp.add_argument("project", metavar="PROJECT.cwb")
    cmp.add_argument("--set", action="append", required=True, metavar="NAME",
                     help="assumption set (repeat: the first is the reference)")
    cmp.add_argument("--view", default="footprint", choices=("footprint", "inventory"),
                     help="footprint of runs or inventory of a reporting period (default: footprint)")
    cmp.add_argument("--period", help="reporting period in UTC, as for compute")
    cmp.add_argument("--run", help="footprint of this run only")
    cmp.add_argument("--model", help="footprint of the runs of this model only")
    cmp.add_argument("--trials", type=int, default=100_000, metavar="N",
                     help="Monte Carlo trials with common random numbers (default: 100,000)")
    cmp.add_argument("--seed", type=int, default=20240601, metavar="S", help="generator seed (default: 20240601)")
    cmp.add_argument("--no-decomposition", action="store_true",
                     help="skip splitting the difference into the assumptions causing it")
    cmp.add_argument("--json", action="store_true", help="print one JSON object")
    cmp.set_defaults(handler=cmd_compare)

    pln = commands.add_parser("plan", help="rank reduction levers by the emissions they would avoid, with 95 % "
                                           "intervals from common random numbers (never deducted from totals)")
    pln.add_argument("project", metavar="PROJECT.cwb")
    pln.add_argument("--set", default="baseline", help="current assumption set the levers derive from "
                                                       "(default: baseline)")
    pln.add_argument("--lever", action="append", metavar="SPEC",
                     help="a lever as KIND[:KEY=VALUE,...] or the name of a stored lever set (repeatable); kinds: "
                          "time_shift, relocation, procurement, facility_efficiency, accelerator, reuse, experiments, "
                          "combination (of=A+B). Default: every lever set derived from --set")
    pln.add_argument("--trials", type=int, default=20_000, metavar="N",
                     help="Monte Carlo trials per lever (default: 20,000)")
    pln.add_argument("--seed", type=int, default=20240601, metavar="S", help="generator seed (default: 20240601)")
    pln.add_argument("--period", help="limit footprints to a period (UTC, as for compute); the inventory of "
                                      "procurement levers uses it too, else the year of the latest data")
    pln.add_argument("--rationale", help="why the levers given with --lever are considered (stored with them)")
    pln.add_argument("--no-save", action="store_true",
                     help="do not store the levers given with --lever as lever sets (opens the project read-only)")
    pln.add_argument("--narrative", action="append", metavar="TOPIC=TEXT",
                     help="store a narrative printed beside the results: method_limits, relocation_effects, "
                          "hardware_end_of_life or offsets_and_credits (an empty TEXT removes it)")
    pln.add_argument("--mark-reuse", action="append", metavar="RUN:KEY=VALUE,...",
                     help="record that RUN was fine_tuned, distilled or retrained, with the declared cost of the "
                          "alternative, e.g. 'sft:relation=fine_tuned,base_model=base,energy_kwh=900,"
                          "power_basis=facility,source=model card'")
    pln.add_argument("--json", action="store_true", help="print one JSON object")
    pln.set_defaults(handler=cmd_plan)

    val = commands.add_parser("validate", help="recompute the worked examples and published footprints and "
                                               "compare them with their expected values")
    val.add_argument("--case", action="append", metavar="ID", help="run only this case, e.g. WE1 (repeatable)")
    val.add_argument("--json", action="store_true", help="print the checks as JSON")
    val.set_defaults(handler=cmd_validate)

    mod = commands.add_parser("model", help="record the total a model card or paper publishes for a model")
    mod.add_argument("project", metavar="PROJECT.cwb")
    mod.add_argument("name", metavar="MODEL")
    mod.add_argument("--published-t", type=float, metavar="TCO2E", help="published emissions in tCO2e")
    mod.add_argument("--published-accelerator-hours", type=float, metavar="HOURS",
                     help="published accelerator-hours (GPU-hours)")
    mod.add_argument("--source", help="the model card or paper, with its table")
    mod.set_defaults(handler=cmd_model)

    exp = commands.add_parser("export", help="export the disclosure as a workbook, PDF or JSON, optionally signed")
    exp.add_argument("project", metavar="PROJECT.cwb")
    exp.add_argument("--format", required=True, choices=EXPORT_FORMATS,
                     help="xlsx (workbook with live formulas), pdf (report with the workbook and manifest attached), "
                          "json (the whole disclosure), esrs-json (ESRS E1-5 and E1-6) or ai-act-json (training "
                          "energy per model)")
    exp.add_argument("--out", required=True, metavar="FILE")
    exp.add_argument("--set", default="baseline", help="assumption set (default: baseline)")
    exp.add_argument("--sign", metavar="KEY.p12", help="PKCS#12 file with the signing key and certificate")
    exp.add_argument("--password-file", metavar="FILE", help="file whose first line is the key's password")
    exp.add_argument("--draft", action="store_true", help="mark the report DRAFT on every page and sheet and list "
                                                           "the missing required disclosures instead of failing")
    exp.add_argument("--seed", type=int, default=20240601, metavar="S",
                     help="seed of the Monte Carlo runs of the uncertainty analysis, the comparison of assumption "
                          "sets and, with --with-plan, the reduction plan, recorded in the report so verify can "
                          "repeat them (default: 20240601)")
    exp.add_argument("--with-plan", action="store_true",
                     help="add the avoided emissions of the lever sets derived from --set, shown apart and never "
                          "deducted from any total")
    exp.add_argument("--plan-trials", type=int, metavar="N",
                     help="Monte Carlo trials per lever of --with-plan (default: 20,000)")
    exp.set_defaults(handler=cmd_export)

    ver = commands.add_parser("verify", help="check a signed report's signature, manifest and, with --project, "
                                             "every figure of both views")
    ver.add_argument("file", metavar="FILE")
    ver.add_argument("--project", metavar="PROJECT.cwb", help="also check the figures against this project")
    ver.add_argument("--trust", metavar="CERT.pem", help="require the signer to chain to this certificate")
    ver.add_argument("--json", action="store_true", help="print the result as JSON")
    ver.set_defaults(handler=cmd_verify)

    opn = commands.add_parser("open", help="open the desktop application")
    opn.add_argument("project", nargs="?", metavar="PROJECT.cwb")
    opn.set_defaults(handler=cmd_open)

    cli_reports.add_commands(commands)

    dem = commands.add_parser("demo", help="write the demo project")
    dem.add_argument("project", metavar="PROJECT.cwb")
    dem.add_argument("--inputs", metavar="FOLDER", help="read (or write) the demo input files in FOLDER")
    dem.set_defaults(handler=cmd_demo)

    site = commands.add_parser("site", help="create or change a site (grid zone, time zone, PUE category)")
    site.add_argument("project", metavar="PROJECT.cwb")
    site.add_argument("name", metavar="SITE")
    site.add_argument("--zone", help="grid zone used to match emission factors, e.g. FR or US-CAL-CISO")
    site.add_argument("--timezone", help="IANA time zone of the site, e.g. Europe/Paris")
    site.add_argument("--pue-category", choices=("PUE1", "PUE2", "PUE3"),
                      help="where the site's PUE measures IT energy")
    site.add_argument("--market", help="electricity market of the site's contractual instruments and residual mix "
                                       "(default: its grid zone)")
    site.add_argument("--boundary", choices=("operational_control", "colocation", "cloud"),
                      help="how the site enters the inventory: its electricity in Scope 2 (operational control, "
                           "colocation) or in Scope 3 category 1 (cloud)")
    site.set_defaults(handler=cmd_site)

    run = commands.add_parser("run", help="change a run's kind, site or model")
    run.add_argument("project", metavar="PROJECT.cwb")
    run.add_argument("name", metavar="RUN")
    run.add_argument("--kind", choices=("final", "experiment", "failed", "evaluation"))
    run.add_argument("--site")
    run.add_argument("--model", help="put the run into this model (a set of runs); an empty value removes it")
    run.set_defaults(handler=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from workbench import logsetup

    logsetup.configure(stderr_level=logging.ERROR)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse stops collecting KEY=VALUE positionals at the first option that follows them.
    if extra and args.command == "assumptions" and all("=" in item and not item.startswith("-") for item in extra):
        args.values = list(args.values) + extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.handler(args)
    except InputRejectedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for problem in exc.problems[:20]:
            print(f"  rejected: {problem.describe()}", file=sys.stderr)
        log.info("input rejected: %s", exc)
        return exc.exit_code
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        log.info("command failed: %s", exc)
        return exc.exit_code
    except Exception as exc:
        from workbench.services.projects import is_database_error

        if not is_database_error(exc):
            raise
        # A damaged page that a command's query reached; the open checks cannot read every page.
        error = DamagedProjectError(getattr(args, "project", None) or "the project file", f"is damaged: {exc}",
                                    hint="Restore it from a backup or ask the sender for a new copy.")
        print(f"error: {error}", file=sys.stderr)
        log.error("command failed on a damaged project: %s", exc)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted; the project is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
