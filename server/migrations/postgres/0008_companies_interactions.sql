-- Companies, the link from a person to the company they work at, and the
-- interactions that make up a timeline.

CREATE TABLE companies (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- Folded name (app::domain::search::fold): finds "ACME" when "Acmé"
    -- is typed on a new person, and spots duplicates.
    name_key    TEXT    NOT NULL,
    legal_id    TEXT    NOT NULL DEFAULT '',
    domain      TEXT    NOT NULL DEFAULT '',
    sector      TEXT    NOT NULL DEFAULT '',
    size        TEXT    CHECK (size IN ('micro', 'small', 'medium', 'large')),
    address     TEXT    NOT NULL DEFAULT '',
    owner_id    BIGINT  NOT NULL REFERENCES users (id),
    team_id     BIGINT  REFERENCES teams (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT  NOT NULL DEFAULT 1,
    search_document TEXT NOT NULL DEFAULT '',
    search      tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_document)) STORED
);

CREATE INDEX companies_by_name ON companies (name_key);
CREATE INDEX companies_by_owner ON companies (owner_id, id);
CREATE INDEX companies_by_team ON companies (team_id, id);
CREATE INDEX companies_search ON companies USING GIN (search);

ALTER TABLE people ADD COLUMN company_id BIGINT REFERENCES companies (id);
CREATE INDEX people_by_company ON people (company_id, id);

-- One entry of a timeline. An interaction is about a person, a company or
-- both (a person's entries carry their company, so the company's timeline
-- is one index range).
CREATE TABLE interactions (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id         BIGINT  REFERENCES people (id) ON DELETE CASCADE,
    company_id        BIGINT  REFERENCES companies (id) ON DELETE CASCADE,
    kind              TEXT    NOT NULL CHECK (kind IN ('call', 'meeting', 'email', 'note', 'task')),
    direction         TEXT    CHECK (direction IN ('inbound', 'outbound')),
    outcome           TEXT    CHECK (outcome IN ('reached', 'voicemail', 'no_answer', 'wrong_number')),
    duration_minutes  INTEGER CHECK (duration_minutes BETWEEN 0 AND 1440),
    body              TEXT    NOT NULL DEFAULT '',
    occurred_at       TIMESTAMPTZ NOT NULL,
    author_id         BIGINT  NOT NULL REFERENCES users (id),
    due_at            TIMESTAMPTZ,
    assignee_id       BIGINT  REFERENCES users (id),
    done_at           TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    CHECK (person_id IS NOT NULL OR company_id IS NOT NULL)
);

CREATE INDEX interactions_by_person ON interactions (person_id, occurred_at DESC, id DESC);
CREATE INDEX interactions_by_company ON interactions (company_id, occurred_at DESC, id DESC);
