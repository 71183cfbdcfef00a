-- Timeline entries on the live stream (issue 6): a person's or a company's
-- open page follows what others log there. The events table takes a second
-- topic, 'interaction', with the entry's subject; such rows are written by
-- the storage in the same transaction as the entry (not by a trigger, so
-- that `accord seed`'s millions of entries write none), with the same
-- NOTIFY as the deals' trigger.
ALTER TABLE events DROP CONSTRAINT events_topic_check;
ALTER TABLE events ADD CONSTRAINT events_topic_check CHECK (topic IN ('deal', 'interaction'));
ALTER TABLE events ADD COLUMN person_id BIGINT;
ALTER TABLE events ADD COLUMN company_id BIGINT;
