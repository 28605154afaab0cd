-- SQLite cannot drop a column that is part of a foreign key: rebuild api_keys.
DROP INDEX api_keys_created_by_key;
CREATE TABLE api_keys_before_scopes (
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
INSERT INTO api_keys_before_scopes
    SELECT id, organization_id, name, prefix, secret_hash, role, created_by, created_at,
           last_used_at, revoked_at
    FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_before_scopes RENAME TO api_keys;
CREATE INDEX api_keys_organization ON api_keys (organization_id, id);
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE users DROP COLUMN deactivated_at;
ALTER TABLE users DROP COLUMN token_version;
