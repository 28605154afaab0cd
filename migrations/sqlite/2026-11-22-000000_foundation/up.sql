CREATE TABLE organizations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('sponsor', 'cdmo', 'platform')),
    verified    BOOLEAN NOT NULL DEFAULT 0,
    verified_at TIMESTAMP,
    verified_by TEXT,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX organizations_kind_verified ON organizations (kind, verified);

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX users_organization ON users (organization_id, id);

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL UNIQUE,
    secret_hash     TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_by      TEXT REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    last_used_at    TIMESTAMP,
    revoked_at      TIMESTAMP
);
CREATE INDEX api_keys_organization ON api_keys (organization_id, id);
