"""Reader for Scope 1 activity records: fuel burned on site and refrigerant released.

Each row is one activity over a period: ``activity`` is fuel (generator diesel, natural gas,
HVO ...) or refrigerant (a top-up, whose mass stands for the mass released, or a mass balance).
``quantity`` is in ``unit`` (a fuel in L, m3, kg, kWh, GJ or therm; a refrigerant in kg or lb).
A factor in kgCO2e per unit may be given with its source; without one the calculation applies
its default factors and GWP set later.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.ingest.common import ReadResult
from workbench.ingest.records import Field, RecordError, read_records
from workbench.progress import Progress, no_progress

IMPORTER_VERSION = "1"
ACTIVITIES = {"fuel": "fuel", "fuel_combustion": "fuel", "combustion": "fuel", "generator": "fuel",
              "refrigerant": "refrigerant", "refrigerant_top_up": "refrigerant", "top_up": "refrigerant",
              "fugitive": "refrigerant", "leak": "refrigerant"}
FUEL_UNITS = {"l", "litre", "liter", "litres", "liters", "m3", "kg", "t", "kwh", "mwh", "gj", "mj", "therm", "therms",
              "gal", "gallon", "gallons", "scf", "mmbtu"}
REFRIGERANT_UNITS = {"kg", "g", "lb", "lbs", "t"}
FIELDS = (
    Field("activity", "choice", required=True, aliases=("type", "category", "source_type"), choices=ACTIVITIES),
    Field("period_start", "date", required=True, aliases=("start", "date", "from")),
    Field("period_end", "date", aliases=("end", "to")),
    Field("quantity", "number", required=True, aliases=("amount", "volume", "mass"), strictly_positive=True),
    Field("unit", required=True, aliases=("units", "uom"), lower=True),
    Field("fuel", aliases=("fuel_type",), lower=True),
    Field("gas", aliases=("refrigerant", "refrigerant_type", "gas_type")),
    Field("equipment", aliases=("asset", "generator", "unit_name", "system")),
    Field("method", aliases=("estimation_method",), lower=True),
    Field("ef_kg_per_unit", "number", aliases=("emission_factor", "ef", "factor_kg_per_unit"), low=0.0),
    Field("ef_source", aliases=("factor_source",)),
    Field("description", aliases=("notes", "comment", "comments")),
    Field("site"),
)


def read_scope1(path: str | Path, *, site: str | None = None, mapping=None,
                progress: Progress | None = None) -> ReadResult:
    """Read a Scope 1 activity table; each accepted row is one fuel or refrigerant activity."""
    path = Path(path)
    progress = progress or no_progress("Import")
    result = ReadResult(kind="scope1", importer="scope1-table", importer_version=IMPORTER_VERSION,
                        options={"site": site})
    records = read_records(path, FIELDS, result, mapping=mapping, check=_check, what="Scope 1 activity")
    for record in records:
        record["site"] = record["site"] or site
        record["period_end"] = record["period_end"] or record["period_start"]
    frame = pd.DataFrame(records, columns=["source_row"] + [spec.name for spec in FIELDS])
    result.tables["scope1"] = frame
    if len(frame):
        result.start_utc = pd.Timestamp(frame["period_start"].min(), tz="UTC").timestamp()
        result.end_utc = (pd.Timestamp(frame["period_end"].max(), tz="UTC") + pd.Timedelta(days=1)).timestamp()
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _check(record: dict) -> None:
    if record["period_end"] and record["period_end"] < record["period_start"]:
        raise RecordError("period_end", record["period_end"], "the period ends before it starts")
    if record["activity"] == "fuel":
        if not record["fuel"]:
            raise RecordError("fuel", "", "a fuel activity needs the fuel (such as diesel or natural gas)")
        if record["unit"] not in FUEL_UNITS:
            raise RecordError("unit", record["unit"], f"not a fuel quantity unit ({', '.join(sorted(FUEL_UNITS))})")
    else:
        if not record["gas"]:
            raise RecordError("gas", "", "a refrigerant activity needs the gas (such as R-410A or HFC-134a)")
        if record["unit"] not in REFRIGERANT_UNITS:
            raise RecordError("unit", record["unit"], "a refrigerant quantity is a mass (kg, g, lb or t)")
