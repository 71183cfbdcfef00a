-- Timeline entries on the live stream (issue 6): a person's or a company's
-- open page follows what others log there. The events table takes a second
-- topic, 'interaction', with the entry's subject; such rows are written by
-- the storage in the same transaction as the entry (not by a trigger, so
-- that `accord seed`'s millions of entries write none).
--
-- SQLite cannot change a CHECK constraint in place: the table is copied,
-- ids kept (clients resume from them). The deals' triggers name the table,
-- so they are dropped first and created again after the rename.
DROP TRIGGER deals_event_on_insert;
DROP TRIGGER deals_event_on_update;

CREATE TABLE events_next (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    topic         TEXT    NOT NULL CHECK (topic IN ('deal', 'interaction')),
    record_id     INTEGER NOT NULL,
    pipeline_id   INTEGER,
    owner_id      INTEGER,
    team_id       INTEGER,
    old_owner_id  INTEGER,
    old_team_id   INTEGER,
    -- An interaction's subject (either or both).
    person_id     INTEGER,
    company_id    INTEGER,
    at_ms         INTEGER NOT NULL
) STRICT;

INSERT INTO events_next (id, topic, record_id, pipeline_id, owner_id, team_id, old_owner_id, old_team_id, at_ms)
SELECT id, topic, record_id, pipeline_id, owner_id, team_id, old_owner_id, old_team_id, at_ms FROM events;

DROP TABLE events;
ALTER TABLE events_next RENAME TO events;

CREATE TRIGGER deals_event_on_insert AFTER INSERT ON deals
BEGIN
    INSERT INTO events (topic, record_id, pipeline_id, owner_id, team_id, at_ms)
    VALUES ('deal', NEW.id, NEW.pipeline_id, NEW.owner_id, NEW.team_id,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

-- Every change a person makes bumps the version; a column's ranks spread
-- out again do not, and are no event.
CREATE TRIGGER deals_event_on_update AFTER UPDATE ON deals
WHEN NEW.version <> OLD.version
BEGIN
    INSERT INTO events (topic, record_id, pipeline_id, owner_id, team_id, old_owner_id, old_team_id, at_ms)
    VALUES ('deal', NEW.id, NEW.pipeline_id, NEW.owner_id, NEW.team_id, OLD.owner_id, OLD.team_id,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
