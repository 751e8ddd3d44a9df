-- Format 9: per-source totals of the energy rows stored with a run, kept so that opening a large
-- project need not group every energy row again. Each table is derived from energy_hourly and is
-- rewritten for a source in the same transaction that inserts that source's rows. Opening checks
-- the digests against the table (row count, largest rowid, energy sums) before it uses the totals,
-- and the desktop application then compares them with a full recount in the background.

-- One row per source, run, level and quality: what the run energy summary lists.
CREATE TABLE run_energy_totals (
    source_id     INTEGER NOT NULL REFERENCES sources (id),
    run_id        INTEGER NOT NULL REFERENCES runs (id),
    level         TEXT NOT NULL,
    quality       TEXT NOT NULL,
    energy_kwh    REAL NOT NULL,
    hours         INTEGER NOT NULL,
    first_hour    INTEGER NOT NULL,
    last_hour     INTEGER NOT NULL,
    devices       TEXT NOT NULL,
    gap_seconds   REAL NOT NULL,
    min_coverage  REAL NOT NULL,
    PRIMARY KEY (source_id, run_id, level, quality)
) WITHOUT ROWID;

-- One row per run, UTC hour, level and source: the hourly energy the footprint model reads.
CREATE TABLE run_energy_hours (
    run_id         INTEGER NOT NULL REFERENCES runs (id),
    hour_utc       INTEGER NOT NULL,
    level          TEXT NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    energy_wh      REAL NOT NULL,
    gpu_energy_wh  REAL NOT NULL,
    PRIMARY KEY (run_id, hour_utc, level, source_id)
) WITHOUT ROWID;
CREATE INDEX run_energy_hours_source ON run_energy_hours (source_id);

-- One row per source with energy rows (meter rows too): what the totals above were computed from.
CREATE TABLE run_energy_digests (
    source_id      INTEGER PRIMARY KEY REFERENCES sources (id),
    row_count      INTEGER NOT NULL,
    max_rowid      INTEGER NOT NULL,
    energy_wh      REAL NOT NULL,
    gpu_energy_wh  REAL NOT NULL
);
