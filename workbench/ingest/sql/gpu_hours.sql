-- Raw GPU power samples -> energy per GPU per UTC hour, in one query.
--
-- Runs unchanged on DuckDB (1.x, 2.x) and Spark SQL (3.5, 4.x): it uses only window LAG,
-- CASE, FLOOR/CEIL, LEAST/GREATEST, inline VALUES, UNION ALL and GROUP BY.
--
-- Input, as tables or views the caller defines:
--   samples(device_key STRING, t_s DOUBLE, power_w DOUBLE, utilization_pct DOUBLE)
--       t_s is Unix seconds (UTC); power_w and utilization_pct are NULL where the log had no
--       reading. One row per sample; no two samples of a device share t_s.
--   gpu_hours_params(max_gap_s DOUBLE)
--       one row: the longest interval between samples that is integrated.
--
-- The result follows the importer's rules (workbench/ingest/integrate.py): consecutive samples
-- of a device are joined by the trapezoid rule when both have a power reading and are at most
-- max_gap_s apart; other intervals are gaps. Intervals crossing an hour boundary are split
-- there with the power interpolated linearly. Idle energy is the energy of intervals whose two
-- ends have utilization_pct <= 0; it is NULL in hours where no interval had a known state.
-- Output columns are the Parquet hand-off schema (docs/formats/gpu_hours_parquet.md) without
-- the descriptive ones (host, uuid, gpu_index, model).
WITH ordered AS (
    SELECT device_key, t_s, power_w, utilization_pct,
           LAG(t_s) OVER (PARTITION BY device_key ORDER BY t_s) AS t0,
           LAG(power_w) OVER (PARTITION BY device_key ORDER BY t_s) AS p0,
           LAG(utilization_pct) OVER (PARTITION BY device_key ORDER BY t_s) AS u0
    FROM samples
),
intervals AS (
    SELECT o.device_key, o.t0, o.t_s AS t1, o.p0, o.power_w AS p1,
           CASE WHEN o.t_s - o.t0 <= p.max_gap_s AND o.p0 IS NOT NULL AND o.power_w IS NOT NULL
                THEN 1 ELSE 0 END AS bridged,
           CASE WHEN o.u0 <= 0 AND o.utilization_pct <= 0 THEN 1 ELSE 0 END AS idle,
           CASE WHEN o.u0 IS NOT NULL AND o.utilization_pct IS NOT NULL THEN 1 ELSE 0 END AS idle_known,
           FLOOR(o.t0 / 3600) AS first_hour,
           GREATEST(CEIL(o.t_s / 3600) - 1, FLOOR(o.t0 / 3600)) AS last_hour
    FROM ordered o CROSS JOIN gpu_hours_params p
    WHERE o.t0 IS NOT NULL
),
digits AS (
    SELECT n FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS d(n)
),
-- Hour offsets 0..99999 (about 11 years), cut to the longest span that occurs.
-- NOTE: a gap longer than 99,999 hours would be counted only up to that length.
offsets AS (
    SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 10000 * f.n AS k
    FROM digits a CROSS JOIN digits b CROSS JOIN digits c CROSS JOIN digits e CROSS JOIN digits f
),
spans AS (
    SELECT MAX(last_hour - first_hour) AS longest FROM intervals
),
pieces AS (
    SELECT device_key, first_hour AS hour, t0, t1, p0, p1, bridged, idle, idle_known,
           t0 AS piece_start, t1 AS piece_end
    FROM intervals
    WHERE last_hour = first_hour
    UNION ALL
    SELECT i.device_key, i.first_hour + o.k AS hour, i.t0, i.t1, i.p0, i.p1, i.bridged, i.idle, i.idle_known,
           GREATEST(i.t0, (i.first_hour + o.k) * 3600) AS piece_start,
           LEAST(i.t1, (i.first_hour + o.k + 1) * 3600) AS piece_end
    FROM intervals i
    JOIN offsets o ON o.k <= i.last_hour - i.first_hour
    CROSS JOIN spans s
    WHERE i.last_hour > i.first_hour AND o.k <= s.longest
),
piece_energy AS (
    SELECT device_key, hour, bridged, idle, idle_known, t1 - t0 AS span_s,
           CASE WHEN bridged = 1 THEN
                    ((p0 + (p1 - p0) / (t1 - t0) * (piece_start - t0))
                     + (p0 + (p1 - p0) / (t1 - t0) * (piece_end - t0))) / 2.0
                    * GREATEST(piece_end - piece_start, 0.0)
                ELSE 0.0 END AS energy_j,
           GREATEST(piece_end - piece_start, 0.0) AS length_s
    FROM pieces
),
piece_hours AS (
    SELECT device_key, hour,
           SUM(energy_j) AS energy_j,
           SUM(CASE WHEN idle = 1 THEN energy_j ELSE 0.0 END) AS idle_j,
           SUM(CASE WHEN idle_known = 1 AND bridged = 1 THEN length_s ELSE 0.0 END) AS idle_known_s,
           SUM(CASE WHEN bridged = 1 THEN length_s ELSE 0.0 END) AS covered_s,
           SUM(CASE WHEN bridged = 1 THEN 0.0 ELSE length_s END) AS gap_s,
           MAX(CASE WHEN bridged = 1 THEN 0.0 ELSE span_s END) AS longest_gap_s
    FROM piece_energy
    GROUP BY device_key, hour
),
sample_hours AS (
    SELECT device_key, FLOOR(t_s / 3600) AS hour, COUNT(*) AS sample_count,
           COUNT(power_w) AS measured_samples
    FROM samples
    GROUP BY device_key, FLOOR(t_s / 3600)
)
SELECT COALESCE(s.device_key, p.device_key) AS device_key,
       CAST(COALESCE(s.hour, p.hour) * 3600 AS BIGINT) AS hour_utc,
       COALESCE(p.energy_j, 0.0) / 3600.0 AS energy_wh,
       CASE WHEN p.idle_known_s > 0 THEN p.idle_j / 3600.0 END AS idle_energy_wh,
       CAST(COALESCE(s.sample_count, 0) AS BIGINT) AS sample_count,
       CAST(COALESCE(s.measured_samples, 0) AS BIGINT) AS measured_samples,
       LEAST(COALESCE(p.covered_s, 0.0) / 3600.0, 1.0) AS coverage,
       COALESCE(p.gap_s, 0.0) AS gap_seconds,
       COALESCE(p.longest_gap_s, 0.0) AS longest_gap_s
FROM sample_hours s
FULL OUTER JOIN piece_hours p ON s.device_key = p.device_key AND s.hour = p.hour
