-- Locations and the vehicles in their stock: the first slice of the system of record.
PRAGMA foreign_keys = ON;

CREATE TABLE locations (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    city TEXT NOT NULL
);

CREATE TABLE vehicles (
    id           TEXT PRIMARY KEY,
    vin          TEXT NOT NULL UNIQUE CHECK (length(vin) = 17),
    stock_number TEXT NOT NULL UNIQUE,
    make         TEXT NOT NULL,
    model        TEXT NOT NULL,
    year         INTEGER NOT NULL CHECK (year BETWEEN 1950 AND 2100),
    trim         TEXT NOT NULL,
    body         TEXT NOT NULL,
    fuel         TEXT NOT NULL,
    mileage_km   INTEGER NOT NULL CHECK (mileage_km >= 0),
    colour       TEXT NOT NULL,
    price_cents  INTEGER NOT NULL CHECK (price_cents > 0),
    features     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(features)),
    location_id  TEXT NOT NULL REFERENCES locations(id),
    status       TEXT NOT NULL CHECK (status IN ('incoming','available','reserved','sold','in_service','archived')),
    version      INTEGER NOT NULL DEFAULT 1,
    updated_at   TEXT NOT NULL
);

-- Keyset pagination orders by id within each filter.
CREATE INDEX vehicles_by_status_id ON vehicles (status, id);
CREATE INDEX vehicles_by_make_id ON vehicles (make COLLATE NOCASE, id);
CREATE INDEX vehicles_by_location_id ON vehicles (location_id, id);
