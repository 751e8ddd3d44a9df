"""Meter files as utilities, BMS and PDUs write them: preambles, headers, units, time and registers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from workbench.errors import InputRejectedError
from workbench.ingest.mapping import Mapping, propose
from workbench.ingest.meter import read_meter
from workbench.ingest.tables import excel_date_system


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def energy_by_hour(result) -> dict[float, float]:
    frame = result.tables["energy"].sort_values("hour_utc")
    return dict(zip(frame["hour_utc"].astype(float), frame["energy_wh"]))


PGE_PREAMBLE = (
    "\ufeffName,JANE DOE\n"
    'Address,"77 MAIN ST, SAN JOSE CA 95113"\n'
    "Account Number,1234567890\n"
    "Service,Service 1\n"
    "\n"
)


def test_pge_export_with_preamble_inclusive_ends(tmp_path):
    path = tmp_path / "pge.csv"
    rows = [f"Electric usage,7/2/2026,0:{m:02d},0:{m + 14:02d},{v},kWh,$0.12 ," for m, v in
            ((0, 1.5), (15, 2.5), (30, 3.0), (45, 3.0))]
    rows.append("Electric usage,7/2/2026,1:00,1:14,4.0,kWh,$0.10 ,* This data was estimated")
    path.write_text(PGE_PREAMBLE + "TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    proposal = propose(path)
    assert any("state date_order" in reason for reason in proposal.reasons)
    unordered = read_meter(path, timezone="America/Los_Angeles")
    assert unordered.rejected[0].reason == ("the day and month cannot be told apart; state the date order "
                                            "(dmy or mdy)")
    result = read_meter(path, timezone="America/Los_Angeles", mapping=proposal.mapping.with_settings(date_order="mdy"))

    hours = energy_by_hour(result)
    # 2 July 2026 is in daylight time (UTC-7), so local 00:00 is 07:00 UTC.
    assert hours == {utc("2026-07-02T07:00:00"): pytest.approx(10_000), utc("2026-07-02T08:00:00"): pytest.approx(4_000)}
    frame = result.tables["energy"].sort_values("hour_utc")
    assert list(frame["coverage"]) == pytest.approx([1.0, 0.25])
    assert list(frame["quality"]) == ["measured", "estimated"]
    assert result.rows_read == 5
    assert result.options["cost_total"] == pytest.approx(0.58)
    assert "rows 1-5 above the header were skipped as a preamble" in result.notes
    assert any("inclusive" in note for note in result.notes)


def test_pge_usage_unit_in_header(tmp_path):
    path = tmp_path / "pge2.csv"
    path.write_text(PGE_PREAMBLE + "TYPE,DATE,START TIME,END TIME,USAGE (kWh),COST,NOTES\n"
                    "Electric usage,2026-01-15,00:00,00:59,12.5,$1.20 ,\n"
                    "Electric usage,2026-01-15,01:00,01:59,10,$1.00 ,\n")
    result = read_meter(path, timezone="UTC")
    assert energy_by_hour(result) == {utc("2026-01-15T00:00:00"): pytest.approx(12_500),
                                      utc("2026-01-15T01:00:00"): pytest.approx(10_000)}
    assert list(result.tables["energy"]["coverage"]) == pytest.approx([1.0, 1.0])


def test_two_row_header_with_units_row(tmp_path):
    path = tmp_path / "bms.csv"
    path.write_text("Time,Active energy\n,kWh\n2025-03-01T00:00:00Z,5\n2025-03-01T01:00:00Z,7\n")
    proposal = propose(path)
    assert proposal.mapping.header_rows == 2
    spec = proposal.mapping.first("energy")
    assert (spec.column, spec.unit) == ("Active energy / kWh", "kWh")
    result = read_meter(path)
    assert sum(energy_by_hour(result).values()) == pytest.approx(12_000)


def test_comma_as_separator_and_decimal_rejected(tmp_path):
    path = tmp_path / "influx.csv"
    path.write_text("time,power_kw,energy_kwh\n01.11.2017 00:00:02,0,02375,0,19375,12\n"
                    "01.11.2017 00:15:02,0,02380,0,19380,12\n")
    with pytest.raises(InputRejectedError, match="the comma is both the field separator and the decimal mark"):
        read_meter(path, timezone="UTC")


def test_semicolon_decimal_comma_and_dotted_dates(tmp_path):
    path = tmp_path / "zaehler.csv"
    path.write_text("Datum/Zeit;Verbrauch [kWh]\n31.12.2024 23:00;1.234,5\n31.12.2024 23:15;0,5\n",
                    encoding="utf-8")
    result = read_meter(path, timezone="Europe/Berlin", interval_minutes=15)
    assert sum(energy_by_hour(result).values()) == pytest.approx(1_235_000)
    assert set(energy_by_hour(result)) == {utc("2024-12-31T22:00:00")}


@pytest.mark.parametrize("unit, value, expected_wh", [
    ("Wh", 500, 500), ("kWh", 1.5, 1500), ("MWh", 2, 2e6), ("GWh", 0.001, 1e6),
    ("J", 3600, 1), ("MJ", 3.6, 1000), ("GJ", 1, 277_777.777778),
])
def test_energy_units_from_header(tmp_path, unit, value, expected_wh):
    path = tmp_path / "units.csv"
    path.write_text(f"timestamp,energy [{unit}]\n2025-01-01T00:00:00Z,{value}\n")
    result = read_meter(path, interval_minutes=60)
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(expected_wh)


@pytest.mark.parametrize("unit, scale_w", [("W", 1.0), ("kW", 1e3), ("MW", 1e6)])
def test_power_samples_integrated(tmp_path, unit, scale_w):
    path = tmp_path / "pdu.csv"
    stamps = [datetime(2025, 5, 1, tzinfo=timezone.utc) + timedelta(minutes=15 * i) for i in range(9)]
    lines = [f"{stamp.isoformat()},2" for stamp in stamps]
    path.write_text(f"timestamp,power [{unit}]\n" + "\n".join(lines) + "\n")
    result = read_meter(path, measurement_point="pdu_output")
    hours = energy_by_hour(result)
    assert hours == {utc("2025-05-01T00:00:00"): pytest.approx(2 * scale_w),
                     utc("2025-05-01T01:00:00"): pytest.approx(2 * scale_w)}
    assert set(result.tables["energy"]["level"]) == {"it"}


def write_register(tmp_path, readings, header="meter reading [Wh]", minutes=15):
    path = tmp_path / "register.csv"
    start = datetime(2025, 2, 1, tzinfo=timezone.utc)
    lines = [f"{(start + timedelta(minutes=minutes * i)).isoformat()},{value}" for i, value in enumerate(readings)]
    path.write_text(f"timestamp,{header}\n" + "\n".join(lines) + "\n")
    return path


def register_mapping(path, **settings) -> Mapping:
    mapping = propose(path).mapping
    assert mapping.first("register") is not None
    return mapping.with_settings(**settings)


def test_register_rollover_at_width(tmp_path):
    # A 23-bit register at 0.1 Wh resolution returns to zero at 838860.8 Wh.
    path = write_register(tmp_path, [838_000.0, 838_400.0, 838_800.0, 339.2, 739.2])
    result = read_meter(path, mapping=register_mapping(path, register_rollover=838_860.8))
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(400 + 400 + 400 + 400)
    assert result.rejected == []
    assert any("rolled over 1 time" in note for note in result.notes)


def test_register_signed_32_bit_wraps_negative(tmp_path):
    # Signed 32-bit kWh register at 0.001 kWh: past 2,147,483.647 it reads -2,147,483.648.
    path = write_register(tmp_path, [2_147_483.0, 2_147_483.6, -2_147_483.448, -2_147_482.848],
                          header="cumulative energy [kWh]")
    mapping = register_mapping(path, register_rollover=4_294_967.296, register_signed=True)
    result = read_meter(path, mapping=mapping)
    # 0.6 kWh, then 0.248 kWh across the wrap (2,147,483.6 to 2,147,483.848), then 0.6 kWh.
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(1448.0, abs=1e-3)


def test_register_reset_counts_energy_since_restart(tmp_path):
    # A counter that restarts at 0 and climbs again: the 15,508 kWh before the reset are not booked again.
    path = write_register(tmp_path, [15_500.0, 15_504.0, 15_508.0, 3.0, 7.0], header="meter reading [kWh]")
    result = read_meter(path)
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx((4 + 4 + 3 + 4) * 1000)
    assert any("counter reset at row 5" in note for note in result.notes)


def test_register_momentary_zero_ignored(tmp_path):
    # A meter that briefly reports 0 and then its lifetime total again must not book a 53.7 MWh spike.
    path = write_register(tmp_path, [53_700.0, 53_701.0, 0.0, 53_702.0, 53_703.0], header="meter reading [kWh]")
    result = read_meter(path)
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(3_000)
    assert [(p.row, p.value) for p in result.rejected] == [(4, "0")]
    assert "momentary zero" in result.rejected[0].reason


def test_register_backward_glitch_ignored(tmp_path):
    path = write_register(tmp_path, [1_000.0, 1_010.0, 1_002.0, 1_020.0, 1_030.0], header="meter reading [kWh]")
    result = read_meter(path)
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(30_000)
    assert [p.row for p in result.rejected] == [4]
    assert "backward reading" in result.rejected[0].reason


def test_register_replacement_with_new_baseline(tmp_path):
    path = write_register(tmp_path, [5_000.0, 5_010.0, 5_020.0, 12.0, 22.0], header="meter reading [kWh]")
    mapping = register_mapping(path, replacements=[{"at": "2025-02-01T00:40:00Z", "baseline": 10.0,
                                                    "final": 5_025.0}])
    result = read_meter(path, mapping=mapping)
    # 10 + 10 on the old meter, 5 more before the swap, 2 on the new meter before its first reading, then 10.
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx((10 + 10 + 5 + 2 + 10) * 1000)
    assert result.rejected == []
    assert any("meter replaced before row 5" in note for note in result.notes)


def test_register_impossible_delta_rejected_against_bound(tmp_path):
    path = write_register(tmp_path, [100.0, 101.0, 900.0, 102.0, 103.0], header="meter reading [kWh]")
    result = read_meter(path, max_power_kw=50)
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(3_000)
    assert [p.row for p in result.rejected] == [4]
    assert "above the physical bound of 50 kW" in result.rejected[0].reason


def test_interval_energy_bound(tmp_path):
    path = tmp_path / "meter.csv"
    path.write_text("timestamp,energy_kwh\n2025-01-01T00:00:00Z,10\n2025-01-01T01:00:00Z,9000\n"
                    "2025-01-01T02:00:00Z,12\n")
    result = read_meter(path, max_power_kw=500)
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(22_000)
    assert [p.row for p in result.rejected] == [3]


def quarter_hour_day(day: datetime, zone: str) -> list[str]:
    """Local wall-clock stamps of every quarter-hour that exists on ``day`` in ``zone``."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    start = day.replace(tzinfo=tz).astimezone(timezone.utc)
    end = (day + timedelta(days=1)).replace(tzinfo=tz).astimezone(timezone.utc)
    stamps = []
    moment = start
    while moment < end:
        stamps.append(moment.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
        moment += timedelta(minutes=15)
    return stamps


@pytest.mark.parametrize("day, quarters, hours", [(datetime(2024, 3, 31), 92, 23), (datetime(2024, 10, 27), 100, 25)])
def test_daylight_saving_days(tmp_path, day, quarters, hours):
    stamps = quarter_hour_day(day, "Europe/Vienna")
    assert len(stamps) == quarters
    path = tmp_path / "vienna.csv"
    path.write_text("timestamp,energy_kwh\n" + "\n".join(f"{stamp},1" for stamp in stamps) + "\n")
    result = read_meter(path, timezone="Europe/Vienna")
    frame = result.tables["energy"]
    assert len(frame) == hours
    assert frame["energy_wh"].sum() == pytest.approx(quarters * 1000)
    assert list(frame["coverage"]) == pytest.approx([1.0] * hours)
    assert result.rejected == []


def test_hourly_autumn_fold_keeps_both_hours(tmp_path):
    path = tmp_path / "hourly.csv"
    stamps = ["2024-10-27 01:00", "2024-10-27 02:00", "2024-10-27 02:00", "2024-10-27 03:00"]
    path.write_text("timestamp,energy_kwh\n" + "\n".join(f"{s},{i + 1}" for i, s in enumerate(stamps)) + "\n")
    hours = energy_by_hour(read_meter(path, timezone="Europe/Vienna"))
    assert list(hours) == [utc("2024-10-26T23:00:00"), utc("2024-10-27T00:00:00"), utc("2024-10-27T01:00:00"),
                           utc("2024-10-27T02:00:00")]
    assert list(hours.values()) == pytest.approx([1000, 2000, 3000, 4000])


def test_spring_gap_time_rejected(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("timestamp,energy_kwh\n2024-03-31 01:45,1\n2024-03-31 02:15,1\n2024-03-31 03:00,1\n")
    result = read_meter(path, timezone="Europe/Vienna", interval_minutes=15)
    assert [p.row for p in result.rejected] == [3]
    assert "does not exist in Europe/Vienna" in result.rejected[0].reason


def test_meter_in_utc_all_year_not_shifted(tmp_path):
    path = tmp_path / "smart.csv"
    path.write_text("timestamp,energy_kwh\n2024-07-01 00:00,1\n2024-07-01 00:30,1\n")
    hours = energy_by_hour(read_meter(path, timezone="UTC"))
    assert list(hours) == [utc("2024-07-01T00:00:00")]


def test_known_offset_conversion_sign(tmp_path):
    path = tmp_path / "nyc.csv"
    path.write_text("timestamp,energy_kwh\n2024-01-15 12:00,1\n2024-01-15 13:00,1\n")
    hours = energy_by_hour(read_meter(path, timezone="America/New_York"))
    assert list(hours) == [utc("2024-01-15T17:00:00"), utc("2024-01-15T18:00:00")]


def test_daily_readings_follow_23_hour_day(tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text("date,energy_kwh\n2024-03-30,24\n2024-03-31,23\n2024-04-01,24\n2024-04-02,24\n")
    result = read_meter(path, timezone="Europe/Paris")
    frame = result.tables["energy"]
    day = frame[(frame["hour_utc"] >= utc("2024-03-30T23:00:00")) & (frame["hour_utc"] < utc("2024-03-31T22:00:00"))]
    assert len(day) == 23
    assert day["energy_wh"].sum() == pytest.approx(23_000)
    assert list(day["energy_wh"]) == pytest.approx([1000] * 23)


def test_several_meters_in_one_file(tmp_path):
    path = tmp_path / "pdus.csv"
    path.write_text("timestamp,meter,energy_kwh\n2025-01-01T00:00:00Z,pdu-a,1\n2025-01-01T00:00:00Z,pdu-b,2\n"
                    "2025-01-01T01:00:00Z,pdu-a,3\n2025-01-01T01:00:00Z,pdu-b,4\n")
    frame = read_meter(path).tables["energy"]
    assert frame.groupby("meter")["energy_wh"].sum().to_dict() == {"pdu-a": 4000, "pdu-b": 6000}


def test_xlsx_preamble_merged_header_and_1900_serials(tmp_path):
    path = tmp_path / "bms.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Building management export"])
    sheet.append(["Site: DC-1"])
    sheet.append([])
    sheet.append(["Time", "Energy", None])
    sheet.append([None, "Import kWh", "Export kWh"])
    sheet.merge_cells("B4:C4")
    sheet.append([45292.0, 10, 0])
    sheet.append([45292.0 + 1 / 24, 20, 0])
    sheet.append([None, None, None])
    workbook.save(path)

    proposal = propose(path)
    mapping = proposal.mapping
    assert (mapping.header_row, mapping.header_rows) == (4, 2)
    assert [spec.column for spec in mapping.columns] == ["Time", "Energy / Import kWh", "Energy / Export kWh"]
    assert any("merged across B4:C4" in reason for reason in proposal.reasons)
    mapping.override("Energy / Export kWh", role="ignore")
    mapping.override("Energy / Import kWh", role="energy", unit="kWh")
    mapping.override("Time", role="timestamp", type="excel_serial")
    result = read_meter(path, mapping=mapping.with_settings(excel_date_system=1900), timezone="UTC")
    assert energy_by_hour(result) == {utc("2024-01-01T00:00:00"): 10_000, utc("2024-01-01T01:00:00"): 20_000}


def test_xlsx_1904_date_system_detected(tmp_path):
    path = tmp_path / "mac.xlsx"
    workbook = openpyxl.Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(["timestamp", "energy_kwh"])
    # 2024-01-01 06:00 in the 1904 system, written as a plain number without a date style.
    sheet.append([45292.25 - 1462, 5])
    sheet.append([45292.25 - 1462 + 1 / 24, 6])
    workbook.save(path)
    assert excel_date_system(path) == 1904
    proposal = propose(path)
    assert proposal.mapping.excel_date_system == 1904
    result = read_meter(path, timezone="UTC")
    assert list(energy_by_hour(result)) == [utc("2024-01-01T06:00:00"), utc("2024-01-01T07:00:00")]


def test_plain_integer_serial_dates_read_as_days(tmp_path):
    path = tmp_path / "daily.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["date", "energy_kwh"])
    sheet.append([39448, 24])
    sheet.append([39449, 24])
    workbook.save(path)
    result = read_meter(path, timezone="UTC")
    assert min(energy_by_hour(result)) == utc("2008-01-01T00:00:00")


def test_xlsx_header_followed_by_empty_rows(tmp_path):
    path = tmp_path / "gaps.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["timestamp", "energy"])
    sheet.append([None, "kWh"])
    sheet.append([])
    sheet.append([])
    sheet.append([datetime(2025, 1, 1, 0, 0), 3])
    sheet.append([datetime(2025, 1, 1, 1, 0), 4])
    workbook.save(path)
    result = read_meter(path, mapping=propose(path).mapping, timezone="UTC")
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(7_000)
    assert result.rows_read == 2


def test_merged_data_cells_not_forward_filled(tmp_path):
    path = tmp_path / "merged.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["timestamp", "meter", "energy_kwh"])
    sheet.append([datetime(2025, 1, 1, 0), "A", 1])
    sheet.append([datetime(2025, 1, 1, 1), None, 2])
    sheet.merge_cells("B2:B3")
    workbook.save(path)
    result = read_meter(path, timezone="UTC", meter="main")
    assert any("B2:B3 are merged in the data" in note for note in result.notes)
    assert result.tables["energy"].groupby("meter")["energy_wh"].sum().to_dict() == {"A": 1000, "main": 2000}


def test_mapping_round_trip_and_override(tmp_path):
    path = tmp_path / "meter.csv"
    path.write_text("Zeit,Wert\n2025-01-01 00:00,4\n2025-01-01 01:00,5\n")
    mapping = propose(path).mapping
    mapping.override("Wert", role="energy", unit="kWh")
    mapping = mapping.with_settings(timezone="Europe/Berlin")
    restored = Mapping.from_json(mapping.to_json())
    assert restored == mapping
    result = read_meter(path, mapping=restored)
    assert list(energy_by_hour(result)) == [utc("2024-12-31T23:00:00"), utc("2025-01-01T00:00:00")]
