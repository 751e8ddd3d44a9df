"""Meters in the energy chain: where each one measures, and how accurate its class makes it.

A meter's measurement point decides the level of its energy. The facility meter is at the
utility connection, so its energy already includes the overhead that PUE stands for. UPS output,
PDU output and server input measure IT energy at the points of the three PUE measurement
categories of ISO/IEC 30134-2 (PUE1, PUE2, PUE3). The accuracy class of IEC 62053-21/-22 (1, 2, 0.5S, 0.2S ...) is the limit of the
relative error in percent; read as a rectangular distribution, its standard uncertainty is the
limit divided by the square root of 3 (class 0.5S: u = 0.2887 %, U95 = 0.566 %).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

LEVEL_OF_POINT = {"facility": "facility", "ups_output": "it", "pdu_output": "it", "server_input": "it"}
PUE_CATEGORY_OF_POINT = {"ups_output": "PUE1", "pdu_output": "PUE2", "server_input": "PUE3"}


@dataclass(frozen=True)
class MeterInput:
    """One meter's hourly energy with where it measures and its accuracy class."""

    name: str
    site: str | None
    measurement_point: str
    accuracy_class: str | None
    hours: np.ndarray
    energy_kwh: np.ndarray

    @property
    def level(self) -> str:
        return LEVEL_OF_POINT[self.measurement_point]

    @property
    def pue_category(self) -> str | None:
        return PUE_CATEGORY_OF_POINT.get(self.measurement_point)


@dataclass(frozen=True)
class MeasuredPue:
    """PUE measured from a facility meter and an IT meter over their common hours."""

    value: float
    category: str
    hours: int
    facility_kwh: float
    it_kwh: float
    u_rel: float | None


def class_limit_percent(accuracy_class: str | None) -> float | None:
    """Return the error limit in percent of an accuracy class such as '0.5S', '1' or 'class 2'."""
    if not accuracy_class:
        return None
    match = re.search(r"(\d+(?:\.\d+)?)", accuracy_class)
    return float(match.group(1)) if match else None


def class_standard_uncertainty(accuracy_class: str | None) -> float | None:
    """Return the relative standard uncertainty (a fraction) of an accuracy class, rectangular."""
    limit = class_limit_percent(accuracy_class)
    return None if limit is None else limit / 100.0 / math.sqrt(3.0)


def measured_pue(facility: MeterInput, it: MeterInput) -> MeasuredPue | None:
    """Return facility energy / IT energy over the hours both meters cover, or None without overlap.

    Raises ValueError when the meters are not a facility meter and an IT-level meter.
    """
    if facility.level != "facility" or it.level != "it":
        raise ValueError(f"a measured PUE needs a facility meter and an IT meter, not {facility.measurement_point} "
                         f"and {it.measurement_point}")
    common, in_facility, in_it = np.intersect1d(facility.hours, it.hours, return_indices=True)
    if not len(common):
        return None
    facility_kwh = float(facility.energy_kwh[in_facility].sum())
    it_kwh = float(it.energy_kwh[in_it].sum())
    if it_kwh <= 0:
        return None
    parts = [class_standard_uncertainty(m.accuracy_class) for m in (facility, it)]
    u_rel = math.sqrt(sum(p * p for p in parts)) if all(p is not None for p in parts) else None
    return MeasuredPue(facility_kwh / it_kwh, it.pue_category, len(common), facility_kwh, it_kwh, u_rel)
