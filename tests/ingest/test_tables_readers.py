"""Meter intervals, procurement records and factor tables from CSV and XLSX."""

from __future__ import annotations

from datetime import datetime, timezone

import openpyxl
import pytest

from workbench.errors import InputRejectedError
from workbench.ingest.factors import read_factors
from workbench.ingest.meter import read_meter
from workbench.ingest.procurement import read_procurement


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def test_meter_quarter_hours_sum_to_hours(tmp_path):
    path = tmp_path / "meter.csv"
    rows = [f"2025-01-01T00:{minute:02d}:00Z,{value}" for minute, value in ((0, 1), (15, 2), (30, 3), (45, 4))]
    rows.append("2025-01-01T01:00:00Z,5")
    path.write_text("timestamp,energy [MWh]\n" + "\n".join(rows) + "\n")
    result = read_meter(path)
    energy = result.tables["energy"].sort_values("hour_utc")
    assert list(energy["energy_wh"]) == pytest.approx([10e6, 5e6])
    assert list(energy["coverage"]) == pytest.approx([1.0, 0.25])
    assert set(energy["level"]) == {"facility"}
    assert result.options["interval_s"] == 900


def test_meter_interval_end_stamps(tmp_path):
    path = tmp_path / "meter.csv"
    path.write_text("timestamp,energy_kwh\n2025-01-01 01:00,10\n2025-01-01 02:00,20\n")
    result = read_meter(path, timezone="UTC", timestamps_mark="end")
    energy = result.tables["energy"].sort_values("hour_utc")
    assert list(energy["hour_utc"]) == [utc("2025-01-01T00:00:00"), utc("2025-01-01T01:00:00")]
    assert list(energy["energy_wh"]) == pytest.approx([10_000, 20_000])


def test_meter_xlsx_with_datetime_cells(tmp_path):
    path = tmp_path / "meter.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Timestamp", "Energy (kWh)"])
    sheet.append([datetime(2025, 6, 1, 0, 0), 100.5])
    sheet.append([datetime(2025, 6, 1, 1, 0), 99.5])
    workbook.save(path)
    result = read_meter(path, timezone="UTC", meter="main")
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(200_000)
    assert set(result.tables["energy"]["meter"]) == {"main"}


def test_meter_decimal_comma_with_semicolons(tmp_path):
    path = tmp_path / "meter.csv"
    path.write_text("timestamp;energy_kwh\n2025-01-01T00:00:00Z;1.234,5\n2025-01-01T01:00:00Z;0,5\n")
    result = read_meter(path)
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(1_235_000)


def test_meter_bad_values_rejected_with_row(tmp_path):
    path = tmp_path / "meter.csv"
    path.write_text("timestamp,energy_kwh\n2025-01-01T00:00:00Z,1\n2025-01-01T01:00:00Z,n/a\n"
                    "2025-01-01T02:00:00Z,-3\nyesterday,4\n")
    result = read_meter(path)
    assert [(p.row, p.column) for p in result.rejected] == [(3, "energy_kwh"), (4, "energy_kwh"), (5, "timestamp")]
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(1000)


def test_meter_without_unit_rejected(tmp_path):
    path = tmp_path / "meter.csv"
    path.write_text("timestamp,energy\n2025-01-01T00:00:00Z,1\n")
    with pytest.raises(InputRejectedError, match="no energy column with a unit"):
        read_meter(path)


def test_procurement_rows_and_rejections(tmp_path):
    path = tmp_path / "assets.csv"
    path.write_text(
        "item,category,quantity,acquired,embodied_co2e_kg_per_unit,lifetime_years,usage_rate\n"
        "Server,server,4,2024-05-01,2500,5,0.85\n"
        "GPU,GPU,32,2024-05-01,150,5,\n"
        "Switch,network,0,2024-05-01,400,6,\n"
        "Rack,facility,1,May 2024,900,10,\n"
        "Storage,storage,1,2024-05-01,800,5,1.5\n")
    result = read_procurement(path, site="dc1")
    assets = result.tables["assets"]
    assert list(assets["item"]) == ["Server", "GPU"]
    assert list(assets["category"]) == ["server", "gpu"]
    assert (assets["quantity"] * assets["embodied_co2e_kg_per_unit"]).sum() == pytest.approx(4 * 2500 + 32 * 150)
    assert [(p.row, p.column) for p in result.rejected] == [(4, "quantity"), (5, "acquired"), (6, "usage_rate")]
    assert set(assets["site"]) == {"dc1"}


def test_procurement_missing_column(tmp_path):
    path = tmp_path / "assets.csv"
    path.write_text("item,quantity\nServer,1\n")
    with pytest.raises(InputRejectedError, match="missing column category"):
        read_procurement(path)


def test_factors_resolutions_units_and_overlap(tmp_path):
    path = tmp_path / "factors.csv"
    path.write_text(
        "zone,period_start,period_end,co2e_kg_per_mwh,source\n"
        "FR,2025-01-01,2025-12-31,56,RTE 2025\n"
        "FR,2025-03-01,2025-03-31,60,RTE March\n"
        "FR,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,42,RTE hourly\n"
        "FR,2025-06-01,2025-12-31,50,overlapping annual-ish\n"
        "DE,2025-01-01,2025-12-31,380,\n"
        "PL,2025-12-31,2025-01-01,700,reversed\n")
    result = read_factors(path)
    factors = result.tables["factors"]
    assert list(factors["resolution"]) == ["annual", "monthly", "hourly", "other"]
    assert list(factors["co2e_g_per_kwh"]) == [56, 60, 42, 50]
    assert factors["period_end"].iloc[0] - factors["period_start"].iloc[0] == 365 * 86400
    assert [(p.row, p.column) for p in result.rejected] == [(6, "source"), (7, "period_end")]


def test_factors_overlap_within_resolution_rejected(tmp_path):
    path = tmp_path / "factors.csv"
    path.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\n"
                    "FR,2025-01-01,2025-12-31,56,a\nFR,2025-01-01,2025-12-31,58,b\n")
    result = read_factors(path)
    assert len(result.tables["factors"]) == 1
    assert "overlaps the annual factor of zone FR in row 2" in result.rejected[0].reason


def test_factors_pounds_per_mwh(tmp_path):
    path = tmp_path / "egrid.csv"
    path.write_text("zone,period_start,period_end,co2e_lb_per_mwh,source\nCAMX,2023-01-01,2023-12-31,1000,eGRID\n")
    assert read_factors(path).tables["factors"]["co2e_g_per_kwh"].iloc[0] == pytest.approx(453.59237)
