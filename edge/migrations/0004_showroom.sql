-- Showroom & sales, customers and notifications (issue 4, the showroom slice).
PRAGMA foreign_keys = ON;

-- What the lead form asks that the score may use (known at arrival), and the score's reasons.
ALTER TABLE leads ADD COLUMN model_id TEXT REFERENCES models(id);
ALTER TABLE leads ADD COLUMN trade_in INTEGER NOT NULL DEFAULT 0 CHECK (trade_in IN (0,1));
ALTER TABLE leads ADD COLUMN finance_requested INTEGER NOT NULL DEFAULT 0 CHECK (finance_requested IN (0,1));
ALTER TABLE leads ADD COLUMN message TEXT;
-- Per-factor contributions, largest first: [{"factor":"timeframe","log_odds":0.41}, …].
ALTER TABLE leads ADD COLUMN score_reasons TEXT CHECK (score_reasons IS NULL OR json_valid(score_reasons));
CREATE INDEX leads_by_rep_time ON leads (assigned_rep_id, assigned_at);

-- The lead-scoring model the edge scores new leads with (domain::analytics::lead_scoring,
-- trained offline on arrival-time features only). The newest row is the live model.
CREATE TABLE lead_models (
    version    TEXT PRIMARY KEY,
    model      TEXT NOT NULL CHECK (json_valid(model)),
    trained_at TEXT NOT NULL
);

-- Phones are found by their digits: stored numbers may carry spaces ("+44 7700 900001"), the
-- domain's canonical form has none ("+447700900001").
ALTER TABLE customers ADD COLUMN phone_key TEXT GENERATED ALWAYS AS (
    replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', '')
) VIRTUAL;
CREATE INDEX customers_by_phone_key ON customers (phone_key);
CREATE INDEX customers_by_merged ON customers (merged_into);

-- Work a merge moves, looked up by customer.
CREATE INDEX test_drives_by_customer ON test_drives (customer_id, starts_at);
CREATE INDEX sales_by_customer ON sales (customer_id);
-- Reminders: booked drives by start time.
CREATE INDEX test_drives_by_status_start ON test_drives (status, starts_at);

-- "Call a sales rep" from a kiosk: a floor alert at its showroom.
CREATE TABLE assistance_requests (
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices(id),
    showroom_id TEXT NOT NULL REFERENCES showrooms(id),
    zone_id     TEXT REFERENCES showroom_zones(id),
    vehicle_ids TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(vehicle_ids)),
    created_at  TEXT NOT NULL
);
CREATE INDEX assistance_requests_by_showroom ON assistance_requests (showroom_id, created_at);

CREATE INDEX notifications_unread ON notifications (user_id, read_at);
