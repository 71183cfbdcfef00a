-- The organisation using this Accord instance.
--
-- Exactly one row (id = 1), inserted here so that reads never have to deal
-- with "no organisation yet"; the CHECK makes a second row impossible.
-- The name's real limit (100 characters, one line) is enforced by the
-- shared domain type; the CHECK here is a backstop against corrupt writes.
CREATE TABLE organisation (
    id          SMALLINT    PRIMARY KEY CHECK (id = 1),
    name        TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 400),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

INSERT INTO organisation (id, name) VALUES (1, 'My organisation');
