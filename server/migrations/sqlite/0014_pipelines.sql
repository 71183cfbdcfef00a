-- Pipelines and their ordered stages, and deals placed on them. A card's
-- place in its column is a fractional rank key (app::domain::rank): a move
-- rewrites the moved deal only. Every change of stage is kept
-- (deal_stage_changes) for cycle time and conversion.

CREATE TABLE pipelines (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    archived_at  TEXT,
    created_at   TEXT    NOT NULL
) STRICT;

CREATE TABLE stages (
    id           INTEGER PRIMARY KEY,
    pipeline_id  INTEGER NOT NULL REFERENCES pipelines (id),
    name         TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    probability  INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    kind         TEXT    NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    archived_at  TEXT
) STRICT;

CREATE INDEX stages_by_pipeline ON stages (pipeline_id, position);

-- A deal is on no board until a pipeline exists (deals converted from
-- leads before that); the first pipeline created takes them in.
ALTER TABLE deals ADD COLUMN pipeline_id INTEGER REFERENCES pipelines (id);
ALTER TABLE deals ADD COLUMN stage_id INTEGER REFERENCES stages (id);
ALTER TABLE deals ADD COLUMN rank TEXT;
ALTER TABLE deals ADD COLUMN probability INTEGER NOT NULL DEFAULT 0 CHECK (probability BETWEEN 0 AND 100);
-- YYYY-MM-DD
ALTER TABLE deals ADD COLUMN expected_close TEXT;
ALTER TABLE deals ADD COLUMN closed_on TEXT;
ALTER TABLE deals ADD COLUMN lost_reason TEXT NOT NULL DEFAULT '';

-- A column's cards in order, and its totals.
CREATE INDEX deals_on_board ON deals (stage_id, rank, id);

CREATE TABLE deal_stage_changes (
    id             INTEGER PRIMARY KEY,
    deal_id        INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    from_stage_id  INTEGER REFERENCES stages (id),
    to_stage_id    INTEGER NOT NULL REFERENCES stages (id),
    changed_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    changed_at     TEXT    NOT NULL
) STRICT;

CREATE INDEX deal_stage_changes_by_deal ON deal_stage_changes (deal_id, id);
