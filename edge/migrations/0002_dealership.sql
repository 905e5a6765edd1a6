-- The system of record behind every module of the brief. Money is integer cents, times are
-- RFC 3339 UTC text, JSON columns are checked with json_valid. Every updatable record has a
-- `version` for optimistic concurrency.
PRAGMA foreign_keys = ON;

ALTER TABLE locations ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Europe/London';
ALTER TABLE locations ADD COLUMN lead_response_target_minutes INTEGER NOT NULL DEFAULT 15 CHECK (lead_response_target_minutes > 0);
ALTER TABLE locations ADD COLUMN service_hours_per_day REAL NOT NULL DEFAULT 40 CHECK (service_hours_per_day >= 0);
ALTER TABLE locations ADD COLUMN tax_rate_bp INTEGER NOT NULL DEFAULT 2000 CHECK (tax_rate_bp BETWEEN 0 AND 10000);

CREATE TABLE showrooms (
    id          TEXT PRIMARY KEY,
    location_id TEXT NOT NULL REFERENCES locations(id),
    name        TEXT NOT NULL
);
CREATE INDEX showrooms_by_location ON showrooms (location_id);

CREATE TABLE showroom_zones (
    id          TEXT PRIMARY KEY,
    showroom_id TEXT NOT NULL REFERENCES showrooms(id),
    name        TEXT NOT NULL,
    UNIQUE (showroom_id, name)
);

-- Reference trees: makes → models → maintenance intervals.
CREATE TABLE makes (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE models (
    id      TEXT PRIMARY KEY,
    make_id TEXT NOT NULL REFERENCES makes(id),
    name    TEXT NOT NULL,
    UNIQUE (make_id, name)
);
CREATE TABLE maintenance_intervals (
    id           TEXT PRIMARY KEY,
    model_id     TEXT NOT NULL REFERENCES models(id),
    year_from    INTEGER NOT NULL,
    year_to      INTEGER NOT NULL CHECK (year_to >= year_from),
    service      TEXT NOT NULL,
    every_km     INTEGER CHECK (every_km > 0),
    every_months INTEGER CHECK (every_months > 0),
    CHECK (every_km IS NOT NULL OR every_months IS NOT NULL)
);
CREATE INDEX maintenance_intervals_by_model ON maintenance_intervals (model_id, year_from);

-- Customers, unified across channels.
CREATE TABLE customers (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    email             TEXT COLLATE NOCASE,
    phone             TEXT,
    preferred_contact TEXT NOT NULL DEFAULT 'email' CHECK (preferred_contact IN ('email','phone','sms','whatsapp')),
    consent_marketing INTEGER NOT NULL DEFAULT 0 CHECK (consent_marketing IN (0,1)),
    consent_updated_at TEXT,
    preferences       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(preferences)),
    high_value        INTEGER NOT NULL DEFAULT 0 CHECK (high_value IN (0,1)),
    merged_into       TEXT REFERENCES customers(id),
    home_location_id  TEXT REFERENCES locations(id),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX customers_by_email ON customers (email);
CREATE INDEX customers_by_location ON customers (home_location_id, id);

CREATE TABLE customer_activity (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    channel     TEXT NOT NULL CHECK (channel IN ('web','mobile','kiosk','tablet','phone','showroom','workshop','email')),
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    at          TEXT NOT NULL
);
CREATE INDEX customer_activity_timeline ON customer_activity (customer_id, at DESC);

-- People and devices.
CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('customer','sales','advisor','technician','manager','admin')),
    password         TEXT NOT NULL,
    department       TEXT CHECK (department IN ('sales','service','parts','management','admin')),
    customer_id      TEXT REFERENCES customers(id),
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
    available        INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0,1)),
    last_assigned_at TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK ((role = 'customer') = (customer_id IS NOT NULL))
);
CREATE INDEX users_by_role ON users (role, id);

CREATE TABLE user_locations (
    user_id     TEXT NOT NULL REFERENCES users(id),
    location_id TEXT NOT NULL REFERENCES locations(id),
    PRIMARY KEY (user_id, location_id)
);
CREATE INDEX user_locations_by_location ON user_locations (location_id);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    family_id  TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    updated_at   TEXT NOT NULL
);

CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('kiosk','telematics')),
    name        TEXT NOT NULL,
    location_id TEXT REFERENCES locations(id),
    showroom_id TEXT REFERENCES showrooms(id),
    owned_vehicle_id TEXT,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    CHECK ((kind = 'kiosk') = (showroom_id IS NOT NULL))
);

-- Vehicles customers own (stock vehicles live in `vehicles`).
CREATE TABLE owned_vehicles (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    vin              TEXT NOT NULL UNIQUE CHECK (length(vin) = 17),
    make             TEXT NOT NULL,
    model            TEXT NOT NULL,
    year             INTEGER NOT NULL,
    registration     TEXT,
    first_registered TEXT NOT NULL,
    mileage_km       INTEGER NOT NULL CHECK (mileage_km >= 0),
    mileage_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX owned_vehicles_by_customer ON owned_vehicles (customer_id);

-- Sales.
CREATE TABLE leads (
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    location_id       TEXT NOT NULL REFERENCES locations(id),
    source            TEXT NOT NULL CHECK (source IN ('web','phone','walk_in','kiosk','referral','marketplace')),
    vehicle_id        TEXT REFERENCES vehicles(id),
    budget_min_cents  INTEGER CHECK (budget_min_cents >= 0),
    budget_max_cents  INTEGER CHECK (budget_max_cents >= budget_min_cents),
    timeframe         TEXT NOT NULL CHECK (timeframe IN ('now','1_month','3_months','6_months','browsing')),
    preferred_contact TEXT NOT NULL CHECK (preferred_contact IN ('email','phone','sms','whatsapp')),
    status            TEXT NOT NULL CHECK (status IN ('new','contacted','qualified','test_drive','negotiation','won','lost')),
    lost_reason       TEXT,
    assigned_rep_id   TEXT REFERENCES users(id),
    assigned_at       TEXT,
    first_response_at TEXT,
    escalated_at      TEXT,
    score             REAL CHECK (score BETWEEN 0 AND 1),
    score_model       TEXT,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK ((status = 'lost') = (lost_reason IS NOT NULL))
);
CREATE INDEX leads_by_location_status ON leads (location_id, status, created_at);
CREATE INDEX leads_by_rep ON leads (assigned_rep_id, status);
CREATE INDEX leads_by_customer ON leads (customer_id);

CREATE TABLE lead_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id     TEXT NOT NULL REFERENCES leads(id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor_id    TEXT,
    note        TEXT,
    at          TEXT NOT NULL
);
CREATE INDEX lead_history_by_lead ON lead_history (lead_id, id);

CREATE TABLE test_drives (
    id          TEXT PRIMARY KEY,
    lead_id     TEXT REFERENCES leads(id),
    vehicle_id  TEXT NOT NULL REFERENCES vehicles(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    rep_id      TEXT NOT NULL REFERENCES users(id),
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL CHECK (ends_at > starts_at),
    status      TEXT NOT NULL CHECK (status IN ('booked','completed','cancelled','no_show')),
    reminder_sent_at TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);
CREATE INDEX test_drives_by_vehicle ON test_drives (vehicle_id, starts_at);
CREATE INDEX test_drives_by_rep ON test_drives (rep_id, starts_at);

CREATE TABLE sales (
    id          TEXT PRIMARY KEY,
    vehicle_id  TEXT NOT NULL REFERENCES vehicles(id),
    location_id TEXT NOT NULL REFERENCES locations(id),
    customer_id TEXT REFERENCES customers(id),
    rep_id      TEXT REFERENCES users(id),
    lead_id     TEXT REFERENCES leads(id),
    model_line  TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents > 0),
    sold_at     TEXT NOT NULL
);
CREATE INDEX sales_by_location_time ON sales (location_id, sold_at);

-- Workshop.
CREATE TABLE bays (
    id          TEXT PRIMARY KEY,
    location_id TEXT NOT NULL REFERENCES locations(id),
    name        TEXT NOT NULL,
    UNIQUE (location_id, name)
);

CREATE TABLE appointments (
    id               TEXT PRIMARY KEY,
    location_id      TEXT NOT NULL REFERENCES locations(id),
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    owned_vehicle_id TEXT REFERENCES owned_vehicles(id),
    service          TEXT NOT NULL,
    starts_at        TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 600),
    status           TEXT NOT NULL CHECK (status IN ('booked','checked_in','cancelled','no_show','completed')),
    booked_by        TEXT,
    notes            TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL
);
CREATE INDEX appointments_by_location_day ON appointments (location_id, starts_at);
CREATE INDEX appointments_by_customer ON appointments (customer_id, starts_at);

