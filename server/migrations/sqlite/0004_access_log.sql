-- The access log: who read or changed which personal data, when, from
-- where (GDPR art. 5.2 and 32: the controller must be able to show it).
--
-- Append-only. The application has no update path, and these triggers
-- refuse UPDATE always and DELETE except for the retention purge: the purge
-- writes its cutoff into `access_log_purge` inside its own transaction, and
-- only rows older than that cutoff may then be deleted.
CREATE TABLE access_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT    NOT NULL,
    user_id      INTEGER,              -- NULL: not signed in
    user_email   TEXT    NOT NULL,     -- as it was at the time
    action       TEXT    NOT NULL,     -- e.g. read, list, create, update
    record_type  TEXT    NOT NULL,     -- e.g. user, person
    record_id    TEXT    NOT NULL,     -- '' for lists
    outcome      TEXT    NOT NULL CHECK (outcome IN ('allowed', 'refused')),
    client_addr  TEXT    NOT NULL
) STRICT;

CREATE INDEX access_log_by_at ON access_log (at);
CREATE INDEX access_log_by_user ON access_log (user_id, at);
CREATE INDEX access_log_by_record ON access_log (record_type, record_id, at);

CREATE TABLE access_log_purge (
    cutoff TEXT NOT NULL
) STRICT;

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

CREATE TRIGGER access_log_delete_only_expired BEFORE DELETE ON access_log
WHEN NOT EXISTS (SELECT 1 FROM access_log_purge WHERE OLD.at < cutoff)
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only; only the retention purge deletes');
END;
