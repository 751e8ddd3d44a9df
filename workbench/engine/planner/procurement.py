"""Clean procurement: a what-if PPA or certificates, which change only the market-based Scope 2.

The instrument enters the market-based hierarchy like a recorded one (certificates before PPAs
before supplier rates, then the residual mix) and is taken to pass every Scope 2 quality
criterion. The engine still drops it when its vintage misses the period or its market has no
consumption. Location-based Scope 2 and every footprint (SCI excludes contractual instruments)
do not change, and the planner computes both to show it.
"""

from __future__ import annotations

from workbench.engine.inventory import InventoryResult
from workbench.engine.periods import Period
from workbench.engine.planner.levers import LeverSpec, moment_seconds
from workbench.engine.scope2 import QUALITY_CRITERIA, InstrumentInput
from workbench.errors import UsageError

UNCHANGED = ("location-based Scope 2 does not change: contractual instruments enter only the market-based method",
             "the footprint (SCI) does not change: it excludes contractual instruments")


def uncovered_market(result: InventoryResult) -> str | None:
    """Return the market with the most consumption that instruments do not cover yet (None if there is none)."""
    remaining = {market.market: market.residual_mix_mwh + market.location_fallback_mwh
                 for market in result.market.markets}
    remaining = {market: mwh for market, mwh in remaining.items() if mwh > 0}
    if not remaining:
        return None
    return max(sorted(remaining), key=lambda market: remaining[market])


def what_if_instrument(spec: LeverSpec, period: Period, result: InventoryResult) -> InstrumentInput:
    """Return the lever's instrument, with the period and the least covered market as defaults."""
    market = spec.value("market") or uncovered_market(result)
    if market is None:
        raise UsageError("lever procurement needs a market: no market has consumption left uncovered",
                         hint="Give market=NAME.")
    start = moment_seconds(spec.value("vintage_start"))
    end = moment_seconds(spec.value("vintage_end"))
    kind = spec.value("type")
    mwh = float(spec.value("mwh"))
    return InstrumentInput(
        instrument_id=f"what-if {kind} {mwh:g} MWh {market}", type=kind, market=market, mwh=mwh,
        ef_kg_per_mwh=float(spec.value("ef_kg_per_mwh")),
        vintage_start_s=period.start_s if start is None else start,
        vintage_end_s=period.end_s if end is None else end, retired=True,
        criteria={number: True for number in QUALITY_CRITERIA},
        label=spec.value("label") or f"what-if {kind}, taken to pass every quality criterion")


def procurement_details(instrument: InstrumentInput, result: InventoryResult) -> list[dict]:
    """Return how the what-if instrument was used (covered and unused MWh) or why it was excluded."""
    rows = [{"instrument": use.instrument_id, "market": use.market, "covered_mwh": use.covered_mwh,
             "unused_mwh": use.unused_mwh, "ef_kg_per_mwh": use.ef_kg_per_mwh}
            for use in result.market.used if use.instrument_id == instrument.instrument_id]
    rows += [{"instrument": item.instrument_id, "market": item.market, "excluded": list(item.reasons)}
             for item in result.market.excluded if item.instrument_id == instrument.instrument_id]
    return rows
