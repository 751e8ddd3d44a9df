"""Factor datasets in table form (CSV, XLSX): the layout is recognized from the header.

Layouts read, with the header aliases each publisher has used:

* the workbench factor table (``zone, period_start, period_end, co2e_*``), see
  :mod:`workbench.ingest.factors`;
* Our World in Data / Ember country series (``Entity, Code, Year, Carbon intensity of electricity
  (gCO2/kWh)``, with an ``alpha-2`` column in carbontracker's copy);
* Ember yearly and monthly data, long (``Variable, Unit, Value``) and wide (``Emissions
  intensity (gCO2e/kWh)``); the country column was called ``Country code``, ``Country Code``,
  ``ISO 3 code`` and ``ISO3 code`` over time;
* Electricity Maps hourly (or daily, monthly, yearly) exports, in the older (``Zone Id``,
  ``Carbon Intensity gCO₂eq/kWh (direct)``, ``(LCA)``) and newer (``Zone id``, ``Carbon intensity
  gCO₂eq/kWh (direct)``, ``(Life cycle)``) headers: direct and life-cycle values become two
  datasets;
* US EPA eGRID subregion tables (``SUBRGN`` with ``SRC2ERTA`` CO2e and ``SRCO2RTA`` CO2 total
  output rates in lb/MWh; a row of descriptions above the codes is skipped);
* residual mix tables (a country column and a column whose header names the residual mix);
* Green Algorithms ``CI_aggregated`` (a units row above the names; the year is read from the
  comments or source, such as 'Data from 2019');
* the IFI default grid factors (three header rows with line breaks inside quoted cells);
* ML CO2 Impact yearly averages (``zone_key, year, carbon_intensity_avg``).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo
from pathlib import Path

import pandas as pd

from workbench.errors import InputRejectedError
from workbench.ingest import factors as factor_table
from workbench.ingest.common import ReadResult, normalize_column
from workbench.ingest.countries import iso2_from_code, iso2_from_name
from workbench.ingest.factor_datasets import DatasetInfo, FactorCollector
from workbench.ingest.factor_units import month_bounds, parse_intensity_unit, year_bounds, year_in_text
from workbench.ingest.tables import Layout, cell_text, is_blank_row, open_table, preview_rows
from workbench.ingest.timeparse import parse_utc_seconds
from workbench.ingest.values import ValueProblem, parse_number

ISO_ALIASES = ("iso_3_code", "iso3_code", "country_code", "iso3", "iso_code", "code", "country_iso_code")


def read_table_dataset(path: Path) -> ReadResult:
    if path.suffix.lower() in (".md", ".txt", ".rst", ".pdf", ".html"):
        raise InputRejectedError(path, f"the file is a {path.suffix.lstrip('.').upper()} document, not a table of "
                                       "factors", hint="Import the dataset's CSV, XLSX or JSON file.")
    raw, _ = preview_rows(path, limit=8)
    first = " ".join(cell_text(cell) for cell in raw[0][1]) if raw else ""
    if "Combined Margin" in first or "Operating Margin" in first:
        return _read_ifi(path)
    second = {normalize_column(cell_text(cell)) for cell in raw[1][1]} if len(raw) > 1 else set()
    if {"location", "carbonintensity"} <= second:
        return _read_green_algorithms(path)
    described = _describe_green_algorithms(second) if raw and _has_notes_row(raw) else None
    if described:
        raise InputRejectedError(path, described, hint="Import Green Algorithms' CI_aggregated.csv for grid factors.")
    egrid_row = _row_with(raw, "subrgn")
    if egrid_row is not None:
        return _read_egrid(path, egrid_row)
    table = open_table(path)
    names = [normalize_column(name) for name in table.header]
    header = [name.lower() for name in table.header]
    if "zone" in names and ({"period_start", "period_end", "year"} & set(names)
                            or set(factor_table.INTENSITY_COLUMNS) & set(names)):
        return factor_table.read_factors(path)
    if {"zone_key", "year", "carbon_intensity_avg"} <= set(names):
        return _read_zone_years(path, table, names)
    if "datetime_(utc)" in names and any("carbon intensity" in name for name in header):
        return _read_electricity_maps(path, table)
    if any("residual" in name for name in header):
        return _read_residual_mix(path, table, names)
    if "entity" in names and "year" in names and any("intensity" in name for name in header):
        return _read_country_series(path, table, names, ember=False)
    if _iso_column(names) is not None and ("variable" in names or any("intensity" in name for name in header)) \
            and ("year" in names or "date" in names):
        return _read_country_series(path, table, names, ember=True)
    raise InputRejectedError(path, _describe_table(names), row=table.header_row,
                             hint="Import a grid factor dataset: zones, periods or years, and an intensity with "
                                  "its unit.")


def _row_with(raw, name: str) -> int | None:
    for number, cells in raw:
        if any(normalize_column(cell_text(cell)) == name for cell in cells):
            return number
    return None


def _iso_column(names: list[str]) -> int | None:
    for alias in ISO_ALIASES:
        if alias in names:
            return names.index(alias)
    return None


def _has_notes_row(raw) -> bool:
    """Return True when the first row contains notes or units above the real header (Green Algorithms tables)."""
    first = [cell_text(cell) for cell in raw[0][1]]
    return bool(first) and (first[0].lower() in ("index", "variable name") or "must match" in " ".join(first).lower())


def _describe_green_algorithms(names: set[str]) -> str | None:
    if "tdp" in names or "tdp_per_core" in names:
        return "the file is a Green Algorithms processor power table (TDP in W), not grid factors"
    if "pue" in names:
        return "the file holds PUE values of providers or data centres, not grid factors"
    if "type" in names and "model" in names:
        return "the file maps cloud providers to processor models, not grid factors"
    if "variable" in names and "value" in names:
        return "the file holds Green Algorithms reference values (power per GB, car emissions), not grid factors"
    return None


def _describe_table(names: list[str]) -> str:
    found = set(names)
    if {"provider", "region", "impact"} <= found:
        return ("the file gives one intensity per cloud region with no year or period, so its factors cannot be "
                "matched in time; the shipped cloud-region map assigns each region its grid zone instead")
    if "tdp" in found or "tdp_watts" in found or "tdp_per_core" in found:
        return "the file is a processor or GPU power table (TDP in W), not grid factors"
    if {"provider", "gpu"} <= found or {"id", "gpu"} <= found:
        return "the file lists cloud instances and their GPUs, not grid factors"
    if any("generation" in name for name in names):
        return "the file holds electricity generation by source (TWh) without an emission intensity"
    if "gco2eq_per_unit" in found:
        return "the file holds emission equivalents of everyday activities (car km), not grid factors"
    if sum(1 for name in names if re.fullmatch(r"[-_]?\d+(\.\d+)?", name)) >= 2:
        return ("the file has no header row: its first row is data (" + ", ".join(names[:4]) + "), such as cloud "
                "regions with their coordinates, not factors")
    if len(names) == 1 or not any(names):
        return "the file has no header of named columns; it is not a factor table"
    return "the header (" + ", ".join(names[:6]) + ") is not a known factor dataset layout"


def _number(cell, decimal_comma: bool) -> float | None:
    try:
        return parse_number(cell, decimal_comma=decimal_comma)
    except ValueProblem:
        return None


def _intensity(collector: FactorCollector, number: int, column: str, cell, decimal_comma: bool) -> float | None:
    value = _number(cell, decimal_comma)
    if value is None:
        collector.reject(number, column, cell_text(cell), "the intensity is missing or not a number")
        return None
    if value < 0:
        collector.reject(number, column, cell_text(cell), "emission factors cannot be negative")
        return None
    return value


# -- country series ---------------------------------------------------------------------------------

def _read_country_series(path: Path, table, names: list[str], *, ember: bool) -> ReadResult:
    collector = FactorCollector(path, "ember-country-csv" if ember else "owid-country-csv")
    collector.result.notes.extend(table.notes)
    header = table.header
    alpha2 = names.index("alpha-2") if "alpha-2" in names else None
    iso = _iso_column(names)
    long_form = {"variable", "unit", "value"} <= set(names)
    value_index = names.index("value") if long_form else next(
        index for index, name in enumerate(header) if "intensity" in name.lower() and parse_intensity_unit(name))
    unit = None if long_form else parse_intensity_unit(header[value_index])
    time_index = names.index("year") if "year" in names else names.index("date")
    publisher = "Ember" if ember else "Our World in Data (data from Ember and the Energy Institute)"
    info = DatasetInfo(name=f"{publisher}: {path.stem}", basis="location",
                       gas_basis=unit.gas_basis if unit else "CO2e", publisher=publisher,
                       licence="CC-BY-4.0", emission_scope="lifecycle")
    dataset = collector.dataset(info)
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        collector.read_row()
        cells = list(cells) + [None] * (len(header) - len(cells))
        if long_form and not _is_intensity_row(cells, names):
            collector.result.rows_read -= 1
            continue
        row_unit = parse_intensity_unit(cell_text(cells[names.index("unit")])) if long_form else unit
        zone = _zone_of(cells, alpha2, iso, names)
        if zone is None:
            label = cell_text(cells[iso]) if iso is not None else ""
            collector.reject(number, header[iso] if iso is not None else "code", label,
                             "no ISO country code (a region aggregate such as 'Europe'), so no grid zone")
            continue
        period = _period_of(cells[time_index])
        if period is None:
            collector.reject(number, header[time_index], cell_text(cells[time_index]), "not a year or a month date")
            continue
        value = _intensity(collector, number, header[value_index], cells[value_index], table.decimal_comma)
        if value is None or row_unit is None:
            continue
        collector.add(number, zone, period[0], period[1], value, row_unit.to_g_per_kwh, row_unit.text,
                      f"{publisher} {cell_text(cells[time_index])}", dataset,
                      cell_text(cells[names.index("entity")]) if "entity" in names else None)
    if long_form:
        collector.result.notes.append("only the rows of the emissions intensity variable (gCO2/kWh) were read; "
                                      "generation and share rows are not factors")
    return collector.finish()


def _is_intensity_row(cells, names: list[str]) -> bool:
    unit = cell_text(cells[names.index("unit")])
    variable = cell_text(cells[names.index("variable")]).lower()
    return parse_intensity_unit(unit) is not None and ("intensity" in variable or "co2" in variable)


def _zone_of(cells, alpha2: int | None, iso: int | None, names: list[str]) -> str | None:
    if alpha2 is not None and cell_text(cells[alpha2]):
        return iso2_from_code(cell_text(cells[alpha2]))
    if iso is not None and cell_text(cells[iso]):
        return iso2_from_code(cell_text(cells[iso]))
    return None


def _period_of(cell) -> tuple[int, int] | None:
    text = cell_text(cell)
    if re.fullmatch(r"\d{4}", text):
        return year_bounds(int(text))
    match = re.fullmatch(r"(\d{4})-(\d{2})-01", text[:10]) if len(text) >= 10 else None
    if match:
        return month_bounds(int(match.group(1)), int(match.group(2)))
    match = re.fullmatch(r"(\d{2})/01/(\d{4})", text) or re.fullmatch(r"01/(\d{2})/(\d{4})", text)
    if match:
        # Ember's monthly files have written the first of the month as 01/01/2018; both orders
        # put the month in the field that is not 01.
        month = int(match.group(1))
        return month_bounds(int(match.group(2)), month)
    return None


# -- Electricity Maps -------------------------------------------------------------------------------

def _read_electricity_maps(path: Path, table) -> ReadResult:
    collector = FactorCollector(path, "electricity-maps-csv")
    header = [name.lower() for name in table.header]
    zone_index = next(i for i, name in enumerate(header) if name in ("zone id", "zone_id"))
    name_index = next((i for i, name in enumerate(header) if name == "zone name"), None)
    time_index = header.index("datetime (utc)")
    series = [(i, "direct" if "direct" in name else "lifecycle") for i, name in enumerate(header)
              if "carbon intensity" in name and parse_intensity_unit(name)]
    rows = []
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        collector.read_row()
        cells = list(cells) + [None] * (len(header) - len(cells))
        rows.append((number, cells))
    stamps = pd.Series([cell_text(cells[time_index]) for _, cells in rows], dtype="string")
    # The column header states UTC, so stamps without an offset are UTC.
    seconds, reasons = parse_utc_seconds(stamps, ZoneInfo("UTC")) if len(rows) else ([], {})
    spacing = _modal_spacing(seconds)
    for position, (number, cells) in enumerate(rows):
        if position in reasons:
            collector.reject(number, table.header[time_index], stamps[position], reasons[position])
            continue
        start = int(seconds[position])
        end = _period_end(start, spacing)
        for index, scope in series:
            unit = parse_intensity_unit(table.header[index])
            dataset = collector.dataset(DatasetInfo(
                name=f"Electricity Maps {scope}: {path.stem}", basis="location", gas_basis=unit.gas_basis,
                emission_scope=scope, publisher="Electricity Maps",
                licence="Electricity Maps data terms (check before sharing)"))
            value = _intensity(collector, number, table.header[index], cells[index], table.decimal_comma)
            if value is not None:
                collector.add(number, cell_text(cells[zone_index]), start, end, value, unit.to_g_per_kwh, unit.text,
                              f"Electricity Maps {scope} {cell_text(cells[time_index])}", dataset,
                              cell_text(cells[name_index]) if name_index is not None else None)
    return collector.finish()


def _modal_spacing(seconds) -> float:
    import numpy as np

    values = np.sort(np.unique(np.asarray(seconds, dtype=float)[np.isfinite(seconds)]))
    if len(values) < 2:
        return 3600.0
    gaps, counts = np.unique(np.diff(values), return_counts=True)
    return float(gaps[np.argmax(counts)])


def _period_end(start: int, spacing: float) -> int:
    from datetime import datetime, timezone

    moment = datetime.fromtimestamp(start, timezone.utc)
    if spacing >= 365 * 86400:
        return year_bounds(moment.year)[1]
    if spacing >= 28 * 86400:
        return month_bounds(moment.year, moment.month)[1]
    return int(start + spacing)


# -- eGRID and residual mixes -----------------------------------------------------------------------

def _read_egrid(path: Path, header_row: int) -> ReadResult:
    table = open_table(path, layout=Layout(header_row=header_row))
    names = [normalize_column(name) for name in table.header]
    collector = FactorCollector(path, "epa-egrid-subregions")
    collector.result.notes.extend(table.notes)
    year_index = names.index("year") if "year" in names else None
    file_year = year_in_text(path.stem)
    rates = [(names.index(code), gas) for code, gas in (("src2erta", "CO2e"), ("srco2rta", "CO2")) if code in names]
    if not rates:
        raise InputRejectedError(path, "the eGRID subregion table has no SRC2ERTA or SRCO2RTA column (total output "
                                       "emission rates in lb/MWh)", row=table.header_row)
    zone_index = names.index("subrgn")
    name_index = names.index("srname") if "srname" in names else None
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        collector.read_row()
        cells = list(cells) + [None] * (len(names) - len(cells))
        year = int(_number(cells[year_index], False) or 0) if year_index is not None else file_year
        if not year:
            collector.reject(number, "YEAR", "", "no data year in a YEAR column or the file name")
            continue
        start, end = year_bounds(year)
        for index, gas in rates:
            dataset = collector.dataset(DatasetInfo(
                name=f"US EPA eGRID {year} subregion total output rates ({gas})", basis="location", gas_basis=gas,
                gwp_set="AR5" if gas == "CO2e" else None, vintage=str(year), publisher="US EPA",
                licence="US public domain", emission_scope="direct"))
            value = _intensity(collector, number, table.header[index], cells[index], table.decimal_comma)
            if value is not None:
                collector.add(number, cell_text(cells[zone_index]).upper(), start, end, value, 0.45359237, "lb/MWh",
                              f"eGRID{year} {table.header[index]}", dataset,
                              cell_text(cells[name_index]) if name_index is not None else None)
    collector.result.notes.append("eGRID CO2e rates use the GWP set of the eGRID edition (AR5 for recent "
                                  "editions); check the edition's technical guide")
    return collector.finish()


def _read_residual_mix(path: Path, table, names: list[str]) -> ReadResult:
    collector = FactorCollector(path, "residual-mix-table")
    header = table.header
    value_index = next((i for i, name in enumerate(header) if "residual" in name.lower()
                        and parse_intensity_unit(name)), None)
    if value_index is None:
        raise InputRejectedError(path, "the residual mix column states no intensity unit (such as g CO2/kWh)",
                                 row=table.header_row, hint="Name the unit in the header.")
    unit = parse_intensity_unit(header[value_index])
    country_index = next((i for i, name in enumerate(names) if name in ("country", "country_name", "area",
                                                                         "domain")), None)
    code_index = _iso_column(names)
    year_index = names.index("year") if "year" in names else None
    file_year = year_in_text(path.stem)
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        collector.read_row()
        cells = list(cells) + [None] * (len(header) - len(cells))
        zone = iso2_from_code(cell_text(cells[code_index])) if code_index is not None else None
        if zone is None and country_index is not None:
            zone = iso2_from_name(cell_text(cells[country_index]))
        if zone is None:
            collector.reject(number, header[country_index or 0], cell_text(cells[country_index or 0]),
                             "not a recognized country")
            continue
        year = int(_number(cells[year_index], False) or 0) if year_index is not None else file_year
        if not year:
            collector.reject(number, "year", "", "no year in a 'year' column or the file name")
            continue
        dataset = collector.dataset(DatasetInfo(
            name=f"Residual mix {year}: {path.stem}", basis="residual_mix", gas_basis=unit.gas_basis,
            vintage=str(year), publisher="as stated in the file (for European markets usually AIB)",
            licence="check the publisher's terms"))
        value = _intensity(collector, number, header[value_index], cells[value_index], table.decimal_comma)
        if value is not None:
            start, end = year_bounds(year)
            collector.add(number, zone, start, end, value, unit.to_g_per_kwh, unit.text, f"residual mix {year}",
                          dataset, cell_text(cells[country_index]) if country_index is not None else None)
    return collector.finish()


# -- Green Algorithms, IFI, ML CO2 Impact -----------------------------------------------------------

def _read_green_algorithms(path: Path) -> ReadResult:
    table = open_table(path, layout=Layout(header_row=1, header_rows=2))
    units = [parts[0] for parts in table.header_parts]
    names = [normalize_column(parts[1] if len(parts) > 1 else "") for parts in table.header_parts]
    collector = FactorCollector(path, "green-algorithms-ci-aggregated")
    value_index = names.index("carbonintensity")
    unit = parse_intensity_unit(units[value_index]) or parse_intensity_unit("gCO2e/kWh")
    version = re.sub(r"__.*$", "", path.stem) if "__" in path.stem else None
    dataset = collector.dataset(DatasetInfo(
        name=f"Green Algorithms CI_aggregated {version or ''}".strip(), basis="location", gas_basis=unit.gas_basis,
        publisher="Green Algorithms (Lannelongue et al.)", licence="CC-BY-4.0", dataset_version=version))
    position = {name: index for index, name in enumerate(names)}
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        collector.read_row()
        cells = list(cells) + [None] * (len(names) - len(cells))
        zone = cell_text(cells[position["location"]])
        note = " ".join(cell_text(cells[position[c]]) for c in ("comments", "source") if c in position)
        year = year_in_text(note)
        if year is None:
            collector.reject(number, "comments", note[:80], "no year in the comments or source, so the factor "
                                                            "cannot be placed in time")
            continue
        value = _intensity(collector, number, "carbonIntensity", cells[value_index], table.decimal_comma)
        if value is None:
            continue
        start, end = year_bounds(year)
        region = cell_text(cells[position["regionname"]]) if "regionname" in position else ""
        country = cell_text(cells[position["countryname"]]) if "countryname" in position else ""
        collector.add(number, zone, start, end, value, unit.to_g_per_kwh, unit.text,
                      f"Green Algorithms: {cell_text(cells[position['source']]) if 'source' in position else ''}",
                      dataset, region if region and region != "Any" else country)
    collector.result.notes.append("the units row above the header ('in gCO2e/kWh') gave the unit; each value's "
                                  "year was read from its comments or source")
    return collector.finish()


def _read_ifi(path: Path) -> ReadResult:
    table = open_table(path, layout=Layout(header_row=1, header_rows=3))
    collector = FactorCollector(path, "ifi-grid-factors-csv")
    year = year_in_text(path.stem)
    if year is None:
        raise InputRejectedError(path, "the IFI file name states no year (such as 2021), so its factors cannot be "
                                       "placed in time", hint="Keep the year in the file name as published.")
    parts = [[re.sub(r"\s+", " ", part) for part in column] for column in table.header_parts]
    columns = {"Operating Margin": None, "Electricity Consumption": None}
    for index, column in enumerate(parts):
        text = " ".join(column)
        if "Operating Margin" in text:
            columns["Operating Margin"] = index
        elif "Electricity Consumption" in text:
            columns["Electricity Consumption"] = index
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        name = cell_text(cells[0])
        numbers = [cell_text(cell) for cell in cells[1:] if cell_text(cell)]
        if not numbers:
            collector.result.notes.append(f"row {number} is a note without values and was skipped")
            continue
        collector.read_row()
        zone = iso2_from_name(name)
        if zone is None:
            collector.reject(number, "Country / Territory / Island", name,
                             "not a recognized country name (regions such as the Azores have no ISO country code)")
            continue
        for label, index in columns.items():
            if index is None:
                continue
            title = "operating margin" if label == "Operating Margin" else "combined margin (electricity consumption)"
            dataset = collector.dataset(DatasetInfo(
                name=f"IFI {title} {year}", basis="marginal", gas_basis="CO2", vintage=str(year),
                publisher="IFI Technical Working Group on GHG accounting / UNFCCC", dataset_version="v3.1",
                emission_scope="direct", licence="published by the UNFCCC; terms to be checked"))
            value = _intensity(collector, number, label, cells[index] if index < len(cells) else None, False)
            if value is not None:
                start, end = year_bounds(year)
                collector.add(number, zone, start, end, value, 1.0, "gCO2/kWh", f"IFI {year} {title}", dataset, name)
    return collector.finish()


def _read_zone_years(path: Path, table, names: list[str]) -> ReadResult:
    collector = FactorCollector(path, "mlco2-yearly-averages")
    dataset = collector.dataset(DatasetInfo(
        name=f"ML CO2 Impact yearly averages ({path.stem})", basis="location", gas_basis="CO2e",
        publisher="ML CO2 Impact (electricityMap data)", licence="MIT (ML CO2 Impact); electricityMap terms"))
    position = {name: index for index, name in enumerate(names)}
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        collector.read_row()
        cells = list(cells) + [None] * (len(names) - len(cells))
        year = _number(cells[position["year"]], False)
        if year is None:
            collector.reject(number, "year", cell_text(cells[position["year"]]), "not a year")
            continue
        value = _intensity(collector, number, "carbon_intensity_avg", cells[position["carbon_intensity_avg"]], False)
        if value is None:
            continue
        start, end = year_bounds(int(year))
        zone_name = cell_text(cells[position["zone_name"]]) if "zone_name" in position else None
        collector.add(number, cell_text(cells[position["zone_key"]]), start, end, value, 1.0, "gCO2eq/kWh",
                      f"ML CO2 Impact {int(year)}", dataset, zone_name)
    collector.result.notes.append("zone keys are electricityMap's (such as AUS-NSW), kept as written")
    return collector.finish()
