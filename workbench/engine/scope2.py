"""Market-based Scope 2: contractual instruments allocated in the GHG Protocol hierarchy.

Per market and reporting period, consumption is covered in this order (Scope 2 Guidance,
market-based factor hierarchy):

1. energy attribute certificates (GO, REC, I-REC) retired for the consumption;
2. direct contracts (PPAs) whose attributes are conveyed;
3. supplier-specific rates (including green tariffs);
4. the residual mix for the rest;
5. the location-based grid average where no residual mix exists, with a disclosure saying so.

An instrument covers consumption only inside its vintage window, so an hourly certificate
covers its hour and an annual one the whole year. Volume left over in one window is not carried
to another. Instruments that fail a quality criterion, stated on the record or detected here
(not retired, vintage outside the period, another market, a certificate claimed twice), are
dropped and listed with the criteria they fail. Offsets (carbon credits) are listed and never
netted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from workbench.engine.factors import FactorTable, match_hours
from workbench.engine.periods import Period

INSTRUMENT_TYPES = ("eac", "ppa", "supplier", "offset")
HIERARCHY = {"eac": 1, "ppa": 2, "supplier": 3}
QUALITY_CRITERIA = {
    1: "conveys the emission rate of the generation it represents",
    2: "is the only instrument claiming that generation",
    3: "is tracked and retired (cancelled) for the reporting company",
    4: "is issued and retired close to the consumption period",
    5: "comes from the same market as the consumption",
    6: "a supplier rate is computed on delivered electricity net of certificates retired for customers",
    7: "a direct contract conveys attributes only with its certificates retired or none issued",
    8: "unclaimed electricity uses a residual mix, or its absence is disclosed",
}


@dataclass(frozen=True)
class InstrumentInput:
    """One contractual instrument from the register.

    ``type`` is eac, ppa, supplier or offset. ``mwh`` None means a supplier rate that covers all
    remaining delivered consumption of its market in its window. ``criteria`` contains the stated
    results of the quality criteria (1 to 8); criteria missing from it count as not assessed.
    ``credit_co2e_kg`` is the size of an offset.
    """

    instrument_id: str
    type: str
    market: str
    mwh: float | None
    ef_kg_per_mwh: float
    vintage_start_s: float
    vintage_end_s: float
    retired: bool = True
    criteria: Mapping[int, bool] = field(default_factory=dict)
    criteria_notes: Mapping[int, str] = field(default_factory=dict)
    certificate_ids: tuple[str, ...] = ()
    label: str | None = None
    technology: str | None = None
    credit_co2e_kg: float | None = None


@dataclass(frozen=True)
class MarketConsumption:
    """Scope 2 electricity of one market per UTC hour, with its location-based emissions per hour.

    ``residual_g`` (g/kWh per hour, NaN where none) may be given when already matched to the
    hours; otherwise the residual-mix table is matched at allocation.
    """

    market: str
    hours: np.ndarray
    kwh: np.ndarray
    location_kg: np.ndarray
    residual_g: np.ndarray | None = None


@dataclass(frozen=True)
class InstrumentUse:
    """How much of an instrument covered consumption, at what emissions."""

    instrument_id: str
    type: str
    label: str | None
    market: str
    covered_mwh: float
    unused_mwh: float
    ef_kg_per_mwh: float
    co2e_kg: float
    unassessed_criteria: tuple[int, ...]


@dataclass(frozen=True)
class ExcludedInstrument:
    """An instrument dropped from the market-based figure, with the criteria it fails."""

    instrument_id: str
    type: str
    market: str
    mwh: float | None
    failed_criteria: tuple[int, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MarketResult:
    """The market-based Scope 2 of one market."""

    market: str
    consumption_mwh: float
    covered_mwh: dict[str, float]
    residual_mix_mwh: float
    location_fallback_mwh: float
    instruments_co2e_kg: float
    residual_mix_co2e_kg: float
    location_fallback_co2e_kg: float
    co2e_kg: float
    residual_mix_available: bool
    instruments_market: bool

    def shares(self) -> dict[str, float]:
        """Share of consumption covered by each instrument type, the residual mix and the fallback."""
        if self.consumption_mwh <= 0:
            return {}
        parts = dict(self.covered_mwh)
        parts["residual_mix"] = self.residual_mix_mwh
        parts["location_fallback"] = self.location_fallback_mwh
        return {key: value / self.consumption_mwh for key, value in parts.items()}


@dataclass(frozen=True)
class MarketBasedResult:
    markets: tuple[MarketResult, ...]
    used: tuple[InstrumentUse, ...]
    excluded: tuple[ExcludedInstrument, ...]
    offsets: tuple[InstrumentInput, ...]
    co2e_kg: float
    disclosures: tuple[str, ...]


def screen_instruments(instruments: Sequence[InstrumentInput], markets: set[str], period: Period
                       ) -> tuple[list[InstrumentInput], list[ExcludedInstrument], list[InstrumentInput]]:
    """Split instruments into usable ones, excluded ones (with failed criteria) and offsets.

    Of two instruments claiming the same certificate, the one of earlier vintage keeps it, and
    for equal vintages the one listed first.
    """
    usable, excluded, offsets = [], [], []
    claimed: dict[str, str] = {}
    for instrument in sorted(instruments, key=lambda item: item.vintage_start_s):
        if instrument.type == "offset":
            offsets.append(instrument)
            continue
        failed = {number: f"stated as failed on the record: {QUALITY_CRITERIA[number]}"
                  + (f" ({instrument.criteria_notes[number]})" if number in instrument.criteria_notes else "")
                  for number, passed in instrument.criteria.items() if passed is False}
        _detect_failures(instrument, markets, period, claimed, failed)
        if instrument.type not in HIERARCHY:
            failed[1] = f"unknown instrument type '{instrument.type}'"
        if failed:
            numbers = tuple(sorted(failed))
            excluded.append(ExcludedInstrument(instrument.instrument_id, instrument.type, instrument.market,
                                               instrument.mwh, numbers, tuple(failed[n] for n in numbers)))
        else:
            usable.append(instrument)
            for certificate in instrument.certificate_ids:
                claimed[certificate] = instrument.instrument_id
    return usable, excluded, offsets


def _detect_failures(instrument: InstrumentInput, markets: set[str], period: Period, claimed: dict[str, str],
                     failed: dict[int, str]) -> None:
    if instrument.type in ("eac", "ppa") and not instrument.retired:
        failed[3] = "not retired (cancelled) for the reporting company"
    if period.overlap_s(instrument.vintage_start_s, instrument.vintage_end_s) <= 0:
        failed[4] = "vintage lies outside the reporting period"
    if instrument.market not in markets:
        failed[5] = f"market {instrument.market} has no Scope 2 consumption in the period"
    twice = [certificate for certificate in instrument.certificate_ids if certificate in claimed]
    if twice:
        failed[2] = f"certificate {twice[0]} is already claimed by instrument {claimed[twice[0]]}"


def allocate_market(consumption: MarketConsumption, instruments: Sequence[InstrumentInput],
                    residual: FactorTable | None, period: Period) -> tuple[MarketResult, list[InstrumentUse]]:
    """Cover one market's consumption with its instruments in hierarchy order, then residual mix."""
    remaining = consumption.kwh.astype(float).copy()
    uses = []
    covered = {kind: 0.0 for kind in HIERARCHY}
    instruments_kg = 0.0
    ordered = sorted(instruments, key=lambda i: (HIERARCHY[i.type], i.vintage_start_s, i.instrument_id))
    for instrument in ordered:
        start = max(instrument.vintage_start_s, period.start_s)
        end = min(instrument.vintage_end_s, period.end_s)
        window = (consumption.hours >= start) & (consumption.hours < end)
        available_kwh = float(remaining[window].sum())
        requested_kwh = available_kwh if instrument.mwh is None else instrument.mwh * 1000.0
        cover_kwh = min(requested_kwh, available_kwh)
        if available_kwh > 0:
            remaining[window] *= 1.0 - cover_kwh / available_kwh
        co2e = cover_kwh / 1000.0 * instrument.ef_kg_per_mwh
        instruments_kg += co2e
        covered[instrument.type] += cover_kwh / 1000.0
        unused = 0.0 if instrument.mwh is None else instrument.mwh - cover_kwh / 1000.0
        unassessed = tuple(n for n in QUALITY_CRITERIA if n not in instrument.criteria)
        uses.append(InstrumentUse(instrument.instrument_id, instrument.type, instrument.label, consumption.market,
                                  cover_kwh / 1000.0, unused, instrument.ef_kg_per_mwh, co2e, unassessed))

    residual_g = consumption.residual_g
    if residual_g is None:
        residual_g = match_hours(residual, consumption.hours).g_per_kwh
    has_residual = ~np.isnan(residual_g)
    with np.errstate(invalid="ignore", divide="ignore"):
        remaining_share = np.where(consumption.kwh > 0, remaining / consumption.kwh, 0.0)
    residual_kg = float(remaining[has_residual] @ residual_g[has_residual]) / 1000.0
    fallback_kg = float(remaining_share[~has_residual] @ consumption.location_kg[~has_residual])
    result = MarketResult(
        market=consumption.market, consumption_mwh=float(consumption.kwh.sum()) / 1000.0, covered_mwh=covered,
        residual_mix_mwh=float(remaining[has_residual].sum()) / 1000.0,
        location_fallback_mwh=float(remaining[~has_residual].sum()) / 1000.0,
        instruments_co2e_kg=instruments_kg, residual_mix_co2e_kg=residual_kg, location_fallback_co2e_kg=fallback_kg,
        co2e_kg=instruments_kg + residual_kg + fallback_kg, residual_mix_available=bool(has_residual.any()),
        instruments_market=bool(instruments) or residual is not None)
    return result, uses


