DROP INDEX api_keys_created_by_key;
ALTER TABLE api_keys DROP COLUMN created_by_key;
ALTER TABLE api_keys DROP COLUMN scopes;
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE users DROP COLUMN deactivated_at;
ALTER TABLE users DROP COLUMN token_version;
