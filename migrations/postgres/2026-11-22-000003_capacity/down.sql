DROP TABLE idempotency_keys;
DROP TABLE reservation_events;
DROP TABLE reservations;
DROP TABLE capacity_blocks;
