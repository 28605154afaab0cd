DROP TABLE profile_listing_events;
DROP TABLE profile_unlistings;
