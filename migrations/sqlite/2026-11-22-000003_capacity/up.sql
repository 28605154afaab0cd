-- Published capacity. `slots_held` counts reservations in state 'held' (an expired hold
-- is released, and uncounted, inside the next transaction that touches the block);
-- the CHECK makes double-booking impossible whatever the application does.
CREATE TABLE capacity_blocks (
    id              TEXT PRIMARY KEY NOT NULL,
    profile_id      TEXT NOT NULL REFERENCES cdmo_profiles (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    site_key        TEXT NOT NULL,
    country         TEXT NOT NULL,
    suite           TEXT NOT NULL,
    slot_kind       TEXT NOT NULL CHECK (slot_kind IN ('process_development', 'engineering_run', 'clinical_gmp_batch', 'commercial_batch')),
    -- JSON arrays of wire names.
    donor_sources   TEXT NOT NULL,
    modalities      TEXT NOT NULL,
    -- YYYY-MM-DD: compares correctly as text on both backends.
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    slots_total     INTEGER NOT NULL CHECK (slots_total >= 1),
    slots_held      INTEGER NOT NULL CHECK (slots_held >= 0),
    slots_confirmed INTEGER NOT NULL CHECK (slots_confirmed >= 0),
    lead_time_days  INTEGER NOT NULL,
    price_min_usd   BIGINT,
    price_max_usd   BIGINT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    CHECK (slots_held + slots_confirmed <= slots_total)
);
CREATE INDEX capacity_blocks_period ON capacity_blocks (period_start, id);
CREATE INDEX capacity_blocks_profile ON capacity_blocks (profile_id, id);

CREATE TABLE reservations (
    id                      TEXT PRIMARY KEY NOT NULL,
    capacity_id             TEXT NOT NULL REFERENCES capacity_blocks (id),
    sponsor_organization_id TEXT NOT NULL REFERENCES organizations (id),
    cdmo_organization_id    TEXT NOT NULL REFERENCES organizations (id),
    program_id              TEXT REFERENCES programs (id),
    slots                   INTEGER NOT NULL CHECK (slots >= 1),
    state                   TEXT NOT NULL CHECK (state IN ('held', 'confirmed', 'declined', 'cancelled', 'expired')),
    expires_at              TIMESTAMP NOT NULL,
    note                    TEXT,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);
CREATE INDEX reservations_capacity ON reservations (capacity_id, state, expires_at);
CREATE INDEX reservations_sponsor ON reservations (sponsor_organization_id, id);
CREATE INDEX reservations_cdmo ON reservations (cdmo_organization_id, id);
CREATE INDEX reservations_due ON reservations (state, expires_at);

CREATE TABLE reservation_events (
    id             TEXT PRIMARY KEY NOT NULL,
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    event          TEXT NOT NULL,
    from_state     TEXT,
    to_state       TEXT NOT NULL,
    actor          TEXT NOT NULL,
    at             TIMESTAMP NOT NULL,
    detail         TEXT
);
CREATE INDEX reservation_events_reservation ON reservation_events (reservation_id, id);

-- Idempotency keys, per organisation. `status` and `response` stay NULL while the first
-- request is in progress.
CREATE TABLE idempotency_keys (
    organization_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          INTEGER,
    response        TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
