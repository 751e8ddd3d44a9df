-- Format 8: the index of run energy by hour also contains the level and the energy columns. The
-- per-run, per-hour sums that opening a project reads then come from the index alone, without a
-- lookup of each table row (measured 2.6 s down to 0.8 s for 1.3 million rows on a 2-core VM).
DROP INDEX energy_hourly_run;
CREATE INDEX energy_hourly_run ON energy_hourly (run_id, hour_utc, level, energy_wh, gpu_energy_wh);
