"""Hardware libraries (Boavizta, shipped defaults), instrument registers and Scope 1 activities."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench.errors import InputRejectedError
from workbench.ingest.hardware import read_hardware_library
from workbench.ingest.instruments import read_instruments
from workbench.ingest.procurement import read_procurement
from workbench.ingest.scope1 import read_scope1

EMBODIED = "embodied"


@pytest.mark.parametrize("name", ["boavizta-data-us.csv", "boavizta-data-fr.csv"])
def test_boavizta_us_and_french_locale_read_alike(samples, name):
    result = read_hardware_library(samples / EMBODIED / name)
    frame = result.tables["hardware"].set_index("entry_key")
    assert result.rows_read == 1226
    assert len(frame) == 1153
    r740 = frame.loc["dell-poweredge-r740"]
    assert r740["embodied_co2e_kg"] == pytest.approx(8640 * 0.152)
    assert r740["embodied_basis"] == "manufacturing"
    assert r740["report_date"] == "January 2019"
    assert r740["report_year"] == 2019
    assert r740["source_url"].endswith("carbon-footprint-poweredge-r740.pdf")
    # Lenovo rows have no manufacturing ratio: embodied is gwp_total x (1 - gwp_use_ratio).
    sr665 = frame.loc["lenovo-thinksystem-sr665"]
    assert sr665["embodied_co2e_kg"] == pytest.approx(13737 * (1 - 0.33))
    assert sr665["embodied_basis"] == "all stages but use"
    # A ratio of 7.76 sits in the ratio column of row 344: values in the wrong columns are rejected.
    assert any(p.row == 344 and p.reason == "a ratio must be between 0 and 1" for p in result.rejected)


def test_boavizta_duplicates_and_free_text_dates(tmp_path):
    path = tmp_path / "pcf.csv"
    header = ("manufacturer,name,category,subcategory,gwp_total,gwp_use_ratio,yearly_tec,lifetime,use_location,"
              "report_date,sources,sources_hash,gwp_error_ratio,gwp_manufacturing_ratio")
    path.write_text(header + "\n"
                    "HPE,ProLiant DL360 Gen10,Datacenter,Server,1710,0.8,,4,EU,2019,http://a,h1,0.2,0.15\n"
                    "HPE,ProLiant DL360 Gen10,Datacenter,Server,1710,0.8,,4,EU,2019,http://a,h1,0.2,0.15\n"
                    "HPE,ProLiant DL360 Gen10,Datacenter,Server,6270,0.8,,4,EU,March 2021,http://b,h2,0.2,0.15\n"
                    "HPE,Blade,Datacenter,Server,1000,,,4,EU,,http://c,h3,,\n")
    result = read_hardware_library(path)
    frame = result.tables["hardware"]
    assert list(frame["gwp_total_kg"]) == [1710, 6270]
    assert list(frame["report_year"]) == [2019, 2021]
    # A vendor's revised figure is a second value with its own source, not an overwrite.
    assert list(frame["source_url"]) == ["http://a", "http://b"]
    assert frame["embodied_low_kg"].iloc[0] == pytest.approx(1710 * 0.15 * 0.8)
    assert [(p.row, p.reason.split(" (")[0]) for p in result.rejected] == [
        (3, "duplicate of row 2"), (5, "gwp_manufacturing_ratio and gwp_use_ratio are both empty, so the embodied "
                                       "share of gwp_total is unknown")]


@pytest.mark.parametrize("name, reason", [
    ("archetypes__server.csv", "boaviztapi archetype table"),
    ("archetypes__cloud__aws.csv", "boaviztapi archetype table"),
    ("archetypes__components__gpu.csv", "GPU specification table"),
    ("crowdsourcing__gpu_specs.csv", "GPU specification table"),
    ("crowdsourcing__electrical_mix.csv", "transposed to one country per column"),
])
def test_boaviztapi_tables_rejected(samples, name, reason):
    with pytest.raises(InputRejectedError, match=reason):
        read_hardware_library(samples / EMBODIED / "boaviztapi" / name)


def test_asset_register_with_library_reference(tmp_path):
    path = tmp_path / "assets.csv"
    path.write_text("Description,Type,Qty,Purchase date,lifetime,library_ref,embodied_kg\n"
                    "GPU servers,server,4,2024-05-01,5,dell-poweredge-r740,\n"
                    "Switch,network,2,2024-05-01,6,,400\n"
                    "Mystery,server,1,2024-05-01,5,,\n")
    result = read_procurement(path)
    assets = result.tables["assets"]
    assert assets["library_ref"].iloc[0] == "dell-poweredge-r740"
    assert assets["library_ref"].isna().iloc[1]
    assert assets["embodied_co2e_kg_per_unit"].isna().tolist() == [True, False]
    assert [(p.row, p.column) for p in result.rejected] == [(4, "embodied_co2e_kg_per_unit")]


INSTRUMENTS = ("instrument_id,type,mwh,vintage_start,vintage_end,market,ef_kg_per_mwh,tracking_registry,"
               "retirement_date,qc_1,qc_3,qc_5,qc_5_note\n")


def test_instrument_register(tmp_path):
    path = tmp_path / "instruments.csv"
    path.write_text(INSTRUMENTS +
                    "PPA-1,Physical PPA,4000,2025-01-01,2025-12-31,FR,0,,,yes,yes,yes,\n"
                    "GO-7,GO,3000,2025-01-01,2025-12-31,FR,0,AIB,2026-02-01,pass,pass,fail,issued in NO\n"
                    "BAD-1,coupon,10,2025-01-01,2025-12-31,FR,0,,,,,,\n"
                    "BAD-2,REC,10,2025-06-01,2025-01-01,US-CA,0,,,,,,\n")
    result = read_instruments(path, site="paris")
    frame = result.tables["instruments"]
    assert list(frame["type"]) == ["ppa_physical", "go"]
    assert frame["mwh"].sum() == 7000
    assert list(frame["qc_5"]) == [1, 0]
    assert frame["qc_5_note"].iloc[1] == "issued in NO"
    assert frame["qc_2"].isna().all()
    assert set(frame["site"]) == {"paris"}
    assert [(p.row, p.column) for p in result.rejected] == [(4, "type"), (5, "vintage_end")]


def test_scope1_fuel_and_refrigerant(tmp_path):
    path = tmp_path / "scope1.csv"
    path.write_text("activity,period_start,period_end,quantity,unit,fuel,gas,equipment\n"
                    "fuel,2025-01-01,2025-12-31,5000,L,diesel,,gen-1\n"
                    "refrigerant top-up,2025-03-04,,20,kg,,R-410A,CRAC-2\n"
                    "fuel,2025-01-01,2025-12-31,10,kg,,,gen-2\n"
                    "refrigerant,2025-01-01,2025-12-31,3,L,,R-134a,\n")
    result = read_scope1(path)
    frame = result.tables["scope1"]
    assert list(frame["activity"]) == ["fuel", "refrigerant"]
    assert list(frame["quantity"]) == [5000, 20]
    assert frame["period_end"].iloc[1] == "2025-03-04"
    assert [(p.row, p.column) for p in result.rejected] == [(4, "fuel"), (5, "unit")]


def test_instrument_register_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,mwh\nA,1\n")
    with pytest.raises(InputRejectedError, match="no column type, vintage_start, vintage_end, market, ef_kg_per_mwh"):
        read_instruments(path)


def test_instrument_register_offsets_and_rates(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("instrument_id,type,label,market,mwh,ef_kg_per_mwh,vintage_start,vintage_end,retired,"
                    "certificate_ids,credit_co2e_kg\n"
                    "go-1,eac,Hydro GOs,FR,3,,2025-01-01,2025-12-31,yes,GO-1;GO-2,\n"
                    "rate,supplier,Utility rate,FR,,42,2025-01-01,2025-12-31,,,\n"
                    "credits,offset,Forestry credits,FR,,,2025-01-01,2025-12-31,,,2000\n"
                    "old-go,go,,FR,1,0,2025-01-01,2025-12-31,no,,\n"
                    "no-rate,supplier,,FR,,,2025-01-01,2025-12-31,,,\n"
                    "no-volume,ppa,,FR,,0,2025-01-01,2025-12-31,,,\n")
    result = read_instruments(path)
    frame = result.tables["instruments"].set_index("instrument_id")

    assert list(frame["type"]) == ["eac_other", "supplier_rate", "offset", "go"]
    assert frame.loc["go-1", "ef_kg_per_mwh"] == 0.0
    assert frame.loc["go-1", "certificate_serials"] == "GO-1;GO-2"
    assert frame.loc["go-1", "retired"] == 1
    assert frame.loc["old-go", "retired"] == 0
    assert pd.isna(frame.loc["rate", "mwh"])
    assert frame.loc["rate", "ef_kg_per_mwh"] == 42.0
    assert pd.isna(frame.loc["rate", "retired"])
    assert frame.loc["credits", "credit_co2e_kg"] == 2000.0
    assert frame.loc["credits", "ef_kg_per_mwh"] == 0.0
    assert result.notes == ["1 certificate(s) or PPA(s) give no ef_kg_per_mwh and were read as zero-emission "
                            "generation"]
    assert [(p.row, p.column, p.reason) for p in result.rejected] == [
        (6, "ef_kg_per_mwh", "a supplier rate needs its emission factor"),
        (7, "mwh", "certificates and PPAs need their MWh")]


def test_scope1_substance_gwp_and_blend(tmp_path):
    path = tmp_path / "scope1.csv"
    path.write_text("record_id,kind,substance,amount,unit,date,gwp,composition\n"
                    "gen-test,fuel,Natural Gas,120,GJ,2025-03-15,,\n"
                    "chiller,refrigerant,R-410A,3.5,kg,2025-06-10,2000,\n"
                    "crac,refrigerant,R-407C,2,kg,2025-07-01,,HFC-32:0.23;HFC-125:0.25;HFC-134a:0.52\n"
                    "bad-blend,refrigerant,R-407C,2,kg,2025-07-01,,HFC-32:0.5;HFC-125:0.4\n"
                    "bad-parts,refrigerant,R-407C,2,kg,2025-07-01,,HFC-32=1\n")
    result = read_scope1(path, site="paris")
    frame = result.tables["scope1"].set_index("record_id")

    assert list(frame.index) == ["gen-test", "chiller", "crac"]
    assert "substance" not in frame.columns
    assert frame.loc["gen-test", "fuel"] == "natural gas"
    assert pd.isna(frame.loc["gen-test", "gas"])
    assert frame.loc["chiller", "gas"] == "R-410A"
    assert frame.loc["chiller", "gwp"] == 2000.0
    assert json.loads(frame.loc["crac", "composition"]) == {"HFC-125": 0.25, "HFC-134a": 0.52, "HFC-32": 0.23}
    assert frame.loc["crac", "period_start"] == "2025-07-01"
    assert set(frame["site"]) == {"paris"}
    assert [(p.row, p.column) for p in result.rejected] == [(5, "composition"), (6, "composition")]
    assert result.rejected[0].reason == "mass fractions add up to 0.9, not 1"
