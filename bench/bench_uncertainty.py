"""Benchmark: analytic interval and 100,000 Monte Carlo trials of both views, against per-trial recomputation.

Usage: python bench/bench_uncertainty.py [PROJECT.cwb] [--repeat N] [--mc-repeat M] [--trials T]
                                         [--recompute-trials K] [--write-results]

The project is the reference built by ``bench/build_reference.py``. Timed, with the project's
models prepared once as the GUI keeps them:

* the analytic (Approach 1) interval of each view after an assumption change, model build
  included, as the live view computes it;
* the live interval with its automatic switch to Monte Carlo (20,000 trials) when an input's
  uncertainty exceeds +/-50 %;
* 100,000 Monte Carlo trials of each view from a built model, and the build itself;
* a straightforward per-trial recomputation: draw the assumptions, recompute both views with
  the engine. Only K trials are timed and the time is extrapolated to 100,000, because running
  them all would take tens of minutes. The results page states that it is extrapolated;
* a comparison of two sets with common random numbers.

Medians of repeated runs are reported, because the machine runs other work in parallel.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_recompute import machine  # noqa: E402
from workbench.engine.uncertainty.builder import Resolved  # noqa: E402
from workbench.engine.uncertainty.distributions import Distribution  # noqa: E402
from workbench.engine.uncertainty.montecarlo import MonteCarlo  # noqa: E402
from workbench.services import assumptions, compute, distributions, projects, uncertainty  # noqa: E402
from workbench.services.comparison import compare_sets  # noqa: E402

CHANGES = [{"pue": 1.2}, {"pue": 1.45}, {"node_uplift": 1.5}, {"node_uplift": 1.3}, {"pue": 1.3}]
MARKER = "## Uncertainty: analytic interval and Monte Carlo"


def _ms(seconds: list[float]) -> dict:
    values = sorted(value * 1000.0 for value in seconds)
    return {"median": statistics.median(values), "p90": values[int(0.9 * (len(values) - 1))], "n": len(values)}


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def analytic_times(context, base, stored, period, repeat: int) -> dict:
    result = {}
    for view in ("footprint", "inventory"):
        times = []
        for number in range(repeat):
            a = replace(base, **CHANGES[number % len(CHANGES)])
            times.append(_timed(lambda: uncertainty.live_interval(context, a, stored, view=view, period=period,
                                                                  large="none"))[0])
        result[view] = _ms(times)
    both = []
    for number in range(repeat):
        a = replace(base, **CHANGES[number % len(CHANGES)])
        both.append(_timed(lambda: [uncertainty.live_interval(context, a, stored, view=view, period=period,
                                                              large="none") for view in ("footprint", "inventory")])[0])
    result["both"] = _ms(both)
    result.update(switch_times(context, base, stored, period, repeat))
    return result


def switch_times(context, base, stored, period, repeat: int) -> dict:
    """Time the live footprint interval with its automatic switch: default distributions, then PUE +/-60 %."""
    result = {}
    switched = []
    for number in range(max(3, repeat // 5)):
        a = replace(base, **CHANGES[number % len(CHANGES)])
        seconds, live = _timed(lambda: uncertainty.live_interval(context, a, stored, view="footprint", period=period))
        switched.append(seconds)
    result["footprint_with_switch"] = _ms(switched)
    result["footprint_method"] = live.method

    wide = distributions.DistributionSet("bench", {**stored.stored, "pue": Resolved(
        Distribution.normal_u95(0.60), "bench", "a PUE known only to +/-60 %, to force the switch")})
    forced = []
    for number in range(max(3, repeat // 5)):
        a = replace(base, **CHANGES[number % len(CHANGES)])
        seconds, live = _timed(lambda: uncertainty.live_interval(context, a, wide, view="footprint", period=period))
        forced.append(seconds)
    result["footprint_switched"] = _ms(forced)
    result["footprint_switched_method"] = live.method
    return result


def monte_carlo_times(context, base, stored, period, trials: int, repeat: int) -> dict:
    result = {}
    models = {}
    for view in ("footprint", "inventory"):
        build, models[view] = _timed(lambda: context.model(view, base, stored, period=period))
        runs = [_timed(lambda: MonteCarlo(models[view], seed=20240601, trials=trials).run()) for _ in range(repeat)]
        result[view] = {"build_ms": build * 1000.0, **_ms([seconds for seconds, _ in runs]),
                        "inputs": len(models[view].inputs), "terms": len(models[view].terms),
                        "families": len(models[view].families),
                        "summary": runs[-1][1].summaries[uncertainty.MAIN_OUTPUT[view]].as_dict()}
    both = [_timed(lambda: [MonteCarlo(models[view], seed=20240601, trials=trials).run()
                            for view in ("footprint", "inventory")])[0] for _ in range(repeat)]
    result["both"] = _ms(both)
    return result


def recompute_times(context, base, stored, period, trials: int) -> dict:
    """Per trial: draw the assumption inputs of the footprint model and recompute both views with the engine."""
    model = context.model("footprint", base, stored, period=period)
    rng = np.random.default_rng(20240601)
    keys = [item.name for item in model.inputs if item.name in base.as_dict()]
    draws = {key: model.inputs[model.input_names().index(key)].distribution.sample(rng, trials) for key in keys}
    inventory_period = context.period("inventory", period)
    started = time.perf_counter()
    for trial in range(trials):
        a = replace(base, **{key: float(values[trial]) for key, values in draws.items()})
        context.footprint.compute(a, period)
        context.inventory.compute(a, inventory_period)
    elapsed = time.perf_counter() - started
    return {"trials_timed": trials, "per_trial_ms": elapsed / trials * 1000.0, "inputs_drawn": keys}


def run(path: Path, args) -> dict:
    period = compute.reporting_period("2025")
    with projects.open_existing(path, read_only=True) as project:
        prepare_s, context = _timed(lambda: uncertainty.UncertaintyContext(project))
        base = assumptions.snapshot(project)
        stored = distributions.snapshot(project)
        first_s, _ = _timed(lambda: (context.footprint.compute(base, period), context.inventory.compute(base, period),
                                     context.model("footprint", base, stored, period=period),
                                     context.model("inventory", base, stored, period=period)))
        result = {"prepare_s": prepare_s, "first_s": first_s,
                  "analytic": analytic_times(context, base, stored, period, args.repeat),
                  "monte_carlo": monte_carlo_times(context, base, stored, period, args.trials, args.mc_repeat),
                  "recompute": recompute_times(context, base, stored, period, args.recompute_trials)}
        compare_s, _ = _timed(lambda: compare_sets(project, ["baseline", "pue-low"], period=period,
                                                   trials=args.trials, context=context))
        result["compare_s"] = compare_s
    result["trials"] = args.trials
    return result


def results_section(result: dict) -> str:
    an, mc, rc = result["analytic"], result["monte_carlo"], result["recompute"]
    trials = result["trials"]
    extrapolated_s = rc["per_trial_ms"] * trials / 1000.0
    ratio = extrapolated_s * 1000.0 / mc["both"]["median"]
    ref = result["reference"]
    fp, inv = mc["footprint"], mc["inventory"]
    return f"""{MARKER}

