-- Column mapping templates, the hardware library, provenance of factor datasets, contractual
-- instruments and Scope 1 activities. Times are ISO 8601 UTC text as in format 1; dates of
-- vintages, retirements and activity periods are ISO dates or UTC date-times.

-- A named column mapping, saved from a preview and reused for the next file of the same kind.
CREATE TABLE mapping_templates (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    mapping_json  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Embodied emissions of hardware products. 'embodied_basis' names which life-cycle stages the
-- value covers (manufacturing only, or all stages but use); 'value_basis' states how it was
-- obtained (as published, derived from published ratios, or estimated).
CREATE TABLE hardware_library (
    id                INTEGER PRIMARY KEY,
    source_id         INTEGER REFERENCES sources (id),
    source_row        INTEGER,
    entry_key         TEXT NOT NULL,
    manufacturer      TEXT,
    name              TEXT NOT NULL,
    category          TEXT NOT NULL,
    subcategory       TEXT,
    embodied_co2e_kg  REAL NOT NULL CHECK (embodied_co2e_kg >= 0),
    embodied_low_kg   REAL,
    embodied_high_kg  REAL,
    embodied_basis    TEXT NOT NULL,
    value_basis       TEXT NOT NULL,
    gwp_total_kg      REAL,
    lifetime_years    REAL,
    use_location      TEXT,
    report_date       TEXT,
    report_year       INTEGER,
    source_url        TEXT,
    source_hash       TEXT,
    dataset           TEXT NOT NULL,
    dataset_version   TEXT,
    licence           TEXT
);
CREATE INDEX hardware_library_key ON hardware_library (entry_key);

ALTER TABLE assets ADD COLUMN library_entry_id INTEGER REFERENCES hardware_library (id);
ALTER TABLE assets ADD COLUMN embodied_low_kg REAL;
ALTER TABLE assets ADD COLUMN embodied_high_kg REAL;
ALTER TABLE assets ADD COLUMN embodied_basis TEXT;

-- Where a factor dataset comes from and on what terms; 'emission_scope' is 'direct'
-- (combustion at the plant) or 'lifecycle'. Each factor keeps the value and unit it was read in.
ALTER TABLE factor_datasets ADD COLUMN publisher TEXT;
ALTER TABLE factor_datasets ADD COLUMN licence TEXT;
ALTER TABLE factor_datasets ADD COLUMN dataset_version TEXT;
ALTER TABLE factor_datasets ADD COLUMN emission_scope TEXT;
ALTER TABLE factor_datasets ADD COLUMN source_url TEXT;
ALTER TABLE factors ADD COLUMN original_value REAL;
ALTER TABLE factors ADD COLUMN original_unit TEXT;
ALTER TABLE factors ADD COLUMN zone_name TEXT;

-- Contractual instruments for the market-based Scope 2 method. qc_1 .. qc_8 are the Scope 2
-- Quality Criteria: 1 passes, 0 fails, NULL not assessed; each has a note.
CREATE TABLE instruments (
    id                          INTEGER PRIMARY KEY,
    source_id                   INTEGER REFERENCES sources (id),
    source_row                  INTEGER,
    instrument_id               TEXT NOT NULL,
    type                        TEXT NOT NULL CHECK (type IN ('ppa_physical', 'ppa_virtual', 'ppa_sleeved',
                                    'rec', 'go', 'i_rec', 'rego', 'eac_other', 'supplier_rate', 'green_tariff')),
    tracking_registry           TEXT,
    certificate_serials         TEXT,
    generator_id                TEXT,
    technology                  TEXT,
    market                      TEXT NOT NULL,
    country                     TEXT,
    site_id                     INTEGER REFERENCES sites (id),
    mwh                         REAL NOT NULL CHECK (mwh > 0),
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
    CHECK (vintage_end >= vintage_start)
);
CREATE INDEX instruments_market ON instruments (market, vintage_start);

-- Scope 1 activities: fuel burned on site (generators) and refrigerant released (top-ups).
-- 'quantity' is in 'unit' (L, kg, m3, kWh, GJ, therm ...); the factor, when the file gives
-- one, is kgCO2e per that unit.
CREATE TABLE scope1_activities (
    id              INTEGER PRIMARY KEY,
    source_id       INTEGER REFERENCES sources (id),
    source_row      INTEGER,
    activity        TEXT NOT NULL CHECK (activity IN ('fuel', 'refrigerant')),
    site_id         INTEGER REFERENCES sites (id),
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    equipment       TEXT,
    fuel            TEXT,
    gas             TEXT,
    quantity        REAL NOT NULL CHECK (quantity > 0),
    unit            TEXT NOT NULL,
    method          TEXT,
    ef_kg_per_unit  REAL CHECK (ef_kg_per_unit >= 0),
    ef_source       TEXT,
    description     TEXT,
    CHECK (period_end >= period_start),
    CHECK ((activity = 'fuel' AND fuel IS NOT NULL) OR (activity = 'refrigerant' AND gas IS NOT NULL))
);
CREATE INDEX scope1_activities_period ON scope1_activities (activity, period_start);
