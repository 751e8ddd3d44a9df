"""The required disclosures of a GHG Protocol-aligned report of AI training, as a checklist.

:func:`evaluate` checks each of the 24 items against a :class:`~workbench.reports.disclosure.Disclosure`.
An item is present (with what is shown and where), missing (with what to add) or not
applicable. A not-applicable item carries the reason the preparer stated, or an automatic one
such as "only one assumption set". A final export is rejected while any item is missing, and a
draft lists them.

The items follow the checklist of the methodology: A header and boundary (1-5), B results (6-13),
C methods and data (14-19), D uncertainty and quality (20-22), E integrity (23-24).
"""

from __future__ import annotations

from typing import Callable

from workbench.reports import disclosure as d
from workbench.reports.disclosure import MISSING, NOT_APPLICABLE, PRESENT, ChecklistItem, Disclosure
from workbench.reports.regulatory import energy_mix

Check = Callable[[Disclosure], tuple[str, str]]
# Items whose subject may be absent (no runs, no Scope 1 sources ...), so a reason the preparer states
# makes them not applicable. The others (entity, period, uncertainty, signatures ...) always apply.
STATED_NOT_APPLICABLE = frozenset({4, 6, 7, 12, 13, 15, 16})
SECTIONS = {"A": "Header and boundary", "B": "Results", "C": "Methods and data", "D": "Uncertainty and quality",
            "E": "Integrity"}


def _info(disclosure: Disclosure, *keys: str) -> list[str]:
    """Return the header fields among ``keys`` that are not stated."""
    return [key for key in keys if disclosure.header.info.get(key) in (None, "")]


def _needs(fields: list[str]) -> str:
    return "not stated: " + ", ".join(fields) + " (carbon-workbench report-info)"


def _entity(disclosure: Disclosure) -> tuple[str, str]:
    missing = _info(disclosure, "reporting_entity", "consolidation_approach")
    if missing:
        return MISSING, _needs(missing)
    info = disclosure.header.info
    return PRESENT, f"{info['reporting_entity']}, {info['consolidation_approach'].replace('_', ' ')}"


def _period(disclosure: Disclosure) -> tuple[str, str]:
    if _info(disclosure, "reporting_period"):
        return MISSING, (f"{_needs(['reporting_period'])}; the inventory falls back to the year of the latest data "
                         f"({disclosure.header.period_label})")
    header = disclosure.header
    zone = header.info.get("timezone") or "UTC"
    return PRESENT, (f"inventory {header.period_start_utc} to {header.period_end_utc}; run windows per run; times in "
                     f"UTC (organisation time zone {zone})")


def _boundary(disclosure: Disclosure) -> tuple[str, str]:
    missing = _info(disclosure, "operational_boundary", "exclusions")
    if missing:
        return MISSING, _needs(missing)
    return PRESENT, "operational boundary and exclusions as stated in the header"


def _run_boundary(disclosure: Disclosure) -> tuple[str, str]:
    if not disclosure.footprint["runs"]:
        return NOT_APPLICABLE, "the project has no runs"
    if _info(disclosure, "run_boundary"):
        return MISSING, _needs(["run_boundary"])
    kinds = sorted({run["kind"] for run in disclosure.footprint["runs"]})
    return PRESENT, f"stated in the header; run kinds reported: {', '.join(kinds)}"


def _views(disclosure: Disclosure) -> tuple[str, str]:
    return PRESENT, ("inventory: GHG Protocol Corporate Standard (2004), Scope 2 Guidance (2015), Scope 3 Standard; "
                     "footprint: SCI, ISO/IEC 21031:2024; the two views are never added")


def _scope1(disclosure: Disclosure) -> tuple[str, str]:
    scope1 = disclosure.inventory["scope1"]
    if scope1["records"]:
        return PRESENT, (f"{len(scope1['records'])} records by source and gas ({', '.join(scope1['gas_kg'])}), "
                         f"GWP set {scope1['gwp_set']}")
    return _stated_or_missing(disclosure, 6, "no Scope 1 records; import generator fuel and refrigerant records "
                                             "or state why none apply")


def _stated_or_missing(disclosure: Disclosure, item: int, missing: str) -> tuple[str, str]:
    reason = disclosure.header.info.get(f"not_applicable.{item}")
    if reason:
        return NOT_APPLICABLE, reason
    return MISSING, f"{missing} (carbon-workbench report-info --not-applicable {item}=REASON)"


def _scope2(disclosure: Disclosure) -> tuple[str, str]:
    scope2 = disclosure.inventory["scope2"]
    if scope2["energy_kwh"] <= 0:
        return _stated_or_missing(disclosure, 7, "no Scope 2 electricity in the reporting period")
    markets = ", ".join(market["market"] for market in scope2["markets"])
    return PRESENT, f"location-based and market-based totals, labelled; per market: {markets}"


