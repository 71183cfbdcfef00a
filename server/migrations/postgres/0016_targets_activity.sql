-- The dashboard's targets and activity (issue 6).
--
-- Monthly sales targets, per pipeline, for the whole organisation (no
-- team) or for one team. "Won this period vs target" adds up the months
-- of the period. Integer cents and an ISO 4217 code, as for deals.
CREATE TABLE sales_targets (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pipeline_id   BIGINT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    team_id       BIGINT REFERENCES teams (id) ON DELETE CASCADE,
    -- `YYYY-MM`: compared as text, in calendar order.
    month         TEXT   NOT NULL CHECK (month ~ '^[0-9]{4}-[01][0-9]$'),
    amount_cents  BIGINT NOT NULL CHECK (amount_cents > 0),
    currency      TEXT   NOT NULL CHECK (length(currency) = 3),
    set_by        BIGINT NOT NULL REFERENCES users (id),
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX sales_targets_one_per_month
    ON sales_targets (pipeline_id, COALESCE(team_id, 0), month);

-- Calls and meetings per rep over a period, read from the index alone at
-- millions of interactions.
CREATE INDEX interactions_by_kind_time ON interactions (kind, occurred_at, author_id);
