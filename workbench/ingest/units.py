"""Unit conversion through pint, cached per unit text.

Readers only need a scale factor from a unit written in a header or after a value (``W``,
``kW``, ``MWh``, ``GJ``...) to the engine's base units: watts for power and watt-hours for
energy. pint is imported on first use because it costs about 0.2 s.
"""

from __future__ import annotations

from functools import lru_cache

_ALIASES = {"wh": "Wh", "kwh": "kWh", "mwh": "MWh", "gwh": "GWh", "twh": "TWh", "w": "W",
            "kw": "kW", "mw": "MW", "j": "J", "kj": "kJ", "mj": "MJ", "gj": "GJ"}


class UnitError(ValueError):
    """A unit text is unknown or measures the wrong quantity."""


@lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry()


_SYMBOLS = frozenset({"W", "kW", "MW", "GW", "mW", "Wh", "kWh", "MWh", "GWh", "TWh", "mWh", "J", "kJ", "MJ",
                      "GJ", "mJ"})


def _normalize(unit: str) -> str:
    text = unit.strip()
    if text in _SYMBOLS:
        return text
    # Energy data writes 'mwh' or 'MWH' for megawatt-hours, which pint would read as milliwatt-hours
    # or not at all, so other spellings map to the usual symbols by their lower-case form.
    return _ALIASES.get(text.lower(), text)


@lru_cache(maxsize=256)
def scale_to(unit: str, target: str) -> float:
    """Return the factor that converts a value in ``unit`` to ``target`` (for example 'kWh' -> 'Wh').

    Raises UnitError when the unit is unknown or has other dimensions than the target.
    """
    if _normalize(unit) == target:
        return 1.0
    registry = _registry()
    try:
        quantity = registry.Quantity(1.0, _normalize(unit))
        return float(quantity.to(target).magnitude)
    except Exception as exc:  # pint raises several unrelated classes for unknown or wrong units
        raise UnitError(f"'{unit}' is not a unit of {_dimension_name(target)}") from exc


def energy_scale_to_wh(unit: str) -> float:
    return scale_to(unit, "Wh")


def power_scale_to_w(unit: str) -> float:
    return scale_to(unit, "W")


def _dimension_name(target: str) -> str:
    return {"Wh": "energy", "W": "power"}.get(target, target)
