"""The project explorer's tables: one DataFrame per kind of entity in the project file.

:data:`CATEGORIES` lists what the explorer shows, in order, each with the columns of its table
(key, header, unit, kind). :func:`load_table` reads one table from the project. The GUI puts
it in a sortable, filterable table, and the CLI or a test can use the frame directly. The
queries read whole tables: the energy rows of a large project reach millions of rows, which a
DataFrame holds in tens of megabytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from workbench.errors import NotFoundError
from workbench.progress import Progress, no_progress
from workbench.project.store import Project

log = logging.getLogger(__name__)

CHUNK_ROWS = 100_000  # rows read between two progress updates (and chances to cancel)


@dataclass(frozen=True)
class TableColumn:
    """One column of an explorer table: frame key, header, unit and kind ("text", "integer" or "number")."""

    key: str
    header: str
    unit: str = ""
    kind: str = "text"


@dataclass(frozen=True)
class Category:
    """One entry of the explorer: its key, title, tooltip, SQL query and columns."""

    key: str
    title: str
    description: str
    query: str
    columns: tuple[TableColumn, ...]
    count_table: str


def _c(key: str, header: str, unit: str = "", kind: str = "text") -> TableColumn:
    return TableColumn(key, header, unit, kind)


_INT, _NUM = "integer", "number"

CATEGORIES: tuple[Category, ...] = (
    Category("sources", "Sources", "Every imported file with its SHA-256, importer and row counts",
             "SELECT id, original_name, kind, sha256, size_bytes, importer, importer_version, rows_read,"
             " rows_accepted, rows_rejected, start_utc, end_utc, imported_at, actor FROM sources ORDER BY id",
             (_c("id", "Source", kind=_INT), _c("original_name", "File"), _c("kind", "Kind"), _c("sha256", "SHA-256"),
              _c("size_bytes", "Size", "bytes", _INT), _c("importer", "Importer"),
              _c("importer_version", "Importer version"), _c("rows_read", "Rows read", kind=_INT),
              _c("rows_accepted", "Accepted", kind=_INT), _c("rows_rejected", "Rejected", kind=_INT),
              _c("start_utc", "First time (UTC)"), _c("end_utc", "Last time (UTC)"),
              _c("imported_at", "Imported at (UTC)"), _c("actor", "Imported by")), "sources"),
    Category("runs", "Runs", "Training runs and experiments with their site, kind and time window",
             "SELECT r.id, r.name, r.kind, s.name AS site, s.grid_zone, r.start_utc, r.end_utc, r.functional_unit,"
             " r.functional_unit_amount FROM runs r LEFT JOIN sites s ON s.id = r.site_id ORDER BY r.id",
             (_c("id", "Id", kind=_INT), _c("name", "Run"), _c("kind", "Kind"), _c("site", "Site"),
              _c("grid_zone", "Grid zone"), _c("start_utc", "Start (UTC)"), _c("end_utc", "End (UTC)"),
              _c("functional_unit", "Functional unit"), _c("functional_unit_amount", "Amount", kind=_NUM)), "runs"),
    Category("sites", "Sites", "Data centres with their grid zone, time zone and PUE measurement category",
             "SELECT s.id, s.name, s.grid_zone, s.timezone, s.pue_category, i.market,"
             " coalesce(i.boundary, 'operational_control') AS boundary"
             " FROM sites s LEFT JOIN site_inventory i ON i.site_id = s.id ORDER BY s.id",
             (_c("id", "Id", kind=_INT), _c("name", "Site"), _c("grid_zone", "Grid zone"), _c("timezone", "Time zone"),
              _c("pue_category", "PUE category"), _c("market", "Market"), _c("boundary", "Boundary")), "sites"),
    Category("meters", "Meters", "Electricity meters with their measurement point, accuracy class and energy",
             "SELECT m.id, m.name, s.name AS site, m.measurement_point, m.accuracy_class, count(e.hour_utc) AS hours,"
             " sum(e.energy_wh) / 1000.0 AS energy_kwh FROM meters m LEFT JOIN sites s ON s.id = m.site_id"
             " LEFT JOIN energy_hourly e ON e.meter_id = m.id GROUP BY m.id ORDER BY m.id",
             (_c("id", "Id", kind=_INT), _c("name", "Meter"), _c("site", "Site"),
              _c("measurement_point", "Measurement point"), _c("accuracy_class", "Accuracy class"),
              _c("hours", "Hours", kind=_INT), _c("energy_kwh", "Energy", "kWh", _NUM)), "meters"),
    Category("energy", "Energy rows", "Energy per GPU, meter or run per UTC hour, with the source rows it came from",
             "SELECT e.source_id, r.name AS run, d.device_key AS device, m.name AS meter, e.hour_utc, e.level,"
             " e.energy_wh / 1000.0 AS energy_kwh, e.sample_count, e.coverage, e.gap_seconds, e.quality,"
             " e.first_row, e.last_row FROM energy_hourly e LEFT JOIN runs r ON r.id = e.run_id"
             " LEFT JOIN devices d ON d.id = e.device_id LEFT JOIN meters m ON m.id = e.meter_id",
             (_c("source_id", "Source", kind=_INT), _c("run", "Run"), _c("device", "Device"), _c("meter", "Meter"),
              _c("hour_utc", "Hour (Unix s, UTC)", kind=_INT), _c("level", "Level"),
              _c("energy_kwh", "Energy", "kWh", _NUM), _c("sample_count", "Samples", kind=_INT),
              _c("coverage", "Coverage", kind=_NUM), _c("gap_seconds", "Gaps", "s", _NUM), _c("quality", "Quality"),
              _c("first_row", "First row", kind=_INT), _c("last_row", "Last row", kind=_INT)), "energy_hourly"),
    Category("assets", "Assets", "Procured hardware with embodied emissions, lifetime and site",
             "SELECT a.id, a.item, a.category, a.quantity, a.acquired, a.in_service, a.embodied_co2e_kg_per_unit,"
             " a.embodied_source, a.lifetime_years, a.usage_rate, s.name AS site, a.source_id, a.source_row"
             " FROM assets a LEFT JOIN sites s ON s.id = a.site_id ORDER BY a.id",
             (_c("id", "Id", kind=_INT), _c("item", "Item"), _c("category", "Category"),
              _c("quantity", "Quantity", kind=_NUM), _c("acquired", "Acquired"), _c("in_service", "In service"),
              _c("embodied_co2e_kg_per_unit", "Embodied per unit", "kgCO2e", _NUM),
              _c("embodied_source", "Embodied source"), _c("lifetime_years", "Lifetime", "years", _NUM),
              _c("usage_rate", "Usage rate", kind=_NUM), _c("site", "Site"), _c("source_id", "Source", kind=_INT),
              _c("source_row", "Source row", kind=_INT)), "assets"),
    Category("factor_datasets", "Factor datasets", "Emission factor datasets with basis, gas basis and vintage",
             "SELECT d.id, d.name, d.basis, d.gas_basis, d.gwp_set, d.vintage, s.original_name AS file,"
             " count(f.id) AS factors, group_concat(DISTINCT f.zone) AS zones,"
             " group_concat(DISTINCT f.resolution) AS resolutions FROM factor_datasets d"
             " LEFT JOIN sources s ON s.id = d.source_id LEFT JOIN factors f ON f.dataset_id = d.id"
             " GROUP BY d.id ORDER BY d.id",
             (_c("id", "Id", kind=_INT), _c("name", "Dataset"), _c("basis", "Basis"), _c("gas_basis", "Gas basis"),
              _c("gwp_set", "GWP set"), _c("vintage", "Vintage"), _c("file", "Source file"),
              _c("factors", "Factors", kind=_INT), _c("zones", "Zones"), _c("resolutions", "Resolutions")),
             "factor_datasets"),
    Category("instruments", "Instruments", "Contractual instruments (PPAs, certificates, supplier rates)",
             "SELECT i.id, i.instrument_id, i.type, i.market, s.name AS site, i.mwh, i.vintage_start, i.vintage_end,"
             " i.ef_kg_per_mwh, i.technology, i.tracking_registry, i.retirement_date FROM instruments i"
             " LEFT JOIN sites s ON s.id = i.site_id ORDER BY i.id",
             (_c("id", "Id", kind=_INT), _c("instrument_id", "Instrument"), _c("type", "Type"), _c("market", "Market"),
              _c("site", "Site"), _c("mwh", "Energy", "MWh", _NUM), _c("vintage_start", "Vintage start"),
              _c("vintage_end", "Vintage end"), _c("ef_kg_per_mwh", "Factor", "kgCO2e/MWh", _NUM),
              _c("technology", "Technology"), _c("tracking_registry", "Registry"),
              _c("retirement_date", "Retired on")), "instruments"),
    Category("assumption_sets", "Assumption sets", "Stored assumption values of every set with who set them and why",
             "SELECT s.name AS assumption_set, p.name AS parent, s.locked, a.key, a.value_json AS value,"
             " a.distribution_json AS distribution, a.rationale, a.set_by, a.set_at FROM assumption_sets s"
             " LEFT JOIN assumption_sets p ON p.id = s.parent_id LEFT JOIN assumptions a ON a.set_id = s.id"
             " ORDER BY s.id, a.key",
             (_c("assumption_set", "Set"), _c("parent", "Parent"), _c("locked", "Locked", kind=_INT),
              _c("key", "Assumption"), _c("value", "Value"), _c("distribution", "Distribution"),
              _c("rationale", "Rationale"), _c("set_by", "Set by"), _c("set_at", "Set at (UTC)")), "assumption_sets"),
    Category("reports", "Reports", "Exported reports with their hash, assumption set and signer",
             "SELECT id, format, file_name, sha256, assumption_set, state_sha256, signed_by, draft, exported_at, actor"
             " FROM reports ORDER BY id",
             (_c("id", "Id", kind=_INT), _c("format", "Format"), _c("file_name", "File"), _c("sha256", "SHA-256"),
              _c("assumption_set", "Assumption set"), _c("state_sha256", "Project state SHA-256"),
              _c("signed_by", "Signed by"), _c("draft", "Draft", kind=_INT), _c("exported_at", "Exported at (UTC)"),
              _c("actor", "Exported by")), "reports"),
)

CATEGORIES_BY_KEY = {category.key: category for category in CATEGORIES}


def category(key: str) -> Category:
    """Return the category ``key``; raise NotFoundError naming the known keys otherwise."""
    if key not in CATEGORIES_BY_KEY:
        raise NotFoundError(f"no explorer table named '{key}'", hint=f"Tables: {', '.join(CATEGORIES_BY_KEY)}.")
    return CATEGORIES_BY_KEY[key]


def load_table(project: Project, key: str, progress: Progress | None = None,
               chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """Read the table of category ``key`` from ``project``, with the category's columns in order.

    Rows are read ``chunk_rows`` at a time; ``progress`` gets the share read after each chunk
    and raises OperationCancelled there when the caller cancelled.
    """
    chosen = category(key)
    progress = progress or no_progress(f"Reading the {chosen.title.lower()} table")
    total = int(project.conn.execute(f"SELECT count(*) FROM {chosen.count_table}").fetchone()[0])
    parts = []
    read = 0
    for part in pd.read_sql_query(chosen.query, project.conn, chunksize=chunk_rows):
        parts.append(part)
        read += len(part)
        progress.update(read / max(total, read, 1), f"{read:,} of {total:,} rows read")
    if not parts:
        parts.append(pd.read_sql_query(f"SELECT * FROM ({chosen.query}) LIMIT 0", project.conn))
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    log.info("explorer table %s: %d rows", key, len(frame))
    return frame[[column.key for column in chosen.columns]]


def counts(project: Project) -> dict[str, int]:
    """Return the number of rows behind each category, for the explorer's labels."""
    result = {}
    for item in CATEGORIES:
        row = project.conn.execute(f"SELECT count(*) FROM {item.count_table}").fetchone()
        result[item.key] = int(row[0])
    return result
