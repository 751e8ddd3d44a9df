"""Readers for the inventory registers: contractual instruments and Scope 1 records.

Instruments: ``instrument_id, type, market, mwh, ef_kg_per_mwh, vintage_start, vintage_end``
and optionally ``label, retired, certificate_ids`` (separated by ``;``), ``qc_1`` to ``qc_8``
(yes or no; empty means not assessed), ``qc_N_note``, ``tracking_registry``, ``technology``
and ``credit_co2e_kg`` (offsets). Type is ``eac`` (GO, REC, I-REC), ``ppa``, ``supplier`` or
``offset``; an empty ``mwh`` on a supplier rate covers all its market's remaining consumption.

Scope 1: ``record_id, kind, substance, amount, unit, date`` and optionally ``site,
co2e_kg_per_unit, gwp`` and ``composition`` (``HFC-32:0.5;HFC-125:0.5``). Kind is ``fuel`` or
``refrigerant``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from workbench.clock import epoch_to_text
from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, normalize_column
from workbench.ingest.rowfields import RowError, RowFields
from workbench.ingest.tables import is_blank_row, open_table
from workbench.progress import Progress, no_progress

IMPORTER_VERSION = "1"
INSTRUMENT_REQUIRED = ("instrument_id", "type", "market", "vintage_start", "vintage_end")
INSTRUMENT_TYPES = ("eac", "ppa", "supplier", "offset")
SCOPE1_REQUIRED = ("record_id", "kind", "substance", "amount", "unit", "date")
SCOPE1_UNITS = ("L", "kg", "t", "GJ", "MJ", "TJ", "kWh", "MWh")


def _open(path: Path, required: tuple[str, ...], kind: str) -> tuple:
    table = open_table(path)
    names = [normalize_column(name) for name in table.header]
    missing = [name for name in required if name not in names]
    if missing:
        raise InputRejectedError(path, f"missing column {', '.join(missing)}", row=table.header_row,
                                 hint="The header needs: " + ", ".join(required) + ".")
    position = {name: index for index, name in enumerate(names)}
    return table, position, ReadResult(kind=kind, importer=f"{kind}-table", importer_version=IMPORTER_VERSION)


def _read(path: Path, required: tuple[str, ...], kind: str, parse, columns: list[str]) -> ReadResult:
    table, position, result = _open(path, required, kind)
    rows = []
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        try:
            rows.append(parse(RowFields(cells, position, decimal_comma=table.delimiter == ";"), number))
        except RowError as exc:
            result.rejected.append(RowProblem(path.name, number, exc.column, exc.value, exc.reason))
    result.tables[kind] = pd.DataFrame(rows, columns=columns)
    return result


def _instrument(fields: RowFields, number: int) -> dict:
    kind = fields.choice("type", INSTRUMENT_TYPES)
    start = fields.moment("vintage_start", is_end=False)
    end = fields.moment("vintage_end", is_end=True)
    if end <= start:
        raise RowError("vintage_end", fields.text("vintage_end"), "the vintage ends before it starts")
    mwh = fields.number("mwh", minimum=0)
    if mwh is None and kind in ("eac", "ppa"):
        raise RowError("mwh", "", "certificates and PPAs need their MWh")
    ef = fields.number("ef_kg_per_mwh", minimum=0)
    if ef is None and kind == "supplier":
        raise RowError("ef_kg_per_mwh", "", "a supplier rate needs its emission factor")
    criteria, notes = {}, {}
    for number_qc in range(1, 9):
        passed = fields.flag(f"qc_{number_qc}")
        if passed is not None:
            criteria[str(number_qc)] = passed
        note = fields.text(f"qc_{number_qc}_note")
        if note:
            notes[str(number_qc)] = note
    certificates = [item.strip() for item in fields.text("certificate_ids").split(";") if item.strip()]
    return {
        "source_row": number, "instrument_id": fields.text("instrument_id", required=True), "type": kind,
        "label": fields.text("label") or None, "market": fields.text("market", required=True), "mwh": mwh,
        "ef_kg_per_mwh": 0.0 if ef is None else ef, "ef_stated": ef is not None,
        "vintage_start": epoch_to_text(start),
        "vintage_end": epoch_to_text(end), "retired": int(fields.flag("retired", default=True)),
        "certificate_ids_json": json.dumps(certificates), "criteria_json": json.dumps(criteria, sort_keys=True),
        "criteria_notes_json": json.dumps(notes, sort_keys=True),
        "tracking_registry": fields.text("tracking_registry") or None,
        "technology": fields.text("technology") or None,
        "credit_co2e_kg": fields.number("credit_co2e_kg", minimum=0),
    }


INSTRUMENT_FRAME = ["source_row", "instrument_id", "type", "label", "market", "mwh", "ef_kg_per_mwh",
                    "vintage_start", "vintage_end", "retired", "certificate_ids_json", "criteria_json",
                    "criteria_notes_json", "tracking_registry", "technology", "credit_co2e_kg"]


def read_instruments(path: str | Path, *, progress: Progress | None = None) -> ReadResult:
    """Read a register of contractual instruments (certificates, PPAs, supplier rates, offsets).

    A certificate or PPA without ``ef_kg_per_mwh`` is read as zero-emission generation, and the
    import notes say how many were.
    """
    path = Path(path)
    result = _read(path, INSTRUMENT_REQUIRED, "instruments", _instrument, INSTRUMENT_FRAME + ["ef_stated"])
    frame = result.tables["instruments"]
    implied = int((~frame["ef_stated"].astype(bool) & frame["type"].isin(["eac", "ppa"])).sum()) if len(frame) else 0
    if implied:
        result.notes.append(f"{implied} certificate(s) or PPA(s) give no ef_kg_per_mwh and were read as "
                            "zero-emission generation")
    result.tables["instruments"] = frame.drop(columns=["ef_stated"])
    (progress or no_progress("Import")).update(1.0, f"{path.name}: done", force=True)
    return result


def _composition(fields: RowFields) -> str | None:
    text = fields.text("composition")
    if not text:
        return None
    parts = {}
    for item in text.split(";"):
        gas, separator, fraction = item.partition(":")
        try:
            parts[gas.strip()] = float(fraction)
        except ValueError:
            raise RowError("composition", text, "write components as GAS:FRACTION separated by ';'") from None
        if not separator or not gas.strip():
            raise RowError("composition", text, "write components as GAS:FRACTION separated by ';'")
    if abs(sum(parts.values()) - 1.0) > 1e-6:
        raise RowError("composition", text, f"mass fractions add up to {sum(parts.values()):g}, not 1")
    return json.dumps(parts, sort_keys=True)


def _scope1(fields: RowFields, number: int) -> dict:
    kind = fields.choice("kind", ("fuel", "refrigerant"))
    unit = fields.text("unit", required=True)
    if unit not in SCOPE1_UNITS:
        raise RowError("unit", unit, f"must be one of: {', '.join(SCOPE1_UNITS)}")
    if kind == "refrigerant" and unit not in ("kg", "t"):
        raise RowError("unit", unit, "refrigerant masses must be in kg or t")
    return {
        "source_row": number, "record_id": fields.text("record_id", required=True), "kind": kind,
        "substance": fields.text("substance", required=True), "amount": fields.number("amount", required=True,
                                                                                      minimum=0),
        "unit": unit, "occurred": epoch_to_text(fields.moment("date", is_end=False)),
        "site": fields.text("site") or None, "co2e_kg_per_unit": fields.number("co2e_kg_per_unit", minimum=0),
        "gwp": fields.number("gwp", minimum=0), "composition_json": _composition(fields),
    }


SCOPE1_FRAME = ["source_row", "record_id", "kind", "substance", "amount", "unit", "occurred", "site",
                "co2e_kg_per_unit", "gwp", "composition_json"]


def read_scope1(path: str | Path, *, site: str | None = None, progress: Progress | None = None) -> ReadResult:
    """Read Scope 1 records (generator fuel, refrigerant top-ups); ``site`` fills empty site cells."""
    path = Path(path)
    result = _read(path, SCOPE1_REQUIRED, "scope1", _scope1, SCOPE1_FRAME)
    frame = result.tables["scope1"]
    if site is not None and len(frame):
        frame["site"] = frame["site"].fillna(site)
    (progress or no_progress("Import")).update(1.0, f"{path.name}: done", force=True)
    return result
