-- Rights of the person and retention (issue 8).
--
-- Erasure anonymises: the person's row stays (deals, stage history and
-- counts keep pointing at it) but is emptied of everything that identifies
-- them, and `erasures` keeps the tombstone: that it happened, when, by whom
-- and why, without the data. The consent ledger is untouched (its rows hold
-- ids and digests only) and still verifies.

-- Set once, by erasure.
ALTER TABLE people ADD COLUMN erased_at TIMESTAMPTZ;
-- Restriction (art. 18): frozen until lifted.
ALTER TABLE people ADD COLUMN restricted_at TIMESTAMPTZ;
-- Objection to prospecting (art. 21).
ALTER TABLE people ADD COLUMN objected_at TIMESTAMPTZ;
-- When a customer became a former customer: their retention clock.
ALTER TABLE people ADD COLUMN relationship_ended_at TIMESTAMPTZ;
-- Why the data must be kept despite a request or the retention clock (a
-- legal obligation, e.g. invoices); '' for none.
ALTER TABLE people ADD COLUMN legal_hold TEXT NOT NULL DEFAULT '';

CREATE TABLE erasures (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id   BIGINT NOT NULL UNIQUE REFERENCES people (id),
    erased_at   TIMESTAMPTZ NOT NULL,
    -- NULL: the retention job.
    erased_by   BIGINT REFERENCES users (id),
    reason      TEXT    NOT NULL CHECK (reason IN ('request', 'retention'))
);

-- One row per retention run, dry or not, with what it found and did.
CREATE TABLE retention_runs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    as_of        DATE    NOT NULL,
    dry_run      BOOLEAN NOT NULL,
    -- NULL: the daily job or the command line.
    started_by   BIGINT REFERENCES users (id),
    due          BIGINT NOT NULL DEFAULT 0,
    erased       BIGINT NOT NULL DEFAULT 0,
    held         BIGINT NOT NULL DEFAULT 0
);
