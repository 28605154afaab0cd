DROP TABLE change_counters;
DROP TABLE profile_evidence;
DROP TABLE cdmo_profile_revisions;
DROP TABLE cdmo_profiles;
