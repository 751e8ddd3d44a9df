"""Reader for Scope 1 activity records: fuel burned on site and refrigerant released.

Each row is one activity over a period: ``activity`` is fuel (generator diesel, natural gas,
HVO ...) or refrigerant (a top-up, whose mass stands for the mass released, or a mass balance).
``quantity`` is in ``unit`` (a fuel in L, m3, kg, kWh, GJ or therm; a refrigerant in kg or lb).
A factor in kgCO2e per unit may be given with its source; without one the calculation applies
its default factors and GWP set later. A refrigerant may state its own ``gwp`` or, for a blend,
its ``composition`` as mass fractions (``HFC-32:0.5;HFC-125:0.5``). A ``substance`` column may
stand for ``fuel`` and ``gas`` (the fuel of a fuel row, the gas of a refrigerant row), and
``record_id`` names the row in the inventory's lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from workbench.ingest.common import ReadResult
from workbench.ingest.records import Field, RecordError, read_records
from workbench.progress import Progress, no_progress

IMPORTER_VERSION = "2"
ACTIVITIES = {"fuel": "fuel", "fuel_combustion": "fuel", "combustion": "fuel", "generator": "fuel",
              "refrigerant": "refrigerant", "refrigerant_top_up": "refrigerant", "top_up": "refrigerant",
              "fugitive": "refrigerant", "leak": "refrigerant"}
FUEL_UNITS = {"l", "litre", "liter", "litres", "liters", "m3", "kg", "t", "kwh", "mwh", "gj", "mj", "tj", "therm",
              "therms", "gal", "gallon", "gallons", "scf", "mmbtu"}
REFRIGERANT_UNITS = {"kg", "g", "lb", "lbs", "t"}
FIELDS = (
    Field("record_id", aliases=("activity_id", "id")),
    Field("activity", "choice", required=True, aliases=("type", "category", "source_type", "kind"),
          choices=ACTIVITIES),
    Field("period_start", "date", required=True, aliases=("start", "date", "from")),
    Field("period_end", "date", aliases=("end", "to")),
    Field("quantity", "number", required=True, aliases=("amount", "volume", "mass"), strictly_positive=True),
    Field("unit", required=True, aliases=("units", "uom"), lower=True),
    Field("fuel", aliases=("fuel_type",), lower=True),
    Field("gas", aliases=("refrigerant", "refrigerant_type", "gas_type")),
    Field("equipment", aliases=("asset", "generator", "unit_name", "system")),
    Field("method", aliases=("estimation_method",), lower=True),
    Field("substance"),
    Field("ef_kg_per_unit", "number", aliases=("emission_factor", "ef", "factor_kg_per_unit", "co2e_kg_per_unit"),
          low=0.0),
    Field("gwp", "number", aliases=("gwp_100", "gwp100"), low=0.0),
    Field("composition", aliases=("blend",)),
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
    frame = pd.DataFrame(records, columns=["source_row"] + [spec.name for spec in FIELDS if spec.name != "substance"])
    result.tables["scope1"] = frame
    if len(frame):
        result.start_utc = pd.Timestamp(frame["period_start"].min(), tz="UTC").timestamp()
        result.end_utc = (pd.Timestamp(frame["period_end"].max(), tz="UTC") + pd.Timedelta(days=1)).timestamp()
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _check(record: dict) -> None:
    _fill_substance(record)
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
    record["composition"] = _composition(record["composition"])


def _fill_substance(record: dict) -> None:
    """Let a ``substance`` cell name the fuel of a fuel row or the gas of a refrigerant row."""
    substance = record.pop("substance")
    if not substance:
        return
    if record["activity"] == "fuel":
        record["fuel"] = record["fuel"] or substance.lower()
    else:
        record["gas"] = record["gas"] or substance


def _composition(text: str | None) -> str | None:
    """Return the mass fractions of a blend (``GAS:FRACTION;...``) as JSON text; they must add up to 1."""
    if not text:
        return None
    parts = {}
    for item in text.split(";"):
        gas, separator, fraction = item.partition(":")
        try:
            parts[gas.strip()] = float(fraction)
        except ValueError:
            raise RecordError("composition", text, "write components as GAS:FRACTION separated by ';'") from None
        if not separator or not gas.strip():
            raise RecordError("composition", text, "write components as GAS:FRACTION separated by ';'")
    if abs(sum(parts.values()) - 1.0) > 1e-6:
        raise RecordError("composition", text, f"mass fractions add up to {sum(parts.values()):g}, not 1")
    return json.dumps(parts, sort_keys=True)