CREATE TABLE parts (
    id                TEXT PRIMARY KEY,
    location_id       TEXT NOT NULL REFERENCES locations(id),
    sku               TEXT NOT NULL,
    name              TEXT NOT NULL,
    quantity_on_hand  INTEGER NOT NULL CHECK (quantity_on_hand >= 0),
    reorder_threshold INTEGER NOT NULL DEFAULT 0 CHECK (reorder_threshold >= 0),
    unit_price_cents  INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    version           INTEGER NOT NULL DEFAULT 1,
    UNIQUE (location_id, sku)
);

CREATE TABLE canned_jobs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    operation   TEXT NOT NULL,
    hours       REAL NOT NULL CHECK (hours > 0),
    parts       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(parts)),
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0)
);

CREATE TABLE work_orders (
    id               TEXT PRIMARY KEY,
    location_id      TEXT NOT NULL REFERENCES locations(id),
    appointment_id   TEXT REFERENCES appointments(id),
    owned_vehicle_id TEXT NOT NULL REFERENCES owned_vehicles(id),
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    advisor_id       TEXT REFERENCES users(id),
    technician_id    TEXT REFERENCES users(id),
    bay_id           TEXT REFERENCES bays(id),
    mileage_in       INTEGER NOT NULL CHECK (mileage_in >= 0),
    complaint        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('booked','checked_in','diagnosing','awaiting_approval','in_progress','quality_check','ready','collected','cancelled')),
    approval_token_hash TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX work_orders_by_location_status ON work_orders (location_id, status);
CREATE INDEX work_orders_by_technician ON work_orders (technician_id, status);
CREATE INDEX work_orders_by_customer ON work_orders (customer_id);
CREATE INDEX work_orders_by_vehicle ON work_orders (owned_vehicle_id, created_at);

CREATE TABLE work_order_labour (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    operation     TEXT NOT NULL,
    hours         REAL NOT NULL CHECK (hours > 0),
    rate_cents    INTEGER NOT NULL CHECK (rate_cents >= 0),
    approval      TEXT NOT NULL DEFAULT 'approved' CHECK (approval IN ('pending','approved','declined')),
    follow_up_at  TEXT
);
CREATE INDEX work_order_labour_by_order ON work_order_labour (work_order_id);

CREATE TABLE work_order_parts (
    id               TEXT PRIMARY KEY,
    work_order_id    TEXT NOT NULL REFERENCES work_orders(id),
    part_id          TEXT NOT NULL REFERENCES parts(id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    approval         TEXT NOT NULL DEFAULT 'approved' CHECK (approval IN ('pending','approved','declined'))
);
CREATE INDEX work_order_parts_by_order ON work_order_parts (work_order_id);

CREATE TABLE diagnostic_codes (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    code          TEXT NOT NULL,
    description   TEXT NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('info','low','medium','high','critical'))
);
CREATE INDEX diagnostic_codes_by_order ON diagnostic_codes (work_order_id);
CREATE INDEX diagnostic_codes_by_code ON diagnostic_codes (code);

CREATE TABLE work_order_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    from_status   TEXT,
    to_status     TEXT NOT NULL,
    actor_id      TEXT,
    note          TEXT,
    at            TEXT NOT NULL
);
CREATE INDEX work_order_history_by_order ON work_order_history (work_order_id, id);

CREATE TABLE inspection_items (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    item          TEXT NOT NULL,
    rating        TEXT NOT NULL CHECK (rating IN ('green','amber','red')),
    note          TEXT,
    photo_key     TEXT,
    labour_id     TEXT REFERENCES work_order_labour(id)
);
CREATE INDEX inspection_items_by_order ON inspection_items (work_order_id);

