-- Format 6: the report header a disclosure needs beyond the engine's data, and the sign-off
-- stages of a report. Times are ISO 8601 UTC text.

-- Report header fields (reporting entity, consolidation approach, boundary statements, base
-- year, designated preparer/reviewer/approver and statements that make a checklist item not
-- applicable), one row per key. The services check each key and value against their list of
-- fields; the value is JSON.
CREATE TABLE report_info (
    key         TEXT PRIMARY KEY,
    value_json  TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    set_at      TEXT NOT NULL
);

-- Sign-off stages: who prepared, reviewed and approved which project state. state_sha256 is
-- the hash of the project's data tables when the stage was recorded (this table is not part
-- of it), so a later change shows as "changed since approval". signature_der is an optional
-- detached CMS signature over statement_json, the canonical JSON of the sign-off record.
CREATE TABLE signoffs (
    id                     INTEGER PRIMARY KEY,
    stage                  TEXT NOT NULL CHECK (stage IN ('preparer', 'reviewer', 'approver')),
    name                   TEXT NOT NULL,
    role                   TEXT,
    signed_at              TEXT NOT NULL,
    state_sha256           TEXT NOT NULL,
    assumption_set         TEXT NOT NULL,
    assumption_set_sha256  TEXT NOT NULL,
    statement_json         TEXT NOT NULL,
    signature_der          BLOB,
    signer                 TEXT,
    signer_sha256          TEXT,
    actor                  TEXT NOT NULL
);
CREATE INDEX signoffs_stage ON signoffs (stage, id);

-- The trigger keeps sign-offs append-only: a correction is a new sign-off.
CREATE TRIGGER signoffs_no_update BEFORE UPDATE ON signoffs
BEGIN
    SELECT RAISE(ABORT, 'sign-offs are append-only');
END;
CREATE TRIGGER signoffs_no_delete BEFORE DELETE ON signoffs
BEGIN
    SELECT RAISE(ABORT, 'sign-offs are append-only');
END;
