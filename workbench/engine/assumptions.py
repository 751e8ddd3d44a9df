"""The assumptions a footprint depends on: keys, units, defaults and the basis of each default.

Assumption sets store values as JSON; :func:`coerce` checks a value against its spec before it
is stored, and :class:`Assumptions` is the frozen, typed snapshot the engine computes with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.errors import AssumptionError


@dataclass(frozen=True)
class AssumptionSpec:
    """What one assumption means, its unit, allowed range and default with the default's basis."""

    key: str
    label: str
    unit: str
    default: Any
    kind: str  # "number", "text" or "choice"
    basis: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False


SPECS: dict[str, AssumptionSpec] = {spec.key: spec for spec in (
    AssumptionSpec(
        "pue", "Power usage effectiveness", "kWh facility / kWh IT", 1.55, "number",
        "industry default; published survey averages lie between 1.5 and 1.6. Replace it with the "
        "site's measured PUE of the matching measurement category.", minimum=1.0, maximum=5.0),
    AssumptionSpec(
        "node_uplift", "Node uplift (GPU board to whole node)", "kWh node / kWh GPU", 1.35, "number",
        "engineering judgement for 8-GPU servers (range 1.2 to 1.6): host CPUs, memory, network cards, "
        "fans and power-supply losses. Replace it with node metering where available.",
        minimum=1.0, maximum=4.0),
    AssumptionSpec(
        "factor_zone", "Grid zone for emission factors", "", "", "text",
        "empty means each run uses the grid zone of its site.", optional=True),
    AssumptionSpec(
        "lifetime_years", "Hardware lifetime override", "years", None, "number",
        "empty means each asset's own lifetime from the procurement records.",
        minimum=0.1, maximum=30.0, optional=True),
    AssumptionSpec(
        "resource_share", "Share of site hardware used by a run", "fraction", None, "number",
        "empty means GPUs seen in the run's telemetry divided by GPUs in the site's procurement records.",
        minimum=0.0, maximum=1.0, optional=True),
    AssumptionSpec(
        "embodied_method", "Embodied amortization method", "", "sci", "choice",
        "sci (ISO/IEC 21031:2024): embodied emissions x share of installed life x resource share. "
        "bloom (Luccioni et al. 2023): share of expected used hours, lifetime x 8760 h x usage rate, so idle "
        "time is charged to users. llmcarbon (Faiz et al. 2024): accelerator dies only (chip area x embodied "
        "per cm2), a lower bound.", choices=("sci", "bloom", "llmcarbon")),
    AssumptionSpec(
        "usage_rate", "Usage rate of hardware (BLOOM-style amortization)", "fraction", 0.85, "number",
        "used for assets without a usage rate in the procurement records. 0.85 with a 6-year life reproduces "
        "the BLOOM paper's published per-hour rates (recalled wording, to verify; plausible range 0.7 to 0.95).",
        minimum=0.05, maximum=1.0),
    AssumptionSpec(
        "chip_area_mm2", "Accelerator die area (LLMCarbon method)", "mm2", 814.0, "number",
        "H100 die area used by the LLMCarbon reference code (data/hardware.csv). Set the die area of the "
        "accelerators actually used.", minimum=1.0, maximum=5000.0),
    AssumptionSpec(
        "chip_embodied_kg_per_cm2", "Embodied emissions per die area (LLMCarbon method)", "kgCO2e / cm2", 1.8,
        "number", "LLMCarbon reference code value for logic dies.", minimum=0.0, maximum=50.0),
    AssumptionSpec(
        "chip_lifetime_years", "Accelerator lifetime (LLMCarbon method)", "years", 5.0, "number",
        "LLMCarbon reference code amortizes over 5 x 365 days.", minimum=0.1, maximum=30.0),
    AssumptionSpec(
        "pue_category", "Measurement category of the PUE", "", "", "choice",
        "empty means the site's PUE category. PUE1 measures IT energy at the UPS output, PUE2 at the PDU output, "
        "PUE3 at the IT equipment input (ISO/IEC 30134-2; category details to verify against the current "
        "edition).", choices=("", "PUE1", "PUE2", "PUE3"), optional=True),
    AssumptionSpec(
        "distribution_loss_ups", "Distribution losses, UPS output to server input", "fraction of server input",
        0.03, "number",
        "engineering judgement: PDU and transformer losses of a few percent. Node energy is raised by this "
        "share before a PUE1 value is applied, so the job's IT energy is measured where the PUE measures it.",
        minimum=0.0, maximum=0.3),
    AssumptionSpec(
        "distribution_loss_pdu", "Distribution losses, PDU output to server input", "fraction of server input",
        0.01, "number",
        "engineering judgement: rack cabling and outlet losses. Node energy is raised by this share before a "
        "PUE2 value is applied.", minimum=0.0, maximum=0.3),
    AssumptionSpec(
        "pue_source", "Source of PUE", "", "assumption", "choice",
        "assumption uses the PUE value above for every hour. metered uses, for each hour, facility energy over "
        "IT energy from the site's own meters where both exist, and the PUE value for the other hours.",
        choices=("assumption", "metered")),
    AssumptionSpec(
        "tdp_utilization", "Average board power as a share of TDP", "fraction", 1.0, "number",
        "engineering judgement: applied to declared runs that give only a TDP. 1.0 is the upper bound, so the "
        "estimate does not understate energy; replace it with a measured average power.",
        minimum=0.05, maximum=1.0),
    AssumptionSpec(
        "compute_mfu", "Model FLOPs utilization (compute-based estimate)", "fraction", 0.40, "number",
        "engineering judgement for large dense transformer training (plausible range 0.3 to 0.5).",
        minimum=0.01, maximum=1.0),
    AssumptionSpec(
        "compute_peak_flops_per_s", "Accelerator peak FLOP/s (compute-based estimate)", "FLOP/s", 989e12,
        "number", "H100 SXM dense BF16 peak as recalled from the NVIDIA datasheet (to verify). Set the peak of "
        "the accelerators used and the number format trained in.", minimum=1e9, maximum=1e18),
    AssumptionSpec(
        "compute_power_w", "Average accelerator power (compute-based estimate)", "W", 700.0, "number",
        "H100 SXM TDP, an upper bound of average board power. Used when a declared run gives FLOPs but no power.",
        minimum=1.0, maximum=5000.0),
    AssumptionSpec(
        "gwp_set", "Global warming potentials", "", "AR6", "choice",
        "100-year GWPs of the IPCC Sixth Assessment Report, which ESRS requires (recalled, to verify); the GHG "
        "Protocol accepts AR5 or AR6 if disclosed.", choices=("AR5", "AR6")),
    AssumptionSpec(
        "diesel_co2_kg_per_gj", "Diesel CO2 emission factor", "kgCO2 / GJ", 74.1, "number",
        "IPCC 2006 Guidelines Vol. 2 ch. 2 default for gas/diesel oil (recalled, to verify).",
        minimum=0.0, maximum=200.0),
    AssumptionSpec(
        "diesel_ch4_kg_per_tj", "Diesel CH4 emission factor", "kgCH4 / TJ", 3.0, "number",
        "IPCC 2006 Guidelines Vol. 2 ch. 2 default for stationary combustion of gas/diesel oil (recalled, to "
        "verify).", minimum=0.0, maximum=1000.0),
    AssumptionSpec(
        "diesel_n2o_kg_per_tj", "Diesel N2O emission factor", "kgN2O / TJ", 0.6, "number",
        "IPCC 2006 Guidelines Vol. 2 ch. 2 default for stationary combustion of gas/diesel oil (recalled, to "
        "verify).", minimum=0.0, maximum=1000.0),
    AssumptionSpec(
        "diesel_ncv_gj_per_t", "Diesel net calorific value", "GJ / t", 43.0, "number",
        "IPCC 2006 Guidelines Vol. 2 ch. 1 default for gas/diesel oil (recalled, to verify).",
        minimum=1.0, maximum=100.0),
    AssumptionSpec(
        "diesel_density_kg_per_l", "Diesel density", "kg / L", 0.84, "number",
        "engineering judgement, typical road and generator diesel at 15 degC.", minimum=0.5, maximum=1.2),
    AssumptionSpec(
        "natural_gas_co2_kg_per_gj", "Natural gas CO2 emission factor", "kgCO2 / GJ", 56.1, "number",
        "IPCC 2006 Guidelines Vol. 2 ch. 2 default (recalled, to verify).", minimum=0.0, maximum=200.0),
    AssumptionSpec(
        "natural_gas_ch4_kg_per_tj", "Natural gas CH4 emission factor", "kgCH4 / TJ", 1.0, "number",
        "IPCC 2006 Guidelines Vol. 2 ch. 2 default for stationary combustion (recalled, to verify).",
        minimum=0.0, maximum=1000.0),
    AssumptionSpec(
        "natural_gas_n2o_kg_per_tj", "Natural gas N2O emission factor", "kgN2O / TJ", 0.1, "number",
        "IPCC 2006 Guidelines Vol. 2 ch. 2 default for stationary combustion (recalled, to verify).",
        minimum=0.0, maximum=1000.0),
    AssumptionSpec(
        "electricity_wtt_g_per_kwh", "Upstream (well-to-tank) emissions of purchased electricity",
        "gCO2e / kWh", None, "number",
        "no default, because upstream emissions of generation fuels differ by grid; empty leaves Scope 3 "
        "category 3b uncalculated and says so. Take it from the factor source used for the grid.",
        minimum=0.0, maximum=500.0, optional=True),
    AssumptionSpec(
        "td_loss_rate", "Transmission and distribution losses", "fraction of consumption", None, "number",
        "no default, because grid losses differ by country (a few percent in Europe, far more elsewhere); empty "
        "leaves Scope 3 category 3c uncalculated and says so.", minimum=0.0, maximum=0.5, optional=True),
    AssumptionSpec(
        "diesel_wtt_kg_per_l", "Upstream (well-to-tank) emissions of diesel", "kgCO2e / L", None, "number",
        "no default; empty leaves Scope 3 category 3a for diesel uncalculated and says so.",
        minimum=0.0, maximum=5.0, optional=True),
    AssumptionSpec(
        "natural_gas_wtt_kg_per_gj", "Upstream (well-to-tank) emissions of natural gas", "kgCO2e / GJ", None,
        "number", "no default; empty leaves Scope 3 category 3a for natural gas uncalculated and says so.",
        minimum=0.0, maximum=100.0, optional=True),
)}