def market_based(consumption: Sequence[MarketConsumption], instruments: Sequence[InstrumentInput],
                 residual_tables: Mapping[str, FactorTable], period: Period) -> MarketBasedResult:
    """Return the market-based Scope 2 of every market in ``consumption`` for ``period``."""
    markets = {item.market for item in consumption if item.kwh.sum() > 0}
    usable, excluded, offsets = screen_instruments(instruments, markets, period)
    results, uses, disclosures = [], [], []
    for item in consumption:
        chosen = [instrument for instrument in usable if instrument.market == item.market]
        result, market_uses = allocate_market(item, chosen, residual_tables.get(item.market), period)
        results.append(result)
        uses.extend(market_uses)
        disclosures.extend(_market_disclosures(result))
    if offsets:
        disclosures.append(f"{len(offsets)} offset(s) are reported separately and not deducted from any scope")
    for instrument in excluded:
        disclosures.append(f"instrument {instrument.instrument_id} is excluded: {'; '.join(instrument.reasons)}")
    total = sum(result.co2e_kg for result in results)
    return MarketBasedResult(tuple(results), tuple(uses), tuple(excluded), tuple(offsets), total, tuple(disclosures))


def _market_disclosures(result: MarketResult) -> list[str]:
    if result.location_fallback_mwh <= 0:
        return []
    mwh = f"{result.location_fallback_mwh:,.6g} MWh"
    if not result.instruments_market:
        return [f"market {result.market}: no contractual instruments and no residual mix are known, so the "
                f"location-based factor is used for {mwh} inside the market-based total"]
    if not result.residual_mix_available:
        return [f"market {result.market}: residual mix unavailable, so the location-based grid average is used "
                f"for {mwh} of unclaimed electricity"]
    return [f"market {result.market}: the residual mix does not cover every hour, so the location-based grid "
            f"average is used for {mwh}"]
