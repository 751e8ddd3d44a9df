"""Grid factor datasets as publishers write them: units, gas basis, header renames, structure."""

from __future__ import annotations

from datetime import datetime, timezone

import openpyxl
import pytest

from workbench.errors import InputRejectedError
from workbench.ingest.factor_datasets import read_factor_file
from workbench.ingest.factor_units import parse_intensity_unit

EF = "emission_factors"


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


def by_zone(result, dataset: str | None = None) -> dict[str, float]:
    frame = result.tables["factors"]
    if dataset is not None:
        frame = frame[frame["dataset"] == dataset]
    return dict(zip(frame["zone"], frame["co2e_g_per_kwh"]))


@pytest.mark.parametrize("text, scale, gas", [
    ("g/kWh", 1.0, None), ("gCO2e/kWh", 1.0, "CO2e"), ("gCO₂eq/kWh", 1.0, "CO2e"), ("kg/MWh", 1.0, None),
    ("t/MWh", 1000.0, None), ("lbs/MWh", 0.45359237, None), ("lb CO2 per MWh", 0.45359237, "CO2"),
    ("kgCO2e/kWh", 1000.0, "CO2e"),
])
def test_intensity_units(text, scale, gas):
    unit = parse_intensity_unit(text)
    assert unit.to_g_per_kwh == pytest.approx(scale)
    assert unit.gas_basis == gas


def test_ember_country_code_header_renamed(tmp_path):
    # Ember renamed its ISO column over time ('Country code' -> 'ISO 3 code'); both read the same.
    old = tmp_path / "ember_old.csv"
    old.write_text("Country,Country code,Year,Variable,Unit,Value\n"
                   "France,FRA,2023,CO2 intensity,gCO2/kWh,56.04\nFrance,FRA,2023,Solar,TWh,23.3\n"
                   "World,,2023,CO2 intensity,gCO2/kWh,480\n")
    new = tmp_path / "ember_new.csv"
    new.write_text("Area,ISO 3 code,Year,Area type,Category,Variable,Unit,Value\n"
                   "France,FRA,2023,Country,Power sector emissions,CO2 intensity,gCO2/kWh,56.04\n")
    for path in (old, new):
        result = read_factor_file(path)
        assert by_zone(result) == {"FR": pytest.approx(56.04)}
        factor = result.tables["factors"].iloc[0]
        assert (factor["period_start"], factor["period_end"]) == (utc("2023-01-01T00:00:00"), utc("2024-01-01T00:00:00"))
        assert factor["resolution"] == "annual"
    assert read_factor_file(old).rejected[0].reason.startswith("no ISO country code")


def test_ember_wide_monthly(tmp_path):
    path = tmp_path / "ember_monthly.csv"
    path.write_text("Area,ISO3 code,Date,Emissions intensity (gCO2e/kWh)\nGermany,DEU,2024-01-01,420\n"
                    "Germany,DEU,01/02/2018,380\n")
    frame = read_factor_file(path).tables["factors"].sort_values("period_start")
    assert list(frame["resolution"]) == ["monthly", "monthly"]
    assert frame["period_start"].iloc[0] == utc("2018-02-01T00:00:00")
    assert frame["period_end"].iloc[1] == utc("2024-02-01T00:00:00")


@pytest.mark.parametrize("header", [
    "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),Carbon Intensity gCO₂eq/kWh (LCA),"
    "Low Carbon Percentage,Renewable Percentage,Data Source,Data Estimated,Data Estimation Method",
    "Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),Carbon intensity gCO₂eq/kWh "
    "(Life cycle),Carbon-free energy percentage (CFE%),Renewable energy percentage (RE%),Data source,Data estimated,"
    "Data estimation method",
])
def test_electricity_maps_hourly_both_headers(tmp_path, header):
    path = tmp_path / "FR_2023_hourly.csv"
    path.write_text(header + "\n2023-01-01 00:00:00,France,France,FR,20.5,55.1,90,20,rte,false,\n"
                             "2023-01-01 01:00:00,France,France,FR,21.5,56.1,90,20,rte,false,\n", encoding="utf-8")
    result = read_factor_file(path)
    datasets = result.options["datasets"]
    assert sorted(info["emission_scope"] for info in datasets.values()) == ["direct", "lifecycle"]
    frame = result.tables["factors"]
    direct = frame[frame["dataset"].str.contains("direct")].sort_values("period_start")
    assert list(direct["co2e_g_per_kwh"]) == [20.5, 21.5]
    assert set(frame["resolution"]) == {"hourly"}
    assert direct["period_start"].iloc[0] == utc("2023-01-01T00:00:00")


