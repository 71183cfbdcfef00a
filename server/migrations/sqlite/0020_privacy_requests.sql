-- The request register (issue 8): every request made through the privacy
-- portal, from receipt to its outcome, and the single-use links that prove
-- the requester controls the address.
--
-- The due date is one month from receipt (art. 12.3); it may be extended to
-- three months with a recorded reason. A request stays 'unverified' until
-- its link is confirmed; unconfirmed after seven days it is 'expired'.

-- What the portal's notice says besides the purposes: who to write to
-- about personal data, and where the data is kept.
ALTER TABLE organisation ADD COLUMN privacy_contact TEXT NOT NULL DEFAULT '';
ALTER TABLE organisation ADD COLUMN data_location TEXT NOT NULL DEFAULT '';

CREATE TABLE privacy_requests (
    id                INTEGER PRIMARY KEY,
    kind              TEXT    NOT NULL CHECK (kind IN ('access', 'rectification', 'erasure', 'restriction', 'objection', 'withdraw_all')),
    -- The address the request came from, as typed, and its lookup key.
    email             TEXT    NOT NULL,
    email_key         TEXT    NOT NULL,
    language          TEXT    NOT NULL CHECK (language IN ('en', 'fr')),
    -- What the requester wrote (what to rectify, say).
    details           TEXT    NOT NULL DEFAULT '',
    -- Found by the address once verified; NULL: Accord holds nothing.
    person_id         INTEGER REFERENCES people (id),
    received_at       TEXT    NOT NULL,
    verified_at       TEXT,
    due_at            TEXT    NOT NULL,
    extension_reason  TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL CHECK (status IN ('unverified', 'open', 'done', 'refused', 'expired')),
    handled_by        INTEGER REFERENCES users (id),
    -- What was done, or why it was refused.
    outcome           TEXT    NOT NULL DEFAULT '',
    closed_at         TEXT,
    version           INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX privacy_requests_by_due ON privacy_requests (status, due_at);
CREATE INDEX privacy_requests_by_person ON privacy_requests (person_id);

CREATE TABLE privacy_request_links (
    token_hash  TEXT    PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES privacy_requests (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('verify', 'download')),
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
) STRICT;

CREATE INDEX privacy_request_links_by_request ON privacy_request_links (request_id);
