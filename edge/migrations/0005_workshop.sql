-- Garage & workshop API (issue 4): what the tables of 0002 lacked for appointments, kiosk
-- check-in, the work-order editor, approvals and reorder alerts.
PRAGMA foreign_keys = ON;

-- The reference printed on a booking confirmation, typed at the kiosk (FC-XXXXXX).
ALTER TABLE appointments ADD COLUMN reference TEXT;
CREATE UNIQUE INDEX appointments_by_reference ON appointments (reference) WHERE reference IS NOT NULL;
ALTER TABLE appointments ADD COLUMN arrived_at TEXT;
ALTER TABLE appointments ADD COLUMN updated_at TEXT;
CREATE INDEX appointments_by_status_day ON appointments (status, starts_at);

-- Every edit of a work order's lines is recorded, like its transitions.
CREATE TABLE work_order_changes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    what          TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    actor_id      TEXT,
    at            TEXT NOT NULL
);
CREATE INDEX work_order_changes_by_order ON work_order_changes (work_order_id, id);

-- Declined recommendations, followed up later: when the customer answered.
ALTER TABLE work_order_labour ADD COLUMN decided_at TEXT;
CREATE INDEX work_order_labour_by_approval ON work_order_labour (approval, follow_up_at);


-- Clock lists per job (billed vs actual).
CREATE INDEX technician_clocks_by_order ON technician_clocks (work_order_id);

-- The version at which the current approval link is valid: staff edits move the order past it
-- (the link goes stale), the customer's own decisions move it along (the link keeps working).
ALTER TABLE work_orders ADD COLUMN approval_link_version INTEGER;
