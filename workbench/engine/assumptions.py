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
        "SCI (ISO/IEC 21031:2024): embodied emissions x time share of installed life x resource share.",
        choices=("sci",)),
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

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> "Assumptions":
        known = {key: coerce(key, value) for key, value in values.items() if key in SPECS}
        return cls(**known)

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in SPECS}
