"""Energy chain steps, reporting periods and the view guard: figures that fit on a napkin."""

from __future__ import annotations

from dataclasses import replace

import pytest

from workbench.engine.assumptions import Assumptions
from workbench.engine.chain import distribution_factor, pue_from_meters, to_facility_kwh
from workbench.engine.periods import parse_period
from workbench.engine.views import FOOTPRINT, INVENTORY, ViewAmount, add_totals, common_view
from workbench.errors import CrossViewError, FacilityOverheadError, UsageError


def test_chain_node_to_facility():
    assert to_facility_kwh(100.0, "gpu_board", node_uplift=1.5, f_dist=1.02, pue=1.2) == pytest.approx(183.6)
    assert to_facility_kwh(100.0, "node", node_uplift=1.5, f_dist=1.02, pue=1.2) == pytest.approx(122.4)
    assert to_facility_kwh(100.0, "it", node_uplift=1.5, f_dist=1.02, pue=1.2) == pytest.approx(120.0)
    assert to_facility_kwh(100.0, "facility") == 100.0


def test_chain_refuses_pue_on_facility_energy():
    with pytest.raises(FacilityOverheadError) as caught:
        to_facility_kwh(972_000.0, "facility", pue=1.2)
    assert "already facility-level energy" in str(caught.value)
    assert caught.value.exit_code == 2


def test_chain_rejects_bad_level_and_pue():
    with pytest.raises(UsageError, match="unknown energy level 'rack'"):
        to_facility_kwh(1.0, "rack", pue=1.2)
    with pytest.raises(UsageError, match="at least 1"):
        to_facility_kwh(1.0, "node", pue=0.9)
    with pytest.raises(UsageError, match="needs a PUE"):
        to_facility_kwh(1.0, "node")


def test_distribution_factor_by_category():
    a = replace(Assumptions(), distribution_loss_ups=0.04, distribution_loss_pdu=0.015)
    assert distribution_factor("PUE1", a) == pytest.approx(1.04)
    assert distribution_factor("PUE2", a) == pytest.approx(1.015)
    assert distribution_factor("PUE3", a) == 1.0
    assert distribution_factor(None, a) == 1.0


def test_pue_from_meters():
    assert pue_from_meters(12_000.0, 10_000.0) == pytest.approx(1.2)
    with pytest.raises(UsageError, match="below IT energy"):
        pue_from_meters(9_000.0, 10_000.0)
    with pytest.raises(UsageError, match="must be positive"):
        pue_from_meters(9_000.0, 0.0)


@pytest.mark.parametrize("text, start, end, hours", [
    ("2025", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 8760),
    ("2024-02", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", 29 * 24),
    ("2025-12", "2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z", 31 * 24),
    ("2025-03-01", "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z", 24),
    ("2025-01-01/2025-03-31", "2025-01-01T00:00:00Z", "2025-04-01T00:00:00Z", 90 * 24),
    ("2025-03-01T06:00Z/2025-03-01T18:00Z", "2025-03-01T06:00:00Z", "2025-03-01T18:00:00Z", 12),
])
def test_period_forms(text, start, end, hours):
    period = parse_period(text)
    assert period.as_dict()["start_utc"] == start
    assert period.as_dict()["end_utc"] == end
    assert period.hours == hours


@pytest.mark.parametrize("text", ["25", "2025-13", "2025-03-01/2025-02-01", "last year", ""])
def test_period_rejects_other_text(text):
    with pytest.raises(UsageError):
        parse_period(text)


def test_views_never_add_across():
    footprint, inventory = ViewAmount(FOOTPRINT, 10.0), ViewAmount(INVENTORY, 5.0)
    assert (footprint + ViewAmount(FOOTPRINT, 2.5)).co2e_kg == 12.5
    assert sum([footprint, ViewAmount(FOOTPRINT, 1.0)]).co2e_kg == 11.0
    with pytest.raises(CrossViewError) as caught:
        footprint + inventory
    assert caught.value.views == (FOOTPRINT, INVENTORY)
    with pytest.raises(CrossViewError):
        common_view([FOOTPRINT, INVENTORY])


def test_add_totals_checks_views():
    class Result:
        def __init__(self, view, total):
            self.view, self.totals = view, {"total_co2e_kg": total}

    assert add_totals([Result(FOOTPRINT, 1.0), Result(FOOTPRINT, 2.0)]) == {"total_co2e_kg": 3.0}
    with pytest.raises(CrossViewError):
        add_totals([Result(FOOTPRINT, 1.0), Result(INVENTORY, 2.0)])
