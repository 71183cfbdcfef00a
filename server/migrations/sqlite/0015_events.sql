-- The live stream's source (issue 6): one row per committed change of a
-- deal, written by the database itself in the writer's transaction, so an
-- event exists exactly when its change committed, whatever code path made
-- it. Each instance's dispatcher reads new rows in id order and fans them
-- out to its subscribers; a browser that reconnects is replayed the rows
-- after the last id it saw. Rows hold ids only (no personal data) and are
-- pruned after a day by the jobs runner.
--
-- old_owner_id / old_team_id: who could see the deal before the change, so
-- that a deal given to another team disappears from the boards of the
-- team that lost it.

CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    topic         TEXT    NOT NULL CHECK (topic IN ('deal')),
    record_id     INTEGER NOT NULL,
    pipeline_id   INTEGER,
    owner_id      INTEGER,
    team_id       INTEGER,
    old_owner_id  INTEGER,
    old_team_id   INTEGER,
    at_ms         INTEGER NOT NULL
) STRICT;

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