def _scope3(disclosure: Disclosure) -> tuple[str, str]:
    calculated = disclosure.inventory["scope3"]["category_3"]["calculated"]
    gaps = [f"category {name} not calculated" for name, done in sorted(calculated.items()) if not done]
    if _info(disclosure, "scope3_exclusions"):
        gaps.append(_needs(["scope3_exclusions"]))
    if gaps:
        return MISSING, "; ".join(gaps)
    return PRESENT, "categories 1, 2 and 3 (3a, 3b, 3c); excluded categories justified in the header"


def _gross(disclosure: Disclosure) -> tuple[str, str]:
    offsets = disclosure.inventory["offsets_reported_separately"]
    if disclosure.avoided is None:
        avoided = "avoided emissions are not part of any total"
    else:
        avoided = (f"avoided emissions of {len(disclosure.avoided.levers)} reduction lever(s) shown separately in "
                   f"'{d.AVOIDED}', not part of any total")
    return PRESENT, f"totals are gross; {len(offsets)} offset(s) listed separately, never netted; {avoided}"


def _biogenic(disclosure: Disclosure) -> tuple[str, str]:
    return PRESENT, "no biogenic CO2: the Scope 1 fuels are diesel and natural gas (fossil)"


def _energy(disclosure: Disclosure) -> tuple[str, str]:
    energy = energy_mix(disclosure)
    if energy["markets_without_grid_mix"]:
        markets = ", ".join(energy["markets_without_grid_mix"])
        return MISSING, (f"energy mix unknown for market(s) {markets}: state the grid mix "
                         "(carbon-workbench report-info --grid-mix ZONE=F/N/R)")
    totals = disclosure.footprint["totals"]
    return PRESENT, (f"total {energy['total_mwh']:,.3f} MWh split fossil, nuclear and renewable; facility energy "
                     f"{totals['facility_energy_kwh']:,.1f} kWh and IT energy {totals['it_energy_kwh']:,.1f} kWh of the "
                     "runs; PUE with category")


def _runs(disclosure: Disclosure) -> tuple[str, str]:
    runs = disclosure.runs_info
    if not runs:
        return NOT_APPLICABLE, "the project has no runs"
    final = [run for run in runs if run["kind"] == "final"] or runs
    gaps = []
    for run in final:
        lacking = [label for label, value in (("compute (FLOP)", run["flop"]), ("hardware", run["hardware"]),
                                               ("grid zone", run["zone"]), ("window", run["start_utc"]))
                   if not value]
        if lacking:
            gaps.append(f"run {run['run']} lacks {', '.join(lacking)}")
    if gaps:
        return MISSING, "; ".join(gaps) + (" (carbon-workbench report-info --run-flop RUN=FLOP or "
                                           "--run-hardware RUN=TEXT)")
    return PRESENT, (f"energy with method, compute, wall-clock time, GPU-hours, hardware, grid zone and SCI for "
                     f"{len(final)} final run(s); {len(runs)} runs in all")


def _intensity(disclosure: Disclosure) -> tuple[str, str]:
    parts = ["SCI per run"]
    if any(run.get("sci_co2e_kg_per_1e9_tokens") for run in disclosure.footprint["runs"]):
        parts.append("per 10^9 tokens")
    if disclosure.header.info.get("net_revenue"):
        parts.append("per net revenue (ESRS)")
    else:
        parts.append("no intensity per net revenue (no net revenue in the header)")
    return PRESENT, "; ".join(parts)


def _factors(disclosure: Disclosure) -> tuple[str, str]:
    factors = disclosure.factors
    if not factors:
        return MISSING, "the project has no emission factors; import a factor dataset"
    undated = sorted({row["dataset"] for row in factors if not (row.get("vintage") or row.get("dataset_version"))})
    detail = f"{len(factors)} factors with value, unit, source, geography, period, resolution and basis"
    if undated:
        detail += f"; datasets without a stated vintage or version (the source text names them): {', '.join(undated)}"
    return PRESENT, detail


def _instruments(disclosure: Disclosure) -> tuple[str, str]:
    scope2 = disclosure.inventory["scope2"]
    used, excluded = len(scope2["instruments_used"]), len(scope2["instruments_excluded"])
    unavailable = scope2["residual_mix_unavailable"]
    statement = (f"residual mix not available for {', '.join(unavailable)} (location-based factor used)"
                 if unavailable else "residual mix available where needed")
    return PRESENT, f"{used} instrument(s) used, {excluded} excluded with the criteria they fail; {statement}"