CREATE TABLE technician_clocks (
    id            TEXT PRIMARY KEY,
    technician_id TEXT NOT NULL REFERENCES users(id),
    work_order_id TEXT REFERENCES work_orders(id),
    kind          TEXT NOT NULL CHECK (kind IN ('shift','job')),
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    CHECK ((kind = 'job') = (work_order_id IS NOT NULL)),
    CHECK (ended_at IS NULL OR ended_at > started_at)
);
CREATE INDEX technician_clocks_by_technician ON technician_clocks (technician_id, started_at);
-- At most one open shift and one open job per technician.
CREATE UNIQUE INDEX technician_clocks_one_open ON technician_clocks (technician_id, kind) WHERE ended_at IS NULL;

CREATE TABLE telemetry (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id        TEXT NOT NULL REFERENCES devices(id),
    owned_vehicle_id TEXT NOT NULL REFERENCES owned_vehicles(id),
    at               TEXT NOT NULL,
    battery_v        REAL,
    coolant_c        REAL,
    odometer_km      INTEGER CHECK (odometer_km >= 0),
    fault_codes      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fault_codes))
);
CREATE INDEX telemetry_by_vehicle ON telemetry (owned_vehicle_id, at);

-- Analytics.
CREATE TABLE metric_points (
    metric      TEXT NOT NULL,
    location_id TEXT NOT NULL,
    at          TEXT NOT NULL,
    value       REAL NOT NULL,
    PRIMARY KEY (metric, location_id, at)
);

CREATE TABLE anomaly_rules (
    id                TEXT PRIMARY KEY,
    metric            TEXT NOT NULL,
    detector          TEXT NOT NULL,
    threshold         REAL NOT NULL CHECK (threshold > 0),
    min_duration      INTEGER NOT NULL DEFAULT 1 CHECK (min_duration >= 1),
    cooldown_minutes  INTEGER NOT NULL DEFAULT 60 CHECK (cooldown_minutes >= 0),
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
    version           INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE anomalies (
    id           TEXT PRIMARY KEY,
    metric       TEXT NOT NULL,
    location_id  TEXT REFERENCES locations(id),
    subject      TEXT,
    at           TEXT NOT NULL,
    observed     REAL NOT NULL,
    expected     REAL NOT NULL,
    band_low     REAL NOT NULL,
    band_high    REAL NOT NULL,
    score        REAL NOT NULL,
    severity     TEXT NOT NULL CHECK (severity IN ('info','low','medium','high','critical')),
    status       TEXT NOT NULL CHECK (status IN ('detected','acknowledged','in_progress','resolved','false_positive')),
    assignee_id  TEXT REFERENCES users(id),
    detector     TEXT NOT NULL,
    occurrences  INTEGER NOT NULL DEFAULT 1,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX anomalies_by_location_status ON anomalies (location_id, status, at);
CREATE INDEX anomalies_by_metric_time ON anomalies (metric, at);

CREATE TABLE anomaly_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    anomaly_id  TEXT NOT NULL REFERENCES anomalies(id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor_id    TEXT,
    note        TEXT,
    at          TEXT NOT NULL
);
CREATE TABLE anomaly_comments (
    id         TEXT PRIMARY KEY,
    anomaly_id TEXT NOT NULL REFERENCES anomalies(id),
    author_id  TEXT NOT NULL REFERENCES users(id),
    body       TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX anomaly_comments_by_anomaly ON anomaly_comments (anomaly_id, at);

CREATE TABLE predictions (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('sales_forecast','service_demand','lead_score','maintenance')),
    subject       TEXT NOT NULL,
    location_id   TEXT REFERENCES locations(id),
    model_version TEXT NOT NULL,
    inputs        TEXT NOT NULL CHECK (json_valid(inputs)),
    output        TEXT NOT NULL CHECK (json_valid(output)),
    created_at    TEXT NOT NULL
);
CREATE INDEX predictions_by_subject ON predictions (kind, subject, created_at);

CREATE TABLE prediction_feedback (
    id            TEXT PRIMARY KEY,
    prediction_id TEXT NOT NULL REFERENCES predictions(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    rating        INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment       TEXT,
    at            TEXT NOT NULL
);

-- Notifications and chat.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT,
    read_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_by_user ON notifications (user_id, created_at DESC);

CREATE TABLE notification_preferences (
    user_id TEXT NOT NULL REFERENCES users(id),
    kind    TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('in_app','push','email')),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0,1)),
    PRIMARY KEY (user_id, kind, channel)
);

