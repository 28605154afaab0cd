-- One capability profile per CDMO organisation. `document` is the current revision's
-- JSON, copied here so reads need no join.
CREATE TABLE cdmo_profiles (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL UNIQUE REFERENCES organizations (id),
    name             TEXT NOT NULL,
    current_revision INTEGER NOT NULL CHECK (current_revision >= 1),
    document         TEXT NOT NULL,
    -- The value of change_counters('profiles') when this profile (or its evidence, or its
    -- organisation's verification) last changed: what in-process indexes refresh from.
    change_seq       BIGINT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX cdmo_profiles_change_seq ON cdmo_profiles (change_seq);

-- Immutable: rows are only ever inserted.
CREATE TABLE cdmo_profile_revisions (
    profile_id TEXT NOT NULL REFERENCES cdmo_profiles (id),
    revision   INTEGER NOT NULL,
    document   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (profile_id, revision)
);

CREATE TABLE profile_evidence (
    id                    TEXT PRIMARY KEY NOT NULL,
    profile_id            TEXT NOT NULL REFERENCES cdmo_profiles (id),
    subject               TEXT NOT NULL,
    section               TEXT NOT NULL,
    kind                  TEXT NOT NULL CHECK (kind IN ('document', 'certificate', 'inspection_report', 'third_party_registry')),
    reference             TEXT NOT NULL,
    url                   TEXT,
    expires_on            TEXT,
    verified_by           TEXT,
    verified_at           TIMESTAMP,
    verification_reset_at TIMESTAMP,
    created_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL
);
CREATE INDEX profile_evidence_profile ON profile_evidence (profile_id, id);

-- Monotonic counters. Writers increment one in the same transaction as their change;
-- the row lock orders the increments as the commits, so a reader that sees value V
-- has seen every change numbered V or less.
CREATE TABLE change_counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('profiles', 0);
