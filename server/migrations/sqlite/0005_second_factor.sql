-- Second factor: authenticator apps (TOTP), recovery codes, and the
-- organisation's rule that administrators and DPOs must use one.

ALTER TABLE organisation
    ADD COLUMN second_factor_required INTEGER NOT NULL DEFAULT 0 CHECK (second_factor_required IN (0, 1));

-- A session whose password was right but whose code is still awaited.
ALTER TABLE sessions
    ADD COLUMN second_factor_pending INTEGER NOT NULL DEFAULT 0 CHECK (second_factor_pending IN (0, 1));

CREATE TABLE user_totp (
    user_id                INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The shared secret must be readable to check codes (unlike a
    -- password, it cannot be hashed); the database file's protection is
    -- its protection.
    secret                 BLOB    NOT NULL,
    confirmed_at           TEXT,
    last_used_step         INTEGER NOT NULL DEFAULT 0,
    -- Newline-separated, only until the enrolment is confirmed.
    pending_recovery_codes TEXT,
    created_at             TEXT    NOT NULL
) STRICT;

-- SHA-256 of each code; a spent code keeps its row with `used_at`.
CREATE TABLE user_recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    TEXT,
    PRIMARY KEY (user_id, code_hash)
) STRICT;
