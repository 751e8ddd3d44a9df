-- Format 3: declared runs, models, the inventory role of each site and published model totals,
-- and the fields the inventory reads from the instruments and Scope 1 activities of format 2.
-- Times are ISO 8601 UTC text.

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

-- Contractual instruments gain offsets (carbon credits, listed beside the inventory and never
-- netted), supplier rates without a volume (they cover the rest of their market's consumption),
-- a stated retirement flag and the size of an offset. SQLite cannot relax a CHECK constraint in
-- place, so the table is rebuilt with the format 2 rows copied unchanged.
CREATE TABLE instruments_format3 (
    id                          INTEGER PRIMARY KEY,
    source_id                   INTEGER REFERENCES sources (id),
    source_row                  INTEGER,
    instrument_id               TEXT NOT NULL,
    type                        TEXT NOT NULL CHECK (type IN ('ppa_physical', 'ppa_virtual', 'ppa_sleeved',
                                    'rec', 'go', 'i_rec', 'rego', 'eac_other', 'supplier_rate', 'green_tariff',
                                    'offset')),
    tracking_registry           TEXT,
    certificate_serials         TEXT,
    generator_id                TEXT,
    technology                  TEXT,
    market                      TEXT NOT NULL,
    country                     TEXT,
    site_id                     INTEGER REFERENCES sites (id),
    mwh                         REAL CHECK (mwh > 0),
    vintage_start               TEXT NOT NULL,
    vintage_end                 TEXT NOT NULL,
    retirement_date             TEXT,
    retired_for                 TEXT,
    retirement_evidence_sha256  TEXT,
    ef_kg_per_mwh               REAL NOT NULL CHECK (ef_kg_per_mwh >= 0),
    gas_basis                   TEXT NOT NULL DEFAULT 'CO2e',
    commissioning_date          TEXT,
    label                       TEXT,
    subsidized                  INTEGER CHECK (subsidized IN (0, 1)),
    additional                  INTEGER CHECK (additional IN (0, 1)),
    qc_1 INTEGER CHECK (qc_1 IN (0, 1)), qc_1_note TEXT,
    qc_2 INTEGER CHECK (qc_2 IN (0, 1)), qc_2_note TEXT,
    qc_3 INTEGER CHECK (qc_3 IN (0, 1)), qc_3_note TEXT,
    qc_4 INTEGER CHECK (qc_4 IN (0, 1)), qc_4_note TEXT,
    qc_5 INTEGER CHECK (qc_5 IN (0, 1)), qc_5_note TEXT,
    qc_6 INTEGER CHECK (qc_6 IN (0, 1)), qc_6_note TEXT,
    qc_7 INTEGER CHECK (qc_7 IN (0, 1)), qc_7_note TEXT,
    qc_8 INTEGER CHECK (qc_8 IN (0, 1)), qc_8_note TEXT,
    notes                       TEXT,
    retired                     INTEGER CHECK (retired IN (0, 1)),
    credit_co2e_kg              REAL CHECK (credit_co2e_kg >= 0),
    CHECK (vintage_end >= vintage_start),
    CHECK (mwh IS NOT NULL OR type IN ('supplier_rate', 'green_tariff', 'offset'))
);
INSERT INTO instruments_format3 (
    id, source_id, source_row, instrument_id, type, tracking_registry, certificate_serials, generator_id, technology,
    market, country, site_id, mwh, vintage_start, vintage_end, retirement_date, retired_for,
    retirement_evidence_sha256, ef_kg_per_mwh, gas_basis, commissioning_date, label, subsidized, additional,
    qc_1, qc_1_note, qc_2, qc_2_note, qc_3, qc_3_note, qc_4, qc_4_note, qc_5, qc_5_note, qc_6, qc_6_note,
    qc_7, qc_7_note, qc_8, qc_8_note, notes)
SELECT
    id, source_id, source_row, instrument_id, type, tracking_registry, certificate_serials, generator_id, technology,
    market, country, site_id, mwh, vintage_start, vintage_end, retirement_date, retired_for,
    retirement_evidence_sha256, ef_kg_per_mwh, gas_basis, commissioning_date, label, subsidized, additional,
    qc_1, qc_1_note, qc_2, qc_2_note, qc_3, qc_3_note, qc_4, qc_4_note, qc_5, qc_5_note, qc_6, qc_6_note,
    qc_7, qc_7_note, qc_8, qc_8_note, notes
FROM instruments;
DROP TABLE instruments;
ALTER TABLE instruments_format3 RENAME TO instruments;
CREATE INDEX instruments_market ON instruments (market, vintage_start);

-- Scope 1 activities gain the file's record id, a GWP stated for a refrigerant and the mass
-- fractions of a blend as JSON ({"HFC-32": 0.5, "HFC-125": 0.5}).
ALTER TABLE scope1_activities ADD COLUMN record_id TEXT;
ALTER TABLE scope1_activities ADD COLUMN gwp REAL CHECK (gwp >= 0);
ALTER TABLE scope1_activities ADD COLUMN composition TEXT;