def _chain(disclosure: Disclosure) -> tuple[str, str]:
    unknown = sorted({run["site"] or "(no site)" for run in disclosure.footprint["runs"]
                      if not run.get("pue_category")})
    if unknown:
        return MISSING, (f"PUE measurement category unknown at {', '.join(unknown)}: set the site's PUE category "
                         "(carbon-workbench site SITE --pue-category PUE1|PUE2|PUE3)")
    sampling = [f"{row['original_name']} every {row['mean_interval_s']:.0f} s" for row in disclosure.sampling
                if row.get("mean_interval_s")]
    return PRESENT, "PUE source and category, node uplift; telemetry: " + ("; ".join(sampling[:4]) or "none")


def _embodied(disclosure: Disclosure) -> tuple[str, str]:
    unsourced = [f"{asset['id']} ({asset['item']})" for asset in disclosure.assets if not asset["embodied_source"]]
    if unsourced:
        return MISSING, f"assets without a product carbon footprint source: {', '.join(unsourced[:10])}"
    method = disclosure.footprint["assumptions"]["embodied_method"]
    return PRESENT, (f"PCF source per asset line; inventory: in full in the year acquired; footprint: {method} "
                     "method with its parameters")


def _estimates(disclosure: Disclosure) -> tuple[str, str]:
    footprint, inventory = disclosure.footprint["totals"], disclosure.inventory["totals"]
    return PRESENT, (f"footprint {footprint['estimated_share']:.1%} estimated, {footprint['defaulted_share']:.1%} "
                     f"defaulted; inventory {inventory['estimated_share']:.1%} estimated, "
                     f"{inventory['defaulted_share']:.1%} defaulted; gaps listed")


def _base_year(disclosure: Disclosure) -> tuple[str, str]:
    missing = _info(disclosure, "base_year", "recalculation_policy", "restatements")
    if missing:
        return MISSING, _needs(missing)
    return PRESENT, f"base year {disclosure.header.info['base_year']}; policy and restatements stated"


def _uncertainty(disclosure: Disclosure) -> tuple[str, str]:
    summary = disclosure.uncertainty
    if not summary.computed:
        return MISSING, "uncertainty not computed: " + "; ".join(summary.notes)
    keys = {figure.key for figure in summary.figures}
    needed = {"scope1_co2e_kg", "scope2_location_co2e_kg", "scope2_market_co2e_kg", "scope3_co2e_kg",
              "total_location_based_co2e_kg", "total_market_based_co2e_kg", "footprint_total_co2e_kg"}
    gaps = sorted(needed - keys)
    if not summary.simulations or summary.seed is None:
        gaps.append("Monte Carlo trials, seed or convergence")
    if {item.view for item in summary.simulations} != {"footprint", "inventory"}:
        gaps.append("a Monte Carlo run of each view")
    if not summary.contributors:
        gaps.append("main contributors")
    if gaps:
        return MISSING, "uncertainty lacks: " + ", ".join(gaps)
    return PRESENT, f"{summary.describe_runs()}; 95 % intervals per scope and total; main contributors"


def _comparison(disclosure: Disclosure) -> tuple[str, str]:
    summary = disclosure.comparison
    sets = summary.sets
    if len(sets) < 2:
        return NOT_APPLICABLE, "only one assumption set was computed"
    if not summary.deltas or any(delta.low is None or delta.probability_b_below_a is None for delta in summary.deltas):
        return MISSING, "the differences between assumption sets lack their 95 % intervals or P(B < A)"
    return PRESENT, (f"{len(sets)} assumption sets compared with {summary.reference_set} on common random numbers "
                     f"({summary.trials:,} trials, seed {summary.seed}): "
                     f"{', '.join(item.name for item in sets[1:])}; Shapley decomposition of each difference")


def _ranking(disclosure: Disclosure) -> tuple[str, str]:
    ranked = [(figure.label, d.quality_ranking(figure.u95_pct)) for figure in disclosure.uncertainty.figures
              if d.quality_ranking(figure.u95_pct) is not None]
    if not ranked:
        return MISSING, "no ranking without an uncertainty analysis"
    shown = "; ".join(f"{label}: {rank}" for label, rank in ranked[:4])
    return PRESENT, f"by the half-width of the 95 % interval: {shown} ..."


def _integrity(disclosure: Disclosure) -> tuple[str, str]:
    evidence = disclosure.evidence
    return PRESENT, (f"software {disclosure.header.software_version}, engine SHA-256 {evidence.engine_sha256[:12]}..., "
                     f"inputs SHA-256 {evidence.input_bundle_sha256[:12]}..., set {disclosure.header.assumption_set} "
                     f"SHA-256 {evidence.assumption_set_sha256[:12]}...")