CREATE TABLE chat_rooms (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('work_order','lead','department')),
    subject_id  TEXT NOT NULL,
    location_id TEXT REFERENCES locations(id),
    created_at  TEXT NOT NULL,
    UNIQUE (kind, subject_id)
);

CREATE TABLE chat_members (
    room_id      TEXT NOT NULL REFERENCES chat_rooms(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    role         TEXT NOT NULL CHECK (role IN ('owner','admin','member','guest')),
    state        TEXT NOT NULL CHECK (state IN ('pending','accepted','rejected','expired')),
    invited_by   TEXT REFERENCES users(id),
    invited_at   TEXT NOT NULL,
    responded_at TEXT,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX chat_members_by_user ON chat_members (user_id);

CREATE TABLE chat_messages (
    id        TEXT PRIMARY KEY,
    room_id   TEXT NOT NULL REFERENCES chat_rooms(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body      TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    at        TEXT NOT NULL
);
CREATE INDEX chat_messages_by_room ON chat_messages (room_id, at);

-- Photos and documents live in R2; this is their index.
CREATE TABLE documents (
    id           TEXT PRIMARY KEY,
    owner_kind   TEXT NOT NULL CHECK (owner_kind IN ('work_order','vehicle','customer','inspection_item')),
    owner_id     TEXT NOT NULL,
    r2_key       TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    created_by   TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX documents_by_owner ON documents (owner_kind, owner_id);

-- Platform: audit, idempotency, webhooks.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor_id   TEXT,
    actor_role TEXT,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    before     TEXT CHECK (before IS NULL OR json_valid(before)),
    after      TEXT CHECK (after IS NULL OR json_valid(after)),
    request_id TEXT
);
CREATE INDEX audit_log_by_entity ON audit_log (entity, entity_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (principal, key)
);

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL CHECK (json_valid(events)),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
    created_at TEXT NOT NULL
);
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id),
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    attempt         INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
    next_attempt_at TEXT,
    response_status INTEGER,
    created_at      TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

-- Full-text search over stock and customers (external content, kept in sync by triggers).
CREATE VIRTUAL TABLE vehicles_fts USING fts5(make, model, trim, colour, body, fuel, features, content='vehicles', content_rowid='rowid');
INSERT INTO vehicles_fts (rowid, make, model, trim, colour, body, fuel, features) SELECT rowid, make, model, trim, colour, body, fuel, features FROM vehicles;
CREATE TRIGGER vehicles_fts_insert AFTER INSERT ON vehicles BEGIN
    INSERT INTO vehicles_fts (rowid, make, model, trim, colour, body, fuel, features) VALUES (new.rowid, new.make, new.model, new.trim, new.colour, new.body, new.fuel, new.features);
END;
CREATE TRIGGER vehicles_fts_delete AFTER DELETE ON vehicles BEGIN
    INSERT INTO vehicles_fts (vehicles_fts, rowid, make, model, trim, colour, body, fuel, features) VALUES ('delete', old.rowid, old.make, old.model, old.trim, old.colour, old.body, old.fuel, old.features);
END;
CREATE TRIGGER vehicles_fts_update AFTER UPDATE OF make, model, trim, colour, body, fuel, features ON vehicles BEGIN
    INSERT INTO vehicles_fts (vehicles_fts, rowid, make, model, trim, colour, body, fuel, features) VALUES ('delete', old.rowid, old.make, old.model, old.trim, old.colour, old.body, old.fuel, old.features);
    INSERT INTO vehicles_fts (rowid, make, model, trim, colour, body, fuel, features) VALUES (new.rowid, new.make, new.model, new.trim, new.colour, new.body, new.fuel, new.features);
END;

CREATE VIRTUAL TABLE customers_fts USING fts5(name, email, phone, content='customers', content_rowid='rowid');
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, name, email, phone) VALUES (new.rowid, new.name, new.email, new.phone);
END;
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, name, email, phone) VALUES ('delete', old.rowid, old.name, old.email, old.phone);
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF name, email, phone ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, name, email, phone) VALUES ('delete', old.rowid, old.name, old.email, old.phone);
    INSERT INTO customers_fts (rowid, name, email, phone) VALUES (new.rowid, new.name, new.email, new.phone);
END;
