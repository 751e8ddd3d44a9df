-- Format 2: declared runs, models, the inventory role of each site, contractual instruments,
-- Scope 1 records and published model totals. Times are ISO 8601 UTC text.

-- Declarations of runs whose telemetry is not available (from a paper, model card or cloud bill).
-- power_basis: 'board' (accelerator board power, the node uplift applies), 'system' (includes
-- the host, no uplift) or 'facility' (an all-in figure, neither uplift nor PUE applies).
CREATE TABLE declared_runs (
    run_id             INTEGER PRIMARY KEY REFERENCES runs (id),
    source_id          INTEGER REFERENCES sources (id),
    source_row         INTEGER,
    accelerators       INTEGER CHECK (accelerators >= 0),
    accelerator_model  TEXT,
    accelerator_hours  REAL CHECK (accelerator_hours >= 0),
    avg_power_w        REAL CHECK (avg_power_w > 0),
    tdp_w              REAL CHECK (tdp_w > 0),
    power_basis        TEXT NOT NULL CHECK (power_basis IN ('board', 'system', 'facility')),
    energy_kwh         REAL CHECK (energy_kwh >= 0),
    flops              REAL CHECK (flops > 0),
    tokens             REAL CHECK (tokens > 0)
);

-- A model is a set of runs (final, experiments, failed, evaluation).
CREATE TABLE run_models (
    run_id  INTEGER PRIMARY KEY REFERENCES runs (id),
    model   TEXT NOT NULL
);
CREATE INDEX run_models_model ON run_models (model);

-- Totals a model card or paper publishes for a model, to reconcile against its runs.
CREATE TABLE model_published_totals (
    model              TEXT PRIMARY KEY,
    co2e_kg            REAL CHECK (co2e_kg >= 0),
    accelerator_hours  REAL CHECK (accelerator_hours >= 0),
    source_text        TEXT NOT NULL
);

-- How a site enters the inventory: the market its contractual instruments and residual mix
-- belong to (default: its grid zone) and its organisational boundary.
CREATE TABLE site_inventory (
    site_id   INTEGER PRIMARY KEY REFERENCES sites (id),
    market    TEXT,
    boundary  TEXT NOT NULL DEFAULT 'operational_control'
              CHECK (boundary IN ('operational_control', 'colocation', 'cloud'))
);

-- Contractual instruments for market-based Scope 2. criteria_json maps quality criterion
-- numbers 1 to 8 to true or false (absent: not assessed); criteria_notes_json to a note.
CREATE TABLE market_instruments (
    id                   INTEGER PRIMARY KEY,
    source_id            INTEGER REFERENCES sources (id),
    source_row           INTEGER,
    instrument_id        TEXT NOT NULL,
    type                 TEXT NOT NULL CHECK (type IN ('eac', 'ppa', 'supplier', 'offset')),
    label                TEXT,
    market               TEXT NOT NULL,
    mwh                  REAL CHECK (mwh >= 0),
    ef_kg_per_mwh        REAL NOT NULL DEFAULT 0 CHECK (ef_kg_per_mwh >= 0),
    vintage_start        TEXT NOT NULL,
    vintage_end          TEXT NOT NULL,
    retired              INTEGER NOT NULL DEFAULT 1,
    certificate_ids_json TEXT NOT NULL DEFAULT '[]',
    criteria_json        TEXT NOT NULL DEFAULT '{}',
    criteria_notes_json  TEXT NOT NULL DEFAULT '{}',
    tracking_registry    TEXT,
    technology           TEXT,
    credit_co2e_kg       REAL CHECK (credit_co2e_kg >= 0)
);

-- Scope 1 records: fuel burnt in generators and refrigerant top-ups.
CREATE TABLE scope1_records (
    id                 INTEGER PRIMARY KEY,
    source_id          INTEGER REFERENCES sources (id),
    source_row         INTEGER,
    record_id          TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('fuel', 'refrigerant')),
    substance          TEXT NOT NULL,
    amount             REAL NOT NULL CHECK (amount >= 0),
    unit               TEXT NOT NULL,
    occurred           TEXT NOT NULL,
    site_id            INTEGER REFERENCES sites (id),
    co2e_kg_per_unit   REAL CHECK (co2e_kg_per_unit >= 0),
    gwp                REAL CHECK (gwp >= 0),
    composition_json   TEXT
);
