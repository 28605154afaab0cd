DROP TABLE share_links;
DROP TABLE shortlist_decisions;
ALTER TABLE shortlists DROP COLUMN archived_at;
ALTER TABLE programs DROP COLUMN archived_at;
