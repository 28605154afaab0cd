-- A sponsor's programme. `document` is the ProgramRequest JSON; `version` its ETag.
CREATE TABLE programs (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    document        TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX programs_organization ON programs (organization_id, id);

-- Immutable once written: the programme as it was and the match result it produced,
-- pinned to the profile revisions that result names.
CREATE TABLE shortlists (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    program_id      TEXT NOT NULL REFERENCES programs (id),
    program_version INTEGER NOT NULL,
    name            TEXT NOT NULL,
    program         TEXT NOT NULL,
    result          TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX shortlists_organization ON shortlists (organization_id, id);
