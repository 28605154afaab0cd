ALTER TABLE reservations DROP COLUMN shared_summary;
DROP TABLE watch_checks;
DROP TABLE watch_firings;
DROP TABLE capacity_watches;
DROP TABLE event_sequences;
DROP TABLE events;
