"""Green Button (ESPI) XML: namespaces, unit codes, multipliers, cost scaling and real feeds."""

from __future__ import annotations

import pytest

from workbench.errors import InputRejectedError
from workbench.ingest.green_button import read_green_button

GB = ("meter", "green_button")


def feed(readings: str, *, uom: int = 72, multiplier: int = 0, flow: int = 1, accumulation: int = 4,
         prefix: str = "espi") -> str:
    """A minimal ESPI feed: one ReadingType, one MeterReading linking it, one IntervalBlock."""
    # Without a prefix each ESPI resource declares the default namespace, as SCE's files do.
    ns = f'xmlns:{prefix}="http://naesb.org/espi"' if prefix else ""
    p = f"{prefix}:" if prefix else ""
    own = "" if prefix else ' xmlns="http://naesb.org/espi"'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" {ns}>
  <entry><link rel="self" href="ReadingType/1"/><content><{p}ReadingType{own}>
    <{p}accumulationBehaviour>{accumulation}</{p}accumulationBehaviour><{p}currency>840</{p}currency>
    <{p}flowDirection>{flow}</{p}flowDirection><{p}powerOfTenMultiplier>{multiplier}</{p}powerOfTenMultiplier>
    <{p}uom>{uom}</{p}uom></{p}ReadingType></content></entry>
  <entry><link rel="self" href="UsagePoint/1/MeterReading/1"/>
    <link rel="related" href="UsagePoint/1/MeterReading/1/IntervalBlock"/>
    <link rel="related" href="ReadingType/1"/><content><{p}MeterReading{own}/></content></entry>
  <entry><link rel="up" href="UsagePoint/1/MeterReading/1/IntervalBlock"/><content><{p}IntervalBlock{own}>
    {readings}</{p}IntervalBlock></content></entry>
</feed>"""


def reading(start: float, value: float, duration: int = 3600, cost: int | None = None, quality: int | None = None,
            prefix: str = "espi") -> str:
    p = f"{prefix}:" if prefix else ""
    extra = f"<{p}cost>{cost}</{p}cost>" if cost is not None else ""
    if quality is not None:
        extra += f"<{p}ReadingQuality><{p}quality>{quality}</{p}quality></{p}ReadingQuality>"
    return (f"<{p}IntervalReading>{extra}<{p}timePeriod><{p}duration>{duration}</{p}duration>"
            f"<{p}start>{start}</{p}start></{p}timePeriod><{p}value>{value}</{p}value></{p}IntervalReading>")


def test_reading_type_multiplier_and_cost_scale(tmp_path):
    # A HydroOne-style feed: powerOfTenMultiplier -3 on the ReadingType; the cost is not scaled by it.
    path = tmp_path / "hydroone.xml"
    path.write_text(feed(reading(1700000000, 1500, cost=2806000) + reading(1700003600, 500, cost=1000000),
                         multiplier=-3))
    result = read_green_button(path)
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(2.0)
    assert result.options["cost_total"] == pytest.approx(38.06)
    assert result.options["currency"] == "840"


def test_kilowatt_hour_multiplier_and_default_namespace(tmp_path):
    path = tmp_path / "pge.xml"
    path.write_text(feed(reading(1430377200, 86400, prefix="") + reading(1430380800, 33000, prefix=""),
                         multiplier=3, prefix=""))
    energy = read_green_button(path).tables["energy"]
    assert list(energy["energy_wh"]) == pytest.approx([86_400_000, 33_000_000])


def test_estimated_quality_and_float_start(tmp_path):
    path = tmp_path / "q.xml"
    path.write_text(feed(reading(1700000000.5, 10, quality=8) + reading(1700003600.5, 10, quality=17)))
    energy = read_green_button(path).tables["energy"].sort_values("hour_utc")
    assert set(energy["quality"]) == {"estimated", "measured"}
    assert energy["energy_wh"].sum() == pytest.approx(20)


def test_gas_and_reverse_flow_not_imported(tmp_path):
    gas = tmp_path / "gas.xml"
    gas.write_text(feed(reading(1700000000, 12000), uom=169, multiplier=3))
    with pytest.raises(InputRejectedError, match=r"the ReadingType's unit is therm \(uom 169, gas\)"):
        read_green_button(gas)
    export = tmp_path / "export.xml"
    export.write_text(feed(reading(1700000000, 12000), flow=4))
    with pytest.raises(InputRejectedError, match="received from the customer"):
        read_green_button(export)


def test_entity_expansion_refused(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<feed xmlns="http://www.w3.org/2005/Atom">&b;</feed>')
    with pytest.raises(InputRejectedError, match="DTD, entities or external references"):
        read_green_button(path)


def test_external_entity_refused(tmp_path):
    path = tmp_path / "xxe.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<feed xmlns="http://www.w3.org/2005/Atom">&x;</feed>')
    with pytest.raises(InputRejectedError, match="not read for safety"):
        read_green_button(path)


def test_daily_readings_of_23_and_25_hours(samples):
    result = read_green_button(samples.joinpath(*GB, "vladistan__electricity_TestGBDataOneYearDailyBinnedMonthly.xml"))
    energy = result.tables["energy"]
    assert result.rows_read == 444
    assert result.rows_accepted == 444
    assert energy["energy_wh"].sum() == pytest.approx(9_917_817)
    assert result.options["cost_total"] == pytest.approx(1072.12833)
    # 444 days, of which two spring days of 23 hours and one autumn day of 25 hours.
    assert len(energy) == 444 * 24 - 1
    assert energy["coverage"].min() == pytest.approx(1.0)


def test_pge_overlapping_blocks_counted_once(samples):
    path = samples.joinpath(*GB, "verdigris__PGEIntervalBlock.xml")
    with pytest.raises(InputRejectedError, match="no ReadingType, so their unit and power-of-ten multiplier"):
        read_green_button(path)
    result = read_green_button(path, unit="Wh")
    assert result.rows_read == 2556
    assert len(result.tables["energy"]) == 2280
    assert result.rejected == []
    assert any("276 readings repeat an earlier reading" in note for note in result.notes)


def test_utilityapi_feed_with_electric_and_gas_reading_types(samples):
    result = read_green_button(samples.joinpath(*GB, "cityssm__intervals_APUC000000_electric.xml"))
    assert result.rows_read == 300
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(248_530)


def test_gas_feed_with_one_start_rejected(samples):
    path = samples.joinpath(*GB, "vladistan__natural_gas_ngma_gas_provider_2024-07-16.xml")
    with pytest.raises(InputRejectedError) as caught:
        read_green_button(path)
    message = str(caught.value)
    assert "its ReadingType has no uom" in message
    assert "every reading has the same start 1721154384.661360 (2024-07-16T18:26:24Z)" in message


def test_sce_reading_types_sharing_a_link(samples):
    result = read_green_button(samples.joinpath(*GB, "verdigris__BulkSCEUsageSummaryAndIntervalBlock.xml"))
    assert result.tables["energy"]["energy_wh"].sum() == pytest.approx(210 + 200 + 210)
    assert any("2 ReadingTypes share one link" in note for note in result.notes)
    assert result.options["tz_offset_s"] == "-28800"
