-- Unlisting (issue 11): a CDMO withdraws its profile from search and new matches, with a
-- reason and an optional date on which it comes back by itself.

-- The profile's current unlisting, if any. A row whose `relist_on` has come is inert:
-- the profile counts as listed from that date (judged against the date at read time).
CREATE TABLE profile_unlistings (
    profile_id  TEXT PRIMARY KEY NOT NULL REFERENCES cdmo_profiles (id),
    reason      TEXT NOT NULL CHECK (reason IN ('site_closed', 'intake_paused', 'regulatory_hold', 'other')),
    note        TEXT,
    -- YYYY-MM-DD: compares correctly as text on both backends.
    relist_on   TEXT,
    unlisted_by TEXT NOT NULL,
    unlisted_at TIMESTAMP NOT NULL
);

-- Every unlisting and relisting, kept for the owner to read.
CREATE TABLE profile_listing_events (
    id         TEXT PRIMARY KEY NOT NULL,
    profile_id TEXT NOT NULL REFERENCES cdmo_profiles (id),
    event      TEXT NOT NULL CHECK (event IN ('unlisted', 'relisted')),
    reason     TEXT CHECK (reason IN ('site_closed', 'intake_paused', 'regulatory_hold', 'other')),
    note       TEXT,
    relist_on  TEXT,
    actor      TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX profile_listing_events_profile ON profile_listing_events (profile_id, id);
