-- GPU telemetry per device-hour, Slurm jobs and run allocations (format 4).
-- Times are integer Unix seconds (UTC); the *_text columns keep the time as the file wrote it.

-- Energy per GPU per UTC hour as the telemetry measured it, before attribution to runs. One
-- row per source, device and hour, so two files covering the same GPU both stay on record.
-- energy_wh is NULL when the GPU reported no power at all ('unmeasured'), never 0.
-- idle_energy_wh is the part drawn while the GPU's utilization was 0 %, NULL when the file
-- did not log utilization. run_id is set when the import assigned the whole file to one run;
-- such rows already count in energy_hourly and are left out of allocation-based attribution.
CREATE TABLE gpu_hours (
    source_id         INTEGER NOT NULL REFERENCES sources (id),
    device_id         INTEGER NOT NULL REFERENCES devices (id),
    hour_utc          INTEGER NOT NULL,
    energy_wh         REAL,
    idle_energy_wh    REAL,
    basis             TEXT NOT NULL
                      CHECK (basis IN ('energy_counter', 'power_integral', 'reported', 'none')),
    quality           TEXT NOT NULL CHECK (quality IN ('measured', 'estimated', 'unmeasured')),
    sample_count      INTEGER NOT NULL,
    measured_samples  INTEGER NOT NULL,
    coverage          REAL NOT NULL,
    gap_seconds       REAL NOT NULL,
    longest_gap_s     REAL NOT NULL DEFAULT 0,
    interval_s        REAL,
    first_row         INTEGER,
    last_row          INTEGER,
    run_id            INTEGER REFERENCES runs (id),
    PRIMARY KEY (source_id, device_id, hour_utc)
) WITHOUT ROWID;
CREATE INDEX gpu_hours_device ON gpu_hours (device_id, hour_utc);

-- Slurm jobs from sacct: one row per job allocation (steps are folded into it, never added).
-- energy_j is the allocation's ConsumedEnergyRaw (or AllocTRES energy=); node_share is the
-- job's share of its nodes when they were shared, and energy_flag says why energy is not used.
CREATE TABLE jobs (
    id             INTEGER PRIMARY KEY,
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    source_row     INTEGER NOT NULL,
    job_id         TEXT NOT NULL,
    cluster        TEXT,
    job_name       TEXT,
    user_name      TEXT,
    state          TEXT,
    run_id         INTEGER REFERENCES runs (id),
    start_utc      INTEGER,
    end_utc        INTEGER,
    start_text     TEXT,
    end_text       TEXT,
    elapsed_s      REAL,
    nodes          INTEGER,
    node_list      TEXT,
    alloc_cpus     INTEGER,
    alloc_gpus     INTEGER,
    energy_j       REAL,
    energy_field   TEXT,
    node_share     REAL,
    energy_flag    TEXT,
    step_rows      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_source ON jobs (source_id);

-- Which GPUs a run held and when: from Slurm jobs or a runs table. A row names one GPU by
-- UUID, one GPU by host and index, or every GPU of a host (gpu_uuid and gpu_index NULL).
-- gpus, when set, is how many of the host's GPUs the run held, so a run on a shared node gets
-- that fraction of the host's GPU energy instead of all of it.
CREATE TABLE run_allocations (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs (id),
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    source_row   INTEGER,
    job_id       INTEGER REFERENCES jobs (id),
    host         TEXT,
    gpu_uuid     TEXT,
    gpu_index    TEXT,
    gpus         REAL CHECK (gpus IS NULL OR gpus > 0),
    start_utc    INTEGER NOT NULL,
    end_utc      INTEGER NOT NULL CHECK (end_utc > start_utc),
    start_text   TEXT,
    end_text     TEXT
);
CREATE INDEX run_allocations_run ON run_allocations (run_id);

-- The one measurement used per GPU and hour: measured before unmeasured, an energy counter
-- before integrated power, then the better coverage, then the latest import. A GPU-hour that an
-- import already gave to a run (file attribution) is that run's energy in energy_hourly, so no
-- allocation counts it again.
CREATE VIEW gpu_hours_best AS
SELECT * FROM (
    SELECT g.*, ROW_NUMBER() OVER (
               PARTITION BY g.device_id, g.hour_utc
               ORDER BY CASE g.quality WHEN 'unmeasured' THEN 1 ELSE 0 END,
                        CASE g.basis WHEN 'energy_counter' THEN 0 WHEN 'power_integral' THEN 1 ELSE 2 END,
                        g.coverage DESC, g.source_id DESC) AS preference
    FROM gpu_hours g
    WHERE g.run_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM gpu_hours f
                      WHERE f.device_id = g.device_id AND f.hour_utc = g.hour_utc AND f.run_id IS NOT NULL)
)
WHERE preference = 1;

CREATE VIEW host_gpu_counts AS
SELECT host, count(*) AS gpu_count FROM devices WHERE host IS NOT NULL GROUP BY host;

-- GPU-hours attributed to runs through allocations. overlap is the fraction of the hour inside
-- the allocation window and share the fraction of the GPU's energy that is the run's: the
-- energy within an hour is taken as uniform, so a partial hour is an estimate.
CREATE VIEW run_gpu_hours AS
SELECT a.run_id, a.id AS allocation_id, b.device_id, b.hour_utc, b.source_id, b.basis,
       (min(a.end_utc, b.hour_utc + 3600) - max(a.start_utc, b.hour_utc)) / 3600.0 AS overlap,
       (min(a.end_utc, b.hour_utc + 3600) - max(a.start_utc, b.hour_utc)) / 3600.0
           * CASE WHEN a.gpus IS NULL OR a.gpu_uuid IS NOT NULL OR a.gpu_index IS NOT NULL THEN 1.0
                  ELSE min(1.0, a.gpus / coalesce(c.gpu_count, a.gpus)) END AS share,
       b.energy_wh, b.idle_energy_wh, b.quality, b.coverage, b.gap_seconds, b.sample_count,
       b.first_row, b.last_row
FROM run_allocations a
JOIN devices d
  ON (a.gpu_uuid IS NOT NULL AND d.uuid = a.gpu_uuid)
  OR (a.gpu_uuid IS NULL AND d.host = a.host AND (a.gpu_index IS NULL OR d.gpu_index = a.gpu_index))
LEFT JOIN host_gpu_counts c ON c.host = d.host
JOIN gpu_hours_best b
  ON b.device_id = d.id AND b.hour_utc < a.end_utc AND b.hour_utc + 3600 > a.start_utc;

-- One row per run, GPU and hour. Allocations of one run that overlap (a Slurm job and a runs
-- table row naming the same GPUs) give the run that GPU-hour once: overlap and share are summed
-- and capped at the whole hour and the whole GPU. All rows of a group come from the same
-- gpu_hours_best row, so the other columns are the same in each.
CREATE VIEW run_device_hours AS
SELECT run_id, device_id, hour_utc, source_id, basis, energy_wh, idle_energy_wh, quality, coverage, gap_seconds,
       sample_count, first_row, last_row, min(1.0, sum(overlap)) AS overlap, min(1.0, sum(share)) AS share
FROM run_gpu_hours
GROUP BY run_id, device_id, hour_utc;