Measured {result['date']} on {result['machine']}, with other work running on the same
machine, by `python bench/build_reference.py && python bench/bench_uncertainty.py --write-results`.
Same reference project as above ({ref.get('runs', 1000):,} runs, 5,000 asset lines, hourly factors,
facility meters), baseline assumption set with the default distributions, reporting period 2025.

| What | Median | p90 | Runs |
|---|---:|---:|---:|
| Analytic interval (Approach 1) of the footprint after an assumption change, model build included | {an['footprint']['median']:.1f} ms | {an['footprint']['p90']:.1f} ms | {an['footprint']['n']} |
| The same, inventory | {an['inventory']['median']:.1f} ms | {an['inventory']['p90']:.1f} ms | {an['inventory']['n']} |
| The same, both views | {an['both']['median']:.1f} ms | {an['both']['p90']:.1f} ms | {an['both']['n']} |
| Live footprint interval with the automatic switch, default distributions (method used: {an['footprint_method']}) | {an['footprint_with_switch']['median']:.1f} ms | {an['footprint_with_switch']['p90']:.1f} ms | {an['footprint_with_switch']['n']} |
| The same with PUE known to +/-60 %, switched (method used: {an['footprint_switched_method']}, 20,000 trials) | {an['footprint_switched']['median']:.1f} ms | {an['footprint_switched']['p90']:.1f} ms | {an['footprint_switched']['n']} |
| {trials:,} Monte Carlo trials, footprint ({fp['inputs']} inputs, {fp['terms']} terms, {fp['families']} pooled families) | {fp['median']:.0f} ms | {fp['p90']:.0f} ms | {fp['n']} |
| {trials:,} Monte Carlo trials, inventory ({inv['inputs']} inputs, {inv['terms']} terms, {inv['families']} pooled families) | {inv['median']:.0f} ms | {inv['p90']:.0f} ms | {inv['n']} |
| {trials:,} Monte Carlo trials, both views | {mc['both']['median']:.0f} ms | {mc['both']['p90']:.0f} ms | {mc['both']['n']} |
| Straightforward per-trial recomputation of both views, per trial ({rc['trials_timed']} trials timed) | {rc['per_trial_ms']:.1f} ms | | {rc['trials_timed']} |
| The same for {trials:,} trials, **extrapolated** from the {rc['trials_timed']} timed trials, not run | {extrapolated_s:,.0f} s | | |
| Comparison of two sets, {trials:,} trials with common random numbers, decomposition included | {result['compare_s'] * 1000:.0f} ms | | 1 |