def test_egrid_subregion_sheet_pounds_and_gas_basis(tmp_path):
    path = tmp_path / "egrid2023_data.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "SRL23"
    sheet.append(["Data Year", "eGRID subregion acronym", "eGRID subregion name",
                  "eGRID subregion annual CO2 total output emission rate (lb/MWh)",
                  "eGRID subregion annual CO2 equivalent total output emission rate (lb/MWh)"])
    sheet.append(["YEAR", "SUBRGN", "SRNAME", "SRCO2RTA", "SRC2ERTA"])
    sheet.append([2023, "CAMX", "WECC California", 1000.0, 1010.0])
    workbook.save(path)
    result = read_factor_file(path)
    datasets = result.options["datasets"]
    co2e = next(name for name, info in datasets.items() if info["gas_basis"] == "CO2e")
    co2 = next(name for name, info in datasets.items() if info["gas_basis"] == "CO2")
    assert by_zone(result, co2e) == {"CAMX": pytest.approx(1010 * 0.45359237)}
    assert by_zone(result, co2) == {"CAMX": pytest.approx(453.59237)}
    assert result.tables["factors"]["original_unit"].iloc[0] == "lb/MWh"


def test_residual_mix_table(tmp_path):
    path = tmp_path / "aib_residual_mix_2023.csv"
    path.write_text("Country,Residual mix emission factor (g CO2/kWh)\nFrance,38.2\nGermany,723.1\nAtlantis,1\n")
    result = read_factor_file(path)
    assert by_zone(result) == {"FR": 38.2, "DE": 723.1}
    info = next(iter(result.options["datasets"].values()))
    assert (info["basis"], info["gas_basis"], info["vintage"]) == ("residual_mix", "CO2", "2023")
    assert [p.value for p in result.rejected] == ["Atlantis"]


def test_canonical_table_with_marginal_basis_and_tonnes(tmp_path):
    path = tmp_path / "moer.csv"
    path.write_text("zone,year,co2e_t_per_mwh,source,basis,gas_basis,licence\nUS-CAL-CISO,2024,0.45,provider,"
                    "marginal,CO2e,test\n")
    result = read_factor_file(path)
    assert by_zone(result) == {"US-CAL-CISO": pytest.approx(450)}
    assert next(iter(result.options["datasets"].values()))["basis"] == "marginal"


def test_green_algorithms_units_row_and_years(samples):
    result = read_factor_file(samples / EF / "green_algorithms" / "latest__CI_aggregated.csv")
    assert result.rows_read == 131
    assert result.rows_accepted == 130
    assert result.rejected[0].reason.startswith("no year in the comments or source")
    frame = result.tables["factors"]
    world = frame[frame["zone"] == "WORLD"].iloc[0]
    assert world["co2e_g_per_kwh"] == 475
    assert world["period_start"] == utc("2019-01-01T00:00:00")


def test_ifi_three_header_rows(samples):
    result = read_factor_file(samples / EF / "co2js" / "IFI_Default_Grid_Factors_2021_v3.1_unfccc.csv")
    names = {info["name"]: info for info in result.options["datasets"].values()}
    assert set(names) == {"IFI operating margin 2021", "IFI combined margin (electricity consumption) 2021"}
    assert {info["basis"] for info in names.values()} == {"marginal"}
    assert by_zone(result, "IFI operating margin 2021")["AF"] == 414
    assert by_zone(result, "IFI combined margin (electricity consumption) 2021")["AF"] == 193
    assert any(note.endswith("is a note without values and was skipped") for note in result.notes)


def test_co2js_average_intensities_mixed_years(samples):
    result = read_factor_file(samples / EF / "co2js" / "average-intensities.json")
    frame = result.tables["factors"].set_index("zone")
    assert frame.loc["FR", "co2e_g_per_kwh"] == pytest.approx(44.18)
    assert frame.loc["FR", "period_start"] == utc("2024-01-01T00:00:00")
    assert frame.loc["AF", "period_start"] == utc("2023-01-01T00:00:00")
    assert any(p.value == "Africa" for p in result.rejected)


def test_codecarbon_us_states_in_pounds(samples):
    result = read_factor_file(samples / EF / "codecarbon" / "private_infra__2016__usa_emissions.json")
    assert by_zone(result)["US-RI"] == pytest.approx(870.822 * 0.45359237)
    assert next(iter(result.options["datasets"].values()))["vintage"] == "2016"


def test_owid_file_skips_aggregates(samples):
    result = read_factor_file(samples / EF / "codecarbon" / "private_infra__2020__eu-carbon-intensity-electricity.csv")
    assert by_zone(result).get("AT") is not None
    assert result.rows_read - result.rows_accepted == 42
    assert "Our World in Data" in next(iter(result.options["datasets"]))


def test_carbontracker_alpha2_column(samples):
    result = read_factor_file(samples / EF / "carbontracker" / "carbon-intensities.csv")
    assert by_zone(result)["AE"] == pytest.approx(561.1348)
    assert next(iter(result.options["datasets"].values()))["gas_basis"] == "CO2"


def test_cloud_region_table_rejected_without_year(samples):
    with pytest.raises(InputRejectedError, match="no year or period"):
        read_factor_file(samples / EF / "codecarbon" / "cloud__impact.csv")
