-- Format 4: distributions stored with assumptions.
-- A row may now hold only a distribution (has_value = 0): the set then keeps the value it
-- inherits and changes only its uncertainty. Rows for activity-data classes such as
-- 'ef.location.hourly' or 'meter:NAME' always have has_value = 0. A distribution keeps its own
-- rationale, author and time, apart from the value's.
ALTER TABLE assumptions ADD COLUMN has_value INTEGER NOT NULL DEFAULT 1;
ALTER TABLE assumptions ADD COLUMN distribution_rationale TEXT;
ALTER TABLE assumptions ADD COLUMN distribution_set_by TEXT;
ALTER TABLE assumptions ADD COLUMN distribution_set_at TEXT;