Monte Carlo of both views from built models / extrapolated per-trial recomputation: **{ratio:,.0f} x**
(medians). Targets: at most 1 s for {trials:,} trials of both views ({'met' if mc['both']['median'] <= 1000 else 'NOT met'}) and
at most 50 ms for the analytic interval of both views ({'met' if an['both']['median'] <= 50 else 'NOT met'}). The per-trial
recomputation draws only the assumptions ({', '.join(rc['inputs_drawn'])}); it cannot draw
per-meter, per-GPU or per-factor errors at all, which the precomputed model does.

Building the Monte Carlo models took {fp['build_ms']:.0f} ms (footprint, with the lifetime tables of
the PCF groups) and {inv['build_ms']:.0f} ms (inventory); preparing the project's models and uncertainty
detail took {result['prepare_s']:.2f} s and the first computation of both views {result['first_s']:.2f} s, once.
Footprint total under the baseline set: point {fp['summary']['point']:,.0f} kg, Monte Carlo mean
{fp['summary']['mean']:,.0f} kg, 95 % interval [{fp['summary']['interval_95'][0]:,.0f}, {fp['summary']['interval_95'][1]:,.0f}] kg.
"""


def write_results(section: str) -> Path:
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if MARKER in text:
        before, _, after = text.partition(MARKER)
        rest = after.split("\n## ", 1)
        text = before + section.rstrip("\n") + "\n" + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(HERE / "out" / "reference.cwb"))
    parser.add_argument("--repeat", type=int, default=40, help="analytic intervals to time per view (default 40)")
    parser.add_argument("--mc-repeat", type=int, default=7, help="Monte Carlo runs to time per view (default 7)")
    parser.add_argument("--trials", type=int, default=100_000, help="Monte Carlo trials (default 100,000)")
    parser.add_argument("--recompute-trials", type=int, default=200,
                        help="per-trial recomputations to time and extrapolate from (default 200)")
    parser.add_argument("--write-results", action="store_true", help="write the section into bench/RESULTS.md")
    args = parser.parse_args(argv)
    path = Path(args.project)
    if not path.exists():
        print(f"{path} does not exist; build it with: python bench/build_reference.py", file=sys.stderr)
        return 2
    result = run(path, args)
    result["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    result["machine"] = machine()
    reference = HERE / "out" / "reference.json"
    result["reference"] = json.loads(reference.read_text()) if reference.exists() else {}
    print(json.dumps(result, indent=2, default=str))
    if args.write_results:
        print(f"wrote {write_results(results_section(result))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