def _signatures(disclosure: Disclosure) -> tuple[str, str]:
    latest = {}
    for line in disclosure.signoffs:
        latest[line.stage] = line
    gaps = []
    for stage in ("preparer", "approver"):
        line = latest.get(stage)
        if line is None:
            gaps.append(f"no {stage} sign-off (carbon-workbench signoff --stage {stage})")
        elif not line.current:
            gaps.append(f"the {stage} sign-off by {line.name} is {line.status}")
        elif line.signed and not line.signature_ok:
            gaps.append(f"the {stage} sign-off's signature does not verify")
    if not disclosure.signed:
        gaps.append("the export is not signed (give a signing key)")
    if gaps:
        return MISSING, "; ".join(gaps)
    names = ", ".join(f"{stage} {latest[stage].name} ({latest[stage].signed_at[:10]})" for stage in latest)
    assurance = disclosure.header.info.get("assurance") or "no verification statement"
    return PRESENT, f"{names}; digital signature on the export; {assurance}"


ITEMS: tuple[tuple[int, str, str, tuple[str, ...], Check], ...] = (
    (1, "A", "Reporting entity and consolidation approach", (d.COVER,), _entity),
    (2, "A", "Reporting period (inventory), run windows (footprint) and time zone", (d.COVER, d.RUNS), _period),
    (3, "A", "Operational boundary: facilities, clusters, cloud accounts; exclusions with reason and size",
     (d.COVER, d.METHODOLOGY), _boundary),
    (4, "A", "Boundary statement of the run footprints", (d.COVER, d.METHODOLOGY), _run_boundary),
    (5, "A", "View label (inventory or footprint) and the standards applied", (d.SUMMARY, d.METHODOLOGY), _views),
    (6, "B", "Scope 1 by source and by gas; GWP set", (d.SCOPE1, d.SUMMARY), _scope1),
    (7, "B", "Scope 2 location-based and market-based totals, labelled, per market", (d.SUMMARY, d.MARKETS), _scope2),
    (8, "B", "Scope 3 by category (1, 2, 3) with excluded categories justified", (d.SUMMARY, d.COVER), _scope3),
    (9, "B", "Totals gross; offsets, credits and avoided emissions separate, never netted", (d.SUMMARY,), _gross),
    (10, "B", "Biogenic CO2 outside the scopes", (d.ESRS_E16,), _biogenic),
    (11, "B", "Energy: total MWh and mix (fossil, nuclear, renewable); facility and IT energy; PUE",
     (d.ESRS_E15, d.ENERGY, d.SUMMARY), _energy),
    (12, "B", "Runs: energy with method, compute, wall-clock time, GPU-hours, hardware, grid zone, SCI",
     (d.RUNS, d.AI_ACT), _runs),
    (13, "B", "Intensity metrics (per net revenue for ESRS; per run or token for SCI)", (d.RUNS, d.ESRS_E16),
     _intensity),
    (14, "C", "Emission factors: value, unit, source, version, geography, resolution, method, GWP basis",
     (d.FACTORS,), _factors),
    (15, "C", "Market-based instrument table with quality criteria; residual-mix source or statement",
     (d.MARKETS,), _instruments),
    (16, "C", "PUE source and category; node uplift method; telemetry source and sampling rate",
     (d.ASSUMPTIONS, d.METHODOLOGY, d.SOURCES), _chain),
    (17, "C", "Embodied: PCF sources per item; acquisition year; allocation method and parameters",
     (d.ASSETS,), _embodied),
    (18, "C", "Estimates, proxies and data gaps with their share of the total", (d.QUALITY,), _estimates),
    (19, "C", "Base year, recalculation policy and restatements", (d.COVER,), _base_year),
    (20, "D", "Uncertainty: method, 95 % interval per scope and total, trials, seed, convergence, contributors",
     (d.UNCERTAINTY,), _uncertainty),
    (21, "D", "Comparison of assumption sets (scenario uncertainty)", (d.COMPARISON,), _comparison),
    (22, "D", "Data-quality ranking (High, Good, Fair, Poor)", (d.QUALITY,), _ranking),
    (23, "E", "Software version, engine hash, input-bundle hash, assumption set and its hash",
     (d.SOURCES, d.COVER), _integrity),
    (24, "E", "Preparer and approver with dates; digital signature; verification statement if any",
     (d.COVER,), _signatures),
)


def evaluate(disclosure: Disclosure) -> tuple[ChecklistItem, ...]:
    """Return the status of every required disclosure for ``disclosure``."""
    items = []
    for number, section, text, shown_in, check in ITEMS:
        status, detail = check(disclosure)
        if status == MISSING and number in STATED_NOT_APPLICABLE and disclosure.header.info.get(
                f"not_applicable.{number}"):
            status, detail = NOT_APPLICABLE, disclosure.header.info[f"not_applicable.{number}"]
        if number == 9 and disclosure.avoided is not None:
            shown_in += (d.AVOIDED,)
        items.append(ChecklistItem(number, SECTIONS[section], text, status, detail,
                                   shown_in if status != MISSING else ()))
    return tuple(items)
