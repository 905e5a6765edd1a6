-- Ground truth for anomaly detection: known incidents (in the demo, the injected ones; in
-- production, what staff confirm), so detectors can be scored by precision and recall.
CREATE TABLE labelled_anomalies (
    metric      TEXT NOT NULL,
    location_id TEXT NOT NULL REFERENCES locations(id),
    first_day   TEXT NOT NULL,
    last_day    TEXT NOT NULL CHECK (last_day >= first_day),
    label       TEXT NOT NULL,
    PRIMARY KEY (metric, location_id, first_day)
);
