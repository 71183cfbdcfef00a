-- The orders a list of people can be sorted by, each with its index so a
-- page costs the same at any depth: by name, and by last inbound contact
-- (never contacted last; the expression matches the list query's).
CREATE INDEX people_by_name ON people (last_name, first_name, id);
CREATE INDEX people_by_last_contact ON people ((COALESCE(last_inbound_at, '-infinity'::timestamptz)), id);
