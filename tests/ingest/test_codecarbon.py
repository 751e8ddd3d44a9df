"""CodeCarbon emissions.csv of several versions, read by column name."""

from __future__ import annotations

import csv

import pytest

from workbench.errors import InputRejectedError
from workbench.ingest.codecarbon import read_emissions_csv


def expected_kwh(path, skip_rows=()) -> float:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        total = 0.0
        for number, row in enumerate(reader, start=2):
            if number in skip_rows or not row["energy_consumed"]:
                continue
            total += float(row["energy_consumed"]) / float(row.get("pue") or 1.0)
    return total


@pytest.mark.parametrize("name, columns, rejected_rows", [
    ("codecarbon_repo/tests__test_data__emissions_invalid_headers.csv", 11, []),
    ("codecarbon_repo/tests__test_data__emissions_valid_headers.csv", 38, []),
    ("codecarbon_repo/examples__emissions.csv", 31, [6, 7]),
    ("EO-College__cubes-and-clouds__emissions.csv", 32, [4, 6]),
])
def test_real_files_of_several_versions(samples, name, columns, rejected_rows):
    path = samples / "codecarbon" / name
    with open(path, newline="", encoding="utf-8") as handle:
        assert len(next(csv.reader(handle))) == columns

    result = read_emissions_csv(path, timezone="Europe/Paris")

    assert sorted(p.row for p in result.rejected) == rejected_rows
    energy_kwh = result.tables["energy"]["energy_wh"].sum() / 1000
    assert energy_kwh == pytest.approx(expected_kwh(path, skip_rows=rejected_rows), rel=1e-12)
    assert set(result.tables["energy"]["level"]) == {"node"}
    assert set(result.tables["energy"]["run"]) == {"codecarbon"}


def test_duplicate_tracking_record_not_counted_twice(samples):
    path = samples / "codecarbon" / "EO-College__cubes-and-clouds__emissions.csv"
    result = read_emissions_csv(path, timezone="Europe/Rome")
    reasons = {p.row: p.reason for p in result.rejected}
    assert "same run_id and timestamp as row 3" in reasons[4]


def test_missing_energy_row_rejected(samples):
    path = samples / "codecarbon" / "codecarbon_repo" / "examples__emissions.csv"
    result = read_emissions_csv(path, timezone="UTC")
    problem = next(p for p in result.rejected if p.row == 6)
    assert (problem.column, problem.reason) == ("energy_consumed", "value is missing")


def test_shifted_short_row_rejected(tmp_path):
    header = "timestamp,project_name,run_id,duration,emissions,energy_consumed,gpu_energy,country_name,pue"
    rows = ["2024-01-01T10:00:00,p,r1,3600,0.1,2.0,1.5,France,1.0",
            "2024-01-01T11:00:00,p,r2,3600,0.1,2.0,France,1.0"]
    path = tmp_path / "emissions.csv"
    path.write_text("\n".join([header] + rows) + "\n")
    result = read_emissions_csv(path, timezone="UTC")
    assert [(p.row, p.column) for p in result.rejected] == [(3, "(whole row)")]
    assert "8 fields but the header has 9" in result.rejected[0].reason
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(2000.0)


def test_column_order_does_not_matter(tmp_path):
    first = "timestamp,duration,energy_consumed,project_name\n2024-01-01T10:30:00,1800,1.0,alpha\n"
    second = "project_name,energy_consumed,timestamp,duration\nalpha,1.0,2024-01-01T10:30:00,1800\n"
    results = []
    for number, text in enumerate((first, second)):
        path = tmp_path / f"emissions{number}.csv"
        path.write_text(text)
        results.append(read_emissions_csv(path, timezone="UTC").tables["energy"])
    assert results[0][["hour_utc", "energy_wh"]].equals(results[1][["hour_utc", "energy_wh"]])


def test_interval_spread_over_hours_and_pue_divided(tmp_path):
    path = tmp_path / "emissions.csv.bak"
    path.write_text("timestamp,duration,energy_consumed,gpu_energy,pue,project_name\n"
                    "2024-01-01T11:30:00,3600,3.0,1.5,1.5,train\n")
    result = read_emissions_csv(path, timezone="UTC", run="my-run")
    energy = result.tables["energy"].sort_values("hour_utc")
    # 3.0 kWh including CodeCarbon's PUE 1.5 is 2.0 kWh, half in 10:00-11:00 and half in 11:00-12:00.
    assert list(energy["energy_wh"]) == pytest.approx([1000.0, 1000.0])
    assert list(energy["gpu_energy_wh"]) == pytest.approx([500.0, 500.0])
    assert set(energy["run"]) == {"my-run"}
    assert any("divided" in note for note in result.notes)


def test_not_a_codecarbon_file(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputRejectedError, match="not a CodeCarbon emissions file"):
        read_emissions_csv(path, timezone="UTC")
