-- Holds at the database's pace (issue 13): a hold counts the sponsor's live holds
-- against its limits; this index reads just those, however long the sponsor's history.
CREATE INDEX reservations_sponsor_held ON reservations (sponsor_organization_id, state, expires_at);
