"""The JSON exports of a disclosure: the whole model, the ESRS E1 tables, or the AI Act energy record.

Each document is one JSON object with ``document`` naming its kind and ``manifest`` holding the
export manifest, written with sorted keys and two-space indentation, so the same content gives
the same bytes. The activity tables (per-hour energy rows) are left out; the workbook carries them.
A report with the reduction plan adds ``avoided_emissions`` to each document: the levers' avoided
emissions and the narratives, beside the totals and never part of them.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from workbench.reports import regulatory
from workbench.reports.disclosure import Disclosure, as_plain

DOCUMENTS = {"json": "carbon-workbench-disclosure", "esrs-json": "esrs-e1-energy-and-emissions",
             "ai-act-json": "ai-act-training-energy"}


def render(disclosure: Disclosure, fmt: str) -> bytes:
    """Return the JSON document of format ``fmt`` (json, esrs-json or ai-act-json) as UTF-8 bytes."""
    builders = {"json": _full, "esrs-json": _esrs, "ai-act-json": _ai_act}
    document = {"document": DOCUMENTS[fmt], "manifest": disclosure.manifest, **builders[fmt](disclosure)}
    if disclosure.avoided is not None:
        document["avoided_emissions"] = _avoided(disclosure)
    return (json.dumps(_finite(document), sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def parse(data: bytes) -> dict[str, Any]:
    """Parse a JSON export; raise ValueError if it is not one of the documents this module writes."""
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict) or document.get("document") not in DOCUMENTS.values():
        raise ValueError("the file is not a Carbon Workbench JSON export")
    return document


def _header(disclosure: Disclosure) -> dict[str, Any]:
    header = disclosure.header
    return {"project": header.project_name, "title": header.title, "assumption_set": header.assumption_set,
            "exported_at": header.exported_at, "draft": header.draft, "software_version": header.software_version,
            "reporting_period": {"label": header.period_label, "start_utc": header.period_start_utc,
                                 "end_utc": header.period_end_utc},
            "report_info": header.info}


def _rows(rows: list[regulatory.Row]) -> list[dict[str, Any]]:
    return [asdict(row) for row in rows]


def _full(disclosure: Disclosure) -> dict[str, Any]:
    return {
        "header": _header(disclosure),
        "checklist": [as_plain(item) for item in disclosure.checklist],
        "inventory": disclosure.inventory,
        "footprint": disclosure.footprint,
        "runs": disclosure.runs_info,
        "assumptions": disclosure.assumptions,
        "assumption_sets": disclosure.set_values,
        "uncertainty": as_plain(disclosure.uncertainty),
        "comparison": as_plain(disclosure.comparison),
        "factors": disclosure.factors,
        "instruments": disclosure.instruments,
        "assets": disclosure.assets,
        "sources": disclosure.sources,
        "signoffs": [as_plain(line) for line in disclosure.signoffs],
        "evidence": as_plain(disclosure.evidence),
        "esrs": {"e1_5": _rows(regulatory.esrs_e1_5(disclosure)), "e1_6": _rows(regulatory.esrs_e1_6(disclosure))},
        "ai_act": regulatory.ai_act_records(disclosure),
        "rejected_rows": disclosure.rejected_total,
    }


def _avoided(disclosure: Disclosure) -> dict[str, Any]:
    section = as_plain(disclosure.avoided)
    section["offsets_reported_separately"] = disclosure.inventory["offsets_reported_separately"]
    section["note"] = ("avoided emissions of reduction levers, in kgCO2e: reported beside the inventory and the "
                       "footprint and never deducted from any total")
    return section


def _esrs(disclosure: Disclosure) -> dict[str, Any]:
    return {"header": _header(disclosure), "e1_5": _rows(regulatory.esrs_e1_5(disclosure)),
            "e1_6": _rows(regulatory.esrs_e1_6(disclosure)),
            "note": "data-point labels paraphrase ESRS E1-5 and E1-6; check them against the adopted text"}


def _ai_act(disclosure: Disclosure) -> dict[str, Any]:
    records = regulatory.ai_act_records(disclosure)
    return {"header": _header(disclosure), "models": records,
            "spdx_ai_energy_consumption": {record["model"]: regulatory.spdx_energy(record) for record in records},
            "note": "EU AI Act Annex XI section 1 point 2(d)-(e); field names of the GPAI model documentation form "
                    "to check against the official form"}


def _finite(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
