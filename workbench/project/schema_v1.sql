-- Project file format 1. Times are ISO 8601 UTC text ("2026-01-01T00:00:00Z") except the
-- hour keys of energy rows, which are integer Unix seconds at the start of a UTC hour.

CREATE TABLE project_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sources (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL,
    original_name     TEXT NOT NULL,
    original_path     TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    size_bytes        INTEGER NOT NULL,
    importer          TEXT NOT NULL,
    importer_version  TEXT NOT NULL,
    options_json      TEXT NOT NULL,
    rows_read         INTEGER NOT NULL,
    rows_accepted     INTEGER NOT NULL,
    rows_rejected     INTEGER NOT NULL,
    start_utc         TEXT,
    end_utc           TEXT,
    notes_json        TEXT NOT NULL DEFAULT '[]',
    imported_at       TEXT NOT NULL,
    actor             TEXT NOT NULL,
    evidence_zlib     BLOB
);
CREATE INDEX sources_sha256 ON sources (sha256);

CREATE TABLE rejected_rows (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    row_number   INTEGER NOT NULL,
    column_name  TEXT NOT NULL,
    raw_value    TEXT NOT NULL,
    reason       TEXT NOT NULL
);
CREATE INDEX rejected_rows_source ON rejected_rows (source_id);

CREATE TABLE sites (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    grid_zone     TEXT,
    timezone      TEXT,
    pue_category  TEXT
);

CREATE TABLE runs (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL UNIQUE,
    kind                    TEXT NOT NULL DEFAULT 'final'
                            CHECK (kind IN ('final', 'experiment', 'failed', 'evaluation')),
    site_id                 INTEGER REFERENCES sites (id),
    start_utc               TEXT,
    end_utc                 TEXT,
    functional_unit         TEXT,
    functional_unit_amount  REAL
);

CREATE TABLE devices (
    id         INTEGER PRIMARY KEY,
    device_key TEXT NOT NULL UNIQUE,
    host       TEXT,
    uuid       TEXT,
    gpu_index  TEXT,
    model      TEXT
);

CREATE TABLE meters (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    site_id            INTEGER REFERENCES sites (id),
    measurement_point  TEXT NOT NULL DEFAULT 'facility'
                       CHECK (measurement_point IN ('facility', 'ups_output', 'pdu_output', 'server_input')),
    accuracy_class     TEXT
);

-- Energy per device (or run, or meter) per UTC hour. 'level' is the point in the energy chain
-- the figure was measured at: gpu_board energy gets the node uplift, node energy does not, and
-- facility energy already includes overhead, so PUE is never applied to it.
CREATE TABLE energy_hourly (
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    run_id         INTEGER REFERENCES runs (id),
    device_id      INTEGER REFERENCES devices (id),
    meter_id       INTEGER REFERENCES meters (id),
    hour_utc       INTEGER NOT NULL,
    level          TEXT NOT NULL CHECK (level IN ('gpu_board', 'node', 'it', 'facility')),
    energy_wh      REAL NOT NULL,
    gpu_energy_wh  REAL,
    sample_count   INTEGER NOT NULL,
    coverage       REAL NOT NULL,
    gap_seconds    REAL NOT NULL,
    quality        TEXT NOT NULL CHECK (quality IN ('measured', 'estimated', 'defaulted')),
    first_row      INTEGER,
    last_row       INTEGER
);
CREATE INDEX energy_hourly_run ON energy_hourly (run_id, hour_utc);
CREATE INDEX energy_hourly_meter ON energy_hourly (meter_id, hour_utc);
CREATE INDEX energy_hourly_source ON energy_hourly (source_id);

CREATE TABLE assets (
    id                        INTEGER PRIMARY KEY,
    source_id                 INTEGER REFERENCES sources (id),
    source_row                INTEGER,
    item                      TEXT NOT NULL,
    category                  TEXT NOT NULL,
    quantity                  REAL NOT NULL CHECK (quantity > 0),
    acquired                  TEXT NOT NULL,
    in_service                TEXT,
    embodied_co2e_kg_per_unit REAL NOT NULL CHECK (embodied_co2e_kg_per_unit >= 0),
    embodied_source           TEXT,
    lifetime_years            REAL NOT NULL CHECK (lifetime_years > 0),
    usage_rate                REAL,
    site_id                   INTEGER REFERENCES sites (id)
);

CREATE TABLE factor_datasets (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER REFERENCES sources (id),
    name         TEXT NOT NULL,
    basis        TEXT NOT NULL DEFAULT 'location'
                 CHECK (basis IN ('location', 'residual_mix', 'supplier', 'marginal')),
    gas_basis    TEXT NOT NULL DEFAULT 'CO2e',
    gwp_set      TEXT,
    vintage      TEXT
);

CREATE TABLE factors (
    id               INTEGER PRIMARY KEY,
    dataset_id       INTEGER NOT NULL REFERENCES factor_datasets (id),
    source_row       INTEGER,
    zone             TEXT NOT NULL,
    period_start     INTEGER NOT NULL,
    period_end       INTEGER NOT NULL CHECK (period_end > period_start),
    resolution       TEXT NOT NULL CHECK (resolution IN ('hourly', 'daily', 'monthly', 'annual', 'other')),
    co2e_g_per_kwh   REAL NOT NULL CHECK (co2e_g_per_kwh >= 0),
    source_text      TEXT NOT NULL
);
CREATE INDEX factors_zone ON factors (zone, period_start);

CREATE TABLE assumption_sets (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    parent_id   INTEGER REFERENCES assumption_sets (id),
    locked      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);

CREATE TABLE assumptions (
    set_id        INTEGER NOT NULL REFERENCES assumption_sets (id),
    key           TEXT NOT NULL,
    value_json    TEXT NOT NULL,
    distribution_json TEXT,
    rationale     TEXT NOT NULL,
    set_by        TEXT NOT NULL,
    set_at        TEXT NOT NULL,
    PRIMARY KEY (set_id, key)
);

CREATE TABLE reports (
    id            INTEGER PRIMARY KEY,
    format        TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    assumption_set TEXT NOT NULL,
    state_sha256  TEXT NOT NULL,
    signed_by     TEXT,
    draft         INTEGER NOT NULL,
    exported_at   TEXT NOT NULL,
    actor         TEXT NOT NULL
);

-- Append-only: every entry stores the hash of the previous one, so editing or deleting an
-- entry breaks the chain. The triggers stop ordinary SQL from doing either.
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    entity        TEXT NOT NULL,
    details_json  TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
