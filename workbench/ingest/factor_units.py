"""Emission intensity units and periods shared by the factor dataset readers.

Intensities are stored in gCO2e/kWh (or gCO2/kWh where the dataset's gas basis is CO2 only).
A unit is read from text such as ``gCO2/kWh``, ``gCO₂eq/kWh``, ``kg/MWh``, ``t/MWh``,
``lbs/MWh`` or ``lb CO2e per MWh``; the gas basis is what the unit names (CO2 or CO2e), or
None when it names neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

LB_G = 453.59237
_MASS_G = {"g": 1.0, "kg": 1000.0, "t": 1e6, "tonne": 1e6, "tonnes": 1e6, "lb": LB_G, "lbs": LB_G,
           "pound": LB_G, "pounds": LB_G}
_ENERGY_KWH = {"kwh": 1.0, "mwh": 1000.0, "gwh": 1e6}
_UNIT = re.compile(
    r"(?P<mass>tonnes?|pounds?|lbs?|kg|g|t)\s*(?P<gas>co[2₂](?:[-.\s]?e(?:q)?)?)?\s*(?:/|per)\s*(?P<energy>kwh|mwh|gwh)",
    re.IGNORECASE)


@dataclass(frozen=True)
class IntensityUnit:
    """A parsed intensity unit: its text, the factor to g/kWh and the gas basis it states."""

    text: str
    to_g_per_kwh: float
    gas_basis: str | None


def parse_intensity_unit(text: str) -> IntensityUnit | None:
    """Return the intensity unit stated in ``text`` (a header or unit cell), or None."""
    match = _UNIT.search(text.replace("₂", "2") if "₂" in text else text)
    if not match:
        return None
    mass = match.group("mass").lower()
    scale = _MASS_G[mass] / _ENERGY_KWH[match.group("energy").lower()]
    gas = match.group("gas")
    basis = None
    if gas:
        basis = "CO2e" if gas.lower().rstrip("q").endswith("e") else "CO2"
    return IntensityUnit(match.group(0), scale, basis)


# Factor periods outside these years are typing errors, not data.
MIN_YEAR, MAX_YEAR = 1900, 2200


class PeriodError(ValueError):
    """A factor period names a year outside MIN_YEAR..MAX_YEAR or a month outside 1..12."""


def _check_period(year: int, month: int = 1) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR or not 1 <= month <= 12:
        raise PeriodError(f"{year}-{month:02d} is not a period between {MIN_YEAR} and {MAX_YEAR}")


def year_bounds(year: int) -> tuple[int, int]:
    """Return [1 January, next 1 January) of ``year`` in Unix seconds UTC; raise PeriodError for an implausible year."""
    _check_period(year)
    start = datetime(year, 1, 1, tzinfo=timezone.utc).timestamp()
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc).timestamp()
    return int(start), int(end)


def month_bounds(year: int, month: int) -> tuple[int, int]:
    _check_period(year, month)
    start = datetime(year, month, 1, tzinfo=timezone.utc)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.utc)
    return int(start.timestamp()), int(end.timestamp())


_YEAR_IN_TEXT = re.compile(r"(?<!\d)(19[5-9]\d|20[0-9]\d)(?!\d)")


def year_in_text(text: str) -> int | None:
    """Return the first plausible year (1950-2099) written in ``text``, or None."""
    match = _YEAR_IN_TEXT.search(text or "")
    return int(match.group(1)) if match else None
