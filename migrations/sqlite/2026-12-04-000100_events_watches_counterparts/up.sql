-- The exchange's events (issue 14): one row per event and organisation that may see
-- it, written in the transaction of the change, with the object as the API shows it
-- to that organisation. Rows are never changed.
CREATE TABLE events (
    -- Time-ordered (UUID v7); webhook deliveries carry it as `webhook-id`.
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    -- The organisation's feed position: gap-free and in commit order (event_sequences).
    sequence        BIGINT NOT NULL,
    event_type      TEXT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    actor_kind      TEXT CHECK (actor_kind IN ('user', 'api_key')),
    actor_id        TEXT,
    actor_organization_id TEXT,
    object_kind     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    -- JSON: the object after the change.
    payload         TEXT NOT NULL,
    UNIQUE (organization_id, sequence)
);
CREATE INDEX events_object ON events (organization_id, object_id, sequence);

-- Each organisation's last feed position. Taking the next one locks the row until the
-- transaction ends, so positions are handed out in commit order: a reader that has
-- seen position n has seen everything before it.
CREATE TABLE event_sequences (
    organization_id TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id),
    last_sequence   BIGINT NOT NULL
);

-- What a sponsor watches for: a programme's (or a requirement set's) hard constraints
-- and capacity need. The need's columns are copied out for the candidate query.
CREATE TABLE capacity_watches (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    program_id      TEXT REFERENCES programs (id),
    -- JSON: the requirement set watched (the programme's effective one when program_id).
    requirements    TEXT NOT NULL,
    slot_kind       TEXT NOT NULL,
    slots           INTEGER NOT NULL CHECK (slots >= 1),
    window_start    TEXT NOT NULL,
    window_end      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
CREATE INDEX capacity_watches_owner ON capacity_watches (organization_id, id);
CREATE INDEX capacity_watches_need ON capacity_watches (slot_kind, window_end);

-- A watch fires once per CDMO: the key makes a second firing impossible, across
-- processes too.
CREATE TABLE watch_firings (
    watch_id             TEXT NOT NULL REFERENCES capacity_watches (id),
    cdmo_organization_id TEXT NOT NULL REFERENCES organizations (id),
    fired_at             TIMESTAMP NOT NULL,
    PRIMARY KEY (watch_id, cdmo_organization_id)
);

-- CDMOs whose capacity changed (published, changed, withdrawn or freed) since the
-- watches were last checked against them: queued in the transaction of the change and
-- taken by the watch checker, so that a check survives a restart.
CREATE TABLE watch_checks (
    cdmo_organization_id TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id),
    queued_at            TIMESTAMP NOT NULL
);

-- Counterparts: what the sponsor chose to tell the CDMO about its programme on a hold.
ALTER TABLE reservations ADD COLUMN shared_summary TEXT;
