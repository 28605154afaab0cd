DROP INDEX reservations_sponsor_held;
