-- People who sign in to Accord, and their sessions.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- As typed (domain lower-cased); `email_key` is the lower-cased whole
    -- address, unique, so two accounts cannot differ only by case.
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'manager', 'sales', 'marketing', 'dpo', 'readonly')),
    -- PHC string (argon2id with its parameters), never sent to a browser.
    password_hash TEXT    NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT    NOT NULL
) STRICT;

-- Only a SHA-256 of the session token is stored: someone reading the
-- database (or a backup) cannot use it to sign in.
CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,
    client_addr   TEXT    NOT NULL,
    user_agent    TEXT    NOT NULL
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id);
