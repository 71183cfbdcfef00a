-- Second factor: authenticator apps (TOTP), recovery codes, and the
-- organisation's rule that administrators and DPOs must use one.

ALTER TABLE organisation
    ADD COLUMN second_factor_required BOOLEAN NOT NULL DEFAULT FALSE;

-- A session whose password was right but whose code is still awaited.
ALTER TABLE sessions
    ADD COLUMN second_factor_pending BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE user_totp (
    user_id                BIGINT      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The shared secret must be readable to check codes (unlike a
    -- password, it cannot be hashed); the database's protection is its
    -- protection.
    secret                 BYTEA       NOT NULL,
    confirmed_at           TIMESTAMPTZ,
    last_used_step         BIGINT      NOT NULL DEFAULT 0,
    -- Newline-separated, only until the enrolment is confirmed.
    pending_recovery_codes TEXT,
    created_at             TIMESTAMPTZ NOT NULL
);

-- SHA-256 of each code; a spent code keeps its row with `used_at`.
CREATE TABLE user_recovery_codes (
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT        NOT NULL,
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);
