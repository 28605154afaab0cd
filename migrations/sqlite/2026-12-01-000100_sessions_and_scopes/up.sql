-- Sessions and API key scopes (issue 12).

-- Every change that must end a user's tokens (deactivation, reactivation, deletion,
-- password change, logout) moves `token_version`; tokens carry the version they were
-- issued at. A deleted user stays as a tombstone (email and password erased) so that the
-- ids recorded in history and in `api_keys.created_by` still resolve.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP;
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP;

-- Comma-separated scopes; existing keys keep everything they could do before.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL
    DEFAULT 'read,match,profiles:write,capacity:write,programs:write,reservations:write,admin';
-- The key that created this one (`created_by` names a user): revoking a key revokes
-- the keys it created.
ALTER TABLE api_keys ADD COLUMN created_by_key TEXT REFERENCES api_keys (id);
CREATE INDEX api_keys_created_by_key ON api_keys (created_by_key);
