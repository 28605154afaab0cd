DROP TABLE profile_evidence;
DROP TABLE cdmo_profile_facets;
DROP TABLE cdmo_profile_revisions;
DROP TABLE cdmo_profiles;
