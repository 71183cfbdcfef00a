-- Companies, the link from a person to the company they work at, and the
-- interactions that make up a timeline.

CREATE TABLE companies (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- Folded name (app::domain::search::fold): finds "ACME" when "Acmé"
    -- is typed on a new person, and spots duplicates.
    name_key    TEXT    NOT NULL,
    legal_id    TEXT    NOT NULL DEFAULT '',
    domain      TEXT    NOT NULL DEFAULT '',
    sector      TEXT    NOT NULL DEFAULT '',
    size        TEXT    CHECK (size IN ('micro', 'small', 'medium', 'large')),
    address     TEXT    NOT NULL DEFAULT '',
    owner_id    INTEGER NOT NULL REFERENCES users (id),
    team_id     INTEGER REFERENCES teams (id),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX companies_by_name ON companies (name_key);
CREATE INDEX companies_by_owner ON companies (owner_id, id);
CREATE INDEX companies_by_team ON companies (team_id, id);

ALTER TABLE people ADD COLUMN company_id INTEGER REFERENCES companies (id);
CREATE INDEX people_by_company ON people (company_id, id);

CREATE VIRTUAL TABLE companies_search USING fts5(
    document,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

CREATE TRIGGER companies_search_follows_deletes AFTER DELETE ON companies
BEGIN
    DELETE FROM companies_search WHERE rowid = old.id;
END;

-- One entry of a timeline. An interaction is about a person, a company or
-- both (a person's entries carry their company, so the company's timeline
-- is one index range).
CREATE TABLE interactions (
    id                INTEGER PRIMARY KEY,
    person_id         INTEGER REFERENCES people (id) ON DELETE CASCADE,
    company_id        INTEGER REFERENCES companies (id) ON DELETE CASCADE,
    kind              TEXT    NOT NULL CHECK (kind IN ('call', 'meeting', 'email', 'note', 'task')),
    direction         TEXT    CHECK (direction IN ('inbound', 'outbound')),
    outcome           TEXT    CHECK (outcome IN ('reached', 'voicemail', 'no_answer', 'wrong_number')),
    duration_minutes  INTEGER CHECK (duration_minutes BETWEEN 0 AND 1440),
    body              TEXT    NOT NULL DEFAULT '',
    occurred_at       TEXT    NOT NULL,
    author_id         INTEGER NOT NULL REFERENCES users (id),
    due_at            TEXT,
    assignee_id       INTEGER REFERENCES users (id),
    done_at           TEXT,
    created_at        TEXT    NOT NULL,
    CHECK (person_id IS NOT NULL OR company_id IS NOT NULL)
) STRICT;

CREATE INDEX interactions_by_person ON interactions (person_id, occurred_at DESC, id DESC);
CREATE INDEX interactions_by_company ON interactions (company_id, occurred_at DESC, id DESC);
