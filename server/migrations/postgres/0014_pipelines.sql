-- Pipelines and their ordered stages, and deals placed on them. A card's
-- place in its column is a fractional rank key (app::domain::rank),
-- compared byte by byte (COLLATE "C", whatever the database's locale): a
-- move rewrites the moved deal only. Every change of stage is kept
-- (deal_stage_changes) for cycle time and conversion.

CREATE TABLE pipelines (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT        NOT NULL,
    position     BIGINT      NOT NULL,
    archived_at  TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE stages (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pipeline_id  BIGINT  NOT NULL REFERENCES pipelines (id),
    name         TEXT    NOT NULL,
    position     BIGINT  NOT NULL,
    probability  BIGINT  NOT NULL CHECK (probability BETWEEN 0 AND 100),
    kind         TEXT    NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    archived_at  TIMESTAMPTZ
);

CREATE INDEX stages_by_pipeline ON stages (pipeline_id, position);

-- A deal is on no board until a pipeline exists (deals converted from
-- leads before that); the first pipeline created takes them in.
ALTER TABLE deals
    ADD COLUMN pipeline_id BIGINT REFERENCES pipelines (id),
    ADD COLUMN stage_id BIGINT REFERENCES stages (id),
    ADD COLUMN rank TEXT COLLATE "C",
    ADD COLUMN probability BIGINT NOT NULL DEFAULT 0 CHECK (probability BETWEEN 0 AND 100),
    ADD COLUMN expected_close DATE,
    ADD COLUMN closed_on DATE,
    ADD COLUMN lost_reason TEXT NOT NULL DEFAULT '';

-- A column's cards in order, and its totals.
CREATE INDEX deals_on_board ON deals (stage_id, rank, id);

CREATE TABLE deal_stage_changes (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deal_id        BIGINT      NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    from_stage_id  BIGINT REFERENCES stages (id),
    to_stage_id    BIGINT      NOT NULL REFERENCES stages (id),
    changed_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    changed_at     TIMESTAMPTZ NOT NULL
);

CREATE INDEX deal_stage_changes_by_deal ON deal_stage_changes (deal_id, id);
