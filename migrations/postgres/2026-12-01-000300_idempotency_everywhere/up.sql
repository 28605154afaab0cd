-- Idempotency keys on every create (issue 12): a replay also repeats the headers that
-- locate and version what was created (Location, ETag), as a JSON list of [name, value].
ALTER TABLE idempotency_keys ADD COLUMN response_headers TEXT;
