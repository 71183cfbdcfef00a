-- Re-permission (issue 8): some weeks before a person's retention clock
-- runs out, Accord asks them by mail whether they still want to hear from
-- the organisation. "Yes" is a contact they initiated: their clock starts
-- again (and their given consents are confirmed anew on the ledger); no
-- answer by the limit and the retention run anonymises them.

-- When they were last asked (NULL: never); one mail per cycle.
ALTER TABLE people ADD COLUMN repermission_asked_at TIMESTAMPTZ;

-- The "yes" links: only the SHA-256 of the token; single use; valid until
-- the person's limit.
CREATE TABLE repermission_links (
    token_hash  TEXT    PRIMARY KEY,
    person_id   BIGINT NOT NULL REFERENCES people (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

CREATE INDEX repermission_links_by_person ON repermission_links (person_id);

-- How many people each run asked.
ALTER TABLE retention_runs ADD COLUMN asked BIGINT NOT NULL DEFAULT 0;
