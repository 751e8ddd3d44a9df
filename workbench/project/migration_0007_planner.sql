-- Format 7: the reduction planner. Times are ISO 8601 UTC text.

-- A lever is a what-if assumption set: the set (whose parent is the set it was derived from)
-- plus the lever's kind and parameters as JSON. Its avoided emissions are computed, never stored.
CREATE TABLE planner_levers (
    set_id           INTEGER PRIMARY KEY REFERENCES assumption_sets (id),
    kind             TEXT NOT NULL CHECK (kind IN ('time_shift', 'relocation', 'procurement', 'facility_efficiency',
                                                   'accelerator', 'reuse', 'experiments', 'combination')),
    parameters_json  TEXT NOT NULL,
    rationale        TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL
);

-- Runs that reused an earlier model (fine_tuned, distilled) or trained from scratch where an
-- earlier model could have been reused (retrained), with the declared cost of the alternative:
-- training from scratch for the first two, reusing base_model for the third. The alternative's
-- declaration has the columns of declared_runs; start_utc and end_utc are its window.
CREATE TABLE run_reuse (
    run_id             INTEGER PRIMARY KEY REFERENCES runs (id),
    relation           TEXT NOT NULL CHECK (relation IN ('fine_tuned', 'distilled', 'retrained')),
    base_model         TEXT,
    accelerators       INTEGER CHECK (accelerators >= 0),
    accelerator_model  TEXT,
    accelerator_hours  REAL CHECK (accelerator_hours >= 0),
    avg_power_w        REAL CHECK (avg_power_w > 0),
    tdp_w              REAL CHECK (tdp_w > 0),
    power_basis        TEXT NOT NULL CHECK (power_basis IN ('board', 'system', 'facility')),
    energy_kwh         REAL CHECK (energy_kwh >= 0),
    flops              REAL CHECK (flops > 0),
    start_utc          TEXT NOT NULL,
    end_utc            TEXT NOT NULL,
    source_text        TEXT NOT NULL,
    set_by             TEXT NOT NULL,
    set_at             TEXT NOT NULL,
    CHECK (end_utc > start_utc),
    CHECK (energy_kwh IS NOT NULL OR accelerator_hours IS NOT NULL OR flops IS NOT NULL
           OR accelerators IS NOT NULL)
);

-- Statements printed beside the planner's results in reports.
CREATE TABLE planner_narratives (
    topic   TEXT PRIMARY KEY CHECK (topic IN ('method_limits', 'relocation_effects', 'hardware_end_of_life',
                                              'offsets_and_credits')),
    text    TEXT NOT NULL,
    set_by  TEXT NOT NULL,
    set_at  TEXT NOT NULL
);
