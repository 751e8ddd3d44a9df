"""Reading emission factor datasets in the layouts publishers and tools use.

:func:`read_factor_file` recognizes the layout from the file's structure and reads it into
factors with their dataset's provenance: basis (location, residual mix, marginal), gas basis
(CO2 or CO2e, as the dataset's unit states), the publisher, licence and vintage. Country zones
become ISO 3166-1 alpha-2 codes; sub-national zones keep the dataset's code (``SE-SE3``,
``US-CA``, eGRID ``CAMX``). Each factor keeps the value and unit it was read in.

JSON layouts are in this module; table layouts (CSV, XLSX) are in
:mod:`workbench.ingest.factor_tables`. A file that contains something else (generation by
fuel, hardware power, cloud prices) is rejected, and the message names what it contains.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.clock import epoch_to_text
from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult
from workbench.ingest.countries import iso2_from_code
from workbench.ingest.factor_units import PeriodError, year_bounds, year_in_text
from workbench.ingest.factors import resolution_of
from workbench.progress import Progress, no_progress

IMPORTER_VERSION = "1"
JSON_LIMIT_BYTES = 64 << 20
COLUMNS = ["source_row", "zone", "period_start", "period_end", "resolution", "co2e_g_per_kwh", "source_text",
           "original_value", "original_unit", "zone_name", "dataset"]


@dataclass
class DatasetInfo:
    """Provenance of one dataset of factors read from a file."""

    name: str
    basis: str = "location"
    gas_basis: str | None = "CO2e"
    gwp_set: str | None = None
    vintage: str | None = None
    publisher: str | None = None
    licence: str | None = None
    dataset_version: str | None = None
    emission_scope: str | None = None
    source_url: str | None = None


class FactorCollector:
    """Gathers factors and rejected rows of one file, then checks overlaps per dataset."""

    def __init__(self, path: Path, importer: str) -> None:
        self.path = path
        self.result = ReadResult(kind="factors", importer=importer, importer_version=IMPORTER_VERSION)
        self.rows: list[dict] = []
        self.datasets: dict[str, DatasetInfo] = {}

    def dataset(self, info: DatasetInfo) -> str:
        self.datasets.setdefault(info.name, info)
        return info.name

    def read_row(self) -> None:
        self.result.rows_read += 1

    def add(self, row: int, zone: str, start: int, end: int, value: float, unit_scale: float, unit: str,
            source_text: str, dataset: str, zone_name: str | None = None) -> None:
        self.rows.append({"source_row": row, "zone": zone, "period_start": int(start), "period_end": int(end),
                          "resolution": resolution_of(end - start), "co2e_g_per_kwh": value * unit_scale,
                          "source_text": source_text, "original_value": value, "original_unit": unit,
                          "zone_name": zone_name, "dataset": dataset})

    def reject(self, row: int, column: str, value: str, reason: str) -> None:
        self.result.rejected.append(RowProblem(self.path.name, row, column, value, reason))

    def finish(self) -> ReadResult:
        frame = pd.DataFrame(self.rows, columns=COLUMNS)
        frame = self._drop_overlaps(frame)
        self.result.tables["factors"] = frame
        self.result.options["datasets"] = {name: asdict(info) for name, info in self.datasets.items()
                                           if name in set(frame["dataset"])}
        if len(frame):
            self.result.start_utc = float(frame["period_start"].min())
            self.result.end_utc = float(frame["period_end"].max())
        return self.result

    def _drop_overlaps(self, frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        frame = frame.sort_values(["dataset", "zone", "resolution", "period_start", "source_row"]).reset_index(drop=True)
        keep = np.ones(len(frame), dtype=bool)
        last: dict[tuple, tuple[int, int]] = {}
        for index, row in enumerate(frame.itertuples(index=False)):
            key = (row.dataset, row.zone, row.resolution)
            previous = last.get(key)
            if previous and row.period_start < previous[0]:
                keep[index] = False
                self.reject(int(row.source_row), "period", epoch_to_text(row.period_start),
                            f"overlaps the {row.resolution} factor of zone {row.zone} in row {previous[1]}; "
                            "a period may have only one factor per dataset")
                continue
            last[key] = (row.period_end, int(row.source_row))
        return frame[keep].sort_values("source_row").reset_index(drop=True)


def read_factor_file(path: str | Path, *, progress: Progress | None = None) -> ReadResult:
    """Read any supported factor dataset file; raise InputRejectedError naming what any other file contains."""
    from workbench.ingest import factor_tables

    path = Path(path)
    progress = progress or no_progress("Import")
    try:
        if path.suffix.lower() == ".json":
            result = _read_json(path)
        else:
            result = factor_tables.read_table_dataset(path)
    except PeriodError as exc:
        # Readers reject such rows where they can; this names the file for the periods they cannot.
        raise InputRejectedError(path, f"a factor period is not a date: {exc}",
                                 hint="Check the year and month columns of the dataset.") from None
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


# -- JSON layouts -----------------------------------------------------------------------------------

def _load_json(path: Path):
    if path.stat().st_size > JSON_LIMIT_BYTES:
        raise InputRejectedError(path, f"the JSON file is larger than {JSON_LIMIT_BYTES >> 20} MiB")
    try:
        return json.loads(path.read_text("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputRejectedError(path, f"the file is not valid JSON: {exc}") from None


def _read_json(path: Path) -> ReadResult:
    data = _load_json(path)
    if not isinstance(data, dict) or not data:
        raise InputRejectedError(path, "the JSON file contains no object of zones, so it is not a factor dataset")
    sample = next(iter(data.values()))
    keys = set(sample) if isinstance(sample, dict) else set()
    if {"country_code", "emissions_intensity_gco2_per_kwh", "year"} <= keys:
        return _co2js_average(path, data)
    if {"carbonIntensity"} <= keys:
        return _electricity_maps_yearly(path, data)
    if "Operating Margin Grid Emission" in keys or "country_code_iso_2" in keys:
        return _ifi_json(path, data)
    if {"carbon_intensity", "iso_code", "year"} <= keys:
        return _energy_mix_json(path, data)
    if {"emissions", "regionCode"} <= keys:
        return _us_states_json(path, data)
    if "data" in data and "metadata" in data:
        return _zone_table_json(path, data)
    raise InputRejectedError(path, _describe_json(data, keys),
                             hint="Import a grid factor dataset: zones with an intensity and a year.")


def _describe_json(data: dict, keys: set) -> str:
    if "emissionFactors" in data:
        return ("the file holds emission factors per fuel type (coal, gas, ...) and zone generation mixes, not an "
                "intensity per grid zone")
    if "coal" in data and "unit" in data:
        return "the file holds one intensity per fuel type (coal, gas, nuclear, ...), not per grid zone"
    if keys and all(isinstance(value, (int, float)) for value in next(iter(data.values())).values()):
        return ("the file holds generation shares by fuel (" + ", ".join(sorted(keys)[:4]) + ", ...) per zone, "
                "without an emission intensity")
    return "the JSON layout is not a known factor dataset (zones with an intensity and a year)"


def _co2js_average(path: Path, data: dict) -> ReadResult:
    collector = FactorCollector(path, "co2js-average-intensities-json")
    name = collector.dataset(DatasetInfo(
        name="Ember yearly electricity data via co2.js average-intensities", basis="location", gas_basis="CO2e",
        publisher="Ember (via The Green Web Foundation co2.js)", licence="CC-BY-4.0 (Ember data); Apache-2.0 (co2.js)",
        emission_scope="lifecycle", vintage="latest year per country"))
    for number, (key, item) in enumerate(data.items(), start=1):
        collector.read_row()
        code = (item.get("country_code") or "").strip()
        zone = iso2_from_code(code) if code else None
        label = item.get("country_or_region") or key
        if zone is None:
            collector.reject(number, "country_code", code or key, f"'{label}' is a region aggregate without a "
                                                                  "country code, so it names no grid zone")
            continue
        _add_annual(collector, number, zone, item.get("year"), item.get("emissions_intensity_gco2_per_kwh"),
                    "gCO2e/kWh", f"Ember {item.get('year')} via co2.js", name, label)
    return collector.finish()


def _electricity_maps_yearly(path: Path, data: dict) -> ReadResult:
    year = year_in_text(path.stem)
    if year is None:
        raise InputRejectedError(path, "the Electricity Maps yearly file has no year in its name (such as "
                                       "yearly_2024.json), so its factors cannot be placed in time",
                                 hint="Rename the file with its year, as co2.js names them.")
    collector = FactorCollector(path, "electricity-maps-yearly-json")
    name = collector.dataset(DatasetInfo(
        name=f"Electricity Maps yearly {year}", basis="location", gas_basis="CO2e", emission_scope="lifecycle",
        publisher="Electricity Maps (via co2.js)", vintage=str(year),
        licence="Electricity Maps data terms (check before sharing); Apache-2.0 (co2.js wrapper)"))
    collector.result.notes.append("Electricity Maps data may not be redistributed without checking its terms")
    for number, (zone, item) in enumerate(data.items(), start=1):
        collector.read_row()
        intensity = item.get("carbonIntensity") or {}
        unit = intensity.get("unit") or "gCO2eq/kWh"
        zone_name = (item.get("zone") or {}).get("zoneName")
        _add_annual(collector, number, zone, year, intensity.get("value"), unit, f"Electricity Maps {year}", name,
                    zone_name)
    return collector.finish()


def _ifi_json(path: Path, data: dict) -> ReadResult:
    year = year_in_text(path.stem) or 2021
    collector = FactorCollector(path, "ifi-grid-factors-json")
    if year_in_text(path.stem) is None:
        collector.result.notes.append("the file name states no year; the IFI dataset version 3.1 is of 2021")
    margins = {
        "Operating Margin Grid Emission": DatasetInfo(
            name=f"IFI operating margin {year}", basis="marginal", gas_basis="CO2", vintage=str(year),
            publisher="IFI Technical Working Group on GHG accounting / UNFCCC", dataset_version="v3.1",
            emission_scope="direct", licence="published by the UNFCCC; terms to be checked"),
        "Electricity Consumption": DatasetInfo(
            name=f"IFI combined margin (electricity consumption) {year}", basis="marginal", gas_basis="CO2",
            vintage=str(year), publisher="IFI Technical Working Group on GHG accounting / UNFCCC",
            dataset_version="v3.1", emission_scope="direct", licence="published by the UNFCCC; terms to be checked"),
    }
    for number, (key, item) in enumerate(data.items(), start=1):
        collector.read_row()
        zone = iso2_from_code(item.get("country_code_iso_2") or item.get("country_code_iso_3") or "")
        if zone is None:
            collector.reject(number, "country_code_iso_2", key, f"'{key}' has no ISO country code (an aggregate or "
                                                                "a territory without one)")
            continue
        for column, info in margins.items():
            name = collector.dataset(info)
            _add_annual(collector, number, zone, year, item.get(column), "gCO2/kWh", f"IFI {year} v3.1 {column}",
                        name, key)
    return collector.finish()


def _energy_mix_json(path: Path, data: dict) -> ReadResult:
    collector = FactorCollector(path, "codecarbon-global-energy-mix-json")
    name = collector.dataset(DatasetInfo(
        name="Our World in Data energy mix via CodeCarbon", basis="location", gas_basis="CO2e",
        publisher="Our World in Data / Ember (via CodeCarbon)", licence="CC-BY-4.0 (OWID); MIT (CodeCarbon)",
        emission_scope="lifecycle"))
    for number, (key, item) in enumerate(data.items(), start=1):
        collector.read_row()
        zone = iso2_from_code(item.get("iso_code") or key)
        if zone is None:
            collector.reject(number, "iso_code", key, "not an ISO country code")
            continue
        _add_annual(collector, number, zone, item.get("year"), item.get("carbon_intensity"), "gCO2e/kWh",
                    f"OWID {item.get('year')} via CodeCarbon", name, item.get("country_name"))
    return collector.finish()


def _us_states_json(path: Path, data: dict) -> ReadResult:
    year = year_in_text(path.stem)
    if year is None:
        raise InputRejectedError(path, "the file of US state emission rates states no year (CodeCarbon keeps it in "
                                       "its folder name, such as 2016), so its factors cannot be placed in time",
                                 hint="Rename the file with the eGRID data year, such as usa_emissions_2016.json.")
    collector = FactorCollector(path, "codecarbon-usa-emissions-json")
    name = collector.dataset(DatasetInfo(
        name=f"US EPA eGRID {year} state rates via CodeCarbon", basis="location", gas_basis=None, vintage=str(year),
        publisher="US EPA eGRID (via CodeCarbon)", licence="US public domain (EPA); MIT (CodeCarbon)",
        emission_scope="direct"))
    collector.result.notes.append("the file does not say whether its lbs/MWh rates are CO2 or CO2e; the gas basis "
                                  "was left unknown")
    for number, (state, item) in enumerate(data.items(), start=1):
        collector.read_row()
        code = (item.get("regionCode") or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            collector.reject(number, "regionCode", code, f"'{state}' has no two-letter state code")
            continue
        _add_annual(collector, number, f"US-{code}", year, item.get("emissions"), "lbs/MWh", f"eGRID {year} {state}",
                    name, state.title())
    return collector.finish()


def _zone_table_json(path: Path, data: dict) -> ReadResult:
    metadata = data.get("metadata") or {}
    zones = data.get("data") or {}
    collector = FactorCollector(path, "zone-table-json")
    source = metadata.get("source") or path.stem
    for number, (zone, item) in enumerate(zones.items(), start=1):
        collector.read_row()
        if not isinstance(item, dict) or "emission_factor" not in item:
            collector.reject(number, "emission_factor", zone, "the zone has no emission_factor")
            continue
        year = item.get("year")
        name = collector.dataset(DatasetInfo(
            name=f"{path.stem} ({source})", basis="location", gas_basis=None, vintage=str(year),
            publisher=source, licence="as stated by the file's publisher; MIT (CodeCarbon)"))
        zone_code = zone if "-" in zone or len(zone) == 2 else f"{zone[:2]}-{zone}"
        _add_annual(collector, number, zone_code, year, item.get("emission_factor"), item.get("unit") or "gCO2eq/kWh",
                    f"{source} {year}", name, item.get("description"))
    return collector.finish()


def _add_annual(collector: FactorCollector, number: int, zone: str, year, value, unit: str, source_text: str,
                dataset: str, zone_name: str | None) -> None:
    from workbench.ingest.factor_units import parse_intensity_unit

    parsed = parse_intensity_unit(unit)
    if parsed is None:
        collector.reject(number, "unit", unit, "not an emission intensity unit such as gCO2/kWh")
        return
    try:
        year_int = int(year)
        number_value = float(value)
    except (TypeError, ValueError):
        column = "year" if not isinstance(year, (int, float)) else "value"
        collector.reject(number, column, f"{year!r} {value!r}", "the year or the intensity is missing or not a number")
        return
    if number_value < 0:
        collector.reject(number, "value", f"{number_value:g}", "emission factors cannot be negative")
        return
    try:
        start, end = year_bounds(year_int)
    except PeriodError as exc:
        collector.reject(number, "year", str(year), str(exc))
        return
    collector.add(number, zone, start, end, number_value, parsed.to_g_per_kwh, unit, source_text, dataset, zone_name)
    collector.datasets[dataset].gas_basis = collector.datasets[dataset].gas_basis or parsed.gas_basis
