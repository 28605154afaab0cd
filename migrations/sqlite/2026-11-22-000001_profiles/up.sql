-- One capability profile per CDMO organisation. `document` is the current revision's
-- JSON, copied here so reads need no join; the search columns and facets are derived
-- from it on every write.
CREATE TABLE cdmo_profiles (
    id                TEXT PRIMARY KEY NOT NULL,
    organization_id   TEXT NOT NULL UNIQUE REFERENCES organizations (id),
    name              TEXT NOT NULL,
    name_lower        TEXT NOT NULL,
    current_revision  INTEGER NOT NULL CHECK (current_revision >= 1),
    document          TEXT NOT NULL,
    max_phase_rank    INTEGER,
    min_cryo_temp_c   INTEGER,
    closed_processing BOOLEAN NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX cdmo_profiles_name ON cdmo_profiles (name_lower, id);
CREATE INDEX cdmo_profiles_updated ON cdmo_profiles (updated_at, id);

-- Immutable: rows are only ever inserted.
CREATE TABLE cdmo_profile_revisions (
    profile_id TEXT NOT NULL REFERENCES cdmo_profiles (id),
    revision   INTEGER NOT NULL,
    document   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (profile_id, revision)
);

CREATE TABLE cdmo_profile_facets (
    profile_id TEXT NOT NULL REFERENCES cdmo_profiles (id),
    facet      TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (profile_id, facet, value)
);
CREATE INDEX cdmo_profile_facets_lookup ON cdmo_profile_facets (facet, value, profile_id);

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
