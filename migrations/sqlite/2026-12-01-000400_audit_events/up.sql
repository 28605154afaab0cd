-- The audit trail (issue 12): who did what to which object of an organisation, and
-- when. Rows are written in the transaction of what they record and never changed.
CREATE TABLE audit_events (
    -- Time-ordered (UUID v7): the list's order and cursor.
    id                    TEXT PRIMARY KEY NOT NULL,
    -- Whose trail it is: the organisation owning the object.
    organization_id       TEXT NOT NULL REFERENCES organizations (id),
    occurred_at           TIMESTAMP NOT NULL,
    action                TEXT NOT NULL,
    -- Absent for a failed sign-in: nobody was authenticated.
    actor_kind            TEXT CHECK (actor_kind IN ('user', 'api_key')),
    actor_id              TEXT,
    actor_organization_id TEXT,
    object_kind           TEXT NOT NULL,
    object_id             TEXT NOT NULL,
    client_address        TEXT,
    detail                TEXT
);
CREATE INDEX audit_events_trail ON audit_events (organization_id, id);
