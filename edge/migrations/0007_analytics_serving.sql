-- Analytics serving: the rule behind each anomaly, staff verdicts that tune rules, the state of
-- streaming detectors per vehicle signal, and how often each prediction was (re)computed.

ALTER TABLE anomalies ADD COLUMN rule_id TEXT REFERENCES anomaly_rules(id);

-- One verdict per closed anomaly (resolved = it was real, false_positive = it was not), with the
-- peak score it had: the feedback `domain::analytics::anomaly::feedback` tunes thresholds from.
CREATE TABLE anomaly_feedback (
    anomaly_id TEXT PRIMARY KEY REFERENCES anomalies(id),
    rule_id    TEXT REFERENCES anomaly_rules(id),
    metric     TEXT NOT NULL,
    score      REAL NOT NULL,
    verdict    TEXT NOT NULL CHECK (verdict IN ('resolved','false_positive')),
    user_id    TEXT NOT NULL REFERENCES users(id),
    at         TEXT NOT NULL
);
CREATE INDEX anomaly_feedback_by_rule ON anomaly_feedback (rule_id, at);

-- Streaming detector state per (vehicle, signal): kept in D1 so it survives restarts and every
-- isolate sees the same baseline; `version` guards concurrent updates.
CREATE TABLE detector_state (
    subject    TEXT NOT NULL,
    metric     TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (json_valid(state)),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (subject, metric)
);

-- Each recomputation inserts a new prediction row; `computations` counts them per subject, so a
-- debounced burst can be seen to have run exactly once.
ALTER TABLE predictions ADD COLUMN computations INTEGER NOT NULL DEFAULT 1;

-- Default rules for the live telemetry signals and the daily series (thresholds are tuned by
-- feedback from here on; cooldowns in minutes).
INSERT INTO anomaly_rules (id, metric, detector, threshold, min_duration, cooldown_minutes) VALUES
    ('rule-battery-v', 'battery_v', 'ewma', 4.0, 1, 60),
    ('rule-coolant-c', 'coolant_c', 'ewma', 4.0, 1, 60),
    ('rule-daily-sales', 'daily_sales', 'seasonal_residual', 3.5, 1, 4320),
    ('rule-daily-leads', 'daily_leads', 'seasonal_residual', 3.5, 1, 4320);
