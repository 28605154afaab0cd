-- Webhooks (issue 14): endpoints an organisation registers, the durable outbox of
-- deliveries (one row per event and endpoint, queued in the event's transaction) and
-- the log of every attempt.
CREATE TABLE webhook_endpoints (
    id                         TEXT PRIMARY KEY NOT NULL,
    organization_id            TEXT NOT NULL REFERENCES organizations (id),
    url                        TEXT NOT NULL,
    -- JSON list of event type names; empty: every type.
    event_types                TEXT NOT NULL,
    enabled                    BOOLEAN NOT NULL,
    -- whsec_<base64>: it signs the deliveries, so it is kept (not a hash).
    secret                     TEXT NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at TIMESTAMP,
    disabled_reason            TEXT,
    consecutive_failures       INTEGER NOT NULL DEFAULT 0,
    created_at                 TIMESTAMP NOT NULL,
    updated_at                 TIMESTAMP NOT NULL,
    deleted_at                 TIMESTAMP
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (organization_id, id);

-- The outbox. A delivery is due when pending, its next attempt has come, it is not
-- leased to a worker, and no older pending delivery of the same object to the same
-- endpoint waits before it (per-object order).
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY NOT NULL,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id         TEXT NOT NULL REFERENCES events (id),
    -- The event's object and feed position, for per-object order.
    object_id        TEXT NOT NULL,
    event_sequence   BIGINT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    lease_until      TIMESTAMP,
    leased_by        TEXT,
    created_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, object_id, event_sequence);

-- Every attempt, for the endpoint's owner to read.
CREATE TABLE webhook_attempts (
    id               TEXT PRIMARY KEY NOT NULL,
    delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries (id),
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    attempted_at     TIMESTAMP NOT NULL,
    success          BOOLEAN NOT NULL,
    response_status  INTEGER,
    latency_ms       BIGINT NOT NULL,
    error            TEXT,
    delivery_state   TEXT NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
