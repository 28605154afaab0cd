-- Decision records, archiving and share links (issue 15).

-- Archived programmes and shortlists stay readable by id; lists hide them by default.
ALTER TABLE programs ADD COLUMN archived_at TIMESTAMP;
ALTER TABLE shortlists ADD COLUMN archived_at TIMESTAMP;

-- A sponsor's decision on a shortlist. Immutable: a later decision supersedes the
-- current one. `sequence` counts a shortlist's decisions from 1; its uniqueness makes two
-- decisions recorded at once on one shortlist conflict instead of both claiming to be
-- current.
CREATE TABLE shortlist_decisions (
    id              TEXT PRIMARY KEY NOT NULL,
    shortlist_id    TEXT NOT NULL REFERENCES shortlists (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    sequence        INTEGER NOT NULL CHECK (sequence >= 1),
    outcome         TEXT NOT NULL CHECK (outcome IN ('award', 'no_award')),
    -- JSON list of the selected candidates (profile id, name, rank, revision) as the
    -- shortlist ranked them.
    selected        TEXT NOT NULL,
    rationale       TEXT NOT NULL,
    decided_by_kind TEXT NOT NULL CHECK (decided_by_kind IN ('user', 'api_key')),
    decided_by      TEXT NOT NULL,
    decided_by_name TEXT,
    decided_at      TIMESTAMP NOT NULL,
    supersedes      TEXT REFERENCES shortlist_decisions (id),
    UNIQUE (shortlist_id, sequence)
);

-- Read-only links to a shortlist's report for people without accounts. Only the
-- SHA-256 of the token is kept; the token is shown once, at creation.
CREATE TABLE share_links (
    id              TEXT PRIMARY KEY NOT NULL,
    shortlist_id    TEXT NOT NULL REFERENCES shortlists (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    token_hash      TEXT NOT NULL UNIQUE,
    label           TEXT,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    open_count      INTEGER NOT NULL DEFAULT 0,
    last_opened_at  TIMESTAMP
);
CREATE INDEX share_links_shortlist ON share_links (shortlist_id, id);
