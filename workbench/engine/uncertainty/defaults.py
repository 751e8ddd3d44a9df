"""Default distributions of every uncertain input, each with its basis, and how the defaults are chosen.

Two kinds of keys carry distributions:

* assumption keys (``pue``, ``node_uplift``, ``usage_rate`` ...): the distribution of the
  assumption's value. Numeric assumptions without a row here are fixed unless a set gives them a
  distribution.
* activity-data classes (``meter.facility``, ``ef.location.hourly``, ``embodied.pcf`` ...): a
  multiplier of every recorded value of that class (1 = the record is right), or for
  ``telemetry.gpu_offset_w`` an offset in W. A key may name one member, such as
  ``meter:site-fr-main`` or ``ef.location.annual:FR``; that overrides the class.

Values are 95 % half-widths (U) unless a distribution is named, as in the methodology's
uncertainty defaults table; a normal with half-width U has sd = U / 1.96. Limits of a
manufacturer's specification (meter classes, the nvidia-smi +/-5 W) are rectangular, u = a / sqrt(3)
(GUM 4.3.7). Most defaults are engineering judgement and are listed in the report as used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.engine.metering import class_limit_percent
from workbench.engine.uncertainty.distributions import Z95, Distribution
from workbench.errors import AssumptionError

# 95 % range from half to double the recorded value: ln GSD = ln 2 / 1.96, GSD = 1.424.
PCF_GSD = math.exp(math.log(2.0) / Z95)


@dataclass(frozen=True)
class UncertaintyDefault:
    """One row of the defaults table: the key, what it applies to, its distribution and the basis."""

    key: str
    label: str
    unit: str
    distribution: Distribution
    basis: str
    correlations: tuple[str, ...] = ()
    multiplier: bool = True

    @property
    def default_correlation(self) -> str | None:
        return self.correlations[0] if self.correlations else None


def _row(key: str, label: str, unit: str, distribution: Distribution, basis: str, correlations: tuple[str, ...] = (),
         multiplier: bool = True) -> UncertaintyDefault:
    return UncertaintyDefault(key, label, unit, distribution, basis, correlations, multiplier)


PUE_CATEGORIES: dict[str, tuple[float, str]] = {
    "measured_12_month": (0.03, "PUE measured over 12 months, category 2 or 3: +/-3 % (engineering judgement)"),
    "annual_applied_to_job": (0.07, "annual PUE applied to a single month or job: +/-7 % for seasonal variation "
                                    "(engineering judgement)"),
    "operator_declared": (0.10, "PUE declared by the operator or in a contract: +/-10 % (engineering judgement)"),
    "industry_default": (0.25, "industry-default PUE: +/-25 % (engineering judgement)"),
}

TABLE: dict[str, UncertaintyDefault] = {row.key: row for row in (
    # -- assumptions ------------------------------------------------------------------------------
    _row("pue", "PUE", "kWh facility / kWh IT", Distribution.normal_u95(0.25),
         "normal, by how the PUE is known: " + "; ".join(text for _, text in PUE_CATEGORIES.values())
         + ". The shipped default value takes the industry-default width, a value set by a person the "
           "operator-declared width; set the distribution to match the PUE's basis. One PUE applied to all "
           "jobs of a hall and period is one draw per trial (r = 1).", multiplier=False),
    _row("node_uplift", "Node uplift k_node", "kWh node / kWh GPU",
         Distribution("triangular", (1.2 / 1.35, 1.0, 1.6 / 1.35), True),
         "triangular 1.2 / 1.35 / 1.6 scaled to the value (engineering judgement); replace with node metering",
         multiplier=False),
    _row("usage_rate", "Usage rate (BLOOM-style amortization)", "fraction",
         Distribution("uniform", (0.7 / 0.85, 0.95 / 0.85), True),
         "uniform 0.7 to 0.95 at the value 0.85, scaled to other values and capped at 1 (engineering judgement)",
         multiplier=False),
    _row("compute_mfu", "MFU (compute-based estimate)", "fraction", Distribution("uniform", (0.75, 1.25), True),
         "uniform 0.3 to 0.5 at the value 0.4, scaled to other values (engineering judgement)", multiplier=False),
    _row("lifetime_years", "Hardware lifetime override", "years", Distribution("uniform", (0.8, 1.2), True),
         "uniform 4 to 6 years at 5 years, scaled to other values: SCI examples use 4 years, LLMCarbon 5, "
         "BLOOM 6", multiplier=False),
    _row("chip_lifetime_years", "Accelerator lifetime (LLMCarbon method)", "years",
         Distribution("uniform", (0.8, 1.2), True), "uniform +/-20 % as for hardware lifetimes (4 to 6 years at 5)",
         multiplier=False),
    _row("chip_embodied_kg_per_cm2", "Embodied emissions per die area", "kgCO2e / cm2",
         Distribution("lognormal", (1.0, PCF_GSD), True),
         "lognormal, 95 % range from half to double the value (GSD 1.42), as for vendor PCFs", multiplier=False),
    _row("diesel_co2_kg_per_gj", "Diesel CO2 emission factor", "kgCO2 / GJ", Distribution.normal_u95(0.02),
         "+/-2 %: IPCC 2006 Vol. 2 ranges for CO2 of fuels are narrow (recalled, to verify)", multiplier=False),
    _row("natural_gas_co2_kg_per_gj", "Natural gas CO2 emission factor", "kgCO2 / GJ",
         Distribution.normal_u95(0.02), "+/-2 % as for diesel; IPCC 2006 Vol. 2 ranges for CO2 of fuels are "
                                        "narrow (recalled, to verify)", multiplier=False),
    # -- energy measurements ----------------------------------------------------------------------
    _row("meter.facility", "Facility (revenue) meter without a stated class", "multiplier",
         Distribution.rectangular(0.02), "taken as IEC 62053-21 class 2: rectangular +/-2 % (u = 1.15 %). A meter "
         "with a stated class uses it: classes 0.2S / 0.5S (IEC 62053-22) +/-0.2 % / +/-0.5 %, classes 1 / 2 "
         "(IEC 62053-21) +/-1 % / +/-2 %, rectangular. The error persists over time for one meter (r = 1) and is "
         "independent between meters.", ("meter",)),
    _row("meter.it", "IT meter (UPS, PDU, server input) without a stated class", "multiplier",
         Distribution.normal_u95(0.03), "PDU or BMC power, non-revenue: +/-3 % normal (engineering judgement; an "
         "IEC 61557-12 class applies if stated). Persistent per meter.", ("meter",)),
    _row("telemetry.gpu_offset_w", "GPU board power offset (nvidia-smi)", "W per GPU",
         Distribution("uniform", (-5.0, 5.0)), "nvidia-smi documents +/-5 W for board power: rectangular, a "
         "persistent offset of each GPU (device) over all its hours, independent between GPUs. The 'all' "
         "correlation applies one offset to every GPU (the sensitivity case).", ("device", "all"),
         multiplier=False),
    _row("telemetry.sampling_steady", "GPU power sampling, steady training", "multiplier",
         Distribution.normal_u95(0.05), "+/-5 % for the coverage of sampled board power in steady training "
         "(Yang et al. 2024 on sampling coverage; the width is engineering judgement); one draw per run",
         ("run",)),
    _row("telemetry.sampling_bursty", "GPU power sampling, short or bursty runs", "multiplier",
         Distribution.normal_u95(0.15), "+/-15 % for runs of less than two hours of telemetry (engineering "
         "judgement on sampling coverage); one draw per run", ("run",)),
    _row("telemetry.nvml_energy", "GPU energy counter (NVML total energy)", "multiplier",
         Distribution.normal_u95(0.02), "+/-2 % (engineering judgement: no vendor accuracy statement found); "
         "applies to GPU energy imported from CodeCarbon; one draw per run", ("run",)),
    _row("telemetry.node_power", "Node, IT or facility energy recorded per run", "multiplier",
         Distribution.normal_u95(0.03), "PDU or BMC power, non-revenue: +/-3 % normal (engineering judgement); "
         "one draw per run", ("run",)),
    _row("declared.energy", "Declared run energy (papers, model cards, bills)", "multiplier", Distribution.fixed(),
         "no default: a declaration states no uncertainty; its estimate moves with the assumptions it uses (MFU, "
         "TDP utilization ...). Set a distribution when the source gives one.", ("run",)),
    # -- emission factors ---------------------------------------------------------------------------
    _row("ef.location.annual", "Grid factor, annual average (location-based)", "multiplier",
         Distribution.normal_u95(0.10), "+/-10 %: published datasets and methods differ (Schaefer et al. 2024: "
         "1-69 % by methodological choice). The same factor used for many rows, months and sites is one draw "
         "per trial (r = 1).", ("factor", "zone")),
    _row("ef.location.monthly", "Grid factor, monthly (location-based)", "multiplier", Distribution.normal_u95(0.10),
         "+/-10 % as for annual averages (engineering judgement); one draw per factor", ("factor", "zone")),
    _row("ef.location.hourly", "Grid factor, hourly or daily (location-based)", "multiplier",
         Distribution.normal_u95(0.15), "+/-15 % per hour, correlated within a UTC day and independent between "
         "days (engineering judgement for ENTSO-E, Electricity Maps and ISO data). The 'zone' correlation "
         "draws once per zone instead.", ("day", "zone")),
    _row("ef.residual_mix", "Residual mix factor", "multiplier", Distribution.normal_u95(0.15),
         "+/-15 % (engineering judgement); one draw per factor", ("factor",)),
    _row("ef.eac", "Certificate-covered consumption (EAC, zero-emission)", "multiplier", Distribution.fixed(),
         "0 on the rate: a certificate either passes the Scope 2 quality criteria or is excluded (binary), so it "
         "carries no rate uncertainty", ("instrument",)),
    _row("ef.marginal", "Marginal intensity (MOER)", "multiplier", Distribution.normal_u95(0.40),
         "+/-40 %: model-based, and providers disagree (engineering judgement). Marginal intensities enter only "
         "avoided-emissions estimates (the planner's consequential variant), which are reported beside the totals.",
         ("factor",)),
    _row("ef.supplier", "Supplier-specific rate", "multiplier", Distribution.normal_u95(0.05),
         "+/-5 % (engineering judgement); one draw per instrument. Certificates and PPAs at a zero rate carry no "
         "rate uncertainty; their eligibility is pass or fail.", ("instrument",)),
    # -- embodied and Scope 1 ------------------------------------------------------------------------
    _row("embodied.pcf", "Embodied emissions of hardware (vendor PCF)", "multiplier",
         Distribution("lognormal", (1.0, PCF_GSD), True),
         "lognormal, median at the recorded value, 95 % range from half to double it (GSD 1.42): PCFs are "
         "screening-level LCAs, BLOOM had to assume 150 kg per GPU. Identical items with the same PCF source are "
         "one draw (r = 1).", ("item", "asset", "all")),
    _row("embodied.lifetime", "Hardware lifetime of procurement records", "multiplier",
         Distribution("uniform", (0.8, 1.2), True), "uniform 4 to 6 years at 5 years, scaled to other lifetimes "
         "(SCI examples 4 years, LLMCarbon 5, BLOOM 6); one draw per group of the PCF correlation ('item'), or "
         "one for all hardware ('all')", ("item", "all")),
    _row("scope1.refrigerant_release", "Refrigerant released (top-up mass as proxy)", "multiplier",
         Distribution.normal_u95(0.20), "+/-20 % (engineering judgement); one draw per record", ("record",)),
    _row("scope1.stated_factor", "Emission factor stated on a Scope 1 record", "multiplier", Distribution.fixed(),
         "no default; set one from the record's source", ("record",)),
)}

ACTIVITY_PREFIXES = ("meter", "telemetry", "declared", "ef", "embodied", "scope1")


def is_activity_key(key: str) -> bool:
    """Return True for activity-data class keys (and their members such as ``meter:NAME``)."""
    return key.split(":", 1)[0].split(".", 1)[0] in ACTIVITY_PREFIXES


def class_of(key: str) -> str:
    """Return the class key of a member key: ``meter:site-main`` -> ``meter``, ``ef.location.annual:FR`` -> its class."""
    return key.split(":", 1)[0]


def check_key(key: str, distribution: Distribution, numeric_assumptions: set[str]) -> None:
    """Raise AssumptionError if ``key`` cannot carry ``distribution`` (unknown key or correlation)."""
    base = class_of(key)
    if key.startswith("meter:"):
        row = TABLE["meter.facility"]
    elif base in TABLE:
        row = TABLE[base]
    elif key in numeric_assumptions:
        row = None
    else:
        known = ", ".join(sorted(set(TABLE) | numeric_assumptions))
        raise AssumptionError(f"no uncertain input is named '{key}'",
                         hint=f"Use a numeric assumption or an activity class: {known}; a member as meter:NAME or "
                              "ef.location.annual:ZONE.")
    if distribution.correlation:
        options = row.correlations if row is not None else ()
        if distribution.correlation not in options:
            raise AssumptionError(f"'{key}' has no correlation '{distribution.correlation}'",
                             hint=f"Options: {', '.join(options) or 'none'}.")
    if key == "telemetry.gpu_offset_w" and distribution.relative:
        raise AssumptionError("the GPU power offset is in W, not a share of the value",
                         hint="Write for example telemetry.gpu_offset_w=uniform:-5,5.")


def pue_default(defaulted: bool) -> tuple[Distribution, str]:
    """Return the PUE distribution for a value still at the shipped default or set by a person."""
    category = "industry_default" if defaulted else "operator_declared"
    u95, text = PUE_CATEGORIES[category]
    return Distribution.normal_u95(u95), text


def meter_default(point_level: str, accuracy_class: str | None) -> tuple[Distribution, str]:
    """Return a meter's multiplier distribution from its class, or the class-less default of its point."""
    limit = class_limit_percent(accuracy_class)
    if limit is not None:
        return (Distribution.rectangular(limit / 100.0),
                f"accuracy class {accuracy_class}: rectangular +/-{limit:g} % (u = {limit / math.sqrt(3):.4g} %)")
    row = TABLE["meter.facility" if point_level == "facility" else "meter.it"]
    return row.distribution, row.basis


def capped(distribution: Distribution, value: float, high: float) -> Distribution:
    """Return the absolute distribution at ``value`` with its upper end capped at ``high`` (uniform only)."""
    absolute = distribution.at(value)
    if absolute.kind == "uniform" and absolute.params[1] > high:
        low = min(absolute.params[0], high)
        return Distribution("uniform", (low, high), False, absolute.correlation)
    return absolute


def table_rows() -> list[dict]:
    """Return the defaults table for reports and the command line: key, label, unit, distribution, basis."""
    rows = []
    for row in TABLE.values():
        rows.append({"key": row.key, "label": row.label, "unit": row.unit, "distribution": row.distribution.as_dict(),
                     "describe": row.distribution.describe(), "correlations": list(row.correlations),
                     "basis": row.basis})
    return rows
