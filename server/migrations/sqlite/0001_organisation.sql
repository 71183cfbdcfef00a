-- The organisation using this Accord instance.
--
-- Exactly one row (id = 1), inserted here so that reads never have to deal
-- with "no organisation yet"; the CHECK makes a second row impossible.
-- The name's real limit (100 characters, one line) is enforced by the
-- shared domain type; the CHECK here is a backstop against corrupt writes.
CREATE TABLE organisation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 400),
    -- RFC 3339 in UTC, as sqlx writes chrono::DateTime<Utc>.
    updated_at  TEXT    NOT NULL
) STRICT;

INSERT INTO organisation (id, name, updated_at)
VALUES (1, 'My organisation', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
