"""Choosing each input's distribution: the assumption set's, else the default of the defaults table."""

from __future__ import annotations

from workbench.engine.assumptions import Assumptions
from workbench.engine.uncertainty.builder import Lookup, Resolved
from workbench.engine.uncertainty.defaults import TABLE, capped, meter_default, pue_default
from workbench.engine.uncertainty.distributions import Distribution


def assumption(lookup: Lookup, key: str, a: Assumptions) -> Resolved:
    """Return the absolute distribution of assumption ``key`` at its value in ``a``."""
    value = getattr(a, key)
    stored = lookup(key)
    if stored is not None:
        return Resolved(stored.distribution.at(value), stored.origin, stored.basis)
    if key == "pue":
        distribution, basis = pue_default(a.is_defaulted("pue"))
        return Resolved(distribution.at(value), "default", basis)
    row = TABLE.get(key)
    if row is None or value is None:
        return Resolved(Distribution.fixed(), "default", "no default distribution; set one to make it uncertain")
    if key == "usage_rate":
        return Resolved(capped(row.distribution, value, 1.0), "default", row.basis)
    return Resolved(row.distribution.at(value), "default", row.basis)


def activity(lookup: Lookup, class_key: str, member: str | None = None) -> Resolved:
    """Return the multiplier distribution of an activity-data class, or of one member of it."""
    if member is not None:
        stored = lookup(f"{class_key}:{member}")
        if stored is not None:
            return multiplier(stored)
    stored = lookup(class_key)
    if stored is not None:
        return multiplier(stored)
    row = TABLE[class_key]
    return Resolved(row.distribution.at(1.0), "default", row.basis)


def members(lookup: Lookup, class_key: str, names: list[str]) -> list[Resolved]:
    """Return the distribution of each named member of a class (the class's unless a member has its own)."""
    common = activity(lookup, class_key)
    result = []
    for name in names:
        stored = lookup(f"{class_key}:{name}")
        result.append(common if stored is None else multiplier(stored))
    return result


def meter(lookup: Lookup, name: str, level: str, accuracy_class: str | None) -> Resolved:
    """Return a meter's multiplier distribution: set for the meter, set for its point, else from its class."""
    stored = lookup(f"meter:{name}") or lookup("meter.facility" if level == "facility" else "meter.it")
    if stored is not None:
        return multiplier(stored)
    distribution, basis = meter_default(level, accuracy_class)
    return Resolved(distribution.at(1.0), "default", basis)


def correlation(lookup: Lookup, class_key: str) -> str:
    """Return the correlation the set chose for a class, else the class's default."""
    stored = lookup(class_key)
    if stored is not None and stored.distribution.correlation:
        return stored.distribution.correlation
    return TABLE[class_key].default_correlation or ""


def multiplier(stored: Resolved) -> Resolved:
    """Return a stored class distribution in the units of its input: multipliers of 1, or W for offsets."""
    return Resolved(stored.distribution.at(1.0), stored.origin, stored.basis)