def coerce(key: str, value: Any) -> Any:
    """Return ``value`` converted to the type of assumption ``key``; raise AssumptionError if invalid."""
    spec = SPECS.get(key)
    if spec is None:
        raise AssumptionError(f"unknown assumption '{key}'", hint=f"Known assumptions: {', '.join(SPECS)}.")
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if spec.optional:
            return None if spec.kind == "number" else ""
        raise AssumptionError(f"assumption '{key}' needs a value")
    if spec.kind == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise AssumptionError(f"assumption '{key}' must be a number, not '{value}'") from None
        if spec.minimum is not None and number < spec.minimum:
            raise AssumptionError(f"assumption '{key}' must be at least {spec.minimum:g}, not {number:g}")
        if spec.maximum is not None and number > spec.maximum:
            raise AssumptionError(f"assumption '{key}' must be at most {spec.maximum:g}, not {number:g}")
        return number
    text = str(value).strip()
    if spec.kind == "choice" and text not in spec.choices:
        raise AssumptionError(f"assumption '{key}' must be one of {', '.join(spec.choices)}, not '{text}'")
    return text


@dataclass(frozen=True)
class Assumptions:
    """A resolved assumption set, frozen so a computation cannot change it midway."""

    pue: float = SPECS["pue"].default
    node_uplift: float = SPECS["node_uplift"].default
    factor_zone: str = ""
    lifetime_years: float | None = None
    resource_share: float | None = None
    embodied_method: str = "sci"
    usage_rate: float = SPECS["usage_rate"].default
    chip_area_mm2: float = SPECS["chip_area_mm2"].default
    chip_embodied_kg_per_cm2: float = SPECS["chip_embodied_kg_per_cm2"].default
    chip_lifetime_years: float = SPECS["chip_lifetime_years"].default
    pue_category: str = ""
    distribution_loss_ups: float = SPECS["distribution_loss_ups"].default
    distribution_loss_pdu: float = SPECS["distribution_loss_pdu"].default
    pue_source: str = "assumption"
    tdp_utilization: float = SPECS["tdp_utilization"].default
    compute_mfu: float = SPECS["compute_mfu"].default
    compute_peak_flops_per_s: float = SPECS["compute_peak_flops_per_s"].default
    compute_power_w: float = SPECS["compute_power_w"].default
    gwp_set: str = SPECS["gwp_set"].default
    diesel_co2_kg_per_gj: float = SPECS["diesel_co2_kg_per_gj"].default
    diesel_ch4_kg_per_tj: float = SPECS["diesel_ch4_kg_per_tj"].default
    diesel_n2o_kg_per_tj: float = SPECS["diesel_n2o_kg_per_tj"].default
    diesel_ncv_gj_per_t: float = SPECS["diesel_ncv_gj_per_t"].default
    diesel_density_kg_per_l: float = SPECS["diesel_density_kg_per_l"].default
    natural_gas_co2_kg_per_gj: float = SPECS["natural_gas_co2_kg_per_gj"].default
    natural_gas_ch4_kg_per_tj: float = SPECS["natural_gas_ch4_kg_per_tj"].default
    natural_gas_n2o_kg_per_tj: float = SPECS["natural_gas_n2o_kg_per_tj"].default
    electricity_wtt_g_per_kwh: float | None = None
    td_loss_rate: float | None = None
    diesel_wtt_kg_per_l: float | None = None
    natural_gas_wtt_kg_per_gj: float | None = None
    # Keys whose value is the shipped default rather than one a person set; results count the
    # emissions resting on them as defaulted.
    defaulted_keys: frozenset[str] = frozenset()

    @classmethod
    def from_values(cls, values: dict[str, Any], defaulted_keys: frozenset[str] = frozenset()) -> "Assumptions":
        known = {key: coerce(key, value) for key, value in values.items() if key in SPECS}
        return cls(**known, defaulted_keys=frozenset(defaulted_keys))

    def is_defaulted(self, key: str) -> bool:
        return key in self.defaulted_keys

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in SPECS}
