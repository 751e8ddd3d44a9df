"""Reader for registers of contractual instruments used by the market-based Scope 2 method.

One row per instrument: PPAs (physical, virtual, sleeved), energy attribute certificates (RECs,
GOs, I-RECs, REGOs) and supplier-specific rates or green tariffs, with the MWh, the vintage
period, the market, the emission factor and the Scope 2 Quality Criteria. ``qc_1`` .. ``qc_8``
are yes/no (pass/fail) with an optional ``qc_N_note``; an empty cell means not assessed. The
criteria are: 1 conveys the emission-rate attribute, 2 is the only claim, 3 is tracked and
retired for the reporting company, 4 vintage close to the consumption period, 5 same market as
the consumption, 6 supplier rate on delivered electricity, 7 direct contract conveys the
attributes, 8 a residual mix is used for unclaimed electricity.

Offsets (carbon credits, ``type`` offset) may be listed too, with their size in
``credit_co2e_kg``; the inventory reports them beside the scopes and never deducts them. A
supplier rate or green tariff without ``mwh`` covers all remaining consumption of its market,
and a certificate or PPA with an empty ``ef_kg_per_mwh`` is read as zero-emission generation,
with a note. ``retired`` (yes/no) states whether the certificates were retired for the
reporting company; ``certificate_serials`` lists serials separated by ``;``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.ingest.common import ReadResult
from workbench.ingest.records import Field, RecordError, read_records
from workbench.progress import Progress, no_progress

IMPORTER_VERSION = "2"
TYPES = {
    "ppa": "ppa_physical", "ppa_physical": "ppa_physical", "physical_ppa": "ppa_physical",
    "ppa_virtual": "ppa_virtual", "virtual_ppa": "ppa_virtual", "vppa": "ppa_virtual", "financial_ppa": "ppa_virtual",
    "ppa_sleeved": "ppa_sleeved", "sleeved_ppa": "ppa_sleeved", "rec": "rec", "recs": "rec", "go": "go",
    "gos": "go", "guarantee_of_origin": "go", "i_rec": "i_rec", "irec": "i_rec", "rego": "rego", "eac": "eac_other",
    "eac_other": "eac_other", "supplier_rate": "supplier_rate", "supplier_specific": "supplier_rate",
    "supplier": "supplier_rate", "green_tariff": "green_tariff", "tariff": "green_tariff",
    "offset": "offset", "offsets": "offset", "carbon_credit": "offset", "carbon_credits": "offset",
}
# Types whose volume is optional: a rate without MWh covers the rest of its market; an offset has none.
VOLUME_OPTIONAL = ("supplier_rate", "green_tariff", "offset")
FIELDS = (
    Field("instrument_id", required=True, aliases=("id", "certificate_id", "contract_id", "name")),
    Field("type", "choice", required=True, aliases=("instrument_type", "kind"), choices=TYPES),
    Field("mwh", "number", required=True, aliases=("volume_mwh", "quantity_mwh", "energy_mwh", "mwh_covered"),
          strictly_positive=True, empty_allowed=True),
    Field("vintage_start", "date", required=True, aliases=("vintage_from", "period_start", "generation_start")),
    Field("vintage_end", "date", required=True, aliases=("vintage_to", "period_end", "generation_end")),
    Field("market", required=True, aliases=("market_boundary", "grid", "bidding_zone")),
    Field("ef_kg_per_mwh", "number", required=True, aliases=("emission_factor_kg_per_mwh", "ef", "factor_kg_per_mwh"),
          low=0.0, empty_allowed=True),
    Field("country", aliases=("country_code",)),
    Field("tracking_registry", aliases=("registry",)),
    Field("certificate_serials", aliases=("serials", "serial_numbers", "certificate_ids")),
    Field("generator_id", aliases=("generator", "plant_id", "facility_id")),
    Field("technology", aliases=("source", "fuel", "generation_type"), lower=True),
    Field("retirement_date", "date", aliases=("retired_on", "cancellation_date", "redemption_date")),
    Field("retired_for", aliases=("beneficiary", "retired_on_behalf_of")),
    Field("retirement_evidence_sha256", aliases=("evidence_sha256",)),
    Field("gas_basis", "choice", choices={"co2": "CO2", "co2e": "CO2e"}),
    Field("commissioning_date", "date", aliases=("commissioned",)),
    Field("label", aliases=("certification", "ecolabel")),
    Field("subsidized", "bool", aliases=("subsidised", "supported_by_subsidy")),
    Field("additional", "bool", aliases=("additionality",)),
    Field("site"),
    Field("notes", aliases=("comment", "comments")),
    Field("retired", "bool", aliases=("cancelled", "redeemed")),
    Field("credit_co2e_kg", "number", aliases=("offset_co2e_kg", "credits_co2e_kg"), low=0.0),
    *(Field(f"qc_{n}", "bool") for n in range(1, 9)),
    *(Field(f"qc_{n}_note") for n in range(1, 9)),
)


def read_instruments(path: str | Path, *, site: str | None = None, mapping=None,
                     progress: Progress | None = None) -> ReadResult:
    """Read a contractual instruments register; each accepted row is one instrument."""
    path = Path(path)
    progress = progress or no_progress("Import")
    result = ReadResult(kind="instruments", importer="instruments-table", importer_version=IMPORTER_VERSION,
                        options={"site": site})
    records = read_records(path, FIELDS, result, mapping=mapping, check=_check, what="contractual instruments")
    for record in records:
        record["site"] = record["site"] or site
        record["gas_basis"] = record["gas_basis"] or "CO2e"
    implied = sum(1 for record in records if record.pop("ef_implied"))
    if implied:
        result.notes.append(f"{implied} certificate(s) or PPA(s) give no ef_kg_per_mwh and were read as "
                            "zero-emission generation")
    frame = pd.DataFrame(records, columns=["source_row"] + [spec.name for spec in FIELDS])
    result.tables["instruments"] = frame
    if len(frame):
        result.start_utc = pd.Timestamp(frame["vintage_start"].min(), tz="UTC").timestamp()
        result.end_utc = (pd.Timestamp(frame["vintage_end"].max(), tz="UTC") + pd.Timedelta(days=1)).timestamp()
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _check(record: dict) -> None:
    _check_volume_and_factor(record)
    if record["vintage_end"] < record["vintage_start"]:
        raise RecordError("vintage_end", record["vintage_end"], "the vintage ends before it starts")
    if record["retirement_date"] and record["type"] in ("rec", "go", "i_rec", "rego", "eac_other") \
            and record["retirement_date"] < record["vintage_start"]:
        raise RecordError("retirement_date", record["retirement_date"], "a certificate cannot be retired before "
                                                                        "its generation period starts")
    if record["qc_1"] == 0 and record["ef_kg_per_mwh"] == 0:
        record["notes"] = ((record["notes"] or "") + " criterion 1 fails, so the zero factor cannot be "
                                                     "claimed").strip()


def _check_volume_and_factor(record: dict) -> None:
    """Require MWh and a factor where the type needs them; an empty certificate or PPA factor is zero."""
    kind = record["type"]
    if record["mwh"] is None and kind not in VOLUME_OPTIONAL:
        raise RecordError("mwh", "", "certificates and PPAs need their MWh")
    record["ef_implied"] = False
    if record["ef_kg_per_mwh"] is None:
        if kind in ("supplier_rate", "green_tariff"):
            raise RecordError("ef_kg_per_mwh", "", "a supplier rate needs its emission factor")
        record["ef_kg_per_mwh"] = 0.0
        record["ef_implied"] = kind != "offset"
