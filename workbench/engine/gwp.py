"""100-year global warming potentials (AR5 and AR6) and refrigerant blends.

Values are as recalled from IPCC AR5 WG1 ch. 8 table 8.A.1 (without climate-carbon feedback)
and AR6 WG1 ch. 7 table 7.SM.7; they must be checked against the tables before release. The GWP
set in use is the ``gwp_set`` assumption, so an inventory can be recomputed under either.

A blend's GWP is the mass-fraction-weighted GWP of its components. For AR5 the usual published
blend figures are integers (R-410A 1,924 from 0.5 x 677 + 0.5 x 3,170 = 1,923.5), and those
published figures are used where listed; AR6 blends are weighted from components unrounded.
"""

from __future__ import annotations

from workbench.errors import UsageError

GWP_SETS = ("AR5", "AR6")

# NOTE: recalled values, to verify against the IPCC tables before release.
GWP100: dict[str, dict[str, float]] = {
    "AR5": {
        "CO2": 1.0, "CH4": 28.0, "N2O": 265.0, "SF6": 23500.0, "NF3": 16100.0, "CF4": 6630.0, "C2F6": 11100.0,
        "HFC-23": 12400.0, "HFC-32": 677.0, "HFC-125": 3170.0, "HFC-134a": 1300.0, "HFC-143a": 4800.0,
        "HFC-152a": 138.0, "HFC-227ea": 3350.0, "HFC-236fa": 8060.0, "HFC-245fa": 858.0,
        "HFO-1234yf": 1.0, "HFO-1234ze(E)": 1.0,
    },
    "AR6": {
        "CO2": 1.0, "CH4": 29.8, "N2O": 273.0, "SF6": 24300.0, "NF3": 17400.0, "CF4": 7380.0, "C2F6": 12400.0,
        "HFC-23": 14600.0, "HFC-32": 771.0, "HFC-125": 3740.0, "HFC-134a": 1530.0, "HFC-143a": 5810.0,
        "HFC-152a": 164.0, "HFC-227ea": 3600.0, "HFC-236fa": 8690.0, "HFC-245fa": 962.0,
        "HFO-1234yf": 0.501, "HFO-1234ze(E)": 1.37,
    },
}
# AR5 lists fossil and biogenic CH4 together at 28 here; AR6 gives fossil CH4 (29.8), used for
# fuel combustion.

# Refrigerant designations (ASHRAE 34) to component mass fractions.
BLENDS: dict[str, dict[str, float]] = {
    "R-410A": {"HFC-32": 0.5, "HFC-125": 0.5},
    "R-404A": {"HFC-125": 0.44, "HFC-143a": 0.52, "HFC-134a": 0.04},
    "R-407C": {"HFC-32": 0.23, "HFC-125": 0.25, "HFC-134a": 0.52},
    "R-507A": {"HFC-125": 0.5, "HFC-143a": 0.5},
    "R-513A": {"HFO-1234yf": 0.56, "HFC-134a": 0.44},
    "R-454B": {"HFC-32": 0.689, "HFO-1234yf": 0.311},
}
SINGLE_REFRIGERANTS = {"R-32": "HFC-32", "R-125": "HFC-125", "R-134a": "HFC-134a", "R-143a": "HFC-143a",
                       "R-23": "HFC-23", "R-227ea": "HFC-227ea", "R-1234yf": "HFO-1234yf",
                       "R-1234ze(E)": "HFO-1234ze(E)"}
# Blend GWPs as printed in the common AR5-based tables (integers); recalled, to verify.
PUBLISHED_AR5_BLENDS = {"R-410A": 1924.0, "R-404A": 3943.0, "R-407C": 1624.0, "R-507A": 3985.0}


def gas_gwp(gas: str, gwp_set: str) -> float:
    """Return the 100-year GWP of ``gas`` in ``gwp_set``; raise UsageError for unknown names."""
    if gwp_set not in GWP_SETS:
        raise UsageError(f"unknown GWP set '{gwp_set}'", hint=f"Use one of: {', '.join(GWP_SETS)}.")
    table = GWP100[gwp_set]
    if gas not in table:
        raise UsageError(f"no {gwp_set} GWP for gas '{gas}'",
                         hint=f"Known gases: {', '.join(sorted(table))}; or give the GWP on the record.")
    return table[gas]


def normalize_refrigerant(name: str) -> str:
    """Return the canonical designation: ``r410a`` and ``R410A`` become ``R-410A``."""
    text = name.strip().upper().replace(" ", "")
    if text.startswith("R") and not text.startswith("R-"):
        text = "R-" + text[1:]
    for known in list(BLENDS) + list(SINGLE_REFRIGERANTS):
        if known.upper() == text:
            return known
    return name.strip()


def blend_gwp(composition: dict[str, float], gwp_set: str) -> float:
    """Return the mass-fraction-weighted GWP of a composition; fractions must add up to 1."""
    total = sum(composition.values())
    if abs(total - 1.0) > 1e-6:
        raise UsageError(f"refrigerant mass fractions add up to {total:g}, not 1",
                         hint="Give the fractions of every component of the blend.")
    return sum(fraction * gas_gwp(gas, gwp_set) for gas, fraction in composition.items())


def refrigerant_gwp(name: str, gwp_set: str, composition: dict[str, float] | None = None) -> tuple[float, str]:
    """Return (GWP, basis) of refrigerant ``name`` in ``gwp_set``.

    ``composition`` (component gas to mass fraction) describes a blend not in the table.
    """
    if composition:
        return blend_gwp(composition, gwp_set), "mass-weighted from the stated composition"
    canonical = normalize_refrigerant(name)
    if gwp_set == "AR5" and canonical in PUBLISHED_AR5_BLENDS:
        return PUBLISHED_AR5_BLENDS[canonical], f"published AR5 blend GWP of {canonical}"
    if canonical in BLENDS:
        return blend_gwp(BLENDS[canonical], gwp_set), f"mass-weighted {gwp_set} GWPs of the {canonical} components"
    if canonical in SINGLE_REFRIGERANTS:
        gas = SINGLE_REFRIGERANTS[canonical]
        return gas_gwp(gas, gwp_set), f"{gwp_set} GWP of {gas}"
    return gas_gwp(canonical, gwp_set), f"{gwp_set} GWP of {canonical}"
