-- The live stream's source (issue 6): one row per committed change of a
-- deal, written by the database itself in the writer's transaction, so an
-- event exists exactly when its change committed, whatever code path made
-- it. The trigger also sends NOTIFY accord_events with the row's id only
-- (far under the 8 KB payload limit); PostgreSQL delivers it at commit,
-- never before, to every instance's listener. A browser that reconnects is
-- replayed the rows after the last id it saw. Rows hold ids only (no
-- personal data) and are pruned after a day by the jobs runner.
--
-- old_owner_id / old_team_id: who could see the deal before the change, so
-- that a deal given to another team disappears from the boards of the
-- team that lost it.

CREATE TABLE events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic         TEXT   NOT NULL CHECK (topic IN ('deal')),
    record_id     BIGINT NOT NULL,
    pipeline_id   BIGINT,
    owner_id      BIGINT,
    team_id       BIGINT,
    old_owner_id  BIGINT,
    old_team_id   BIGINT,
    at_ms         BIGINT NOT NULL
);

CREATE FUNCTION deals_event() RETURNS trigger AS $$
DECLARE
    new_id BIGINT;
BEGIN
    -- Every change a person makes bumps the version; a column's ranks
    -- spread out again do not, and are no event.
    IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN
        RETURN NULL;
    END IF;
    INSERT INTO events (topic, record_id, pipeline_id, owner_id, team_id, old_owner_id, old_team_id, at_ms)
    VALUES ('deal', NEW.id, NEW.pipeline_id, NEW.owner_id, NEW.team_id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.owner_id END,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.team_id END,
            (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT)
    RETURNING id INTO new_id;
    PERFORM pg_notify('accord_events', new_id::TEXT);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER deals_event AFTER INSERT OR UPDATE ON deals
    FOR EACH ROW EXECUTE FUNCTION deals_event();
